// Rows to API views. Secrets never appear here: they leave the server only in the
// create and rotate answers, which add them explicitly.
import type { Static } from 'typebox';
import type { AttemptRow, DeliveryRow, EndpointRow } from './repository.ts';
import type * as S from './schemas.ts';

export type EndpointView = Static<typeof S.EndpointView>;
export type DeliveryView = Static<typeof S.DeliveryView>;

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** `now` decides whether the previous secret still signs. */
export function toEndpointView(e: EndpointRow, now: Date): EndpointView {
  return {
    id: e.id,
    orgId: e.org_id,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    disabledReason: e.disabled_reason,
    disabledAt: iso(e.disabled_at),
    consecutiveFailures: e.consecutive_failures,
    secretRotatedAt: iso(e.secret_rotated_at),
    // An expired previous secret no longer signs: do not announce it.
    previousSecretExpiresAt: e.previous_secret_expires_at && new Date(e.previous_secret_expires_at) > now ? iso(e.previous_secret_expires_at) : null,
    createdBy: e.created_by,
    createdAt: iso(e.created_at)!,
    updatedAt: iso(e.updated_at)!,
  };
}

export function toAttemptView(a: AttemptRow): Static<typeof S.AttemptView> {
  return {
    attempt: a.attempt,
    at: iso(a.created_at)!,
    request: { headers: a.request_headers },
    response: a.response_status === null ? null : { status: a.response_status, body: a.response_body ?? '' },
    latencyMs: a.latency_ms,
    error: a.error,
  };
}

export function toDeliveryView(d: DeliveryRow, log: AttemptRow[]): DeliveryView {
  return {
    id: d.id,
    endpointId: d.endpoint_id,
    eventId: d.event_id,
    eventType: d.event_type,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.last_status,
    lastError: d.last_error,
    request: { body: d.body },
    log: log.map(toAttemptView),
    createdAt: iso(d.created_at)!,
    updatedAt: iso(d.updated_at)!,
    deliveredAt: iso(d.delivered_at),
  };
}
