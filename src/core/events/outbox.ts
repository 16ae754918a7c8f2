import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { currentCaller } from '../context/request-context.ts';
import { captureTrace } from '../telemetry/tracing.ts';
import { type EventCatalog, EventDeclarationError } from './declarations.ts';
import type { EventMap, EventMeta, EventPublisher, EventType, PendingEvent } from './types.ts';

export const OUTBOX_CHANNEL = 'core_outbox';
const OUTBOX_COLUMNS = sql`(id, type, version, payload, actor_id, org_id, request_id, api_key_id, ip, user_agent, trace_parent, trace_state)`;

/** The version of events published without a catalog (core's own tests of the outbox). */
const UNDECLARED_VERSION = 1;

export interface OutboxOptions {
  /**
   * Check each payload against its declaration before it is written, and refuse one that does
   * not match (an error, so the use case rolls back). The app turns it on outside production:
   * every test that publishes keeps the declarations true; production does not pay for it.
   */
  checkPayloads?: boolean;
}

/**
 * The publisher. With a catalog (the app's), each event is written with its declared version,
 * and a type no module declares is refused: an event nobody declared has no schema for its
 * subscribers and receivers to rely on (decision 0036).
 */
export function createOutbox(catalog?: EventCatalog, options: OutboxOptions = {}): EventPublisher {
  const versionOf = (type: string, payload: unknown): number => {
    if (!catalog) return UNDECLARED_VERSION;
    const declared = catalog.get(type);
    if (!declared) throw new EventDeclarationError(`event type "${type}" is not declared by any module`);
    if (options.checkPayloads) {
      const errors = catalog.check(type, payload);
      if (errors) throw new EventDeclarationError(`the payload of "${type}" does not match its declaration: ${errors.join('; ')}`);
    }
    return declared.version;
  };
  /** The outbox row of one event. */
  const rowOf = (type: string, payload: unknown, meta: EventMeta, trace: ReturnType<typeof captureTrace>) => {
    // The actor the use case was handed, else the current request's caller: the same shape.
    const caller = meta.actor ?? currentCaller();
    return {
      id: uuidv7(),
      type,
      version: versionOf(type, payload),
      payload: JSON.stringify(payload),
      actor_id: meta.actorId !== undefined ? meta.actorId : (caller?.principal?.userId ?? null),
      org_id: meta.orgId ?? null,
      request_id: meta.requestId ?? caller?.requestId ?? null,
      api_key_id: caller?.principal?.apiKeyId ?? null,
      ip: caller?.ip ?? null,
      user_agent: caller?.userAgent ?? null,
      ...(trace ? { trace_parent: trace.traceParent, trace_state: trace.traceState } : {}),
    };
  };
  /** An outbox row's values, typed, in the order of OUTBOX_COLUMNS: for a statement of the caller's. */
  const valuesOf = (r: ReturnType<typeof rowOf>) =>
    sql`${r.id}::uuid, ${r.type}::text, ${r.version}::integer, ${r.payload}::jsonb, ${r.actor_id}::uuid, ${r.org_id}::uuid, ${r.request_id}::text,
          ${r.api_key_id}::uuid, ${r.ip}::text, ${r.user_agent}::text, ${r.trace_parent ?? null}::text, ${r.trace_state ?? null}::text`;
  const insert = (db: Parameters<EventPublisher['publish']>[0], rows: ReturnType<typeof rowOf>[]) =>
    db
      .insertInto('core.outbox')
      .values(rows)
      // The NOTIFY that wakes the dispatchers rides on the INSERT: one round trip per event
      // instead of two (each costs ~150 µs of CPU here, app and database; `npm run bench --
      // outbox`). It is delivered at commit, so they wake only for committed events (and
      // PostgreSQL sends a transaction's identical notifications once).
      .returning(sql`pg_notify(${OUTBOX_CHANNEL}, '')`.as('notified'))
      .execute();
  return {
    async publish<K extends EventType>(db: Parameters<EventPublisher['publish']>[0], type: K, payload: EventMap[K], meta: EventMeta = {}) {
      // With tracing off this is null, and the insert is the same statement as without tracing.
      const row = rowOf(type, payload, meta, captureTrace());
      await insert(db, [row]);
      return row.id;
    },
    inserting<K extends EventType>(source: string, type: K, payload: EventMap[K], meta: EventMeta = {}) {
      const r = rowOf(type, payload, meta, captureTrace());
      // One row at most, whatever `source` holds; none when it is empty.
      return sql`INSERT INTO core.outbox ${OUTBOX_COLUMNS}
        SELECT ${valuesOf(r)}
        FROM (SELECT 1 FROM ${sql.table(source)} LIMIT 1) AS happened
        RETURNING pg_notify(${OUTBOX_CHANNEL}, '')`;
    },
    insertingAll<K extends EventType>(source: string, events: readonly PendingEvent<K>[]) {
      if (!events.length) throw new Error('insertingAll: no events');
      const trace = captureTrace();
      const rows = events.map((e) => rowOf(e.type, e.payload, e.meta ?? {}, trace));
      // Every row when `source` holds one, none when it is empty; in their order (ids rise with it).
      return sql`INSERT INTO core.outbox ${OUTBOX_COLUMNS}
        SELECT e.* FROM (VALUES ${sql.join(rows.map((r) => sql`(${valuesOf(r)})`))}) AS e
        WHERE EXISTS (SELECT 1 FROM ${sql.table(source)})
        RETURNING pg_notify(${OUTBOX_CHANNEL}, '')`;
    },
    async publishAll<K extends EventType>(db: Parameters<EventPublisher['publish']>[0], events: readonly PendingEvent<K>[]) {
      if (!events.length) return [];
      const trace = captureTrace();
      const rows = events.map((e) => rowOf(e.type, e.payload, e.meta ?? {}, trace));
      await insert(db, rows);
      return rows.map((r) => r.id);
    },
  };
}
