// Fastify set-up: request ids, problem+json errors, security headers, CORS, rate limits,
// metrics, OpenAPI and the authentication hook that reads each route's `config.auth`.
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Config } from '../config.ts';
import { runInRequest } from '../context/request-context.ts';
import { AppError } from '../errors.ts';
import { type Logger, lazyChildLoggerFactory } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RedisConnection } from '../redis/index.ts';
import { createClientErrorHandler, sendFrameworkProblem } from './client-errors.ts';
import { type AuthRequirement, type Principal, type PrincipalResolver, readCredentials, requestInfo } from './principal.ts';
import { ProblemSchema, sendProblem } from './problem.ts';
import { failoverRateLimitStore } from './rate-limit-store.ts';
import { createRequestIdGenerator } from './request-id.ts';
import { API_RESPONSE_HEADERS, DOCS_SECURITY_HEADERS, securityHeaders } from './security-headers.ts';
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
}

export interface HttpHandle {
  app: HttpServer;
  /** Set once by the composition root, after the module that resolves principals is built. */
  setPrincipalResolver(resolver: PrincipalResolver): void;
}

export async function createHttpServer(opts: HttpOptions): Promise<HttpHandle> {
  const { config, log, metrics } = opts;
  const newRequestId = createRequestIdGenerator();
  const app = Fastify({
    loggerInstance: log,
    // request.log (bound to the request id) is built on first use: most requests never log.
    childLoggerFactory: lazyChildLoggerFactory() as never,
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

  // Hooks on every request are plain callbacks, not async functions: they run for each of
  // thousands of requests per second, and a promise per hook is measurable there.
  const docsHeaders = securityHeaders(DOCS_SECURITY_HEADERS);
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/docs') ? docsHeaders : API_RESPONSE_HEADERS);
    reply.header('x-request-id', request.id);
    // The rest of the request (hooks, handler, the events it publishes) runs with it as context.
    runInRequest(request, done);
  });

  // The access line is built here from known fields only (no bodies, headers or query
  // strings), so it skips redaction, which costs ~10 µs a line.
  const accessLog = log.child({}, { redact: [] });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const elapsed = reply.elapsedTime;
    metrics.observeHttp(request.method, route, reply.statusCode, elapsed / 1000);
    if (accessLog.isLevelEnabled('info')) {
      // The path only: a query string is client text and may carry anything.
      const url = request.url;
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      accessLog.info({ reqId: request.id, method: request.method, path, route, status: reply.statusCode, ms: Math.round(elapsed * 10) / 10 }, 'request completed');
    }
    done();
  });

  // On shutdown, server.close() waits for open connections; keep-alive ones whose request is
  // still in flight would hold it until their idle timeout. Answering them with
  // `Connection: close` lets each close as soon as its response is written.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // A bodiless POST that still says `Content-Type: application/json` (many clients do) is
  // an empty body, not malformed JSON; routes with a body schema still require one.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string; // parseAs: 'string'
    if (text.trim() === '') return done(null, undefined);
    parseJson(request, text, done);
  });

  app.setErrorHandler((err, request, reply) => sendProblem(reply, request, err));

  if (config.corsOrigins.length) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      credentials: !config.corsOrigins.includes('*'),
      exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
    });
  }
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit,
    timeWindow: 60_000,
    enableDraftSpec: true,
    // With Redis, counters are shared by every instance; while it is down each instance
    // counts on its own (rate-limit-store.ts), so limits degrade instead of switching off.
    store: opts.redis ? failoverRateLimitStore(opts.redis, opts.rateLimitNamespace ?? 'trellis:ratelimit:') : undefined,
    // The stores above never fail; should one ever, serving beats refusing every request.
    skipOnError: true,
    // Health probes and metrics scrapes must never be throttled.
    allowList: (req) => req.url.startsWith('/health/') || req.url.split('?')[0] === '/metrics',
    errorResponseBuilder: (_req, ctx) =>
      new AppError('rate_limited', 'RATE_LIMITED', 'Too many requests, slow down', { retryAfter: Math.ceil(ctx.ttl / 1000) }),
  });

  // Unmatched URLs count against the same limit: a scan of random paths is throttled too.
  const limitNotFound = (app as unknown as { rateLimit(): (request: unknown, reply: unknown) => Promise<void> }).rateLimit();
  app.setNotFoundHandler({ preHandler: limitNotFound as never }, (request, reply) =>
    // The detail does not quote the path: it is client input, and the client knows it already.
    sendProblem(reply, request, new AppError('not_found', 'NOT_FOUND', 'No route matches this method and path')),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Trellis API',
        version: '1.0.0',
        description: 'Errors are RFC 9457 problem+json documents with a stable `code`. Lists use cursor pagination.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token, or an API key (trl_…)' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) || `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: false });

  // Every route documents its problem responses, and authenticated routes their security.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) return;
    route.schema ??= {};
    const schema = route.schema as Record<string, any>;
    const auth = route.config?.auth;
    if (auth) {
      schema.security = [{ bearerAuth: [] }, { apiKey: [] }];
      const notes = [typeof auth === 'object' && auth.role ? `Role: ${auth.role}.` : '', typeof auth === 'object' && auth.scope ? `API key scope: \`${auth.scope}\`.` : 'API keys: not accepted.'];
      const note = notes.filter(Boolean).join(' ');
      // GET routes come through twice (Fastify adds HEAD with the same schema object).
      if (!schema.description?.endsWith(note)) schema.description = [schema.description, note].filter(Boolean).join('\n\n');
    }
    schema.response ??= {};
    schema.response['4XX'] ??= { $ref: 'Problem#', description: 'Problem (RFC 9457)' };
    schema.response['5XX'] ??= { $ref: 'Problem#', description: 'Problem (RFC 9457)' };
  });

  // preParsing, not onRequest: @fastify/rate-limit checks in a route-level onRequest hook,
  // which runs after every app-level onRequest hook. Authenticating there let unauthenticated
  // floods (and their credential lookups) bypass the limit. preParsing still runs before the
  // body is read, so an unauthenticated request never has its body parsed.
  // A callback hook: with the session cached, the resolver answers synchronously and an
  // authenticated request pays no promise here.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const auth = request.routeOptions.config?.auth;
    if (!auth) return done(null, payload);
    const admit = (principal: Principal | null) => {
      try {
        request.principal = authorize(principal, auth === true ? {} : auth);
        done(null, payload);
      } catch (err) {
        done(err as Error);
      }
    };
    try {
      const credentials = readCredentials(request);
      if (!credentials) throw new AppError('unauthenticated', 'UNAUTHENTICATED', 'Authentication required');
      const resolved = resolver(credentials, requestInfo(request));
      if (resolved instanceof Promise) resolved.then(admit, (err) => done(err));
      else admit(resolved);
    } catch (err) {
      done(err as Error);
    }
  });

  return {
    app,
    setPrincipalResolver(r) {
      resolver = r;
    },
  };
}

/** Checks the principal against the route's requirement; throws the problem to answer. */
function authorize(principal: Principal | null, requirement: AuthRequirement): Principal {
  if (!principal) throw new AppError('unauthenticated', 'UNAUTHENTICATED', 'The credentials are invalid or expired');
  if (principal.scopes) {
    if (!requirement.scope) throw new AppError('forbidden', 'FORBIDDEN', 'API keys cannot be used on this route');
    if (!principal.scopes.includes(requirement.scope)) {
      throw new AppError('forbidden', 'FORBIDDEN', `The API key lacks the scope ${requirement.scope}`);
    }
  }
  if (requirement.role && principal.role !== requirement.role) {
    throw new AppError('forbidden', 'FORBIDDEN', 'You are not allowed to do this');
  }
  return principal;
}
