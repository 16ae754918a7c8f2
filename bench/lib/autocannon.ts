// A typed door to autocannon 9 (it ships no types, and @types/autocannon is not a dependency).
import { createRequire } from 'node:module';

export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest | undefined;
  onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, unknown>) => void;
}

export interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  maxOverallRequests?: number;
  timeout?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
}

export interface Histogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  p99_9: number;
}

export interface AutocannonResult {
  latency: Histogram;
  requests: Histogram;
  throughput: Histogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
  '2xx': number;
  '4xx': number;
  '5xx': number;
}

export interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  stop(): void;
  on(event: string, listener: (...args: any[]) => void): void;
}

type AutocannonFn = (opts: AutocannonOptions) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as AutocannonFn;

export interface Measured {
  result: AutocannonResult;
  /** Every response's latency in ms (autocannon's own histogram keeps whole milliseconds only). */
  latencies: number[];
  /** CPU time the server process used during the run, when asked for. */
  serverCpuMs?: number;
}

/** Runs one load test; the promise settles when autocannon stops (time, count or stop()). */
export function runLoad(opts: AutocannonOptions): { instance: AutocannonInstance; done: Promise<Measured> } {
  const instance = autocannon(opts);
  const latencies: number[] = [];
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const done = new Promise<Measured>((resolve, reject) => instance.then((result) => resolve({ result, latencies }), reject));
  return { instance, done };
}
