// Admin view of the outbox: find dead-lettered (or pending) events and send them again.
import { type Kysely, sql } from 'kysely';
import { Type } from 'typebox';
import type { AnyDB } from '../db/database.ts';
import { CoreProblems, defineProblem } from '../errors.ts';

const EventProblems = {
  notFound: CoreProblems.notFound,
  alreadyDelivered: defineProblem('conflict', 'EVENTS.ALREADY_DELIVERED', 'The event was delivered to every subscriber: there is nothing to retry.'),
};
import { OUTBOX_CHANNEL } from '../events/outbox.ts';
import { decodeCursor, isUuidKey, PageQuery, pageOf, toPage } from './pagination.ts';
import { Line, named, Nullable, OpenObject, Timestamp, Uuid } from './schema-types.ts';
import type { ApiScope } from './scopes.ts';
import type { HttpServer } from './server.ts';

const EventView = named(
  'OutboxEvent',
  Type.Object({
    id: Uuid(),
    type: Type.String({ description: '`<module>.<what_happened>`, e.g. `projects.project_created`' }),
    version: Type.Integer(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]),
    attempts: Type.Integer(),
    occurredAt: Timestamp(),
    nextAttemptAt: Timestamp(),
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

const admin = { auth: { role: 'admin' as const, scope: 'events:read' } };
const tags = ['admin'];

export function adminEventRoutes(deps: { db: Kysely<AnyDB> }) {
  const { db } = deps;
  const toView = (r: any) => ({
    id: r.id,
    type: r.type,
    version: r.version,
    status: r.status,
    attempts: r.attempts,
    occurredAt: new Date(r.occurred_at).toISOString(),
    nextAttemptAt: new Date(r.next_attempt_at).toISOString(),
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
          .set({ status: 'pending', attempts: 0, next_attempt_at: new Date(), locked_until: null })
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
  };
}
