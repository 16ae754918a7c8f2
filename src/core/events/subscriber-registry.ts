// The event subscribers of every instance, shared through core.event_subscribers (decision 0031).
//
// During a rolling deploy, instances of two versions share the outbox, and the subscribers of one
// may not exist in the other. An instance therefore delivers only to its own subscribers and
// completes an event only when every subscriber recorded here that takes its type has a delivery
// row; otherwise the event waits (pending, `waiting_for`) for an instance that runs the missing
// ones. Each instance with a dispatcher records its subscribers at start and then every quarter
// of EVENT_SUBSCRIBER_TIMEOUT; a subscriber no instance has reported for that long is gone, and
// the events waiting for it are listed for admins and logged until it returns or an admin
// retires it.
import { hostname } from 'node:os';
import { type Kysely, sql } from 'kysely';
import type { AnyDB, Database, Executor } from '../db/database.ts';
import { createFailureLog } from '../log/failure-log.ts';
import type { Logger } from '../log/logger.ts';
import { OUTBOX_CHANNEL } from './outbox.ts';

/** What an instance runs: a subscriber's name and its event type (or `'*'`). */
export interface Subscription {
  name: string;
  event: string;
}

/** One subscription (a subscriber and the type it takes) as admins see it. */
export interface SubscriberStatus {
  name: string;
  event: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** The instance that reported it last (`host/pid`). */
  instance: string;
  /** Some instance reported it within the timeout. */
  live: boolean;
  /** Events of its type that every other subscriber has handled and that wait for this one. */
  waitingEvents: number;
  oldestWaitingEventId: string | null;
  oldestWaitingSince: Date | null;
}

/** An instance's subscriptions as two parallel arrays, in (name, event) order, for `unnest`. */
export interface LocalSubscriptions {
  names: string[];
  events: string[];
}

export function subscriptionArrays(subscriptions: readonly Subscription[]): LocalSubscriptions {
  const sorted = [...subscriptions].sort((a, b) => (a.name === b.name ? (a.event < b.event ? -1 : 1) : a.name < b.name ? -1 : 1));
  return { names: sorted.map((s) => s.name), events: sorted.map((s) => s.event) };
}

const interval = (ms: number) => `${ms} milliseconds`;

/**
 * The waiting events that a subscriber of `local` can complete, oldest first, locked for a claim
 * (the dispatcher's second CTE). outbox_waiting_idx finds them by name; the type is checked too: a
 * subscriber of the same name that another version gave another type could not complete one, and
 * would take it on every pass.
 */
export function waitingForLocal(local: LocalSubscriptions, limit: number) {
  return sql`
    SELECT id FROM core.outbox o
    WHERE status = 'pending' AND waiting_for IS NOT NULL AND waiting_for && ${local.names}::text[]
      AND (locked_until IS NULL OR locked_until < now())
      AND EXISTS (SELECT 1 FROM unnest(${local.names}::text[], ${local.events}::text[]) AS l(name, event)
                  WHERE l.name = ANY(o.waiting_for) AND l.event IN (o.type, '*'))
    ORDER BY id
    LIMIT ${limit}
    FOR UPDATE SKIP LOCKED`;
}

/**
 * Records the outcome of `events`, which every subscriber of `local` has handled, in one statement:
 * an event is delivered when each subscriber the registry holds for its type elsewhere has a
 * delivery row too; otherwise it waits for those (`waiting_for`, next_attempt_at 'infinity': never
 * due again, attempts untouched, the last error kept). Returns the ids left waiting. Where every
 * instance runs the same subscribers, `elsewhere` is empty and this is the plain UPDATE it replaced
 * (500 events: ~20 ms against ~17, median of 20 on the shared machine). The registry rows read are
 * held FOR KEY SHARE, so retireSubscriber waits for this statement and then releases what it left
 * waiting.
 */
export async function completeOrWait(db: Executor, events: readonly { id: string; type: string }[], local: LocalSubscriptions): Promise<Set<string>> {
  const { rows } = await sql<{ id: string; waiting: boolean }>`
    WITH batch AS (SELECT * FROM unnest(${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.type)}::text[]) AS b(id, type)),
    elsewhere AS (
      SELECT s.name, s.event FROM core.event_subscribers s
      WHERE NOT EXISTS (SELECT 1 FROM unnest(${local.names}::text[], ${local.events}::text[]) AS l(name, event)
                        WHERE l.name = s.name AND l.event = s.event)
      FOR KEY SHARE),
    missing AS (
      SELECT b.id, array_agg(DISTINCT e.name ORDER BY e.name) AS names
      FROM batch b JOIN elsewhere e ON e.event = b.type OR e.event = '*'
      WHERE NOT EXISTS (SELECT 1 FROM core.deliveries d WHERE d.event_id = b.id AND d.subscriber = e.name)
      GROUP BY b.id)
    UPDATE core.outbox o SET
      status = CASE WHEN m.names IS NULL THEN 'delivered' ELSE 'pending' END,
      delivered_at = CASE WHEN m.names IS NULL THEN now() END,
      next_attempt_at = CASE WHEN m.names IS NULL THEN o.next_attempt_at ELSE 'infinity' END,
      last_error = CASE WHEN m.names IS NULL THEN NULL ELSE o.last_error END,
      waiting_for = m.names,
      locked_until = NULL
    FROM batch b LEFT JOIN missing m ON m.id = b.id
    WHERE o.id = b.id
    RETURNING o.id, m.names IS NOT NULL AS waiting`.execute(db);
  return new Set(rows.filter((r) => r.waiting).map((r) => r.id));
}

/**
 * Records `subscriptions` as run now by `instance`. Rows are written in (name, event) order,
 * so two instances reporting the same subscribers lock their rows in the same order.
 */
export async function reportSubscriptions(db: Executor, subscriptions: readonly Subscription[], instance: string): Promise<void> {
  if (!subscriptions.length) return;
  const { names, events } = subscriptionArrays(subscriptions);
  await sql`
    INSERT INTO core.event_subscribers (name, event, instance)
    SELECT name, event, ${instance} FROM unnest(${names}::text[], ${events}::text[]) AS s(name, event)
    ON CONFLICT (name, event) DO UPDATE SET last_seen_at = now(), instance = EXCLUDED.instance`.execute(db);
}

/**
 * The registry's subscriptions in (name, event) order, after `after`, at most `limit`; `gone` keeps
 * only those no instance reported within `timeoutMs` (true) or only the live ones (false). One row
 * per event type, not per name: when a new version gives a name another type, the old type's row
 * goes stale alone, and is retired alone. The waiting events of each are found through
 * outbox_waiting_idx.
 */
export async function readSubscribers(
  db: Executor,
  opts: { timeoutMs: number; gone?: boolean; after?: [name: string, event: string]; limit: number },
): Promise<SubscriberStatus[]> {
  const since = sql`now() - ${interval(opts.timeoutMs)}::interval`;
  const gone = opts.gone ?? null;
  const [afterName, afterEvent] = opts.after ?? [null, null];
  const waitingFor = sql`status = 'pending' AND waiting_for IS NOT NULL AND waiting_for @> ARRAY[s.name] AND (s.event = '*' OR type = s.event)`;
  const { rows } = await sql<any>`
    SELECT s.name, s.event, s.first_seen_at, s.last_seen_at, s.instance, s.last_seen_at >= ${since} AS live,
           w.waiting, o.id AS oldest_id, o.occurred_at AS oldest_at
    FROM core.event_subscribers s
    CROSS JOIN LATERAL (SELECT count(*)::int AS waiting FROM core.outbox WHERE ${waitingFor}) w
    LEFT JOIN LATERAL (SELECT id, occurred_at FROM core.outbox WHERE ${waitingFor} ORDER BY id LIMIT 1) o ON true
    WHERE (${gone}::boolean IS NULL OR (s.last_seen_at < ${since}) = ${gone}::boolean)
      AND (${afterName}::text IS NULL OR (s.name, s.event) > (${afterName}::text, ${afterEvent}::text))
    ORDER BY s.name, s.event
    LIMIT ${opts.limit}`.execute(db);
  return rows.map((r) => ({
    name: r.name,
    event: r.event,
    firstSeenAt: new Date(r.first_seen_at),
    lastSeenAt: new Date(r.last_seen_at),
    instance: r.instance,
    live: r.live,
    waitingEvents: r.waiting,
    oldestWaitingEventId: r.oldest_id,
    oldestWaitingSince: r.oldest_at ? new Date(r.oldest_at) : null,
  }));
}

export type RetireOutcome =
  | { outcome: 'unknown' }
  | { outcome: 'live'; lastSeenAt: Date }
  | { outcome: 'retired'; events: string[]; releasedEvents: number };

/**
 * Forgets subscriber `name` for good (a subscriber a new version dropped or renamed), for every
 * type it was recorded with or only for `event`: those rows leave the registry, it leaves the
 * `waiting_for` of each event no remaining row of it takes, and the events that waited for nothing
 * else become due again, so the next pass completes them. Refused while some instance reported
 * one of those rows within `timeoutMs`: it would be recorded again at that instance's next report.
 *
 * The registry rows are deleted before the events are released, in one transaction: a dispatcher
 * settling a batch meanwhile holds those rows FOR KEY SHARE (dispatcher.ts), so it either
 * finishes first (and its waiting events are released here) or sees them gone.
 */
export async function retireSubscriber(db: Kysely<AnyDB>, name: string, event: string | undefined, timeoutMs: number): Promise<RetireOutcome> {
  const rowsOf = sql`name = ${name} AND (${event ?? null}::text IS NULL OR event = ${event ?? null}::text)`;
  return db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ live: boolean; last_seen_at: Date }>`
      SELECT max(last_seen_at) >= now() - ${interval(timeoutMs)}::interval AS live, max(last_seen_at) AS last_seen_at
      FROM (SELECT last_seen_at FROM core.event_subscribers WHERE ${rowsOf} FOR UPDATE) s`.execute(tx);
    if (rows[0].last_seen_at === null) return { outcome: 'unknown' as const };
    if (rows[0].live) return { outcome: 'live' as const, lastSeenAt: new Date(rows[0].last_seen_at) };
    const deleted = await sql<{ event: string }>`DELETE FROM core.event_subscribers WHERE ${rowsOf} RETURNING event`.execute(tx);
    // Every event that waited for it, however many: this transaction may outlast the bound on
    // ordinary statements (DB_STATEMENT_TIMEOUT).
    await sql`SET LOCAL statement_timeout = '5min'`.execute(tx);
    const released = await sql`
      UPDATE core.outbox o
      SET waiting_for = NULLIF(array_remove(waiting_for, ${name}), '{}'),
          next_attempt_at = CASE WHEN array_remove(waiting_for, ${name}) = '{}' THEN now() ELSE next_attempt_at END
      WHERE status = 'pending' AND waiting_for IS NOT NULL AND waiting_for @> ARRAY[${name}]
        AND NOT EXISTS (SELECT 1 FROM core.event_subscribers s WHERE s.name = ${name} AND s.event IN (o.type, '*'))`.execute(tx);
    await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(tx);
    return { outcome: 'retired' as const, events: deleted.rows.map((r) => r.event).sort(), releasedEvents: Number(released.numAffectedRows ?? 0) };
  });
}

export interface SubscriberReporter {
  /** Records this instance's subscribers now, then keeps reporting them until stop(). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reports this instance's subscribers every quarter of `timeoutMs`, so one or two missed reports
 * (a slow database, a pause of the process) never make a running subscriber look gone. On each
 * report it also looks for gone subscribers that events wait for, and warns of them at most
 * every `warnEveryMs`: each instance does, so a fleet of N logs N lines per period.
 */
export function createSubscriberReporter(opts: {
  database: Database;
  subscriptions: readonly Subscription[];
  log: Logger;
  timeoutMs: number;
  warnEveryMs?: number;
}): SubscriberReporter {
  const { database, subscriptions, log, timeoutMs } = opts;
  const warnEveryMs = opts.warnEveryMs ?? 5 * 60_000;
  const instance = `${hostname()}/${process.pid}`;
  const reports = createFailureLog(log, 'event subscriber report', { level: 'warn' });
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let busy = false;
  let lastWarning = Number.NEGATIVE_INFINITY;

  async function warnOfGone(): Promise<void> {
    if (Date.now() - lastWarning < warnEveryMs) return;
    const gone = (await readSubscribers(database.db, { timeoutMs, gone: true, limit: 100 })).filter((s) => s.waitingEvents > 0);
    if (!gone.length) return;
    lastWarning = Date.now();
    log.warn(
      {
        subscribers: gone.map((s) => ({
          name: s.name,
          event: s.event,
          lastSeenAt: s.lastSeenAt.toISOString(),
          instance: s.instance,
          waitingEvents: s.waitingEvents,
          oldestWaitingEventId: s.oldestWaitingEventId,
        })),
      },
      'events wait for subscribers that no instance runs: start a version that runs them, or retire them (DELETE /api/v1/admin/event-subscribers/{name})',
    );
  }

  function beat() {
    if (busy) return;
    busy = true;
    current = (async () => {
      await reportSubscriptions(database.db, subscriptions, instance);
      await warnOfGone();
    })()
      .then(() => reports.ok())
      .catch((err) => reports.failed(err))
      .finally(() => {
        busy = false;
      });
  }

  return {
    async start() {
      if (timer) return;
      // Before the first claim: from now on, no other instance completes an event without these.
      await reportSubscriptions(database.db, subscriptions, instance);
      timer = setInterval(beat, Math.max(250, Math.floor(timeoutMs / 4)));
      timer.unref?.();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await current;
    },
  };
}
