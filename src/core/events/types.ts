import type { Caller } from '../context/actor.ts';
import type { RawBuilder } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * The map of every event type to its payload. Empty here: each module's `events.ts`
 * adds its own events by declaration merging, so core knows no module and yet
 * `publish('auth.user_registered', payload)` is checked against the owner's type.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by module augmentation
export interface EventMap {}

export type EventType = keyof EventMap & string;

/** Who caused an event, and where. What is not given is taken from the current request (core/context), if any. */
export interface EventMeta {
  /**
   * Who acts and in which request, as the route handed it to the use case (`actorOf`): the
   * event gets its user, API key, request id, address and user agent.
   */
  actor?: Caller;
  /** Overrides the actor's user: the new account at registration, null for no one (background work). */
  actorId?: string | null;
  /** The org the event belongs to; always the use case's, never guessed. */
  orgId?: string | null;
  /** Overrides the request id: an event derived in a subscriber carries its cause's. */
  requestId?: string | null;
}

export interface DomainEvent<K extends EventType = EventType> {
  id: string;
  type: K;
  version: number;
  occurredAt: Date;
  actorId: string | null;
  orgId: string | null;
  requestId: string | null;
  /** The API key the request was made with, if any. */
  apiKeyId: string | null;
  ip: string | null;
  userAgent: string | null;
  payload: EventMap[K];
}

/** Receives one event type, or every event (`'*'`). Runs in its own transaction (`db`), once per event. */
export interface Subscriber<K extends EventType = EventType> {
  /** Stable, unique name: `<module>.<what_it_does>`; recorded with each delivery. */
  name: string;
  event: K | '*';
  handle(event: DomainEvent<K>, ctx: { db: Executor }): Promise<void>;
  /**
   * Optional: what `handle` does for each of `events` (in the order they happened), done at once
   * in the same transaction, in a few statements instead of a few per event (decision 0029). The
   * dispatcher uses it for a batch of two or more events when tracing is off (with tracing on each
   * event is delivered in a span of its own, under the trace that published it). When it throws,
   * the batch is rolled back and its events are delivered one by one through `handle`, so a bad
   * event fails alone.
   */
  handleBatch?(events: DomainEvent<K>[], ctx: { db: Executor }): Promise<void>;
  /**
   * For a subscriber to every event (`'*'`): the types it acts on; it is handed every event
   * and skips the others itself. `cli events` reads it to show who consumes what.
   */
  accepts?(type: string): boolean;
}

export function subscriber<K extends EventType>(
  name: string,
  event: K,
  handle: (event: DomainEvent<K>, ctx: { db: Executor }) => Promise<void>,
): Subscriber<K> {
  return { name, event, handle };
}

/** A subscriber to every event type (audit log, webhooks): it filters what it keeps itself. */
export function subscribeAll(
  name: string,
  handle: (event: DomainEvent, ctx: { db: Executor }) => Promise<void>,
  handleBatch?: (events: DomainEvent[], ctx: { db: Executor }) => Promise<void>,
  accepts?: (type: string) => boolean,
): Subscriber<EventType> {
  return { name, event: '*', handle, ...(handleBatch ? { handleBatch } : {}), ...(accepts ? { accepts } : {}) };
}

export interface EventPublisher {
  /** Writes the event to the outbox through `db`: pass the transaction of the state change. */
  publish<K extends EventType>(db: Executor, type: K, payload: EventMap[K], meta?: EventMeta): Promise<string>;
  /**
   * Writes several events in one statement, in their order (their ids rise with it): for a use
   * case that changes many things at once (a dashboard's widgets, each run recorded).
   */
  publishAll<K extends EventType>(db: Executor, events: readonly PendingEvent<K>[]): Promise<string[]>;
  /**
   * The event's outbox row as part of the caller's own statement, for a use case whose change is
   * one statement (a data-modifying CTE: `WITH changed AS (UPDATE … RETURNING …), event AS (<this>)`):
   * the row is written if the CTE named `source` has a row, and not if it is empty (the change did
   * not happen), with the NOTIFY that wakes the dispatchers, as `publish`. It spares the
   * transaction around the change and the INSERT: three round trips.
   */
  inserting<K extends EventType>(source: string, type: K, payload: EventMap[K], meta?: EventMeta): RawBuilder<unknown>;
  /**
   * Several events' outbox rows as part of the caller's own statement (at least one event), as
   * `inserting`: all of them if the CTE named `source` has a row, none if it is empty. For a
   * change of many rows in one statement (a dashboard's runs, each recorded with its event).
   */
  insertingAll<K extends EventType>(source: string, events: readonly PendingEvent<K>[]): RawBuilder<unknown>;
}

/** An event to publish with others (`publishAll`). */
export interface PendingEvent<K extends EventType = EventType> {
  type: K;
  payload: EventMap[K];
  meta?: EventMeta;
}
