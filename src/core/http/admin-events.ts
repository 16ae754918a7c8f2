// Admin view of the outbox: find dead-lettered (or pending) events and send them again; see the
// subscribers events wait for, and retire one that no version runs any more (decision 0031).
import { type Kysely, sql } from 'kysely';
import { Type } from 'typebox';
import type { AnyDB } from '../db/database.ts';
import { CoreProblems, defineProblem } from '../errors.ts';
import { OUTBOX_CHANNEL } from '../events/outbox.ts';
import { readSubscribers, retireSubscriber } from '../events/subscriber-registry.ts';
import { decodeCursor, isUuidKey, PageQuery, pageOf, toPage } from './pagination.ts';
import { Line, named, Nullable, OpenObject, Timestamp, Uuid } from './schema-types.ts';
import type { ApiScope } from './scopes.ts';
import type { HttpServer } from './server.ts';

const EventProblems = {
  notFound: CoreProblems.notFound,
  alreadyDelivered: defineProblem('conflict', 'EVENTS.ALREADY_DELIVERED', 'The event was delivered to every subscriber: there is nothing to retry.'),
  subscriberLive: defineProblem(
    'conflict',
    'EVENTS.SUBSCRIBER_LIVE',
    'An instance reported this subscriber within EVENT_SUBSCRIBER_TIMEOUT: it would be recorded again at once. Stop the instances that run it first.',
  ),
};
const EventView = named(
  'OutboxEvent',
  Type.Object({
    id: Uuid(),
    type: Type.String({ description: '`<module>.<what_happened>`, e.g. `projects.project_created`' }),
    version: Type.Integer(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]),
    attempts: Type.Integer(),
    occurredAt: Timestamp(),
    nextAttemptAt: Nullable(Timestamp({ description: 'null while the event waits for subscribers (`waitingFor`)' })),
    waitingFor: Nullable(
      Type.Array(Type.String(), {
        description:
          'The subscribers a pending event still waits for: every other subscriber handled it, and these run only on other instances (a rolling deploy), or on none (see `GET /admin/event-subscribers`)',
      }),
    ),
    lastError: Nullable(Type.String()),
    actorId: Nullable(Type.String()),
    orgId: Nullable(Type.String()),
    requestId: Nullable(Type.String()),
    // Open by nature: every module's events, of every version still in the outbox.
    payload: OpenObject(
      "The event's payload as its module published it, one shape per `type` and `version` (each module's `events.ts`): the ids of what it is about (`orgId`, `projectId`, `entryId`, …) and the facts that changed",
    ),
  }),
);

/** The API key scopes these routes check (decision 0034). */
export const EVENT_SCOPES: readonly ApiScope[] = [
  { name: 'events:read', description: 'List the events of the outbox, dead letters included (the key owner must be an administrator).' },
  { name: 'events:write', description: 'Retry a dead-lettered event (the key owner must be an administrator).' },
];
const EventSubscriberView = named(
  'EventSubscriber',
  Type.Object({
    name: Type.String({ description: '`<module>.<what_it_does>`, e.g. `users.create_profile`' }),
    event: Type.String({ description: 'The event type it takes (`*`: every type), as the instances that run it reported it' }),
    live: Type.Boolean({ description: 'An instance reported it within EVENT_SUBSCRIBER_TIMEOUT' }),
    firstSeenAt: Timestamp(),
    lastSeenAt: Timestamp(),
    instance: Type.String({ description: 'The instance (`host/pid`) that reported it last' }),
    waitingEvents: Type.Integer({ description: 'Pending events of its type that every other subscriber handled and that wait for this one' }),
    oldestWaitingEventId: Nullable(Uuid()),
    oldestWaitingSince: Nullable(Timestamp({ description: 'When the oldest waiting event occurred' })),
  }),
);

const RetiredSubscriber = named(
  'RetiredEventSubscriber',
  Type.Object({
    name: Type.String(),
    events: Type.Array(Type.String(), { description: 'The event types it was retired for' }),
    releasedEvents: Type.Integer({ description: 'Events that no longer wait for it; those that waited for nothing else are delivered by the next pass' }),
  }),
);

const SubscriberName = Line(200, { description: 'The subscriber, e.g. `users.create_profile`' });
const isNameKey = (key: unknown[]) => key.length === 2 && key.every((k) => typeof k === 'string');

const admin = { auth: { role: 'admin' as const, scope: 'events:read' } };
const tags = ['admin'];

export function adminEventRoutes(deps: { db: Kysely<AnyDB>; subscriberTimeoutMs: number }) {
  const { db, subscriberTimeoutMs } = deps;
  const toView = (r: any) => ({
    id: r.id,
    type: r.type,
    version: r.version,
    status: r.status,
    attempts: r.attempts,
    occurredAt: new Date(r.occurred_at).toISOString(),
    // 'infinity' (a number once parsed) while the event waits: it has no next attempt of its own.
    nextAttemptAt: Number.isFinite(new Date(r.next_attempt_at).getTime()) ? new Date(r.next_attempt_at).toISOString() : null,
    waitingFor: r.waiting_for,
    lastError: r.last_error,
    actorId: r.actor_id,
    orgId: r.org_id,
    requestId: r.request_id,
    payload: r.payload,
  });

  return async (app: HttpServer) => {
    app.get('/admin/events', {
      config: admin,
      schema: {
        tags,
        operationId: 'listOutboxEvents',
        summary: 'List outbox events by status (newest first)',
        querystring: Type.Object({
          status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')], { default: 'dead' }),
          type: Type.Optional(Line(100, { description: 'Only events of this type' })),
          ...PageQuery,
        }),
        response: { 200: pageOf(EventView) },
      },
      handler: async (req) => {
        const { status, type, limit } = req.query;
        const after = decodeCursor(req.query.cursor, isUuidKey);
        let query = db.selectFrom('core.outbox').selectAll().where('status', '=', status).orderBy('id', 'desc').limit(limit + 1);
        if (type) query = query.where('type', '=', type);
        if (after) query = query.where('id', '<', String(after[0]));
        const rows = await query.execute();
        const page = toPage(rows, limit, (r: any) => [r.id]);
        return { data: page.data.map(toView), page: page.page };
      },
    });

    app.post('/admin/events/:id/retry', {
      config: { auth: { role: 'admin' as const, scope: 'events:write' }, problems: [EventProblems.notFound, EventProblems.alreadyDelivered] },
      schema: {
        tags,
        operationId: 'retryOutboxEvent',
        summary: 'Deliver a dead or pending event again now (subscribers that already succeeded are skipped)',
        params: Type.Object({ id: Uuid() }),
        response: { 202: EventView },
      },
      handler: async (req, reply) => {
        const row = await db
          .updateTable('core.outbox')
          .set({ status: 'pending', attempts: 0, next_attempt_at: new Date(), locked_until: null, waiting_for: null })
          .where('id', '=', req.params.id)
          .where('status', 'in', ['dead', 'pending'])
          .returningAll()
          .executeTakeFirst();
        if (!row) {
          const exists = await db.selectFrom('core.outbox').select('id').where('id', '=', req.params.id).executeTakeFirst();
          if (exists) throw EventProblems.alreadyDelivered.error('The event was already delivered');
          throw EventProblems.notFound.error('Event not found');
        }
        await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(db);
        return reply.status(202).send(toView(row));
      },
    });

    app.get('/admin/event-subscribers', {
      config: admin,
      schema: {
        tags,
        operationId: 'listEventSubscribers',
        summary: 'List the event subscribers instances reported, one per event type, with the events waiting for each',
        description:
          'An event is delivered once every subscriber listed here that takes its type has handled it. `live=false` lists the subscribers no instance reported within EVENT_SUBSCRIBER_TIMEOUT: events that wait for one of them wait until a version that runs it starts, or until it is retired.',
        querystring: Type.Object({
          live: Type.Optional(Type.Boolean({ description: 'Only live (true) or only gone (false) subscribers' })),
          ...PageQuery,
        }),
        response: { 200: pageOf(EventSubscriberView) },
      },
      handler: async (req) => {
        const { live, limit } = req.query;
        const after = decodeCursor(req.query.cursor, isNameKey);
        const rows = await readSubscribers(db, {
          timeoutMs: subscriberTimeoutMs,
          gone: live === undefined ? undefined : !live,
          after: after ? [String(after[0]), String(after[1])] : undefined,
          limit: limit + 1,
        });
        const page = toPage(rows, limit, (r) => [r.name, r.event]);
        return {
          data: page.data.map((s) => ({
            ...s,
            firstSeenAt: s.firstSeenAt.toISOString(),
            lastSeenAt: s.lastSeenAt.toISOString(),
            oldestWaitingSince: s.oldestWaitingSince?.toISOString() ?? null,
          })),
          page: page.page,
        };
      },
    });

    app.delete('/admin/event-subscribers/:name', {
      config: { auth: { role: 'admin' as const, scope: 'events:write' }, problems: [EventProblems.notFound, EventProblems.subscriberLive] },
      schema: {
        tags,
        operationId: 'retireEventSubscriber',
        summary: 'Retire a subscriber no instance runs any more: events stop waiting for it',
        description:
          'For a subscriber a new version removed or renamed (or, with `event`, gave another event type). Its registry rows are deleted and the events that waited only for it are delivered by the next pass (it never receives them). Refused (409) while an instance reports it.',
        params: Type.Object({ name: SubscriberName }),
        querystring: Type.Object({
          event: Type.Optional(Line(200, { description: 'Only its row for this event type (`*`: every type); all its rows when absent' })),
        }),
        response: { 200: RetiredSubscriber },
      },
      handler: async (req) => {
        const result = await retireSubscriber(db, req.params.name, req.query.event, subscriberTimeoutMs);
        if (result.outcome === 'unknown') throw EventProblems.notFound.error('No such event subscriber');
        if (result.outcome === 'live') {
          throw EventProblems.subscriberLive.error(`An instance reported ${req.params.name} at ${result.lastSeenAt.toISOString()}`);
        }
        return { name: req.params.name, events: result.events, releasedEvents: result.releasedEvents };
      },
    });
  };
}
