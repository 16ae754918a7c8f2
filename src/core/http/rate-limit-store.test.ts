// The failover store against a fake Redis: shared counts while up, local counts while down
// or failing. The real thing, with redis-server killed and restarted, is test/redis-recovery.test.ts.
import { describe, expect, it } from 'vitest';
import type { RedisConnection } from '../redis/index.ts';
import { failoverRateLimitStore } from './rate-limit-store.ts';

/** A client that runs the plugin's `rateLimit` script as a plain counter in a map, or fails. */
function fakeRedis() {
  const counts = new Map<string, number>();
  const state = { up: true, failing: false, calls: 0 };
  const client: Record<string, any> = {
    defineCommand(name: string) {
      client[name] = (key: string, ...args: any[]) => {
        state.calls++;
        const cb = args.at(-1) as (err: Error | null, result?: [number, number]) => void;
        if (state.failing) return cb(new Error('Command timed out'));
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        cb(null, [n, 60_000]);
      };
    },
  };
  const connection = { client, isUp: () => state.up } as unknown as RedisConnection;
  return { connection, counts, state };
}

function incr(store: any, key: string): Promise<{ current: number; ttl: number }> {
  return new Promise((resolve, reject) => store.incr(key, (err: Error | null, res: any) => (err ? reject(err) : resolve(res)), 60_000, 10));
}

describe('failover rate-limit store', () => {
  it('counts in Redis while it is up, shared by every instance', async () => {
    const redis = fakeRedis();
    const Store = failoverRateLimitStore(redis.connection, 'ns:');
    const a = new Store({} as never);
    const b = new Store({} as never);
    expect((await incr(a, '1.2.3.4')).current).toBe(1);
    expect((await incr(b, '1.2.3.4')).current).toBe(2);
    expect(redis.counts.get('ns:1.2.3.4')).toBe(2);
  });

  it('counts locally while Redis is down, without sending anything, and in Redis again once it is back', async () => {
    const redis = fakeRedis();
    const Store = failoverRateLimitStore(redis.connection, 'ns:');
    const a = new Store({} as never);
    await incr(a, 'ip');
    redis.state.up = false;
    const calls = redis.state.calls;
    expect((await incr(a, 'ip')).current).toBe(1);
    expect((await incr(a, 'ip')).current).toBe(2);
    expect(redis.state.calls).toBe(calls);
    redis.state.up = true;
    expect((await incr(a, 'ip')).current).toBe(2); // Redis had 1
  });

  it('counts locally when a command fails although the connection looks up', async () => {
    const redis = fakeRedis();
    const Store = failoverRateLimitStore(redis.connection, 'ns:');
    const a = new Store({} as never);
    redis.state.failing = true;
    expect((await incr(a, 'ip')).current).toBe(1);
    expect((await incr(a, 'ip')).current).toBe(2);
  });

  it('gives each route with its own limit its own keys, with the same failover', async () => {
    const redis = fakeRedis();
    const Store = failoverRateLimitStore(redis.connection, 'ns:');
    const route = new Store({} as never).child({ routeInfo: { method: 'POST', url: '/login' } } as never);
    await incr(route, 'ip');
    expect([...redis.counts.keys()]).toEqual(['ns:POST/login-ip']);
    redis.state.up = false;
    expect((await incr(route, 'ip')).current).toBe(1);
  });
});
