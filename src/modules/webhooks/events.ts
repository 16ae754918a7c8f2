// Events the webhooks module publishes. `webhooks.endpoint_disabled` is a contract with the
// notifications module (it tells the org's admins): keep its name and payload.
export type DisabledReason = 'gone' | 'failing';

export interface WebhooksEvents {
  'webhooks.endpoint_created': { orgId: string; endpointId: string; url: string; events: string[] };
  'webhooks.endpoint_updated': { orgId: string; endpointId: string; fields: string[] };
  'webhooks.endpoint_deleted': { orgId: string; endpointId: string };
  /** The signing secret was replaced; the previous one signs too until `previousSecretExpiresAt`. */
  'webhooks.secret_rotated': { orgId: string; endpointId: string; previousSecretExpiresAt: string };
  /** `gone`: the receiver answered 410; `failing`: too many deliveries failed in a row. */
  'webhooks.endpoint_disabled': { orgId: string; endpointId: string; url: string; reason: DisabledReason };
}

declare module '../../core/events/types.ts' {
  interface EventMap extends WebhooksEvents {}
}
