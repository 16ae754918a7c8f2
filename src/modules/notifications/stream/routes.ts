// GET /stream (Server-Sent Events) and POST /stream/tickets. The stream authenticates
// itself rather than through `config.auth`: besides the usual Authorization or X-API-Key
// header it accepts a single-use `ticket` in the query, for EventSource.
import type { FastifyRequest } from 'fastify';
import { CoreProblems, invalid } from '../../../core/errors.ts';
import { principalOf, readCredentials, requestInfo } from '../../../core/http/principal.ts';
import type { HttpServer } from '../../../core/http/server.ts';
import type { AuthApi } from '../../auth/index.ts';
import { NotificationProblems } from '../problems.ts';
import * as S from '../schemas.ts';
import { RETRY_MS, type StreamHub } from './hub.ts';
import type { StreamIdentity, StreamTickets } from './tickets.ts';

const tags = ['notifications'];
export const STREAM_SCOPE = 'notifications:read';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Read by hand: a headers schema would strip every other header (Ajv removes unknown
 * properties), the Authorization header among them.
 */
function lastEventIdHeader(request: FastifyRequest): string | undefined {
  const value = request.headers['last-event-id'];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !UUID.test(value)) throw invalid('headers.last-event-id', 'must be the id of a notification event (a UUID)');
  return value;
}

const STREAM_DESCRIPTION = `Server-Sent Events for the signed-in user: \`notification\` (id = the notification id, data = the notification), \`notification.read\`, \`job.progress\` and \`resync\` (you missed more than can be replayed: reload the list).

Authenticate with the Authorization (or X-API-Key, scope \`${STREAM_SCOPE}\`) header, or, from a browser's EventSource, with \`?ticket=\` from \`POST /stream/tickets\` (single use, 60 s). To resume, send \`Last-Event-ID\` (EventSource does this on its own reconnects) or \`?lastEventId=\`: notifications created after it are replayed first. A comment line arrives every STREAM_HEARTBEAT (15 s); \`retry: ${RETRY_MS}\` tells clients how long to wait before reconnecting.`;

export function streamRoutes(deps: { hub: StreamHub; tickets: StreamTickets; auth: AuthApi }) {
  const { hub, tickets, auth } = deps;

  async function identify(request: FastifyRequest, ticket: string | undefined): Promise<StreamIdentity> {
    if (ticket) {
      const identity = await tickets.redeem(ticket);
      if (!identity) throw NotificationProblems.invalidTicket.error('The stream ticket is unknown, used or expired: ask for a new one');
      return identity;
    }
    const credentials = readCredentials(request);
    if (!credentials) throw CoreProblems.unauthenticated.error('Authentication required: a bearer token, an API key or a stream ticket');
    const principal = await auth.resolvePrincipal(credentials, requestInfo(request));
    if (!principal) throw CoreProblems.unauthenticated.error('The credentials are invalid or expired');
    if (principal.scopes && !principal.scopes.includes(STREAM_SCOPE)) throw CoreProblems.forbidden.error(`The API key lacks the scope ${STREAM_SCOPE}`);
    return { userId: principal.userId, sessionId: principal.sessionId, apiKeyId: principal.apiKeyId };
  }

  return async (app: HttpServer) => {
    // server.close() waits for open responses: an endless stream would hold it forever.
    app.addHook('preClose', (done) => {
      hub.closeAll();
      done();
    });

    app.post('/stream/tickets', {
      config: { auth: { scope: STREAM_SCOPE } },
      schema: {
        tags,
        operationId: 'createStreamTicket',
        summary: 'A ticket to open the stream from EventSource',
        description: 'Single use, valid for 60 seconds: `new EventSource("/api/v1/stream?ticket=" + ticket)`.',
        response: { 201: S.StreamTicket },
      },
      handler: async (req, reply) => reply.status(201).send(await tickets.issue(principalOf(req))),
    });

    app.get('/stream', {
      // It authenticates by itself (its `security`): core counts 401 and 403; the ticket's own is listed.
      config: { problems: [NotificationProblems.invalidTicket, NotificationProblems.tooManyStreams] },
      schema: {
        tags,
        operationId: 'openEventStream',
        summary: 'Realtime events (Server-Sent Events)',
        description: STREAM_DESCRIPTION,
        security: [{ bearerAuth: [] }, { apiKey: [] }, {}],
        querystring: S.StreamQuery,
        response: { 200: S.StreamResponse },
      },
      handler: async (req, reply) => {
        const identity = await identify(req, req.query.ticket);
        if (!hub.hasRoom(identity.userId)) {
          throw NotificationProblems.tooManyStreams.error('Too many open streams for this user: close one first', { retryAfter: RETRY_MS / 1000 });
        }
        const lastEventId = req.query.lastEventId ?? lastEventIdHeader(req);
        const stream = await hub.openStream(identity, lastEventId);
        return reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-cache, no-transform')
          // nginx buffers responses by default, which would hold events back.
          .header('x-accel-buffering', 'no')
          // The socket closes with the stream: reused for keep-alive after a stream ended at
          // shutdown, it would hold server.close() until its idle timeout.
          .header('connection', 'close')
          .send(stream);
      },
    });
  };
}
