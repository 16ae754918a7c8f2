// The outbox benchmarks: events published through the real outbox (createOutbox, in the
// publisher's transactions) and delivered by the real dispatcher in bench/events-worker.ts to
// three read models (read-models.ts). Times are PostgreSQL's clock: `occurred_at` (the
// publishing transaction's start), `delivered_at` (the dispatcher marking the event delivered to
// all three) and each read model's `handled_at` (its handler's insert); the lag adds the moment
// each COMMIT returned to the publisher.
//   throughput: N events in transactions of T, from P connections as fast as they commit;
//               events/s from the first publish to the last event delivered.
//   lag:        one event per transaction (a request's) at a steady rate, paced; the lag of each
//               (event, read model) runs from the moment its COMMIT returned to the publisher
//               (the system's wall clock, which PostgreSQL's clock_timestamp() reads too) to its
//               `handled_at`; from `occurred_at` too, which adds the publishing transaction.
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../../src/core/db/database.ts';
import { createOutbox } from '../../../src/core/events/outbox.ts';
import { percentile } from '../http.ts';
import { backendCpu, backendCpuSince, type Queryable } from '../pg-cpu.ts';
import { cpuTimeMs, sleep } from '../proc.ts';
import { BENCH_EVENT, entryCreated, READ_MODEL_TABLES } from './read-models.ts';

/** The connections of each side give these names, so the database's CPU is told apart. */
export const WORKER_APP_NAME = 'bench-events-worker';
export const PUBLISHER_APP_NAME = 'bench-events-publisher';

export interface OutboxBenchContext {
  /** The publisher's pool (its connections named PUBLISHER_APP_NAME). */
  publisher: Database;
  /** A connection of its own for the measurements. */
  admin: Queryable;
  /** The dispatcher's process. */
  workerPid: number;
  log(message: string): void;
}

/** CPU of each side during a phase: µs per event, and % of one core. */
export interface CpuSplit {
  workerUsPerEvent: number | null;
  workerDatabaseUsPerEvent: number;
  publisherUsPerEvent: number;
  publisherDatabaseUsPerEvent: number;
  workerPercent: number | null;
  databasePercent: number;
}

async function cpuMeter(ctx: OutboxBenchContext) {
  const worker = cpuTimeMs(ctx.workerPid);
  const workerDb = await backendCpu(ctx.admin, WORKER_APP_NAME);
  const publisherDb = await backendCpu(ctx.admin, PUBLISHER_APP_NAME);
  const own = process.cpuUsage();
  const t0 = performance.now();
  return async (events: number): Promise<CpuSplit> => {
    const seconds = (performance.now() - t0) / 1000;
    const workerAfter = cpuTimeMs(ctx.workerPid);
    const workerMs = worker !== null && workerAfter !== null ? workerAfter - worker : null;
    const workerDbMs = backendCpuSince(workerDb, await backendCpu(ctx.admin, WORKER_APP_NAME));
    const publisherDbMs = backendCpuSince(publisherDb, await backendCpu(ctx.admin, PUBLISHER_APP_NAME));
    const ownUsage = process.cpuUsage(own);
    const perEvent = (ms: number) => (ms * 1000) / Math.max(1, events);
    return {
      workerUsPerEvent: workerMs === null ? null : perEvent(workerMs),
      workerDatabaseUsPerEvent: perEvent(workerDbMs),
      publisherUsPerEvent: (ownUsage.user + ownUsage.system) / Math.max(1, events),
      publisherDatabaseUsPerEvent: perEvent(publisherDbMs),
      workerPercent: workerMs === null ? null : (workerMs / 1000 / seconds) * 100,
      databasePercent: ((workerDbMs + publisherDbMs) / 1000 / seconds) * 100,
    };
  };
}

async function dbNow(admin: Queryable): Promise<string> {
  return (await admin.query('SELECT clock_timestamp()::text AS t')).rows[0].t;
}

/** Waits until no event is left undelivered (or `timeoutMs`); true when none is. */
async function drained(admin: Queryable, timeoutMs: number, everyMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { n } = (await admin.query(`SELECT count(*)::int AS n FROM core.outbox WHERE status <> 'delivered'`)).rows[0];
    if (n === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** Rows each read model holds for events that occurred in [from, to). */
async function readModelRows(admin: Queryable, from: string, to: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of READ_MODEL_TABLES) {
    out[table] = (
      await admin.query(`SELECT count(*)::int AS n FROM ${table} r JOIN core.outbox o ON o.id = r.event_id WHERE o.occurred_at >= $1 AND o.occurred_at < $2`, [from, to])
    ).rows[0].n;
  }
  return out;
}

/** A small world to publish for: an org, users and projects (ids only; the read models keep no foreign keys). */
function world(users = 25, projects = 10) {
  return { orgId: uuidv7(), users: Array.from({ length: users }, () => uuidv7()), projects: Array.from({ length: projects }, () => uuidv7()) };
}

// ---------------------------------------------------------------------------------------------

/** Read models with handleBatch (a statement per batch), or with only handle (a statement per event). */
export const SUBSCRIBER_VARIANTS = ['batch', 'each'] as const;
export type SubscriberVariant = (typeof SUBSCRIBER_VARIANTS)[number];

export interface ThroughputSettings {
  /** How the dispatcher's process was started (bench/events-worker.ts); recorded with the result. */
  variant: SubscriberVariant;
  events: number;
  /** Events per publishing transaction. */
  perTransaction: number;
  /** Publishing connections at once. */
  publishers: number;
}

export interface ThroughputResult extends ThroughputSettings {
  /** First publish (its transaction's start) to the last commit, s. */
  publishS: number;
  /** First publish to the last event marked delivered to all three read models, s: the figure of merit. */
  totalS: number;
  eventsPerSecond: number;
  publishedPerSecond: number;
  /** Last commit to the last event delivered, s. */
  tailS: number;
  undelivered: number;
  /** Rows written by each read model (each should equal `events`). */
  rows: Record<string, number>;
  cpu: CpuSplit;
}

/** Publishes `s.events` events in transactions of `s.perTransaction` from `s.publishers` connections, as fast as they commit. */
export async function publishAll(publisher: Database, s: Omit<ThroughputSettings, 'variant'>): Promise<void> {
  const outbox = createOutbox();
  const w = world();
  const transactions = Math.ceil(s.events / s.perTransaction);
  let next = 0;
  await Promise.all(
    Array.from({ length: s.publishers }, async () => {
      while (next < transactions) {
        const t = next++;
        const count = Math.min(s.perTransaction, s.events - t * s.perTransaction);
        await publisher.db.transaction().execute(async (tx) => {
          for (let k = 0; k < count; k++) {
            const n = t * s.perTransaction + k;
            const userId = w.users[n % w.users.length];
            await outbox.publish(tx, BENCH_EVENT, entryCreated(userId, w.projects, n), { actorId: userId, orgId: w.orgId });
          }
        });
      }
    }),
  );
}

export async function outboxThroughput(ctx: OutboxBenchContext, s: ThroughputSettings): Promise<ThroughputResult> {
  const meter = await cpuMeter(ctx);
  const from = await dbNow(ctx.admin);
  await publishAll(ctx.publisher, s);
  const published = await dbNow(ctx.admin);
  ctx.log(`outbox: ${s.events} events published; draining`);
  const done = await drained(ctx.admin, 120_000);
  const cpu = await meter(s.events);
  const to = await dbNow(ctx.admin);
  const r = (
    await ctx.admin.query(
      `SELECT count(*)::int AS events,
              count(*) FILTER (WHERE status <> 'delivered')::int AS undelivered,
              extract(epoch FROM $2::timestamptz - min(occurred_at))::float8 AS publish_s,
              extract(epoch FROM max(delivered_at) - min(occurred_at))::float8 AS total_s,
              extract(epoch FROM max(delivered_at) - $2::timestamptz)::float8 AS tail_s
       FROM core.outbox WHERE occurred_at >= $1`,
      [from, published],
    )
  ).rows[0];
  if (r.events !== s.events) throw new Error(`outbox: ${r.events} events in the outbox, ${s.events} published`);
  if (!done) ctx.log(`outbox: ${r.undelivered} events still undelivered after 120 s`);
  return {
    ...s,
    publishS: r.publish_s,
    totalS: r.total_s,
    eventsPerSecond: (s.events - r.undelivered) / r.total_s,
    publishedPerSecond: s.events / r.publish_s,
    tailS: r.tail_s,
    undelivered: r.undelivered,
    rows: await readModelRows(ctx.admin, from, to),
    cpu,
  };
}

export interface DrainResult {
  events: number;
  /** The first event handled to the last marked delivered, s. */
  drainS: number;
  eventsPerSecond: number;
  undelivered: number;
  /** CPU µs per event of the dispatcher and of its database backends. */
  workerUsPerEvent: number | null;
  workerDatabaseUsPerEvent: number;
}

/**
 * The dispatcher alone: `events` events were committed before its process started (publishAll
 * with no dispatcher running); timed from the first handler's insert to the last event marked
 * delivered, so the process's start is left out.
 */
export async function outboxDrain(ctx: OutboxBenchContext, events: number): Promise<DrainResult> {
  const meter = await cpuMeter(ctx);
  await drained(ctx.admin, 120_000);
  const cpu = await meter(events);
  const r = (
    await ctx.admin.query(
      `SELECT count(*) FILTER (WHERE status <> 'delivered')::int AS undelivered,
              extract(epoch FROM max(delivered_at) - (SELECT min(handled_at) FROM (${READ_MODEL_TABLES.map((t) => `SELECT min(handled_at) AS handled_at FROM ${t}`).join(' UNION ALL ')}) h))::float8 AS drain_s
       FROM core.outbox`,
    )
  ).rows[0];
  return {
    events,
    drainS: r.drain_s,
    eventsPerSecond: (events - r.undelivered) / r.drain_s,
    undelivered: r.undelivered,
    workerUsPerEvent: cpu.workerUsPerEvent,
    workerDatabaseUsPerEvent: cpu.workerDatabaseUsPerEvent,
  };
}

// ---------------------------------------------------------------------------------------------

export interface LagSettings {
  /** Events per second, one per transaction. */
  rate: number;
  warmupS: number;
  durationS: number;
  /** Publishing connections (enough that one slow commit does not hold the pace back). */
  publishers: number;
}

export interface Percentiles {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const percentilesOf = (sorted: number[]): Percentiles => ({
  samples: sorted.length,
  p50: percentile(sorted, 50),
  p95: percentile(sorted, 95),
  p99: percentile(sorted, 99),
  max: sorted.at(-1) ?? Number.NaN,
});

/** The system's wall clock in ms, to the microsecond, as PostgreSQL's `clock_timestamp()` reads it. */
const wallMs = () => performance.timeOrigin + performance.now();

/** PostgreSQL's clock minus ours, ms: the smallest of a few round trips, read at their midpoint. */
async function clockOffset(admin: Queryable): Promise<number> {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 20; i++) {
    const t0 = wallMs();
    const db = (await admin.query('SELECT extract(epoch FROM clock_timestamp())::float8 * 1000 AS ms')).rows[0].ms as number;
    const t1 = wallMs();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: db - (t0 + t1) / 2 };
  }
  return best.offset;
}

export interface LagResult extends LagSettings {
  published: number;
  /** Events of the measured window per second of it, as committed. */
  achievedRate: number;
  /** How far the publisher fell behind its schedule at worst, ms (a late start delays nothing but the pace). */
  behindMaxMs: number;
  /**
   * From the publisher's COMMIT (the moment it returned) to `handled_at`, over every (event, read
   * model) of the window, ms: the delivery lag, the target's figure.
   */
  fromCommit: Percentiles;
  /** `handled_at − occurred_at` (both PostgreSQL's): the publishing transaction's own time included. */
  handled: Percentiles;
  /** `delivered_at − occurred_at`: until the event was marked delivered to all three. */
  delivered: { p50: number; p99: number; max: number };
  /** The publishing transactions (BEGIN, INSERT, COMMIT), as the publisher timed them, ms. */
  publishMs: { p50: number; p99: number };
  /** PostgreSQL's clock minus this process's (both the system's wall clock), ms; taken out of `fromCommit`. */
  clockOffsetMs: number;
  /** (event, read model) pairs handled before their COMMIT returned to the publisher (counted as 0 ms). */
  beforeCommitReturned: number;
  undelivered: number;
  cpu: CpuSplit;
}

/**
 * Publishes `rate` events a second, each in a transaction of its own, through the warm-up and
 * the measured window; a publisher that falls behind stops at the window's end (plus 1 s), so
 * the rate it reached shows instead of a longer run.
 */
export async function outboxLag(ctx: OutboxBenchContext, s: LagSettings): Promise<LagResult> {
  const outbox = createOutbox();
  const w = world();
  const total = Math.round(s.rate * (s.warmupS + s.durationS));
  const interval = 1000 / s.rate;
  let next = 0;
  let behindMaxMs = 0;
  let from: Promise<string> | undefined;
  let meter: ReturnType<typeof cpuMeter> | undefined;
  /** When each event's COMMIT returned (wall clock, ms), and how long its transaction took. */
  const committedAt = new Map<string, number>();
  const publishMs: number[] = [];
  const clockOffsetMs = await clockOffset(ctx.admin);
  const t0 = performance.now();
  const end = t0 + (s.warmupS + s.durationS) * 1000;
  const windowStarts = setTimeout(() => {
    from = dbNow(ctx.admin);
    meter = cpuMeter(ctx);
  }, s.warmupS * 1000);
  await Promise.all(
    Array.from({ length: s.publishers }, async () => {
      while (next < total && performance.now() < end + 1000) {
        const n = next++;
        const wait = t0 + n * interval - performance.now();
        if (wait >= 1) await sleep(wait);
        else behindMaxMs = Math.max(behindMaxMs, -wait);
        const userId = w.users[n % w.users.length];
        const started = performance.now();
        const id = await ctx.publisher.db.transaction().execute((tx) => outbox.publish(tx, BENCH_EVENT, entryCreated(userId, w.projects, n), { actorId: userId, orgId: w.orgId }));
        committedAt.set(id, wallMs());
        publishMs.push(performance.now() - started);
      }
    }),
  );
  clearTimeout(windowStarts);
  if (!from || !meter) throw new Error('lag: publishing ended before the warm-up did');
  const to = await dbNow(ctx.admin);
  const windowStart = await from;
  const measure = await meter;
  await drained(ctx.admin, 10_000);
  const e = (
    await ctx.admin.query(
      `SELECT count(*)::int AS published,
              count(*) FILTER (WHERE status <> 'delivered')::int AS undelivered,
              extract(epoch FROM $2::timestamptz - $1::timestamptz)::float8 AS seconds,
              percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - occurred_at)) FILTER (WHERE status = 'delivered') AS delivered,
              max(extract(epoch FROM delivered_at - occurred_at)) AS delivered_max
       FROM core.outbox WHERE occurred_at >= $1 AND occurred_at < $2`,
      [windowStart, to],
    )
  ).rows[0];
  const cpu = await measure(e.published);
  // Every (event, read model) pair: sorted here, so the percentiles are the bench's usual ones.
  const pairs = (
    await ctx.admin.query(
      `SELECT r.event_id::text AS id, extract(epoch FROM r.handled_at)::float8 * 1000 AS handled, extract(epoch FROM r.handled_at - o.occurred_at)::float8 * 1000 AS since_occurred
       FROM (${READ_MODEL_TABLES.map((t) => `SELECT event_id, handled_at FROM ${t}`).join(' UNION ALL ')}) r
       JOIN core.outbox o ON o.id = r.event_id
       WHERE o.occurred_at >= $1 AND o.occurred_at < $2`,
      [windowStart, to],
    )
  ).rows as { id: string; handled: number; since_occurred: number }[];
  const sinceOccurred = pairs.map((p) => p.since_occurred).sort((a, b) => a - b);
  let beforeCommitReturned = 0;
  const sinceCommit = pairs
    .map((p) => {
      const lag = p.handled - clockOffsetMs - committedAt.get(p.id)!;
      if (lag < 0) beforeCommitReturned++;
      return Math.max(0, lag);
    })
    .sort((a, b) => a - b);
  publishMs.sort((a, b) => a - b);
  const [d50, d99] = (e.delivered as number[] | null) ?? [Number.NaN, Number.NaN];
  return {
    ...s,
    published: e.published,
    achievedRate: e.published / e.seconds,
    behindMaxMs,
    fromCommit: percentilesOf(sinceCommit),
    handled: percentilesOf(sinceOccurred),
    delivered: { p50: d50 * 1000, p99: d99 * 1000, max: Number(e.delivered_max) * 1000 },
    publishMs: { p50: percentile(publishMs, 50), p99: percentile(publishMs, 99) },
    clockOffsetMs,
    beforeCommitReturned,
    undelivered: e.undelivered,
    cpu,
  };
}
