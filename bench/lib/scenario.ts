// A scenario's result from one or more autocannon runs of the same load.
import type { Measured } from './autocannon.ts';
import { percentile } from './http.ts';
import type { ScenarioResult } from './report.ts';

/** One scenario from one or more autocannon runs of the same load (rounds are pooled). */
export function toScenario(key: string, title: string, server: 'trellis' | 'floor', method: string, path: string, connections: number, runs: Measured[], note?: string): ScenarioResult {
  const statusCodes: Record<string, number> = {};
  let requests = 0;
  let seconds = 0;
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  let cpuMs: number | null = 0;
  const latencies: number[] = [];
  for (const { result: r, latencies: l, serverCpuMs } of runs) {
    cpuMs = cpuMs === null || serverCpuMs === undefined ? null : cpuMs + serverCpuMs;
    for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = (statusCodes[code] ?? 0) + v.count;
    requests += r.requests.total;
    seconds += r.duration;
    errors += r.errors;
    timeouts += r.timeouts;
    non2xx += r.non2xx;
    for (const x of l) latencies.push(x);
  }
  latencies.sort((a, b) => a - b);
  return {
    key,
    title,
    server,
    method,
    path,
    connections,
    seconds,
    requests,
    rps: seconds > 0 ? requests / seconds : 0,
    serverCpuUsPerRequest: cpuMs !== null && requests > 0 ? (cpuMs * 1000) / requests : null,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.length ? latencies[latencies.length - 1] : Number.NaN,
    avg: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : Number.NaN,
    errors,
    timeouts,
    non2xx,
    statusCodes,
    note,
  };
}
