// Prometheus metrics on a registry per app instance (tests build many apps in one process).
import { collectDefaultMetrics, Gauge, type MetricValue, type MetricValueWithName, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Counts one answered HTTP request in `http_requests_total` and `http_request_duration_seconds`. */
  observeHttp(method: string, route: string, status: number, seconds: number): void;
  /** Registers a gauge whose value is read at scrape time. */
  gauge(name: string, help: string, collect: () => Promise<number> | number): void;
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Labels = { method: string; route: string; status: string };

interface Series {
  labels: Labels;
  count: number;
  sum: number;
  /** Per bucket (not cumulative); the last slot is above the largest bound. */
  buckets: Float64Array;
}

/**
 * The per-request HTTP series. prom-client's Counter.inc and Histogram.observe validate the
 * labels object and rebuild its hash string on every call (~5 µs a request together, measured
 * under load); here each (route, method, status) series is found through nested maps keyed by
 * the values themselves and updated in place. Both metrics are registered in the prom-client
 * registry as metric objects of their own and render in the same exposition format as
 * prom-client's Counter and Histogram.
 */
class HttpSeries {
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();

  observe(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.byRoute.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let series = byStatus.get(status);
    if (!series) {
      series = { labels: { method, route, status: String(status) }, count: 0, sum: 0, buckets: new Float64Array(DURATION_BUCKETS.length + 1) };
      byStatus.set(status, series);
    }
    series.count++;
    series.sum += seconds;
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++;
    series.buckets[i]++;
  }

  *all(): Generator<Series> {
    for (const byMethod of this.byRoute.values()) for (const byStatus of byMethod.values()) yield* byStatus.values();
  }

  reset(): void {
    this.byRoute.clear();
  }
}

/** The subset of prom-client's metric interface its Registry uses. */
interface RegistrableMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: MetricValue<string>[] }>;
  reset(): void;
}

function httpMetrics(series: HttpSeries): RegistrableMetric[] {
  const requests: RegistrableMetric = {
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    type: 'counter',
    aggregator: 'sum',
    async get() {
      const values: MetricValue<string>[] = [];
      for (const s of series.all()) values.push({ labels: { ...s.labels }, value: s.count });
      return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values };
    },
    reset: () => series.reset(),
  };
  const duration: RegistrableMetric = {
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: MetricValueWithName<string>[] = [];
      for (const s of series.all()) {
        let cumulative = 0;
        for (let i = 0; i < DURATION_BUCKETS.length; i++) {
          cumulative += s.buckets[i];
          values.push({ labels: { le: DURATION_BUCKETS[i], ...s.labels }, value: cumulative, metricName: `${this.name}_bucket` });
        }
        values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
        values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
        values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
      }
      return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
    },
    reset: () => series.reset(),
  };
  return [requests, duration];
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const series = new HttpSeries();
  for (const metric of httpMetrics(series)) registry.registerMetric(metric as never);
  return {
    registry,
    observeHttp: (method, route, status, seconds) => series.observe(method, route, status, seconds),
    gauge(name, help, collect) {
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          this.set(await collect());
        },
      });
    },
  };
}
