// Latency summaries of the data benchmarks: milliseconds, nearest-rank percentiles.
import { percentile } from '../http.ts';

export interface Latency {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(ms: readonly number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  return { samples: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

/** The median of the per-iteration differences a[i] − b[i] (runs measured side by side). */
export function pairedMedian(a: readonly number[], b: readonly number[]): number {
  return summarize(a.map((x, i) => x - b[i])).p50;
}
