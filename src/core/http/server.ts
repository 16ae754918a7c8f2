// Fastify set-up: request ids, problem+json errors, security headers, CORS, rate limits,
// metrics, OpenAPI, and the per-route hooks (request-hooks.ts) that read each route's
// `config.auth` and `config.rateLimit`.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Config } from '../config.ts';
import { isDatabaseTimeout } from '../db/failures.ts';
import { AppError } from '../errors.ts';
import { createAccessLog, type Logger, withLazyChildren } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RedisConnection } from '../redis/index.ts';
import { createClientErrorHandler, sendFrameworkProblem } from './client-errors.ts';
import type { PrincipalResolver } from './principal.ts';
import { namedComponents } from './openapi-components.ts';
import { addProblemResponses, defaultsOptional, type RouteFacts, routeFacts } from './openapi-document.ts';
import { ProblemSchema, sendProblem } from './problem.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createRequestHooks } from './request-hooks.ts';
import { createRequestIdGenerator } from './request-id.ts';
import type { ScopeRegistry } from './scopes.ts';
import { serveConsole } from './console.ts';
import { API_RESPONSE_HEADERS, docsSecurityOptions, securityHeaders } from './security-headers.ts';
import { createValidatorCompiler, lazySerializers } from './validation.ts';

export type HttpServer = FastifyInstance<any, any, any, Logger, TypeBoxTypeProvider>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface HttpOptions {
  config: Config;
  log: Logger;
  metrics: Metrics;
  /** Shares rate-limit counters between instances (local counters while it is down). */
  redis?: RedisConnection;
  /** Key prefix of rate-limit counters in Redis (tests give each app its own). */
  rateLimitNamespace?: string;
  /** Told when a request is refused with 503 DB.TIMEOUT (the composition root logs what it waited on). */
  onDatabaseTimeout?: () => void;
  /** The declared API key scopes: a route that checks another is refused (decision 0034). */
  scopes?: ScopeRegistry;
  /** The built web console (web/dist) to serve at `/`, when there is one (console.ts). */
  consoleDir?: string;
}

export interface HttpHandle {
  app: HttpServer;
  /** Set once by the composition root, after the module that resolves principals is built. */
  setPrincipalResolver(resolver: PrincipalResolver): void;
  /** Declares tags of the document (a module's, from its definition); each with a description. */
  declareTags(tags: readonly ApiTag[]): void;
  /** The document's OpenAPI 3.1 `webhooks`: the requests this API sends to receivers (openapi-webhooks.ts). */
  declareWebhooks(webhooks: Record<string, object>): void;
}

/** A tag of the OpenAPI document: operations are grouped by it in docs and generated clients. */
export interface ApiTag {
  name: string;
  description: string;
}

/** Every API route is under this prefix; the document's server URL. */
export const API_PREFIX = '/api/v1';

/** The tags of core's own routes. */
const CORE_TAGS: ApiTag[] = [
  { name: 'health', description: 'Liveness and readiness probes, served outside /api/v1.' },
  { name: 'admin', description: 'Operating the instance (administrators): the event outbox and background jobs.' },
  { name: 'jobs', description: 'Background jobs a user started: status, progress and result.' },
  { name: 'files', description: 'Downloads through signed, time-limited links (core/storage): the link is the right to the file.' },
];

/** The scopes a key can hold, for the document's description of API keys. */
function scopeList(scopes: ScopeRegistry | undefined): string {
  const names = scopes?.list().map((s) => `\`${s.name}\``) ?? [];
  return names.length ? `Scopes a key can hold: ${names.join(', ')}.` : '';
}

export async function createHttpServer(opts: HttpOptions): Promise<HttpHandle> {
  const { config, log, metrics } = opts;
  const newRequestId = createRequestIdGenerator();
  const app = Fastify({
    // request.log (bound to the request id) is built on first use: most requests never log.
    loggerInstance: withLazyChildren(log),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy as any, // a hop count is valid at runtime; the type omits it
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newRequestId();
    },
    // One line per request is written in onResponse, with the route and status.
    logController: new LogController({ disableRequestLogging: true }),
    // Real server timeouts, so slow clients cannot hold sockets forever.
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
    // Refusals before any route runs are problem+json too, and quote no input (client-errors.ts).
    clientErrorHandler: createClientErrorHandler(log),
    frameworkErrors: sendFrameworkProblem,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpServer;

  let resolver: PrincipalResolver = async () => null;

  app.setValidatorCompiler(createValidatorCompiler());

  app.decorateRequest('principal', null);
  app.addSchema(ProblemSchema);

  const hooks = createRequestHooks({
    metrics,
    // Written from the parent logger, with the id as a field, so it skips redaction (~10 µs a line).
    accessLog: createAccessLog(log),
    // With Redis, counters are shared by every instance; while it is down each instance counts
    // on its own, so limits degrade instead of switching off.
    limiter: createRateLimiter({ redis: opts.redis, namespace: opts.rateLimitNamespace }),
    globalLimit: config.rateLimit,
    apiHeaders: API_RESPONSE_HEADERS,
    docsHeaders: { tls: securityHeaders(docsSecurityOptions(true)), plain: securityHeaders(docsSecurityOptions(false)) },
    resolver: () => resolver,
  });
  // Before any route is added, so every route (the docs pages' included) gets its hooks.
  app.addHook('onRoute', (route) => hooks.addTo(route as never));

  // On shutdown, server.close() waits for open connections; keep-alive ones whose request is
  // still in flight would hold it until their idle timeout. Answering them with
  // `Connection: close` lets each close as soon as its response is written. Connections are
  // tracked as they open (not requests as they come: that would cost every request), and at
  // close each one's response in flight, if its headers are not out yet, gets the header. Idle
  // ones are closed by Fastify (`forceCloseConnections: 'idle'`); requests arriving during the
  // drain get 503 (`return503OnClosing`).
  const connections = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  app.addHook('preClose', (done) => {
    for (const socket of connections) {
      const response = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
      if (response && !response.headersSent) response.setHeader('connection', 'close');
    }
    done();
  });

  // Every route takes JSON: Fastify's built-in text/plain parser would hand a string to a
  // route whose body schema wants an object (a 400 that blames the body, not its type). Without
  // it, a body of any other type is refused with 415 UNSUPPORTED_MEDIA_TYPE, as docs/api.md says.
  app.removeContentTypeParser('text/plain');
  // A bodiless POST that still says `Content-Type: application/json` (many clients do) is
  // an empty body, not malformed JSON; routes with a body schema still require one.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string; // parseAs: 'string'
    if (text.trim() === '') return done(null, undefined);
    parseJson(request, text, done);
  });

  const { onDatabaseTimeout } = opts;
  app.setErrorHandler((err, request, reply) => {
    if (onDatabaseTimeout && isDatabaseTimeout(err)) onDatabaseTimeout();
    return sendProblem(reply, request, err);
  });

  if (config.corsOrigins.length) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      credentials: !config.corsOrigins.includes('*'),
      exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
    });
  }
  // Unmatched URLs get the headers, the metrics and the access line too, and count against the
  // global limit: a scan of random paths is throttled like any other traffic. The hooks are this
  // plugin's own, so they apply to its not-found handler (the app's, having no prefix) and to
  // no route.
  await app.register(async (unmatched) => {
    unmatched.addHook('onRequest', hooks.unmatched.onRequest);
    unmatched.addHook('onResponse', hooks.unmatched.onResponse);
    unmatched.setNotFoundHandler(async (request, reply) => {
      // A route of the web console (a page a link opened, a reload) gets the console's page.
      if (webConsole && (await webConsole.fallback(request, reply))) return reply;
      // The detail does not quote the path: it is client input, and the client knows it already.
      return sendProblem(reply, request, new AppError('not_found', 'NOT_FOUND', 'No route matches this method and path'));
    });
  });
  const webConsole = opts.consoleDir ? await serveConsole(app, opts.consoleDir) : undefined;

  // Tags are declared by whoever owns the routes (core here, modules through their
  // definitions): the document lists each once, with its description (decision 0028).
  const tags = new Map<string, ApiTag>(CORE_TAGS.map((t) => [t.name, t]));
  // Per operationId, what the document's problem responses are derived from (openapi-document.ts).
  const facts = new Map<string, RouteFacts>();
  let webhooks: Record<string, object> = {};
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Trellis API',
        version: '1.0.0',
        description: 'Errors are RFC 9457 problem+json documents with a stable `code`. Lists use cursor pagination.',
        license: { name: 'MIT', identifier: 'MIT' },
        contact: { name: 'Trellis', url: 'https://trellis.dev' },
      },
      // Paths are relative to the server URL, as clients generated from the document expect
      // (baseUrl + path); the health probes, outside it, override it (decision 0028).
      servers: [{ url: API_PREFIX, description: 'This server' }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An access token. An API key (`trl_…`) may be sent this way too, on the operations that list `apiKey`.',
          },
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-Key',
            description: ['An API key (`trl_…`); the scope an operation needs is named in its description.', scopeList(opts.scopes)].filter(Boolean).join(' '),
          },
          webhookSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'webhook-signature',
            description: "How a receiver knows a webhook came from here: the Standard Webhooks signature, an HMAC-SHA256 with the endpoint's secret over `webhook-id`, `webhook-timestamp` and the body.",
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) || `def-${i}` },
    transform: ({ schema, url, route }) => {
      const shown = defaultsOptional(schema as Record<string, any>);
      if (shown.operationId) facts.set(shown.operationId, routeFacts(route, shown));
      return { schema: shown as typeof schema, url };
    },
    transformObject: (document) => {
      const { openapi, info, servers, ...rest } = (document as { openapiObject: Record<string, unknown> }).openapiObject;
      const out = {
        openapi,
        info,
        servers,
        tags: [...tags.values()].sort((a, b) => a.name.localeCompare(b.name)),
        ...rest,
        ...(Object.keys(webhooks).length ? { webhooks } : {}),
      };
      addProblemResponses(out, facts);
      return namedComponents(out) as never;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: false });

  // Every route documents its security (decision 0028).
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) return;
    route.schema ??= {};
    const schema = route.schema as Record<string, any>;
    // Routes outside the API prefix (health probes) are served from the root.
    if (!route.url.startsWith(`${API_PREFIX}/`)) schema.servers ??= [{ url: '/' }];
    const auth = route.config?.auth;
    if (auth) {
      const scope = typeof auth === 'object' ? auth.scope : undefined;
      if (scope && opts.scopes && !opts.scopes.has(scope)) {
        throw new Error(`${route.method} ${route.url} checks the API key scope "${scope}", which nothing declares: declare it in the module's \`scopes\``);
      }
      // Routes without a scope refuse API keys (request-hooks.ts): only the access token is listed.
      // The scope is named in the description: Spectral warns on scopes in a requirement of a
      // scheme that is not OAuth 2, though OpenAPI 3.1 allows them.
      schema.security = scope ? [{ bearerAuth: [] }, { apiKey: [] }] : [{ bearerAuth: [] }];
      const notes = [typeof auth === 'object' && auth.role ? `Role: ${auth.role}.` : '', scope ? `API key scope: \`${scope}\`.` : 'API keys: not accepted.'];
      const note = notes.filter(Boolean).join(' ');
      // GET routes come through twice (Fastify adds HEAD with the same schema object).
      if (!schema.description?.endsWith(note)) schema.description = [schema.description, note].filter(Boolean).join('\n\n');
    } else {
      // A route that authenticates by itself (the stream) states its own; others are public.
      schema.security ??= [];
    }
    // Problem responses and headers are added to the document only (openapi-document.ts):
    // problems are written as text by sendProblem, so no serializer needs their schema.
  });

  return {
    app,
    setPrincipalResolver(r) {
      resolver = r;
    },
    declareWebhooks(declared) {
      webhooks = declared;
    },
    declareTags(declared) {
      for (const tag of declared) {
        if (tags.has(tag.name)) throw new Error(`the OpenAPI tag "${tag.name}" is declared twice`);
        tags.set(tag.name, tag);
      }
    },
  };
}
