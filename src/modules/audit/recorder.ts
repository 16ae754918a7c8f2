// Turns a delivered domain event into its audit record. Runs inside the dispatcher's delivery
// transaction (the `audit.record` subscriber), so it touches only this module's table; the
// event already carries who, from where and for which org (stamped by the outbox).
import type { Executor } from '../../core/db/database.ts';
import type { EventCatalog } from '../../core/events/declarations.ts';
import type { DomainEvent } from '../../core/events/types.ts';
import { redactPayload } from './redact.ts';
import { auditEvents, type NewAuditRow } from './repository.ts';
import { targetOf } from './target.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Bounds for text that came from clients, so one odd request cannot bloat the log. */
const MAX_IP = 100;
const MAX_USER_AGENT = 512;
const MAX_REQUEST_ID = 200;

const clip = (value: string | null, max: number) => (value === null ? null : value.slice(0, max));

/**
 * The org of an event: its meta, else a well-formed `orgId` in the payload (a publisher that
 * forgot the meta). A malformed one is dropped rather than failing the insert, which would
 * retry and finally dead-letter the event for every subscriber's operator to look at.
 */
function orgOf(event: DomainEvent): string | null {
  if (event.orgId) return event.orgId;
  const fromPayload = (event.payload as { orgId?: unknown } | null)?.orgId;
  return typeof fromPayload === 'string' && UUID.test(fromPayload) ? fromPayload : null;
}

export function toAuditRow(catalog: EventCatalog, event: DomainEvent): NewAuditRow {
  const target = targetOf(catalog.get(event.type)?.target, event.payload);
  return {
    id: event.id,
    type: event.type,
    occurred_at: event.occurredAt,
    actor_id: event.actorId,
    api_key_id: event.apiKeyId ?? null,
    org_id: orgOf(event),
    target_type: target?.type ?? null,
    target_id: target?.id ?? null,
    ip: clip(event.ip ?? null, MAX_IP),
    user_agent: clip(event.userAgent ?? null, MAX_USER_AGENT),
    request_id: clip(event.requestId, MAX_REQUEST_ID),
    payload: redactPayload(event.payload ?? {}),
  };
}

/** Idempotent: the event id is the record's key, so a redelivery inserts nothing. */
export async function recordEvent(db: Executor, catalog: EventCatalog, event: DomainEvent): Promise<void> {
  await auditEvents.insert(db, toAuditRow(catalog, event));
}

/** recordEvent for a batch of events, in one statement (the dispatcher's handleBatch). */
export async function recordEvents(db: Executor, catalog: EventCatalog, events: DomainEvent[]): Promise<void> {
  if (events.length) await auditEvents.insertMany(db, events.map((e) => toAuditRow(catalog, e)));
}
