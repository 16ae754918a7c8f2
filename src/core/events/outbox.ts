import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { currentCaller } from '../context/request-context.ts';
import { captureTrace } from '../telemetry/tracing.ts';
import type { EventMap, EventMeta, EventPublisher, EventType } from './types.ts';

export const OUTBOX_CHANNEL = 'core_outbox';

/** Versions of event payloads; bump when an event's shape changes incompatibly. */
const DEFAULT_VERSION = 1;

export function createOutbox(): EventPublisher {
  return {
    async publish<K extends EventType>(db: Parameters<EventPublisher['publish']>[0], type: K, payload: EventMap[K], meta: EventMeta = {}) {
      const id = uuidv7();
      // The actor the use case was handed, else the current request's caller: the same shape.
      const caller = meta.actor ?? currentCaller();
      // With tracing off this is null, and the insert is the same statement as without tracing.
      const trace = captureTrace();
      await db
        .insertInto('core.outbox')
        .values({
          id,
          type,
          version: DEFAULT_VERSION,
          payload: JSON.stringify(payload),
          actor_id: meta.actorId !== undefined ? meta.actorId : (caller?.principal?.userId ?? null),
          org_id: meta.orgId ?? null,
          request_id: meta.requestId ?? caller?.requestId ?? null,
          api_key_id: caller?.principal?.apiKeyId ?? null,
          ip: caller?.ip ?? null,
          user_agent: caller?.userAgent ?? null,
          ...(trace ? { trace_parent: trace.traceParent, trace_state: trace.traceState } : {}),
        })
        .execute();
      // Delivered at commit, so the dispatcher wakes only for committed events.
      await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(db);
      return id;
    },
  };
}
