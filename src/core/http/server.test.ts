// The HTTP core on a server of its own (no database, no modules): routes that throw,
// validation, body limits and the authentication hook with a scripted resolver.
import http from 'node:http';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import type { Principal } from './principal.ts';
import { createHttpServer, type HttpServer } from './server.ts';

const user: Principal = { userId: 'u1', email: 'u@example.test', role: 'user', emailVerified: true, sessionId: 's1', apiKeyId: null, scopes: null };
const admin: Principal = { ...user, userId: 'a1', role: 'admin' };
const keyWithScope: Principal = { ...user, sessionId: null, apiKeyId: 'k1', scopes: ['things:read'] };

let app: HttpServer;
const secretMessage = 'password=hunter2 at db.internal';

beforeAll(async () => {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent', BODY_LIMIT: '1024' });
  const handle = await createHttpServer({ config, log: createLogger('silent'), metrics: createMetrics() });
  app = handle.app;
  handle.setPrincipalResolver(async (c) => {
    if (c.bearer === 'user-token') return user;
    if (c.bearer === 'admin-token') return admin;
    if (c.apiKey === 'trl_good') return keyWithScope;
    return null;
  });
  app.get('/boom', async () => {
    throw new Error(secretMessage);
  });
  app.get('/boom-async', async () => {
    await new Promise((r) => setTimeout(r, 1));
    throw new TypeError(`cannot read ${secretMessage}`);
  });
  app.get('/conflict', async () => {
    throw new AppError('conflict', 'THINGS.TAKEN', 'The name is taken', { details: { name: 'x' }, retryAfter: 2.2 });
  });
  app.post('/things', {
    schema: {
      body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Integer({ minimum: 0 }) }),
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ maximum: 10 })) }),
      response: { 201: Type.Object({ name: Type.String() }) },
    },
    handler: async (req, reply) => reply.status(201).send({ name: req.body.name, leaked: 'never' } as any),
  });
  app.get('/me', { config: { auth: true } }, async (req) => ({ userId: req.principal!.userId }));
  app.post('/secure-things', {
    config: { auth: true },
    schema: { body: Type.Object({ name: Type.String() }) },
    handler: async (req) => ({ name: req.body.name }),
  });
  app.get('/admin-only', { config: { auth: { role: 'admin' } } }, async () => ({ ok: true }));
  app.get('/things-read', { config: { auth: { scope: 'things:read' } } }, async (req) => ({ userId: req.principal!.userId }));
  app.get('/things-write', { config: { auth: { scope: 'things:write' } } }, async () => ({ ok: true }));
  await app.ready();
});
afterAll(() => app?.close());

const problemOf = (res: { headers: Record<string, unknown>; json(): any }) => {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
};

describe('errors', () => {
  it.each(['/boom', '/boom-async'])('%s: an unexpected error is a masked 500 problem without a stack', async (url) => {
    const res = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'trace-500' } });
    expect(res.statusCode).toBe(500);
    const body = problemOf(res);
    expect(body).toEqual({
      type: 'https://trellis.dev/problems/internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred',
      code: 'INTERNAL',
      requestId: 'trace-500',
    });
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('    at ');
  });

  it('an AppError keeps its status, code, message, details and Retry-After', async () => {
    const res = await app.inject({ method: 'GET', url: '/conflict' });
    expect(res.statusCode).toBe(409);
    expect(res.headers['retry-after']).toBe('3');
    expect(problemOf(res)).toMatchObject({ status: 409, code: 'THINGS.TAKEN', detail: 'The name is taken', name: 'x', requestId: res.headers['x-request-id'] });
  });

  it('validation lists every failing field', async () => {
    const res = await app.inject({ method: 'POST', url: '/things?limit=99', payload: { name: 'a', count: 1 } });
    expect(res.statusCode).toBe(400);
    const body = problemOf(res);
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors).toEqual([{ field: 'query.limit', message: expect.stringContaining('10') }]);
    const res2 = await app.inject({ method: 'POST', url: '/things', payload: { name: '', count: -1 } });
    expect(problemOf(res2).errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.count', 'body.name']);
    const res3 = await app.inject({ method: 'POST', url: '/things', payload: {} });
    expect(problemOf(res3).errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.count', 'body.name']);
  });

  it('the response schema strips undeclared fields', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', count: 1 } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ name: 'a' });
  });

  it('bad JSON, a wrong content type and a too large body are problems too', async () => {
    const bad = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).code).toBe('VALIDATION_FAILED');
    const xml = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/xml' }, payload: '<name>a</name>' });
    expect(xml.statusCode).toBe(415);
    expect(problemOf(xml).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // text/plain too: Fastify parses it by default, which made it a 400 about the body's shape.
    for (const type of ['text/plain', 'text/plain; charset=utf-8']) {
      const text = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': type }, payload: '{"name":"a","count":1}' });
      expect(text.statusCode, type).toBe(415);
      expect(text.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(problemOf(text)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', errors: [{ field: 'content-type', message: 'must be application/json' }] });
    }
    const big = await app.inject({ method: 'POST', url: '/things', payload: { name: 'x'.repeat(2000), count: 1 } });
    expect(big.statusCode).toBe(413);
    expect(problemOf(big).code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('authentication hook', () => {
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  it('401 without credentials, with an unknown token or another scheme', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic dTpw' }, { authorization: 'Bearer' }, { 'x-api-key': 'trl_bad' }];
    for (const headers of attempts) {
      const res = await get('/me', headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(problemOf(res).code).toBe('UNAUTHENTICATED');
    }
  });

  it('sets the principal for a valid bearer token', async () => {
    const res = await get('/me', { authorization: 'Bearer user-token' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ userId: 'u1' });
  });

  it('authenticates before the body is parsed or validated', async () => {
    const bad = { 'content-type': 'application/json' };
    const anonymous = await app.inject({ method: 'POST', url: '/secure-things', headers: bad, payload: '{"name":' });
    expect(anonymous.statusCode).toBe(401);
    const invalid = await app.inject({ method: 'POST', url: '/secure-things', headers: { ...bad, authorization: 'Bearer user-token' }, payload: '{"name":' });
    expect(invalid.statusCode).toBe(400);
    const ok = await app.inject({ method: 'POST', url: '/secure-things', headers: { authorization: 'Bearer user-token' }, payload: { name: 'n' } });
    expect(ok.json()).toEqual({ name: 'n' });
  });

  it('enforces the role', async () => {
    expect((await get('/admin-only', { authorization: 'Bearer user-token' })).statusCode).toBe(403);
    expect((await get('/admin-only', { authorization: 'Bearer admin-token' })).statusCode).toBe(200);
  });

  it('accepts an API key only on routes that name a scope it has', async () => {
    const keyHeaders: Record<string, string>[] = [{ authorization: 'Bearer trl_good' }, { 'x-api-key': 'trl_good' }];
    for (const headers of keyHeaders) {
      expect((await get('/things-read', headers)).statusCode).toBe(200);
      const noScope = await get('/things-write', headers);
      expect(noScope.statusCode).toBe(403);
      expect(problemOf(noScope).detail).toMatch(/things:write/);
      expect((await get('/me', headers)).statusCode).toBe(403);
    }
    // A user's access token is not limited by scopes.
    expect((await get('/things-write', { authorization: 'Bearer user-token' })).statusCode).toBe(200);
  });
});

describe('shutdown', () => {
  it('answers a request in flight on a keep-alive connection with Connection: close, so closing does not wait for the idle timeout', async () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent', PORT: '0' });
    const { app: server } = await createHttpServer({ config, log: createLogger('silent'), metrics: createMetrics() });
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    server.get('/slow', async () => {
      entered();
      await released;
      return { ok: true };
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.server.address() as { port: number };
    const agent = new http.Agent({ keepAlive: true });
    const answer = new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/slow', agent }, resolve).on('error', reject);
    });
    await inHandler;
    const started = Date.now();
    const closed = server.close();
    await new Promise((r) => setTimeout(r, 100)); // close() runs its preClose hooks first
    release();
    const res = await answer;
    res.resume();
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).toBe('close');
    await closed;
    expect(Date.now() - started).toBeLessThan(5_000); // the keep-alive timeout is 72 s
    agent.destroy();
  });
});
