// The webhooks module's problems (decision 0028): each code once, with the members it adds.
// Services throw them with `.error()`; routes list the ones they can answer (`config.problems`).
import { Type } from 'typebox';
import { defineProblem } from '../../core/errors.ts';
import { REFUSAL_MESSAGES, type UrlRefusal } from '../../core/net/ssrf-guard.ts';

/** The guard's general reasons, as a caller may learn them (never the addresses or the resolver's error). */
const Reason = Type.Enum(Object.keys(REFUSAL_MESSAGES) as UrlRefusal[],
  { description: '`invalid`: not a URL; `scheme`: not http(s); `credentials`: has a user name or password; `not_public`: the host is reserved, does not resolve, or resolves to an address that is not public (and not on WEBHOOK_ALLOWED_HOSTS)' },
);

export const WebhookProblems = {
  notFound: defineProblem('not_found', 'WEBHOOKS.NOT_FOUND', 'No such webhook endpoint in this organization.'),
  deliveryNotFound: defineProblem('not_found', 'WEBHOOKS.DELIVERY_NOT_FOUND', 'No such delivery of the endpoint (the log keeps deliveries 30 days).'),
  urlNotAllowed: defineProblem(
    'validation',
    'WEBHOOKS.URL_NOT_ALLOWED',
    'The URL may not be reached: it must be http(s), without credentials, and point to a host with public addresses only. `reason` says which rule it broke; `errors` names `body.url`.',
    { extensions: { reason: Reason } },
  ),
  unknownEvents: defineProblem(
    'validation',
    'WEBHOOKS.UNKNOWN_EVENTS',
    'A pattern in `events` matches no public event (the OpenAPI document lists them under `webhooks`): internal events are not delivered, and a misspelt type would receive nothing. `errors` names each such pattern.',
  ),
  endpointDisabled: defineProblem('conflict', 'WEBHOOKS.ENDPOINT_DISABLED', 'The endpoint is disabled (by hand, after a 410, or after repeated failures): enable it first (PATCH `enabled: true`).'),
  deliveryPending: defineProblem('conflict', 'WEBHOOKS.DELIVERY_PENDING', 'The delivery is still in progress: only a delivered or failed one can be sent again.'),
  tooManyEndpoints: defineProblem('conflict', 'WEBHOOKS.TOO_MANY_ENDPOINTS', 'The organization has as many webhook endpoints as it may have: delete one first.'),
};
