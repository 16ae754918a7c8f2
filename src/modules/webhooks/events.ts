// Events the webhooks module publishes. They are public: an org's systems may want to know
// that an endpoint was added, changed or disabled (the notifications this sends to admins
// are declared with the module's notification kinds).
import { type TProperties, Type } from 'typebox';
import { defineEvents, Id, Instant, OneOf, type PayloadsOf, publicEvent } from '../../core/events/declarations.ts';

export type DisabledReason = 'gone' | 'failing';

const endpoint = { type: 'endpoint', field: 'endpointId' } as const;
const event = <P extends TProperties>(description: string, properties: P) => publicEvent(description, properties, endpoint);
const ids = { orgId: Id(), endpointId: Id() };

export const webhooksEvents = defineEvents({
  'webhooks.endpoint_created': event('A webhook endpoint was added.', { ...ids, url: Type.String(), events: Type.Array(Type.String()) }),
  'webhooks.endpoint_updated': event('A webhook endpoint changed.', { ...ids, fields: Type.Array(Type.String()) }),
  'webhooks.endpoint_deleted': event('A webhook endpoint was deleted.', ids),
  'webhooks.secret_rotated': event('The signing secret was replaced; the previous one signs too until `previousSecretExpiresAt`.', {
    ...ids,
    previousSecretExpiresAt: Instant(),
  }),
  'webhooks.endpoint_disabled': event('`gone`: the receiver answered 410; `failing`: too many deliveries failed in a row.', {
    ...ids,
    url: Type.String(),
    reason: OneOf(['gone', 'failing']),
  }),
});

export type WebhooksEvents = PayloadsOf<typeof webhooksEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends WebhooksEvents {}
}
