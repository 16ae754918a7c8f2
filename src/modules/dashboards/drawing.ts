// Drawing on a thread of its own. vega, resvg's PNG encoding and pdfkit run synchronously for up to
// tens of milliseconds at a time and allocate heavily; on the API's event loop, a subscription run
// or an export would hold up every request that comes in meanwhile (bench/subscriptions.ts: the
// /health/live p99 during a run). One worker thread (drawing-worker.ts) draws instead: started
// with the first drawing, ended after IDLE_MS without one, and never keeping the process alive
// while it has nothing to do. A drawing that takes longer than DRAW_TIMEOUT_MS ends the worker
// (the drawings in flight fail; the next one starts a fresh worker).
import { Worker } from 'node:worker_threads';
import { chartRendererUrl, type RenderOptions } from '../visualizations/index.ts';
import type { ExportFormat } from './export-files.ts';
import type { Dashboard, DashboardData } from './service.ts';

export type DrawTask =
  | { kind: 'chart'; spec: Record<string, unknown>; opts: RenderOptions }
  | { kind: 'file'; format: ExportFormat; snapshot: { dashboard: Dashboard; data: DashboardData }; org: { name: string; timezone: string } | null; at: Date };
export type DrawReply = { id: number; body: Uint8Array } | { id: number; error: string };

const IDLE_MS = 60_000;
const DRAW_TIMEOUT_MS = 120_000;

interface Pending {
  resolve(body: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

let worker: Worker | null = null;
let idleTimer: NodeJS.Timeout | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

function settle(id: number, outcome: { body: Buffer } | { error: Error }) {
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  clearTimeout(p.timer);
  if ('body' in outcome) p.resolve(outcome.body);
  else p.reject(outcome.error);
}

/** Ends the worker; whatever it was drawing fails with `why`. */
function stop(w: Worker, why: string) {
  if (worker === w) worker = null;
  for (const id of [...pending.keys()]) settle(id, { error: new Error(why) });
  void w.terminate();
}

function idle(w: Worker) {
  // Nothing to wait for: the process may exit, and a minute later the thread and its memory go.
  w.unref();
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (worker === w && pending.size === 0) stop(w, 'drawing worker idle');
  }, IDLE_MS);
  idleTimer.unref();
}

function start(): Worker {
  const w = new Worker(new URL('./drawing-worker.ts', import.meta.url), { workerData: { chartRendererUrl } });
  w.on('message', (reply: DrawReply) => {
    settle(reply.id, 'body' in reply ? { body: Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength) } : { error: new Error(reply.error) });
    if (pending.size === 0) idle(w);
  });
  w.on('error', (err) => stop(w, `drawing worker failed: ${err.message}`));
  w.on('exit', () => stop(w, 'drawing worker exited'));
  return w;
}

function draw(task: DrawTask): Promise<Buffer> {
  worker ??= start();
  const w = worker;
  w.ref();
  clearTimeout(idleTimer);
  const id = ++nextId;
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => stop(w, `a drawing took longer than ${DRAW_TIMEOUT_MS / 1000} s`), DRAW_TIMEOUT_MS);
    pending.set(id, { resolve, reject, timer });
    w.postMessage({ id, task });
  });
}

/** A chart spec drawn by the visualizations renderer, on the drawing thread. */
export const drawChart = (spec: Record<string, unknown>, opts: RenderOptions): Promise<Buffer> => draw({ kind: 'chart', spec, opts });

/** `renderDashboardFile` (export-files.ts) on the drawing thread. */
export const drawDashboardFile = (format: ExportFormat, snapshot: { dashboard: Dashboard; data: DashboardData }, org: { name: string; timezone: string } | null, at: Date): Promise<Buffer> =>
  draw({ kind: 'file', format, snapshot, org, at });
