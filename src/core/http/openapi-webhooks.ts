// The public events as OpenAPI 3.1 `webhooks`: what a receiver's endpoint gets, per event type,
// so a receiver can generate types for them as a client does for the paths (decision 0036).
// Each is the Standard Webhooks request the webhooks module sends: three signed headers and a
// JSON body `{ id, type, version, timestamp, data }`, `data` being the event's declared payload
// plus the org it belongs to.
import { type TSchema, Type } from 'typebox';
import type { DeclaredEvent } from '../events/declarations.ts';
import { named } from './schema-types.ts';

/** The tag of every webhook operation, declared with the others. */
export const EVENTS_TAG = {
  name: 'events',
  description: 'Events delivered to webhook endpoints (Standard Webhooks), one operation per public event type. Subscribe to them with the webhook endpoints of an organization.',
};

/** `time.entry_created` -> `TimeEntryCreated`. */
const pascal = (type: string) =>
  type
    .split(/[._]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

const HEADERS = [
  { name: 'webhook-id', description: "The event's id: the same on every retry of one event, so a receiver can drop duplicates." },
  { name: 'webhook-timestamp', description: 'Unix seconds when this attempt was signed; refuse one too far from your clock.' },
  { name: 'webhook-signature', description: "`v1,<base64 HMAC-SHA256 of \"id.timestamp.body\">`, with the endpoint's secret (two during a secret rotation, space-separated)." },
];

function withOrg(payload: TSchema): TSchema {
  const node = payload as unknown as { properties?: Record<string, unknown>; required?: string[] };
  return {
    ...payload,
    properties: { ...node.properties, orgId: Type.String({ format: 'uuid', description: 'The organization the event belongs to.' }) },
    required: [...new Set([...(node.required ?? []), 'orgId'])],
  } as TSchema;
}

/** The document's `webhooks` object, from the public events of the catalog. */
export function webhooksDocument(events: readonly DeclaredEvent[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const event of events.filter((e) => e.public)) {
    const name = pascal(event.type);
    const body = named(
      `${name}Webhook`,
      Type.Object(
        {
          id: Type.String({ format: 'uuid', description: 'The event id; also the `webhook-id` header.' }),
          type: Type.Literal(event.type),
          version: Type.Literal(event.version, { description: "The version of `data`'s schema: a change that breaks receivers comes with a new version." }),
          timestamp: Type.String({ format: 'date-time', description: 'When the event happened.' }),
          data: named(`${name}Payload`, withOrg(event.schema)),
        },
        { description: `The body of a \`${event.type}\` delivery.` },
      ),
    );
    out[event.type] = {
      post: {
        operationId: `receive${name}`,
        tags: [EVENTS_TAG.name],
        security: [{ webhookSignature: [] }],
        summary: event.description.split(/(?<=\.)\s/)[0],
        description: `${event.description}\n\nSent by \`${event.producer}\`, payload version ${event.version}.`,
        parameters: HEADERS.map((h) => ({ in: 'header', name: h.name, required: true, description: h.description, schema: { type: 'string' } })),
        requestBody: { required: true, content: { 'application/json': { schema: body } } },
        responses: {
          '200': { description: 'Received. Any 2xx counts; other answers and timeouts are retried on the backoff schedule.' },
          '410': { description: 'Gone: the endpoint is disabled at once and gets nothing more until it is enabled again.' },
        },
      },
    };
  }
  return out;
}
