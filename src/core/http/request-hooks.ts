// What every request goes through: security headers and its id, the request context, the rate
// limit and authentication on the way in; metrics and the access line on the way out.
//
// Built per route, when the route is registered (decision 0025): each route gets one onRequest
// and one onResponse hook whose closures already hold that route's headers, limit rule, auth
// requirement and label. Read per request instead, `request.routeOptions` builds and returns a
// new object on every access, and each extra hook (preParsing, a plugin's own onRequest) is one
// more step of Fastify's hook runner. The hooks are plain callbacks, not async functions: with
// the session cached and no Redis, a request passes them without creating a promise.
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { runInRequest } from '../context/request-context.ts';
import { AppError } from '../errors.ts';
import type { AccessLog } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { AuthRequirement, Principal, PrincipalResolver } from './principal.ts';
import { PROBLEM_CODE, type RefusedRequest } from './problem.ts';
import { readCredentials, requestInfo } from './principal.ts';
import type { LimitRule, RateLimiter, Window } from './rate-limit.ts';

/** A route's own limit (`config.rateLimit`), or `false` for none (health probes, metrics). */
export interface RouteRateLimit {
  max: number;
  /** Milliseconds. */
  timeWindow: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RouteRateLimit | false;
  }
}

type Done = (err?: Error) => void;

/** Response headers for requests that came over TLS, and for those that did not. */
export interface HeadersByScheme {
  tls: Record<string, string>;
  plain: Record<string, string>;
}

const isByScheme = (headers: Record<string, string> | HeadersByScheme): headers is HeadersByScheme => typeof headers.tls === 'object';

export interface RequestHooksOptions {
  metrics: Metrics;
  accessLog: AccessLog;
  limiter: RateLimiter;
  /** Requests per minute of a client, on routes without a limit of their own. */
  globalLimit: number;
  /** Response headers of API routes, and of the HTML docs pages (over TLS or not). */
  apiHeaders: Record<string, string>;
  docsHeaders: HeadersByScheme;
  /** The principal resolver of the moment (set once the auth module is built). */
  resolver(): PrincipalResolver;
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: Done) => void;

export interface RequestHooks {
  /** Adds the hooks to a route being registered (an `onRoute` hook). */
  addTo(route: RouteOptions): void;
  /** The hooks of requests that match no route: counted as `unmatched`, limited by the global rule. */
  unmatched: { onRequest: Hook; onResponse: Hook };
}

export function createRequestHooks(opts: RequestHooksOptions): RequestHooks {
  const { metrics, accessLog, limiter } = opts;
  const globalRule: LimitRule = { name: 'global', max: opts.globalLimit, windowMs: 60_000 };

  function build(label: string, headers: Record<string, string> | HeadersByScheme, rule: LimitRule | null, auth: AuthRequirement | null) {
    const maxText = rule ? String(rule.max) : '';

    const authenticate = (request: FastifyRequest, done: Done) => {
      if (!auth) return done();
      const admit = (principal: Principal | null) => {
        try {
          request.principal = authorize(principal, auth);
        } catch (err) {
          return done(err as Error);
        }
        done();
      };
      try {
        const credentials = readCredentials(request);
        if (!credentials) throw new AppError('unauthenticated', 'UNAUTHENTICATED', 'Authentication required');
        const resolved = opts.resolver()(credentials, requestInfo(request));
        if (resolved instanceof Promise) resolved.then(admit, done);
        else admit(resolved);
      } catch (err) {
        done(err as Error);
      }
    };

    const counted = (request: FastifyRequest, reply: FastifyReply, done: Done, window: Window) => {
      const remaining = rule!.max - window.count;
      const reset = Math.max(0, Math.ceil((window.resetAt - Date.now()) / 1000));
      reply.header('ratelimit-limit', maxText);
      reply.header('ratelimit-remaining', remaining > 0 ? remaining : 0);
      reply.header('ratelimit-reset', reset);
      if (remaining < 0) return done(new AppError('rate_limited', 'RATE_LIMITED', 'Too many requests, slow down', { retryAfter: Math.max(1, reset) }));
      authenticate(request, done);
    };

    // Runs inside the request's context, so the rest of the request (hooks, handler, the events
    // it publishes) sees it as the current request.
    const inContext = (request: FastifyRequest, reply: FastifyReply, done: Done) => {
      if (!rule) return authenticate(request, done);
      const window = limiter.hit(rule, request.ip);
      if (window instanceof Promise) window.then((w) => counted(request, reply, done, w), done);
      else counted(request, reply, done, window);
    };

    // The docs pages' headers depend on the scheme the request came over (behind a trusted
    // proxy, its X-Forwarded-Proto); API routes get one fixed set, chosen here, not per request.
    const byScheme = isByScheme(headers) ? headers : null;
    const onRequest: Hook = byScheme
      ? (request, reply, done) => {
          reply.headers(request.protocol === 'https' ? byScheme.tls : byScheme.plain);
          reply.header('x-request-id', request.id);
          runInRequest(request, inContext, reply, done);
        }
      : (request, reply, done) => {
          reply.headers(headers as Record<string, string>);
          reply.header('x-request-id', request.id);
          runInRequest(request, inContext, reply, done);
        };

    const onResponse: Hook = (request, reply, done) => {
      const elapsed = reply.elapsedTime;
      const status = reply.statusCode;
      metrics.observeHttp(request.method, label, status, elapsed / 1000);
      // The path only: a query string is client text and may carry anything.
      const url = request.url;
      const q = url.indexOf('?');
      accessLog(request.id, request.method, q === -1 ? url : url.slice(0, q), label, status, Math.round(elapsed * 10) / 10, (request as RefusedRequest)[PROBLEM_CODE]);
      done();
    };

    return { onRequest, onResponse };
  }

  return {
    addTo(route) {
      const url = route.url;
      const config = (route.config ?? {}) as { auth?: true | AuthRequirement; rateLimit?: RouteRateLimit | false };
      const own = config.rateLimit;
      const rule = own === false ? null : own ? { name: `${route.method}:${url}`, max: own.max, windowMs: own.timeWindow } : globalRule;
      const auth = config.auth ? (config.auth === true ? {} : config.auth) : null;
      const hooks = build(url, url.startsWith('/docs') ? opts.docsHeaders : opts.apiHeaders, rule, auth);
      route.onRequest = prepend(hooks.onRequest, route.onRequest);
      route.onResponse = prepend(hooks.onResponse, route.onResponse);
    },
    unmatched: build('unmatched', opts.apiHeaders, globalRule, null),
  };
}

function prepend<T>(hook: T, existing: T | T[] | undefined): T[] {
  if (!existing) return [hook];
  return [hook, ...(Array.isArray(existing) ? existing : [existing])];
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
