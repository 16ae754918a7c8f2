// `GET /health/live` probes sent from a thread of their own: the same open loop as
// subscriptions.ts's startProbe (one probe every `everyMs`, whether or not the last one answered),
// but a probe's latency is not this process's event-loop wait. The chat bench's main thread runs a
// thousand clients and the scripted provider; its own stalls (BENCHMARKS.md reports them apart)
// would otherwise be counted as the server's.
import { Worker } from 'node:worker_threads';
import type { Probe } from '../subscriptions.ts';
import { summarize } from './data-sources/stats.ts';

// CommonJS, evaluated: the thread needs nothing of this project.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { base, everyMs, maxInFlight } = workerData;
const ms = [];
let errors = 0, non2xx = 0, skipped = 0, inFlight = 0;
const t0 = performance.now();
const timer = setInterval(() => {
  if (inFlight >= maxInFlight) { skipped++; return; }
  inFlight++;
  const start = performance.now();
  fetch(base + '/health/live', { signal: AbortSignal.timeout(10000) })
    .then(async (r) => { await r.arrayBuffer(); ms.push(performance.now() - start); if (!r.ok) non2xx++; })
    .catch(() => { errors++; })
    .finally(() => { inFlight--; });
}, everyMs);
parentPort.on('message', async () => {
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  parentPort.postMessage({ ms, errors, non2xx, skipped, seconds });
});
`;

export function startProbeThread(base: string, everyMs: number, maxInFlight = 50) {
  const worker = new Worker(THREAD, { eval: true, workerData: { base, everyMs, maxInFlight } });
  return {
    async stop(): Promise<Probe> {
      const done = new Promise<{ ms: number[]; errors: number; non2xx: number; skipped: number; seconds: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage('stop');
      const { ms, ...rest } = await done;
      await worker.terminate();
      return { ...summarize(ms), ...rest };
    },
  };
}
