// The fault suite's mixed load: a few concurrent clients of one Trellis process, bounded in
// count and time, every answer kept as a sample. Writers log time entries (each with a tag of
// its own as description) and register accounts (each with an email of its own): what was
// acknowledged is checked one by one at the end, and what was refused is checked absent.
// Readers ask for /users/me and the project list; a probe asks for /health/ready and /metrics.
import { PASSWORD } from '../processes.ts';

export type Kind = 'entry' | 'register' | 'me' | 'projects' | 'ready' | 'metrics';

export interface Sample {
  kind: Kind;
  client: string;
  start: number;
  end: number;
  ms: number;
  /** 0: no answer (connection refused or reset, or the client gave up). */
  status: number;
  /** problem+json `code`. */
  code?: string;
  contentType: string | null;
  retryAfter: string | null;
  /** The write's tag (entry description) or email. */
  ref?: string;
  /** The id of what a write created (201). */
  id?: string;
  /** The client gave up before the answer (its timeout). */
  abandoned?: boolean;
  /** /health/ready's status field. */
  readiness?: string;
  error?: string;
}

export interface Actor {
  email: string;
  userId: string;
  token: string;
  orgId: string;
  projectId: string;
}

export interface CallResult {
  status: number;
  body: any;
  text: string;
  contentType: string | null;
  retryAfter: string | null;
  error?: string;
  aborted?: boolean;
}

export async function call(url: string, method: string, opts: { body?: unknown; token?: string; timeoutMs?: number } = {}): Promise<CallResult> {
  try {
    const res = await fetch(url, {
      method,
      headers: { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text, contentType: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const aborted = e.name === 'TimeoutError' || e.name === 'AbortError';
    return { status: 0, body: undefined, text: '', contentType: null, retryAfter: null, error: `${e.name}: ${e.cause?.code ?? e.message}`, aborted };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The time slot of a writer's n-th entry: an hour apart, so no two of one user overlap. */
const slot = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString();

export interface LoadOptions {
  base: string;
  metricsBase: string;
  writers: Actor[];
  readers: Actor[];
  /** A tag that makes this run's refs unique. */
  run: string;
  /** Every loop stops by itself after this long, whatever the test does. */
  maxMs: number;
}

export class Load {
  readonly samples: Sample[] = [];
  private running = true;
  private loops: Promise<void>[] = [];
  private seq = 0;
  private readonly stopAt: number;
  private readonly opts: LoadOptions;

  constructor(opts: LoadOptions) {
    this.opts = opts;
    this.stopAt = Date.now() + opts.maxMs;
  }

  private get on() {
    return this.running && Date.now() < this.stopAt;
  }

  private async sample(kind: Kind, client: string, method: string, url: string, opts: { body?: unknown; token?: string; timeoutMs?: number; ref?: string; abandoning?: boolean } = {}) {
    const start = Date.now();
    const res = await call(url, method, opts);
    const end = Date.now();
    const s: Sample = {
      kind,
      client,
      start,
      end,
      ms: end - start,
      status: res.status,
      contentType: res.contentType,
      retryAfter: res.retryAfter,
      ...(res.body?.code ? { code: res.body.code } : {}),
      ...(opts.ref ? { ref: opts.ref } : {}),
      ...(res.error ? { error: res.error } : {}),
      ...(res.aborted && opts.abandoning ? { abandoned: true } : {}),
    };
    if (res.status === 201) s.id = kind === 'register' ? res.body?.user?.id : res.body?.id;
    if (kind === 'ready') s.readiness = res.body?.status;
    this.samples.push(s);
    return s;
  }

  /** One time entry as `actor`, tagged; `timeoutMs` short makes an abandoning client. */
  entry(actor: Actor, client: string, timeoutMs?: number) {
    const n = this.seq++;
    const ref = `${this.opts.run}-e${n}`;
    return this.sample('entry', client, 'POST', `${this.opts.base}/api/v1/orgs/${actor.orgId}/time-entries`, {
      token: actor.token,
      body: { projectId: actor.projectId, start: slot(n), durationSeconds: 600, description: ref },
      ref,
      timeoutMs,
      abandoning: timeoutMs !== undefined,
    });
  }

  register(client: string) {
    const email = `${this.opts.run}-r${this.seq++}@example.test`;
    return this.sample('register', client, 'POST', `${this.opts.base}/api/v1/auth/register`, { body: { email, password: PASSWORD, displayName: 'Fault Load' }, ref: email });
  }

  start() {
    const { base, metricsBase } = this.opts;
    this.opts.writers.forEach((actor, i) => {
      this.loops.push(
        (async () => {
          for (let k = 0; this.on; k++) {
            await this.entry(actor, `writer${i}`);
            // Registrations hash a password (argon2): one in four rounds.
            if (k % 4 === i % 4) await this.register(`writer${i}`);
            await sleep(40);
          }
        })(),
      );
    });
    this.opts.readers.forEach((actor, i) => {
      this.loops.push(
        (async () => {
          while (this.on) {
            await this.sample('me', `reader${i}`, 'GET', `${base}/api/v1/users/me`, { token: actor.token });
            await this.sample('projects', `reader${i}`, 'GET', `${base}/api/v1/orgs/${actor.orgId}/projects`, { token: actor.token });
            await sleep(20);
          }
        })(),
      );
    });
    this.loops.push(
      (async () => {
        while (this.on) {
          await this.sample('ready', 'probe', 'GET', `${base}/health/ready`, { timeoutMs: 5000 });
          await this.sample('metrics', 'probe', 'GET', `${metricsBase}/metrics`, { timeoutMs: 5000 });
          await sleep(150);
        }
      })(),
    );
  }

  async stop() {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Samples of `kinds` that started in [from, to). */
  between(from: number, to: number, ...kinds: Kind[]): Sample[] {
    return this.samples.filter((s) => s.start >= from && s.start < to && (kinds.length === 0 || kinds.includes(s.kind)));
  }

  /** Samples of `kinds` answered in [from, to). */
  answeredBetween(from: number, to: number, ...kinds: Kind[]): Sample[] {
    return this.samples.filter((s) => s.end >= from && s.end < to && (kinds.length === 0 || kinds.includes(s.kind)));
  }
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function latency(samples: Sample[]) {
  const ms = samples.map((s) => s.ms);
  return { n: ms.length, p50: percentile(ms, 50), p95: percentile(ms, 95), p99: percentile(ms, 99), max: ms.length ? Math.max(...ms) : Number.NaN };
}

/** A refusal as the issue wants it: 503 problem+json with Retry-After. */
export const isRetryable503 = (s: Sample) => s.status === 503 && (s.contentType ?? '').startsWith('application/problem+json') && Number(s.retryAfter) > 0;
