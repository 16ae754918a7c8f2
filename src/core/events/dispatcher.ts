// Delivers outbox events to subscribers after their transaction committed.
//
// Claiming is a short transaction: due rows are selected `FOR UPDATE SKIP LOCKED` and
// given a lease (`locked_until`), so several instances share the work without taking
// the same event, and a crashed instance's lease simply runs out. Each subscriber then
// takes the batch's events for it in one transaction that also records each (event,
// subscriber) delivery, modules side by side (a failed batch is retried event by event);
// a redelivered event skips the subscribers that already committed, so a handler's
// database effect happens once. Batches, not events, pay the round trips (decision 0029):
// at ~190 events/s the one-transaction-per-event loop fell behind ordinary load. A subscriber
// that offers handleBatch takes a batch's events in a few statements; on a backlog, batches of
// 500 are claimed, delivered and marked in an overlapping pipeline (`npm run bench:resilience`
// measures the drain: ~250 events/s before handleBatch, 3,000–5,500 after, on the shared
// 2-vCPU machine).
//
// Instances of two versions may share the outbox during a rolling deploy (decision 0031): an
// instance delivers to its own subscribers only, and completes an event only when every subscriber
// the registry knows for its type (subscriber-registry.ts) has a delivery row. Otherwise the event
// waits for the missing ones (`waiting_for`), out of the due claim's reach, until an instance that
// runs one of them claims it. The check is part of the statement that records a batch's outcome:
// no statement per event.
import { sql } from 'kysely';
import { createFailureLog } from '../log/failure-log.ts';
import type { Logger } from '../log/logger.ts';
import type { Database } from '../db/database.ts';
import { isDatabaseUnavailable } from '../db/failures.ts';
import { runOutsideRequest } from '../context/request-context.ts';
import { tracing } from '../telemetry/tracing.ts';
import { OUTBOX_CHANNEL } from './outbox.ts';
import { completeOrWait, createSubscriberReporter, subscriptionArrays, waitingForLocal } from './subscriber-registry.ts';
import type { DomainEvent, Subscriber } from './types.ts';

export interface DispatcherOptions {
  database: Database;
  subscribers: Subscriber<any>[];
  log: Logger;
  maxAttempts: number;
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (retries that come due, missed notifications). */
  pollIntervalMs?: number;
  /**
   * A pass woken by a NOTIFY starts at least this long after the previous pass started: while
   * events keep coming, they wait up to this long and go together. An event after a quiet spell
   * goes at once.
   */
  gatherMs?: number;
  /** First retry delay; doubles with each attempt, with jitter. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  leaseMs?: number;
  /** Delivered events are kept this long for inspection, then deleted. */
  retentionMs?: number;
  /** Told of the events each batch delivered (metrics: the delivery lag). */
  onDelivered?: (rows: { occurred_at: Date }[]) => void;
  /**
   * A subscriber no instance reported for this long is gone (EVENT_SUBSCRIBER_TIMEOUT): the events
   * waiting for it are logged, at most every `warnEveryMs`. A running dispatcher reports its own
   * subscribers every quarter of it.
   */
  subscriberTimeoutMs?: number;
  warnEveryMs?: number;
}

interface OutboxRow {
  id: string;
  type: string;
  version: number;
  payload: unknown;
  actor_id: string | null;
  org_id: string | null;
  request_id: string | null;
  api_key_id: string | null;
  ip: string | null;
  user_agent: string | null;
  occurred_at: Date;
  attempts: number;
  trace_parent: string | null;
  trace_state: string | null;
  /** It was claimed as waiting for a subscriber of this instance. */
  waited: boolean;
}

/** A handler's failure, with the place in the batch of the event it failed on. */
class HandlerFailure extends Error {
  readonly index: number;
  constructor(index: number, cause: unknown) {
    super('event handler failed', { cause });
    this.index = index;
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
const outcomeOf = <T>(p: Promise<T>): Promise<Outcome<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
const unwrap = <T>(o: Outcome<T>): T => {
  if (!o.ok) throw o.error;
  return o.value;
};

/** Modules delivering at once: each holds a connection of the pool's background share. */
const SUBSCRIBERS_AT_ONCE = 4;
/**
 * A pass costs about nine statements whether it carries one event or fifty (claim, each
 * subscriber's transaction, the record). Events that come one by one, faster than a pass
 * takes (a hundred answers ending a second), each paid a pass of their own; waiting up to this
 * long for the next pass makes a few go together (BENCHMARKS.md, chat).
 */
const DEFAULT_GATHER_MS = 20;
/**
 * A pass that carried this many events was not a trickle: the next one goes at once. Waiting
 * after full passes held the dispatcher idle under a heavy flow (outbox throughput 2,586/s
 * against 3,327 in the events bench).
 */
const GATHERED_ENOUGH = 16;

const sameSubscribers = (a: Subscriber<any>[], b: Subscriber<any>[]) => a === b || (a.length === b.length && a.every((s, i) => s === b[i]));

/** The module a subscriber belongs to: the first part of its name (`users.create_profile`). */
const moduleOf = (s: Subscriber<any>) => {
  const dot = s.name.indexOf('.');
  return dot < 0 ? s.name : s.name.slice(0, dot);
};

/** Runs `fn` over `items` with at most `limit` running at once. */
async function eachAtMost<T>(limit: number, items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(lanes);
}

export interface Dispatcher {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Delivers until nothing is due (tests and CLI). Returns the number of events handled. */
  drain(): Promise<number>;
  readonly running: boolean;
  readonly subscriberNames: string[];
}

/**
 * With tracing on, runs one (event, subscriber) delivery in a span that is a child of the span
 * that published the event (decision 0024): what the subscriber does joins the request's
 * trace. An event published outside any trace starts a trace of its own.
 */
function inDeliverySpan(row: OutboxRow, s: Subscriber<any>, deliver: () => Promise<void>): Promise<void> {
  const tracer = tracing();
  if (!tracer) return deliver();
  const attributes = {
    'messaging.system': 'trellis.outbox',
    'messaging.operation.type': 'process',
    'messaging.destination.name': row.type,
    'messaging.consumer.group.name': s.name,
    'messaging.message.id': row.id,
    'trellis.event.attempt': row.attempts + 1,
  };
  const parent = row.trace_parent ? { traceParent: row.trace_parent, traceState: row.trace_state } : null;
  return tracer.inSpan(`deliver ${row.type} to ${s.name}`, { kind: 'consumer', parent, attributes }, deliver);
}

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const { database, log } = opts;
  const db = database.db;
  // 500: a larger batch spreads each statement's fixed cost (round trip, parse, plan, commit)
  // over more events; with 100 a backlog cost about 1.5 × the CPU per event (server and
  // database). A small backlog still comes back as a small batch, so this costs no latency.
  const batchSize = opts.batchSize ?? 500;
  const observeLag = opts.onDelivered;
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const gatherMs = opts.gatherMs ?? DEFAULT_GATHER_MS;
  const backoffBaseMs = opts.backoffBaseMs ?? 1000;
  const backoffMaxMs = opts.backoffMaxMs ?? 10 * 60_000;
  const leaseMs = opts.leaseMs ?? 60_000;
  const retentionMs = opts.retentionMs ?? 7 * 86_400_000;

  // What this instance runs, as the registry holds it: the claim of waiting events and the outcome
  // of a batch tell its own subscriptions from those only other instances run.
  const local = subscriptionArrays(opts.subscribers.map((s) => ({ name: s.name, event: s.event })));
  const reporter = createSubscriberReporter({
    database,
    subscriptions: opts.subscribers,
    log,
    timeoutMs: opts.subscriberTimeoutMs ?? 60_000,
    warnEveryMs: opts.warnEveryMs,
  });

  const byType = new Map<string, Subscriber<any>[]>();
  const everyEvent: Subscriber<any>[] = [];
  for (const s of opts.subscribers) {
    if (opts.subscribers.filter((o) => o.name === s.name).length > 1) throw new Error(`duplicate event subscriber name ${s.name}`);
    if (s.event === '*') everyEvent.push(s);
    else byType.set(s.event, [...(byType.get(s.event) ?? []), s]);
  }
  const subscribersOf = (type: string) => {
    const own = byType.get(type);
    return own ? (everyEvent.length ? [...own, ...everyEvent] : own) : everyEvent;
  };

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let current: Promise<unknown> = Promise.resolve();
  let wakeRequested = false;
  let inFlight = false;
  let lastCleanup = 0;
  /** When the last pass started (performance.now()): the gather window runs from it. */
  let lastPassAt = Number.NEGATIVE_INFINITY;
  /** Events the last pass delivered (a failed pass: as if none). */
  let lastPassEvents = 0;
  // While the database is away every pass fails: one line, then a summary every 30 s.
  const passes = createFailureLog(log, 'event dispatcher pass');

  /**
   * Leases the next batch of due events, and with `waiting` also the events that wait for a
   * subscriber run here. The due ones come from core.outbox_due (migration 0009, decision 0067),
   * whose plan is pinned to the ordered scan of outbox_due_idx: the index keeps an entry for each
   * delivered event until vacuum, and the bitmap scan the planner otherwise picks (its statistics
   * say few events are pending) visited the table page of every one of them on every claim
   * (12,000 delivered since the last vacuum: 1,121 buffers read to claim 24, 2.6 ms; a burst's
   * backlog: 15,000 rows read for a batch of 500, again for each batch). The ordered scan marks
   * those entries dead as it passes them and stops after one batch.
   */
  async function claim(waiting: boolean): Promise<OutboxRow[]> {
    const lease = sql`now() + ${`${leaseMs} milliseconds`}::interval`;
    const due = sql`SELECT due_id FROM core.outbox_due(${batchSize}) AS due_id`;
    const returning = sql`id, type, version, payload, actor_id, org_id, request_id, api_key_id, ip, user_agent, occurred_at, attempts, trace_parent, trace_state,
      waiting_for IS NOT NULL AS waited`;
    const result =
      waiting && local.names.length
        ? await sql<OutboxRow>`
        WITH waiting AS (${waitingForLocal(local, batchSize)})
        UPDATE core.outbox SET locked_until = ${lease}
        WHERE id IN (${due} UNION ALL SELECT id FROM waiting)
        RETURNING ${returning}`.execute(db)
        : await sql<OutboxRow>`UPDATE core.outbox SET locked_until = ${lease} WHERE id IN (${due}) RETURNING ${returning}`.execute(db);
    // UUIDv7 ids sort by creation time: deliver in the order events happened.
    return result.rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  function eventOf(row: OutboxRow): DomainEvent<any> {
    return {
      id: row.id,
      type: row.type as any,
      version: row.version,
      occurredAt: new Date(row.occurred_at),
      actorId: row.actor_id,
      orgId: row.org_id,
      requestId: row.request_id,
      apiKeyId: row.api_key_id,
      ip: row.ip,
      userAgent: row.user_agent,
      payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    };
  }

  /**
   * Delivers `rows` (in event order) to one subscriber in one transaction that also records
   * each (event, subscriber) delivery; events it already had (a redelivery after a crash or an
   * expired lease) are skipped. One transaction per subscriber and batch, not per event: the
   * round trips of BEGIN, the delivery record and COMMIT are paid once for the batch.
   */
  async function deliverAll(rows: OutboxRow[], s: Subscriber<any>): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const { rows: fresh } = await sql<{ event_id: string }>`
        INSERT INTO core.deliveries (event_id, subscriber)
        SELECT unnest(${rows.map((r) => r.id)}::uuid[]), ${s.name}
        ON CONFLICT DO NOTHING
        RETURNING event_id`.execute(tx);
      const due = new Set(fresh.map((r) => r.event_id));
      // A subscriber that can take the batch at once does (a few statements for all its events
      // instead of a few per event); a failure names no event, so deliverIsolating goes on event
      // by event. With tracing on, each event keeps its own span under the publishing trace.
      if (s.handleBatch && due.size > 1 && !tracing()) {
        await s.handleBatch(
          rows.filter((r) => due.has(r.id)).map(eventOf),
          { db: tx },
        );
        return;
      }
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        if (!due.has(row.id)) continue;
        try {
          await inDeliverySpan(row, s, () => s.handle(eventOf(row), { db: tx }));
        } catch (cause) {
          throw new HandlerFailure(i, cause);
        }
      }
    });
  }

  /**
   * Delivers `rows` to `s`, leaving out each event whose handler fails (its error recorded):
   * the transaction rolls back, and the batch runs again without it. A failing handler is called
   * once per pass, as with one transaction per event; the events before it run again, since
   * their work was rolled back with it. A failure that names no event (the commit, a
   * subscriber's handleBatch) is tried event by event; the database being away fails them all
   * at once.
   */
  async function deliverIsolating(rows: OutboxRow[], s: Subscriber<any>, fail: (row: OutboxRow, err: unknown) => void): Promise<void> {
    let remaining = rows;
    while (remaining.length) {
      try {
        await deliverAll(remaining, s);
        return;
      } catch (err) {
        // The database went away (under a handler or at commit): every event would fail the
        // same way, one at a time; they all wait for their retry instead.
        const cause = err instanceof HandlerFailure ? err.cause : err;
        if (isDatabaseUnavailable(cause)) {
          for (const row of remaining) fail(row, cause);
          return;
        }
        if (!(err instanceof HandlerFailure)) {
          if (remaining.length === 1) return fail(remaining[0], err);
          for (const row of remaining) await deliverIsolating([row], s, fail);
          return;
        }
        fail(remaining[err.index], err.cause);
        remaining = remaining.filter((_, i) => i !== err.index);
      }
    }
  }

  /** The subscribers of an event type, by module (in the order they were given); computed once per type. */
  const modulesOf = new Map<string, Map<string, Subscriber<any>[]>>();
  function subscribersByModule(type: string): Map<string, Subscriber<any>[]> {
    let byModule = modulesOf.get(type);
    if (!byModule) {
      byModule = new Map();
      for (const s of subscribersOf(type)) byModule.set(moduleOf(s), [...(byModule.get(moduleOf(s)) ?? []), s]);
      modulesOf.set(type, byModule);
    }
    return byModule;
  }

  /**
   * Delivers a batch: each subscriber gets its events in order. Modules run side by side (at
   * most SUBSCRIBERS_AT_ONCE); within a module the batch is cut where the module's subscribers
   * of one event differ from those of the event before, and the pieces go one after the other,
   * in event order. A module's subscribers share its tables (users.create_profile inserts the
   * profile that users.sync_role then updates): run side by side, the update could find no row
   * yet, as the one transaction per event before batches never could. A module whose
   * subscribers take every event (the audit log, the webhook fan-out) gets the whole batch in
   * one piece. When a handler fails, its subscriber's piece goes again without that event
   * (deliverIsolating), so one bad event fails alone. Returns the failures per event; settle()
   * then records the outcome.
   */
  async function deliverBatch(rows: OutboxRow[]): Promise<Map<string, string[]>> {
    const errors = new Map<string, string[]>();
    const piecesByModule = new Map<string, { subscribers: Subscriber<any>[]; rows: OutboxRow[] }[]>();
    for (const row of rows) {
      for (const [owner, subscribers] of subscribersByModule(row.type)) {
        const pieces = piecesByModule.get(owner);
        const last = pieces?.at(-1);
        if (last && sameSubscribers(last.subscribers, subscribers)) last.rows.push(row);
        else if (pieces) pieces.push({ subscribers, rows: [row] });
        else piecesByModule.set(owner, [{ subscribers, rows: [row] }]);
      }
    }
    await eachAtMost(SUBSCRIBERS_AT_ONCE, [...piecesByModule.values()], async (pieces) => {
      for (const piece of pieces) {
        for (const s of piece.subscribers) {
          await deliverIsolating(piece.rows, s, (row, err) => {
            const message = err instanceof Error ? err.message : String(err);
            errors.set(row.id, [...(errors.get(row.id) ?? []), `${s.name}: ${message}`]);
            const fields = { eventId: row.id, eventType: row.type, subscriber: s.name, attempt: row.attempts + 1 };
            // The database going away fails every event in flight: that is the passes' one
            // failure (then a summary every 30 s), not a line per event (issue #20). A handler's
            // own failure is a line of its own.
            if (isDatabaseUnavailable(err)) passes.failed(err, fields);
            else log.warn({ ...fields, err: message }, 'event delivery failed');
          });
        }
      }
    });
    return errors;
  }

  /**
   * One statement records the outcome of every event all of this instance's subscribers took:
   * delivered, or waiting for subscribers only other instances run (completeOrWait); a NOTIFY
   * then wakes the instances that run them. The events whose subscribers failed are retried with
   * backoff.
   */
  async function settle(rows: OutboxRow[], errors: Map<string, string[]>): Promise<void> {
    const done = rows.filter((r) => !errors.has(r.id));
    if (done.length) {
      const waiting = await completeOrWait(db, done, local);
      if (waiting.size) await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(db);
      observeLag?.(waiting.size ? done.filter((r) => !waiting.has(r.id)) : done);
    }
    for (const row of rows) {
      const failures = errors.get(row.id);
      if (failures) await retryLater(row, failures);
    }
  }

  /** Gives back the lease of claimed events that will not be delivered in this pass. */
  async function release(rows: OutboxRow[]): Promise<void> {
    if (rows.length) await sql`UPDATE core.outbox SET locked_until = NULL WHERE id = ANY(${rows.map((r) => r.id)}::uuid[])`.execute(db);
  }

  async function retryLater(row: OutboxRow, errors: string[]): Promise<void> {
    const attempts = row.attempts + 1;
    const lastError = errors.join('; ').slice(0, 2000);
    if (attempts >= opts.maxAttempts) {
      log.error({ eventId: row.id, eventType: row.type, attempts }, 'event dead-lettered');
      await sql`UPDATE core.outbox SET status = 'dead', attempts = ${attempts}, locked_until = NULL, last_error = ${lastError}, waiting_for = NULL
                WHERE id = ${row.id}`.execute(db);
      return;
    }
    const delay = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempts - 1));
    const jittered = Math.round(delay * (0.75 + Math.random() * 0.5));
    // A waiting event whose subscriber failed here goes back to the due claim: after its backoff,
    // any instance takes it and works out again what it waits for.
    await sql`UPDATE core.outbox SET attempts = ${attempts}, locked_until = NULL, last_error = ${lastError}, waiting_for = NULL,
                next_attempt_at = now() + ${`${jittered} milliseconds`}::interval
              WHERE id = ${row.id}`.execute(db);
  }

  async function cleanup(): Promise<void> {
    if (Date.now() - lastCleanup < 3_600_000) return;
    lastCleanup = Date.now();
    await sql`DELETE FROM core.deliveries d USING core.outbox o
              WHERE d.event_id = o.id AND o.status = 'delivered' AND o.delivered_at < now() - ${`${retentionMs} milliseconds`}::interval`.execute(db);
    await sql`DELETE FROM core.outbox WHERE status = 'delivered' AND delivered_at < now() - ${`${retentionMs} milliseconds`}::interval`.execute(db);
  }

  /**
   * One pass: claim and deliver batches until nothing is due. On a backlog the steps overlap
   * (decision 0029): while the subscribers take a full batch, the next one is claimed (its lease
   * keeps it apart, and it holds later events), and a batch's outcome is recorded while the
   * subscribers take the next. Each subscriber still gets the batches one after the other, in
   * event order; a crash between a batch's delivery and its record only means a redelivery,
   * which the deliveries table turns into a no-op.
   */
  async function tick(): Promise<number> {
    let handled = 0;
    // Started now, awaited later: wrapped so a failure is never an unhandled rejection meanwhile.
    let next: Promise<Outcome<OutboxRow[]>> | null = outcomeOf(claim(true));
    let recording: Promise<Outcome<void>> = Promise.resolve({ ok: true, value: undefined });
    try {
      while (next) {
        const rows: OutboxRow[] = unwrap(await next);
        // The first claim may bring a batch of due events and one of waiting ones. Later claims take
        // due events only; a full batch of waiting ones asks for another pass at once.
        next = rows.length >= batchSize ? outcomeOf(claim(false)) : null;
        if (rows.filter((r) => r.waited).length >= batchSize) wakeRequested = true;
        if (rows.length) {
          const errors = await deliverBatch(rows);
          unwrap(await recording);
          recording = outcomeOf(settle(rows, errors));
        }
        handled += rows.length;
      }
      unwrap(await recording);
    } catch (err) {
      // A batch claimed ahead is not delivered in this pass: its lease goes back at once
      // rather than holding its events for leaseMs.
      const ahead = next ? await next : null;
      if (ahead?.ok) await release(ahead.value).catch(() => {});
      await recording;
      throw err;
    }
    await cleanup();
    return handled;
  }

  function schedule(delayMs: number) {
    if (!running) return;
    clearTimeout(timer);
    // Woken by a NOTIFY that a request caused: the pass must not run as that request (its
    // subscribers' own events would be stamped with the request's caller).
    timer = runOutsideRequest(() => setTimeout(runTick, delayMs));
    timer.unref?.();
  }

  function runTick() {
    if (!running || inFlight) return;
    inFlight = true;
    wakeRequested = false;
    lastPassAt = performance.now();
    current = tick()
      .then((handled) => {
        lastPassEvents = handled;
        passes.ok();
      })
      .catch((err) => {
        lastPassEvents = 0;
        passes.failed(err);
      })
      .finally(() => {
        inFlight = false;
        schedule(wakeRequested ? untilGathered() : pollIntervalMs);
      });
  }

  /**
   * What is left of the gather window since the last pass began: 0 after a quiet spell, and 0
   * when that pass carried a batch worth its statements (events come fast: passes go back to back).
   */
  const untilGathered = () => (lastPassEvents >= GATHERED_ENOUGH ? 0 : Math.max(0, Math.ceil(lastPassAt + gatherMs - performance.now())));

  function wake() {
    wakeRequested = true;
    // A pass in progress sees the flag when it ends and runs again, once the gather window is over.
    if (!inFlight) schedule(untilGathered());
  }

  return {
    get running() {
      return running;
    },
    subscriberNames: opts.subscribers.map((s) => s.name),
    async start() {
      if (running) return;
      // Recorded before the first claim, and before the app serves: from now on no instance of
      // another version completes an event without these subscribers.
      await reporter.start();
      running = true;
      // After a lost LISTEN connection, events committed meanwhile are picked up at once.
      unlisten = await database.listen(OUTBOX_CHANNEL, wake, wake);
      schedule(0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await unlisten?.();
      unlisten = undefined;
      await current;
      await reporter.stop();
    },
    async drain() {
      await current;
      let total = 0;
      for (;;) {
        const n = await tick();
        total += n;
        if (n === 0) return total;
      }
    },
  };
}
