// The webhooks API contract (TypeBox): params, bodies, queries and views.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { Line, named, Nullable, Text, Timestamp, Uuid as uuid } from '../../core/http/schema-types.ts';
import { PATTERN } from './patterns.ts';

const Uuid = uuid();
const DateTime = Timestamp();

export const MAX_PATTERNS = 50;

const Url = Line(2048, {
  blank: true,
  description: 'http(s) URL of a public address (the operator may allow others with WEBHOOK_ALLOWED_HOSTS); checked again at every delivery',
  examples: ['https://hooks.example.com/trellis'],
});
const Events = Type.Array(Type.String({ pattern: PATTERN, maxLength: 120, examples: ['projects.*'] }), {
  minItems: 1,
  maxItems: MAX_PATTERNS,
  description: 'Event types to receive: exact types (`projects.project_created`), every event of a module (`projects.*`) or everything (`*`)',
});
const Description = Text(500);

export const OrgParams = Type.Object({ orgId: Uuid });
export const EndpointParams = Type.Object({ orgId: Uuid, webhookId: Uuid });
export const DeliveryParams = Type.Object({ orgId: Uuid, webhookId: Uuid, deliveryId: Uuid });

export const CreateEndpointBody = Type.Object({
  url: Url,
  events: Events,
  description: Type.Optional(Nullable(Description)),
  enabled: Type.Boolean({ default: true }),
});

export const UpdateEndpointBody = Type.Object({
  url: Type.Optional(Url),
  events: Type.Optional(Events),
  description: Type.Optional(Nullable(Description)),
  enabled: Type.Optional(Type.Boolean({ description: 'true re-enables a disabled endpoint and resets its failure count' })),
});

export const ListEndpointsQuery = Type.Object({ ...PageQuery });

const endpointFields = {
  id: Uuid,
  orgId: Uuid,
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: Nullable(Type.Union([Type.Literal('gone'), Type.Literal('failing')], { description: 'gone: the receiver answered 410; failing: too many deliveries failed in a row' })),
  disabledAt: Nullable(DateTime),
  consecutiveFailures: Type.Integer({ description: 'Deliveries that failed for good in a row' }),
  secretRotatedAt: Nullable(DateTime),
  previousSecretExpiresAt: Nullable(Timestamp({ description: 'Until then deliveries carry a second signature made with the previous secret' })),
  createdBy: Uuid,
  createdAt: DateTime,
  updatedAt: DateTime,
};

export const EndpointView = named('WebhookEndpoint', Type.Object(endpointFields));

/** An endpoint with its signing secret: the answers of create and rotate-secret only. */
export const EndpointWithSecret = named(
  'WebhookEndpointWithSecret',
  Type.Object({
    ...endpointFields,
    secret: Type.String({ description: 'The signing secret (`whsec_…`). Shown only now: store it.' }),
  }),
);

export const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);

/** The result of a `webhooks.deliver` job: the attempt's outcome, or why none was made. */
export const DeliverJobResult = named(
  'WebhookDeliveryResult',
  Type.Union(
    [
      Type.Object({
        status: Type.Union([DeliveryStatus, Type.Literal('deleted')], { description: 'The delivery after this attempt (`deleted`: its endpoint was deleted meanwhile)' }),
        responseStatus: Nullable(Type.Integer({ description: "The receiver's HTTP status; null when no answer came" })),
      }),
      Type.Object({ skipped: Type.String({ description: 'Why nothing was sent: `deleted`, `endpoint_disabled`, or the status the delivery already had' }) }),
    ],
    { description: 'The result of a `webhooks.deliver` job' },
  ),
);

/** The result of a `webhooks.prune_deliveries` job. */
export const PruneJobResult = named(
  'WebhookDeliveryPruneResult',
  Type.Object(
    {
      abandoned: Type.Integer({ minimum: 0, description: 'Deliveries pending long after their last retry, marked failed' }),
      deleted: Type.Integer({ minimum: 0, description: 'Deliveries older than the retention, deleted with their attempts' }),
    },
    { description: 'The result of a `webhooks.prune_deliveries` job' },
  ),
);

export const ListDeliveriesQuery = Type.Object({ status: Type.Optional(DeliveryStatus), ...PageQuery });

/** One HTTP request made for a delivery. */
export const AttemptView = named(
  'WebhookDeliveryAttempt',
  Type.Object({
    attempt: Type.Integer(),
    at: DateTime,
    request: Type.Object({ headers: Type.Record(Type.String(), Type.String()) }),
    response: Nullable(Type.Object({ status: Type.Integer(), body: Type.String({ description: 'At most the first 64 KiB' }) })),
    latencyMs: Type.Integer(),
    error: Nullable(Type.String()),
  }),
);

export const DeliveryView = named(
  'WebhookDelivery',
  Type.Object({
    id: Uuid,
    endpointId: Uuid,
    eventId: Type.String({ description: 'The webhook-id header: the same for every attempt, so receivers can deduplicate' }),
    eventType: Type.String(),
    status: DeliveryStatus,
    attempts: Type.Integer(),
    lastStatus: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    request: Type.Object({ body: Type.String({ description: 'The JSON body sent, byte for byte' }) }),
    log: Type.Array(AttemptView, { description: 'Every HTTP request made for this delivery, oldest first' }),
    createdAt: DateTime,
    updatedAt: DateTime,
    deliveredAt: Nullable(DateTime),
  }),
);
