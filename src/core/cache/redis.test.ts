// The shared cache. With TEST_REDIS_URL: two instances on one Redis share values and drop
// each other's local copies on change. Always (a redis-server of this file's own behind a
// proxy that can cut one instance off): an outage degrades to the local tier, and what was
// deleted during it is deleted in Redis once the instance is back.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RedisServer, startRedisServer, startTcpProxy, type TcpProxy } from '../../../test/redis-server.ts';
import { createLogger } from '../log/logger.ts';
import { createRedis, type RedisConnection } from '../redis/index.ts';
import { createRedisCache } from './redis.ts';
import type { Cache } from './types.ts';

const log = createLogger('silent');
const opened: { cache: Cache; redis: RedisConnection }[] = [];

async function instance(url: string, namespace: string, localTtlSeconds = 5, maxPendingDeletes?: number) {
  const redis = createRedis({ url, log, maxReconnectDelayMs: 100 });
  const cache = createRedisCache({ redis, log, namespace, localTtlSeconds, maxPendingDeletes });
  opened.push({ cache, redis });
  expect(await eventually(() => redis.isUp() && redis.subscriber().status === 'ready')).toBe(true);
  return { cache, redis };
}

afterEach(async () => {
  for (const { cache, redis } of opened.splice(0)) {
    await cache.close();
    await redis.close();
  }
});

describe.skipIf(!process.env.TEST_REDIS_URL)('redis cache on a shared server', () => {
  const url = process.env.TEST_REDIS_URL!;

  it('shares values between instances, as JSON, under the namespace', async () => {
    const ns = `trellis:test:${randomUUID()}:`;
    const a = await instance(url, ns);
    const b = await instance(url, ns);
    expect(a.cache.shared).toBe(true);
    await a.cache.set('k', { at: new Date(0), n: 1 }, 60);
    expect(await b.cache.get('k')).toEqual({ at: '1970-01-01T00:00:00.000Z', n: 1 });
    expect(await a.redis.client.get(`${ns}k`)).toBe('{"at":"1970-01-01T00:00:00.000Z","n":1}');
    expect(await a.redis.client.pttl(`${ns}k`)).toBeGreaterThan(59_000);
    await a.cache.set('nothing', null, 60);
    expect(await b.cache.get('nothing')).toBeNull();
    expect(await b.cache.get('absent')).toBeUndefined();
  });

  it('a delete or overwrite on one instance reaches the local tier of the other at once', async () => {
    const ns = `trellis:test:${randomUUID()}:`;
    const a = await instance(url, ns, 60);
    const b = await instance(url, ns, 60);
    await a.cache.set('k', 'v1', 60);
    expect(await b.cache.get('k')).toBe('v1'); // now in b's local tier for a minute
    await a.cache.set('k', 'v2', 60);
    expect(await eventually(async () => (await b.cache.get('k')) === 'v2', 2000)).toBe(true);
    await a.cache.delete('k');
    expect(await eventually(async () => (await b.cache.get('k')) === undefined, 2000)).toBe(true);
    expect(await a.redis.client.exists(`${ns}k`)).toBe(0);
  });

  it('expires values in Redis after their TTL', async () => {
    const ns = `trellis:test:${randomUUID()}:`;
    const a = await instance(url, ns);
    await a.cache.set('brief', 'v', 0.2);
    expect(await a.redis.client.pttl(`${ns}brief`)).toBeLessThanOrEqual(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await a.cache.get('brief')).toBeUndefined();
  });

  it('wrap computes once per instance and serves other instances from Redis', async () => {
    const ns = `trellis:test:${randomUUID()}:`;
    const a = await instance(url, ns);
    const b = await instance(url, ns);
    let calls = 0;
    const compute = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return { v: 42 };
    };
    const results = await Promise.all([a.cache.wrap('w', 60, compute), a.cache.wrap('w', 60, compute), a.cache.wrap('w', 60, compute)]);
    expect(results).toEqual([{ v: 42 }, { v: 42 }, { v: 42 }]);
    expect(await b.cache.wrap('w', 60, compute)).toEqual({ v: 42 });
    expect(calls).toBe(1);
  });
});

describe('redis cache through an outage', () => {
  let server: RedisServer;
  let proxy: TcpProxy;
  beforeAll(async () => {
    server = await startRedisServer();
    proxy = await startTcpProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.kill();
  });

  it('serves locally while cut off, then deletes in Redis what it deleted meanwhile', async () => {
    const ns = `trellis:test:${randomUUID()}:`;
    const a = await instance(proxy.url, ns, 60); // a reaches Redis through the proxy
    const b = await instance(server.url, ns, 0.001); // b directly, with a local tier too short to matter
    await a.cache.set('stale', 'before', 60);
    await a.cache.set('kept', 'before', 60);
    expect(await b.cache.get('stale')).toBe('before');

    await proxy.cut();
    expect(await eventually(() => !a.redis.isUp())).toBe(true);
    // Reads come from the local tier or miss to the compute function; nothing waits for Redis.
    const started = Date.now();
    expect(await a.cache.get('kept')).toBe('before');
    expect(await a.cache.wrap('fresh', 60, async () => 'computed')).toBe('computed');
    await a.cache.delete('stale');
    await a.cache.set('kept', 'during', 60);
    expect(await a.cache.get('stale')).toBeUndefined();
    expect(await a.cache.get('kept')).toBe('during');
    expect(Date.now() - started).toBeLessThan(200);
    // Redis itself never heard of it.
    expect(await b.cache.get('stale')).toBe('before');

    await proxy.heal();
    expect(await eventually(() => a.redis.isUp())).toBe(true);
    // What a deleted or overwrote while cut off is gone from Redis: no instance reads the old value.
    expect(await eventually(async () => (await b.cache.get('stale')) === undefined && (await b.cache.get('kept')) === undefined, 3000)).toBe(true);
    expect(await a.cache.get('stale')).toBeUndefined();
    // a's local tier was cleared (it may have missed other instances' changes): Redis answers again.
    await b.cache.set('kept', 'after', 60);
    expect(await eventually(async () => (await a.cache.get('kept')) === 'after', 2000)).toBe(true);
  });

  it('drops the whole namespace when more keys changed during the outage than it remembers', async () => {
    const ns = `trellis:test:${randomUUID()}:`;
    const a = await instance(proxy.url, ns, 60, 2);
    const b = await instance(server.url, ns, 0.001);
    for (const k of ['k1', 'k2', 'k3', 'untouched']) await a.cache.set(k, 'before', 60);
    const otherKey = `trellis:test:${randomUUID()}:x`;
    await b.redis.client.set(otherKey, '1', 'PX', 60_000);
    await proxy.cut();
    expect(await eventually(() => !a.redis.isUp())).toBe(true);
    await a.cache.delete('k1', 'k2', 'k3');
    await proxy.heal();
    expect(await eventually(async () => (await b.redis.client.keys(`${ns}*`)).length === 0, 3000)).toBe(true);
    expect(await b.redis.client.exists(otherKey)).toBe(1); // another namespace is not touched
    expect(await b.cache.get('untouched')).toBeUndefined();
  });
});
