// Two app instances on one redis-server of this file's own: the rate limit is shared; when
// Redis dies both keep answering with local limits and say so once; when it comes back on
// the same port they share limits again, without a restart. Permission checks share roles
// through Redis, and stay right (a role change holds on the next request) through an outage.
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/core/log/logger.ts';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import { eventually, type RedisServer, startRedisServer } from './redis-server.ts';
import { orgWithRoles } from './workspace.ts';

const LIMIT = 5;
const LOST = 'redis connection lost; cache and rate limits are local until it returns';
const RESTORED = 'redis connection restored; cache and rate limits are shared again';

interface Instance {
  t: TestApp;
  lines: { level: number; msg: string }[];
}

let server: RedisServer;
let a: Instance;
let b: Instance;

async function instance(database?: TestApp['database'], env: Record<string, string> = { RATE_LIMIT: String(LIMIT) }): Promise<Instance> {
  const lines: Instance['lines'] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  const t = await createTestApp({
    database,
    // API-only instances: readiness then depends on the database and Redis alone.
    env: { REDIS_URL: server.url, DISPATCHER_ENABLED: 'false', ...env },
    // One counter namespace for both instances: they are one service.
    overrides: { log: createLogger('info', sink), rateLimitNamespace: `trellis:test:recovery:${server.port}:` },
  });
  return { t, lines };
}

const count = (i: Instance, msg: string) => i.lines.filter((l) => l.msg === msg).length;
/** A rate-limited route: the limit is checked before authentication, so 401 means "let through". */
const hit = async (i: Instance) => (await i.t.request({ method: 'GET', url: '/api/v1/users/me' })).statusCode;
const hits = async (i: Instance, n: number) => {
  const codes: number[] = [];
  for (let k = 0; k < n; k++) codes.push(await hit(i));
  return codes;
};
const redisCheck = async (i: Instance) => {
  const res = await i.t.request({ method: 'GET', url: '/health/ready' });
  return { code: res.statusCode, body: res.json() };
};
const redisIs = (i: Instance, status: 'ok' | 'fail') => eventually(async () => (await redisCheck(i)).body.checks.redis?.status === status, 8000);

beforeAll(async () => {
  server = await startRedisServer();
  a = await instance();
  b = await instance(a.t.database);
});
afterAll(async () => {
  await b?.t.app.close();
  await a?.t.close();
  await server?.kill();
});

describe('rate limits through a Redis outage', () => {
  it('are shared, degrade to local limits while Redis is down, and are shared again when it returns', { timeout: 30_000 }, async () => {
    // (1) Shared: requests on either instance count against one limit.
    expect(await redisIs(a, 'ok')).toBe(true);
    expect(await redisIs(b, 'ok')).toBe(true);
    expect(await hits(a, 3)).toEqual([401, 401, 401]);
    expect(await hits(b, 2)).toEqual([401, 401]);
    expect(await hit(b)).toBe(429);
    expect(await hit(a)).toBe(429);

    // (2) Redis dies: both keep answering, each instance limits on its own.
    await server.kill();
    expect(await redisIs(a, 'fail')).toBe(true);
    expect(await redisIs(b, 'fail')).toBe(true);
    const ready = await redisCheck(a);
    expect(ready.code).toBe(200);
    expect(ready.body.status).toBe('degraded');
    const started = Date.now();
    expect(await hits(a, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(await hit(a)).toBe(429);
    expect(Date.now() - started).toBeLessThan(2000); // no request waited for Redis
    const forgot = await a.t.request({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: 'nobody@example.test' } });
    expect(forgot.statusCode).toBe(202);
    // Reconnect attempts go on meanwhile; the outage is logged once per instance.
    await new Promise((r) => setTimeout(r, 1500));
    expect([count(a, LOST), count(b, LOST)]).toEqual([1, 1]);
    expect(count(a, RESTORED)).toBe(0);

    // (3) Redis is back on the same port (empty): limits are shared again, no restart.
    await server.start();
    expect(await redisIs(a, 'ok')).toBe(true);
    expect(await redisIs(b, 'ok')).toBe(true);
    expect((await redisCheck(a)).body.status).toBe('ok');
    // a's local counter is spent, so these pass only because Redis counts again...
    expect(await hits(a, LIMIT)).toEqual(Array(LIMIT).fill(401));
    // ...and b, which sent nothing locally, is refused only because it shares a's count.
    expect(await hit(b)).toBe(429);
    expect([count(a, RESTORED), count(b, RESTORED)]).toEqual([1, 1]);
    expect([count(a, LOST), count(b, LOST)]).toEqual([1, 1]);
  });
});

describe('permission checks on Redis', () => {
  // Instances of their own, with the default rate limit: the org fixture sends many requests.
  let c: Instance;
  let d: Instance;
  let redis: Redis;
  beforeAll(async () => {
    c = await instance(undefined, {});
    d = await instance(c.t.database, {});
    redis = new Redis(server.url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => 100 });
    redis.on('error', () => {});
  });
  afterAll(async () => {
    redis?.disconnect();
    await d?.t.app.close();
    await c?.t.close();
  });

  const rename = (i: Instance, token: string, orgId: string) =>
    i.t.request({ method: 'PATCH', url: `/api/v1/orgs/${orgId}`, headers: bearer(token), payload: { name: `n${Date.now()}` } });
  const setRole = (i: Instance, token: string, orgId: string, userId: string, role: string) =>
    i.t.request({ method: 'PATCH', url: `/api/v1/orgs/${orgId}/members/${userId}`, headers: bearer(token), payload: { role } });

  it('share roles between instances, and a role change holds on the next request, with Redis up or down', { timeout: 30_000 }, async () => {
    expect(await redisIs(c, 'ok')).toBe(true);
    expect(await redisIs(d, 'ok')).toBe(true);
    await redis.connect();
    const w = await orgWithRoles(c.t);

    // d computes the viewer's role and shares it through Redis.
    expect((await rename(d, w.viewer.accessToken, w.orgId)).statusCode).toBe(403);
    const key = `trellis:cache:organizations:roles:user:${w.viewer.userId}`;
    expect(await eventually(async () => JSON.parse((await redis.get(key)) ?? 'null')?.roles?.[w.orgId]?.value?.role === 'viewer', 2000)).toBe(true);
    // The outsider's org is not theirs to see.
    expect((await rename(d, w.outsider.accessToken, w.orgId)).statusCode).toBe(404);

    // Promoted on c: d lets the viewer rename on its next request (NOTIFY), not after a TTL.
    expect((await setRole(c, w.owner.accessToken, w.orgId, w.viewer.userId, 'admin')).statusCode).toBe(200);
    expect(await eventually(async () => (await rename(d, w.viewer.accessToken, w.orgId)).statusCode === 200, 3000)).toBe(true);

    // Redis dies: checks run on each instance's own tier and the database, and stay right.
    redis.disconnect();
    await server.kill();
    expect(await redisIs(c, 'fail')).toBe(true);
    expect(await redisIs(d, 'fail')).toBe(true);
    expect((await setRole(c, w.owner.accessToken, w.orgId, w.viewer.userId, 'viewer')).statusCode).toBe(200);
    expect(await eventually(async () => (await rename(d, w.viewer.accessToken, w.orgId)).statusCode === 403, 3000)).toBe(true);
    expect((await rename(d, w.admin.accessToken, w.orgId)).statusCode).toBe(200);
    expect((await rename(c, w.outsider.accessToken, w.orgId)).statusCode).toBe(404);

    // Back again (empty): shared once more, and a change still holds everywhere at once.
    await server.start();
    expect(await redisIs(c, 'ok')).toBe(true);
    expect(await redisIs(d, 'ok')).toBe(true);
    expect((await setRole(d, w.owner.accessToken, w.orgId, w.viewer.userId, 'admin')).statusCode).toBe(200);
    expect(await eventually(async () => (await rename(c, w.viewer.accessToken, w.orgId)).statusCode === 200, 3000)).toBe(true);
    expect((await rename(c, w.outsider.accessToken, w.orgId)).statusCode).toBe(404);
  });
});
