import { describe, expect, it } from 'vitest';
import type { Actor } from '../../core/context/actor.ts';
import { AppError } from '../../core/errors.ts';
import type { Widget } from './schemas.ts';
import { type ChartData, computeWidgets, createWidgetData } from './widgets.ts';

const widget = (id: string, kind: Widget['kind'] = 'question'): Widget => ({ id, kind, x: 0, y: 0, w: 1, h: 1, ...(kind === 'text' ? { markdown: '**hi** <script>x</script>' } : {}), ...(kind === 'chart' ? { chartId: '00000000-0000-7000-8000-000000000009' } : {}), ...(kind === 'question' ? { questionId: '00000000-0000-7000-8000-000000000001' } : {}) });
const result = { columns: [{ name: 'n', type: 'integer' }], rows: [[1]], rowCount: 1, truncated: false, durationMs: 1, cached: false, cachedAt: null };
const actor = { principal: { userId: 'u' } } as unknown as Actor;

describe('computeWidgets', () => {
  it('answers each widget on its own: ok, error, timed_out', async () => {
    const started = Date.now();
    const out = await computeWidgets(
      [widget('fast'), widget('broken'), widget('slow'), widget('bug')],
      async (w) => {
        if (w.id === 'broken') throw new AppError('unavailable', 'DATA_SOURCES.UNREACHABLE', 'The source did not answer');
        if (w.id === 'slow') await new Promise((r) => setTimeout(r, 2000));
        if (w.id === 'bug') throw new Error('secret internals');
        return { result };
      },
      100,
    );
    expect(Date.now() - started).toBeLessThan(1500);
    expect(out.map((o) => [o.widgetId, o.status])).toEqual([
      ['fast', 'ok'],
      ['broken', 'error'],
      ['slow', 'timed_out'],
      ['bug', 'error'],
    ]);
    expect(out[0].result).toEqual(result);
    expect(out[1].error).toEqual({ code: 'DATA_SOURCES.UNREACHABLE', detail: 'The source did not answer' });
    expect(JSON.stringify(out[3])).not.toContain('secret');
  });
});

describe('createWidgetData', () => {
  const runs = { run: async () => result, close: async () => {} };

  it('renders text, runs questions, and answers charts unavailable until the port is wired', async () => {
    const data = createWidgetData({ chartData: null });
    expect((await data(actor, 'o', widget('t', 'text'), [], runs)).html).toBe('<p><strong>hi</strong> </p>\n');
    expect((await data(actor, 'o', widget('q'), [], runs)).result).toEqual(result);
    const [chart] = await computeWidgets([widget('c', 'chart')], (w) => data(actor, 'o', w, [], runs), 1000);
    expect(chart).toMatchObject({ status: 'error', error: { code: 'DASHBOARDS.CHARTS_UNAVAILABLE', detail: 'charts are not available yet' } });
  });

  it('runs no question for an API key without analytics:read', async () => {
    const data = createWidgetData({ chartData: null });
    const key = { principal: { userId: 'u', scopes: ['dashboards:read'] } } as unknown as Actor;
    await expect(data(key, 'o', widget('q'), [], runs)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const allowed = { principal: { userId: 'u', scopes: ['dashboards:read', 'analytics:read'] } } as unknown as Actor;
    expect((await data(allowed, 'o', widget('q'), [], runs)).result).toEqual(result);
  });

  it('hands chart widgets to the ChartData port with their parameters', async () => {
    const calls: unknown[] = [];
    const chartData: ChartData = async (_actor, orgId, chartId, input) => {
      calls.push([orgId, chartId, input]);
      return { spec: { mark: 'bar' }, result };
    };
    const data = createWidgetData({ chartData });
    expect(await data(actor, 'o', widget('c', 'chart'), [{ name: 'since', value: '2026-01-01' }], runs)).toEqual({ spec: { mark: 'bar' }, result });
    expect(calls).toEqual([['o', '00000000-0000-7000-8000-000000000009', { parameters: [{ name: 'since', value: '2026-01-01' }], runs }]]);
  });
});
