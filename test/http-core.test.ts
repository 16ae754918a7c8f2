// The HTTP contract of the real app: request ids, problem+json, security headers, CORS,
// rate limits, OpenAPI and docs, health and metrics. Apps with other settings share the
// first app's database.
import { randomInt } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, scrapeMetrics, signUp, type TestApp } from './harness.ts';
import { urlPath } from './openapi-inputs.ts';

let t: TestApp;
const others: TestApp[] = [];
// On the server the rate-limit counters live in one Redis shared by every test file (keyed
// by client IP): apps that are not about rate limits get limits nobody reaches.
const UNLIMITED = { AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' };
beforeAll(async () => {
  t = await createTestApp({ env: UNLIMITED });
});
afterAll(async () => {
  for (const o of others) await o.close();
  await t?.close();
});

async function appWith(env: Record<string, string>): Promise<TestApp> {
  const app = await createTestApp({ database: t.database, env: { ...UNLIMITED, ...env } });
  others.push(app);
  return app;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const get = (url: string, headers: Record<string, string> = {}, app = t) => app.request({ method: 'GET', url, headers });

describe('request ids', () => {
  it('echoes a valid X-Request-Id', async () => {
    const res = await get('/health/live', { 'x-request-id': 'client-trace.42:a_b-c' });
    expect(res.headers['x-request-id']).toBe('client-trace.42:a_b-c');
  });

  it('generates a UUID when the header is absent or invalid', async () => {
    const absent = await get('/health/live');
    expect(absent.headers['x-request-id']).toMatch(UUID);
    const other = await get('/health/live');
    expect(other.headers['x-request-id']).not.toBe(absent.headers['x-request-id']);
    for (const bad of ['has spaces', 'x'.repeat(129), 'semi;colon', '<script>']) {
      const res = await get('/health/live', { 'x-request-id': bad });
      expect(res.headers['x-request-id'], bad).toMatch(UUID);
    }
  });

  it('puts the request id into problem documents', async () => {
    const res = await get('/api/v1/users/me', { 'x-request-id': 'trace-401' });
    expect(res.statusCode).toBe(401);
    expect(res.json().requestId).toBe('trace-401');
  });
});

describe('problem+json', () => {
  it('answers an unknown route with 404 NOT_FOUND in the RFC 9457 shape', async () => {
    const res = await get('/api/v1/nothing-here?x=1', { 'x-request-id': 'trace-404' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'requestId', 'status', 'title', 'type']);
    expect(body).toEqual({
      type: 'https://trellis.dev/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No route matches this method and path',
      code: 'NOT_FOUND',
      requestId: 'trace-404',
    });
    const post = await t.request({ method: 'POST', url: '/nope', payload: {} });
    expect(post.statusCode).toBe(404);
    expect(post.json().code).toBe('NOT_FOUND');
  });

  it('lists each invalid field of a request', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'not-an-email' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', title: 'Bad Request', requestId: res.headers['x-request-id'] });
    const fields = body.errors.map((e: { field: string }) => e.field);
    expect(fields).toContain('body.email');
    expect(fields).toContain('body.password');
  });
});

describe('security headers', () => {
  it('sets the OWASP REST headers on API responses and errors', async () => {
    for (const url of ['/health/live', '/api/v1/users/me', '/api/v1/nothing']) {
      const res = await get(url);
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['strict-transport-security'], url).toMatch(/max-age=\d+/);
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['content-security-policy'], url).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.headers['x-powered-by'], url).toBeUndefined();
    }
  });

  it('gives the HTML docs page helmet’s full policy, which lets its own scripts run', async () => {
    const res = await get('/docs/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
  });

  it('asks the browser to upgrade the docs page’s requests to https only when the page came over TLS', async () => {
    // Over plain HTTP under a host name, an upgrade would send the page's scripts to an https
    // port nobody answers: the page would stay blank.
    for (const url of ['/docs/', '/docs/static/swagger-ui.css']) {
      const plain = await get(url, { host: 'trellis.internal:3000' });
      expect(plain.statusCode, url).toBe(200);
      expect(plain.headers['content-security-policy'], url).toMatch(/default-src 'self'/);
      expect(plain.headers['content-security-policy'], url).not.toMatch(/upgrade-insecure-requests/);
    }
    // Behind a trusted TLS-terminating proxy the page came over https.
    const proxied = await appWith({ TRUST_PROXY: 'true' });
    const tls = await get('/docs/', { host: 'trellis.example', 'x-forwarded-proto': 'https' }, proxied);
    expect(tls.headers['content-security-policy']).toMatch(/upgrade-insecure-requests/);
    const http = await get('/docs/', { host: 'trellis.example', 'x-forwarded-proto': 'http' }, proxied);
    expect(http.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
  });
});

describe('CORS', () => {
  let cors: TestApp;
  beforeAll(async () => {
    cors = await appWith({ CORS_ORIGINS: 'https://app.example' });
  });
  const preflight = (app: TestApp, origin: string) =>
    app.request({
      method: 'OPTIONS',
      url: '/api/v1/users/me',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });

  it('allows a preflight from a configured origin', async () => {
    const res = await preflight(cors, 'https://app.example');
    expect(res.statusCode).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers['access-control-allow-methods'])).toMatch(/GET/);
  });

  it('does not allow another origin', async () => {
    const res = await preflight(cors, 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await get('/health/live', { origin: 'https://evil.example' }, cors);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('exposes the request id and rate-limit headers to the allowed origin', async () => {
    const res = await get('/health/live', { origin: 'https://app.example' }, cors);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(res.headers['access-control-expose-headers'])).toMatch(/x-request-id/);
    expect(String(res.headers['access-control-expose-headers'])).toMatch(/retry-after/);
  });

  it('is off without CORS_ORIGINS', async () => {
    const res = await preflight(t, 'https://app.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('rate limits', () => {
  let limited: TestApp;
  // A client address of this run's own: on the server the counters live in a shared Redis.
  const ip = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
  beforeAll(async () => {
    limited = await appWith({ RATE_LIMIT: '3', TRUST_PROXY: 'true' });
  });

  it('answers the 4th request in a minute with 429 RATE_LIMITED, Retry-After and RateLimit headers', async () => {
    // Signed up through the unlimited app: same database and keys, so the token is valid here.
    const user = await signUp(t);
    const client = { ...bearer(user.accessToken), 'x-forwarded-for': ip() };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ok = await get('/api/v1/users/me', client, limited);
      statuses.push(ok.statusCode);
      expect(ok.headers['ratelimit-limit']).toBe('3');
      expect(ok.headers['ratelimit-remaining']).toBe(String(2 - i));
    }
    expect(statuses).toEqual([200, 200, 200]);
    const res = await get('/api/v1/users/me', client, limited);
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED', title: 'Too Many Requests', requestId: res.headers['x-request-id'] });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers['ratelimit-remaining']).toBe('0');
    // Another client is not affected.
    expect((await get('/api/v1/users/me', { ...bearer(user.accessToken), 'x-forwarded-for': ip() }, limited)).statusCode).toBe(200);
  });

  it('counts unauthenticated requests too, before authentication runs', async () => {
    const client = { 'x-forwarded-for': ip() };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('/api/v1/users/me', client, limited)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('counts requests to unknown routes too: a scan of random paths is throttled', async () => {
    const client = { 'x-forwarded-for': ip() };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(`/api/v1/no-such-thing-${i}`, client, limited)).statusCode);
    expect(statuses).toEqual([404, 404, 404, 429]);
    expect((await get('/api/v1/users/me', client, limited)).statusCode).toBe(429);
  });

  it('never limits health probes and metrics', async () => {
    const client = { 'x-forwarded-for': ip() };
    for (let i = 0; i < 4; i++) await get('/api/v1/users/me', client, limited);
    expect((await get('/api/v1/users/me', client, limited)).statusCode).toBe(429);
    for (let i = 0; i < 5; i++) {
      expect((await get('/health/live', client, limited)).statusCode).toBe(200);
      expect((await scrapeMetrics(limited, client)).statusCode).toBe(200);
      expect([200, 503]).toContain((await get('/health/ready', client, limited)).statusCode);
    }
  });
});

describe('OpenAPI', () => {
  let spec: any;
  beforeAll(async () => {
    const res = await get('/openapi.json');
    expect(res.statusCode).toBe(200);
    spec = res.json();
  });

  const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
  const operations = () =>
    Object.entries<Record<string, any>>(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m]) => METHODS.includes(m))
        .map(([method, op]) => ({ path, url: urlPath(spec, path, op), method, op })),
    );

  /** "METHOD /path/{param}" for every route the server has under a prefix, from its route tree. */
  function registeredRoutes(prefix: string): string[] {
    const out: string[] = [];
    const stack: string[] = [];
    for (const line of t.app.http.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line.replace(/ {4}|│ {3}/g, (s) => (s.startsWith('│') ? '│' : ' ')));
      if (!m) continue;
      const depth = m[1].length;
      stack.length = depth;
      const path = (stack[depth - 1] ?? '') + m[2];
      stack[depth] = path;
      for (const method of (m[3] ?? '').split(',').map((s) => s.trim())) {
        if (method && method !== 'HEAD' && path.startsWith(prefix)) out.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
    return out.sort();
  }

  it('is OpenAPI 3.1 with the bearer and API-key security schemes', () => {
    expect(spec.openapi).toMatch(/^3\.1\.\d+$/);
    expect(spec.info.title).toBeTruthy();
    expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(spec.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header' });
  });

  it('validates against the OpenAPI 3.1 schema, with the x- keywords and formats of the input rules', async () => {
    const result = await new Validator().validate(structuredClone(spec));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const keywords = new Set<string>();
    JSON.stringify(spec, (key, value) => {
      if (key.startsWith('x-')) keywords.add(key);
      return value;
    });
    expect([...keywords].sort()).toEqual(['x-text', 'x-years']);
  });

  it('documents the known routes, relative to the server URL /api/v1', () => {
    expect(spec.servers).toEqual([expect.objectContaining({ url: '/api/v1' })]);
    for (const path of ['/auth/register', '/auth/login', '/auth/refresh', '/users/me', '/users/{id}', '/admin/events', '/admin/events/{id}/retry']) {
      expect(spec.paths, path).toHaveProperty([path]);
      expect(urlPath(spec, path)).toBe(`/api/v1${path}`);
    }
    // The probes are outside the prefix, and say so.
    expect(urlPath(spec, '/health/live', spec.paths['/health/live'].get)).toBe('/health/live');
  });

  it('documents every route registered under /api/v1, and nothing else there', () => {
    const registered = registeredRoutes('/api/v1/');
    // Guard against a parser that finds nothing.
    expect(registered).toContain('POST /api/v1/auth/login');
    expect(registered).toContain('POST /api/v1/admin/events/{id}/retry');
    const documented = operations()
      .filter((o) => o.url.startsWith('/api/v1/'))
      .map((o) => `${o.method.toUpperCase()} ${o.url}`)
      .sort();
    expect(documented).toEqual(registered);
    // And every other documented operation is served where the document says.
    const elsewhere = operations().filter((o) => !o.url.startsWith('/api/v1/'));
    expect(elsewhere.map((o) => `${o.method.toUpperCase()} ${o.url}`).sort()).toEqual(['GET /health/live', 'GET /health/ready']);
  });

  it('gives every operation its security: bearer, API keys only where accepted, none on public ones', () => {
    const op = (method: string, path: string) => spec.paths[path][method];
    for (const [method, path] of [
      ['get', '/users/me'],
      ['get', '/users/{id}'],
      ['get', '/admin/events'],
      ['post', '/admin/events/{id}/retry'],
    ]) {
      expect(op(method, path).security, `${method} ${path}`).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    }
    // Routes without a scope refuse API keys (request-hooks.ts), so they list the access token only.
    for (const [method, path] of [
      ['post', '/auth/logout'],
      ['post', '/auth/api-keys'],
      ['delete', '/users/me'],
    ]) {
      expect(op(method, path).security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
    }
    for (const [method, path] of [
      ['post', '/auth/register'],
      ['post', '/auth/login'],
      ['post', '/auth/refresh'],
      ['get', '/health/live'],
    ]) {
      expect(op(method, path).security, `${method} ${path}`).toEqual([]);
    }
    const without = operations().filter((o) => !Array.isArray(o.op.security));
    expect(without.map((o) => `${o.method} ${o.path}`)).toEqual([]);
  });

  it('gives every operation a success response, with a schema unless it is 204', () => {
    const missing: string[] = [];
    for (const { path, method, op } of operations()) {
      const codes = Object.keys(op.responses ?? {}).filter((c) => /^2\d\d$/.test(c));
      if (codes.length === 0) missing.push(`${method} ${path}: no 2xx response`);
      for (const code of codes) {
        if (code === '204') continue;
        // JSON answers carry their schema; file downloads (zip, pdf) declare a binary string.
        if (!Object.values(op.responses[code].content ?? {}).some((c: any) => c?.schema)) missing.push(`${method} ${path}: ${code} without a schema`);
      }
      // Every operation documents its problem responses too, each one problem+json.
      if (!op.responses?.['500']) missing.push(`${method} ${path}: no 500 problem`);
      for (const [status, response] of Object.entries<any>(op.responses ?? {})) {
        // The readiness probe's own 503 is its report, in JSON.
        if (!/^[45]/.test(status) || (path === '/health/ready' && status === '503')) continue;
        const content = response.content ?? spec.components.responses[response.$ref?.split('/').pop()]?.content;
        if (!content?.['application/problem+json']) missing.push(`${method} ${path}: ${status} is not problem+json`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('serves the docs page as HTML', async () => {
    const res = await get('/docs');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<html/i);
  });
});

describe('health and metrics', () => {
  it('/health/live answers 200', async () => {
    const res = await get('/health/live');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/health/ready fails while the dispatcher is stopped, and passes once it runs', async () => {
    // With REDIS_URL (the server project) Redis is reported beside the rest.
    const redis = t.app.config.redisUrl ? { redis: { status: 'ok' } } : {};
    const before = await get('/health/ready');
    expect(before.statusCode).toBe(503);
    expect(before.json()).toEqual({
      status: 'fail',
      checks: { database: { status: 'ok' }, migrations: { status: 'ok' }, dispatcher: { status: 'fail', detail: 'not running' }, ...redis },
    });
    await t.app.dispatcher.start();
    try {
      const after = await get('/health/ready');
      expect(after.statusCode).toBe(200);
      expect(after.json()).toEqual({ status: 'ok', checks: { database: { status: 'ok' }, migrations: { status: 'ok' }, dispatcher: { status: 'ok' }, ...redis } });
    } finally {
      await t.app.dispatcher.stop();
    }
    expect((await get('/health/ready')).statusCode).toBe(503);
  });

  it('/health/ready does not need the dispatcher on an API-only instance', async () => {
    const apiOnly = await appWith({ DISPATCHER_ENABLED: 'false' });
    const res = await get('/health/ready', {}, apiOnly);
    expect(res.statusCode).toBe(200);
    expect(res.json().checks.dispatcher).toEqual({ status: 'ok' });
  });

  it('/metrics exposes HTTP, outbox and pool metrics in the Prometheus format', async () => {
    await get('/health/live');
    const res = await scrapeMetrics(t);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of ['http_requests_total', 'http_request_duration_seconds', 'outbox_backlog', 'outbox_lag_seconds', 'db_pool_total']) {
      expect(res.body).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(res.body).toMatch(/^http_requests_total\{method="GET",route="\/health\/live",status="200"\} [1-9]/m);
    expect(res.body).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="200"\} [1-9]/m);
    expect(res.body).toMatch(/^db_pool_total \d+/m);
    expect(res.body).toMatch(/^outbox_backlog \d+/m);
    // Unmatched URLs share one label, so scanning bots cannot explode the series count.
    await get('/no/such/path/qzxjvk');
    const after = (await scrapeMetrics(t)).body;
    expect(after).not.toContain('qzxjvk');
    expect(after).toMatch(/^http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/m);
  });
});
