// Small HTTP helpers for seeding and for the concurrent-login load (not the measured load,
// which is autocannon's).
export interface ApiResponse {
  status: number;
  body: any;
  ms: number;
}

export async function api(base: string, method: string, path: string, opts: { body?: unknown; token?: string } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const t0 = performance.now();
  const res = await fetch(base + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  const ms = performance.now() - t0;
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, ms };
}

export function expectStatus(r: ApiResponse, status: number, what: string): void {
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 500)}`);
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/**
 * Keeps `concurrency` requests in flight until `until` (ms timestamp) or `stop()`; each worker
 * starts its next request when the previous answers. Returns counts and latencies.
 */
export function closedLoop(concurrency: number, until: number, request: () => Promise<ApiResponse>) {
  let stopped = false;
  const latencies: number[] = [];
  const okAt: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const t0 = performance.now();
  const workers = Array.from({ length: concurrency }, async () => {
    while (!stopped && Date.now() < until) {
      try {
        const r = await request();
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        latencies.push(r.ms);
        if (r.status >= 200 && r.status < 300) okAt.push(performance.now());
      } catch {
        errors++;
      }
    }
  });
  const done = Promise.all(workers).then(() => {
    const seconds = (performance.now() - t0) / 1000;
    const sorted = latencies.sort((a, b) => a - b);
    const ok = Object.entries(statuses)
      .filter(([s]) => s.startsWith('2'))
      .reduce((n, [, c]) => n + c, 0);
    return {
      seconds,
      completed: latencies.length,
      ok,
      perSecond: ok / seconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? Number.NaN,
      errors,
      non2xx: latencies.length - ok,
      statuses,
      /** Successful requests per second that completed inside [from, to] (performance.now() times). */
      rateBetween: (from: number, to: number) => okAt.filter((t) => t >= from && t <= to).length / ((to - from) / 1000),
    };
  });
  return {
    stop() {
      stopped = true;
    },
    done,
  };
}
