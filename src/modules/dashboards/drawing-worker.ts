// The drawing thread (drawing.ts): charts and dashboard files are drawn here, off the API's event
// loop, one message a drawing, answered with the bytes or the error's message. It loads the chart
// renderer by the URL the visualizations module gives out (only vega, vega-lite and resvg) and
// this module's file renderers, never the app.
import { parentPort, workerData } from 'node:worker_threads';
import type { renderChart as RenderChart } from '../visualizations/index.ts';
import type { DrawReply, DrawTask } from './drawing.ts';
import { renderDashboardFile } from './export-files.ts';
import type { ChartSvg } from './export-model.ts';

const port = parentPort;
if (!port) throw new Error('drawing-worker.ts runs as a worker thread (drawing.ts starts it)');
const renderer = import((workerData as { chartRendererUrl: string }).chartRendererUrl) as Promise<{ renderChart: typeof RenderChart }>;

/** The chart's SVG, in the light theme: how the files draw their charts. */
const chartSvg: ChartSvg = async (spec, width, height) => (await (await renderer).renderChart(spec as never, { format: 'svg', width, height, theme: 'light' })).body.toString('utf8');

port.on('message', async ({ id, task }: { id: number; task: DrawTask }) => {
  let reply: DrawReply;
  try {
    const { renderChart } = await renderer;
    const body = task.kind === 'chart' ? (await renderChart(task.spec as never, task.opts)).body : await renderDashboardFile(task.format, task.snapshot, task.org, task.at, chartSvg);
    reply = { id, body };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : 'the drawing failed' };
  }
  port.postMessage(reply);
});
