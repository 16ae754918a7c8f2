// Three read models fed by one event type, for the outbox benchmarks (`npm run bench -- events`).
// They stand for what modules do with another module's event: each is a subscriber of its own
// module (so the dispatcher runs them side by side, as it would audit, search and billing) that
// writes one row per event through the query builder in its delivery transaction, as a module's
// repository would: with `handleBatch` (one multi-row INSERT per batch, as the audit log and the
// webhook fan-out take theirs), or with only `handle` (one INSERT per event, what a subscriber
// written without thought for throughput does). Each row records when
// its handler ran (`clock_timestamp()`, the database's clock, like the outbox's `occurred_at`),
// so the delivery lag is read per (event, subscriber) without comparing two processes' clocks.
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../../src/core/db/database.ts';
import type { DomainEvent, Subscriber } from '../../../src/core/events/types.ts';
import type { EntryFacts } from '../../../src/modules/time/events.ts';

/** The event type the benchmarks publish: the most frequent event of a working day. */
export const BENCH_EVENT = 'time.entry_created';

/** The tables of the read models, in a schema no module owns; made by `prepareReadModels`. */
export const READ_MODEL_TABLES = ['bench_events.activity', 'bench_events.search', 'bench_events.usage'] as const;

export async function prepareReadModels(db: Executor): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS bench_events`.execute(db);
  await sql`CREATE TABLE IF NOT EXISTS bench_events.activity (
    event_id uuid PRIMARY KEY, user_id uuid NOT NULL, entry_id uuid NOT NULL, project_id uuid NOT NULL,
    occurred_at timestamptz NOT NULL, handled_at timestamptz NOT NULL)`.execute(db);
  await sql`CREATE TABLE IF NOT EXISTS bench_events.search (
    event_id uuid PRIMARY KEY, entry_id uuid NOT NULL, document text NOT NULL, handled_at timestamptz NOT NULL)`.execute(db);
  await sql`CREATE TABLE IF NOT EXISTS bench_events.usage (
    event_id uuid PRIMARY KEY, project_id uuid NOT NULL, day date NOT NULL, seconds int NOT NULL, billable boolean NOT NULL,
    handled_at timestamptz NOT NULL)`.execute(db);
}

/** Empties the read models and the outbox between two measurements. */
export async function resetReadModels(db: Executor): Promise<void> {
  await sql`TRUNCATE bench_events.activity, bench_events.search, bench_events.usage, core.deliveries, core.outbox`.execute(db);
}

const handledAt = sql<Date>`clock_timestamp()`;

type Entry = DomainEvent<typeof BENCH_EVENT>;

/**
 * A read model: one row per event in `table`. With `batch`, it also takes a batch of events in
 * one multi-row INSERT (`handleBatch`, as the audit log and the webhook fan-out do).
 */
function readModel(name: string, table: string, row: (e: Entry) => Record<string, unknown>, batch: boolean): Subscriber<typeof BENCH_EVENT> {
  const handle = async (e: Entry, { db }: { db: Executor }) => {
    await db.insertInto(table).values(row(e)).execute();
  };
  if (!batch) return { name, event: BENCH_EVENT, handle };
  return {
    name,
    event: BENCH_EVENT,
    handle,
    async handleBatch(events, { db }) {
      await db.insertInto(table).values(events.map(row)).execute();
    },
  };
}

/**
 * The three read models. `batch`: with handleBatch (a statement per batch); without, the
 * dispatcher calls `handle` for each event (a statement per event).
 */
export function readModelSubscribers(opts: { batch: boolean }): Subscriber<typeof BENCH_EVENT>[] {
  return [
    // A user's activity feed.
    readModel(
      'activity.record_entry',
      'bench_events.activity',
      (e) => ({ event_id: e.id, user_id: e.payload.userId, entry_id: e.payload.entryId, project_id: e.payload.projectId, occurred_at: e.occurredAt, handled_at: handledAt }),
      opts.batch,
    ),
    // A search index document.
    readModel(
      'search.index_entry',
      'bench_events.search',
      (e) => ({ event_id: e.id, entry_id: e.payload.entryId, document: `${e.payload.start} ${e.payload.projectId} ${e.payload.billable ? 'billable' : ''}`, handled_at: handledAt }),
      opts.batch,
    ),
    // Usage for billing, per project and day.
    readModel(
      'usage.track_entry',
      'bench_events.usage',
      (e) => ({ event_id: e.id, project_id: e.payload.projectId, day: e.payload.start.slice(0, 10), seconds: e.payload.durationSeconds ?? 0, billable: e.payload.billable, handled_at: handledAt }),
      opts.batch,
    ),
  ];
}

/** A payload as the time service writes it for a new entry of `userId` in one of `projects`. */
export function entryCreated(userId: string, projects: string[], n: number): EntryFacts {
  const start = new Date(Date.UTC(2026, 0, 5, 8) + n * 60_000);
  const durationSeconds = 300 + (n % 50) * 60;
  return {
    entryId: uuidv7(),
    userId,
    projectId: projects[n % projects.length],
    taskId: null,
    start: start.toISOString(),
    end: new Date(start.getTime() + durationSeconds * 1000).toISOString(),
    durationSeconds,
    billable: n % 3 !== 0,
  };
}
