// The limiter's counting, local and against a fake Redis: shared counts while up, local counts
// while down or failing. The real thing, with redis-server killed and restarted, is
// test/redis-recovery.test.ts; the HTTP behaviour (headers, 429) is test/http-core.test.ts.
import { describe, expect, it } from 'vitest';
import type { RedisConnection } from '../redis/index.ts';
import { createRateLimiter, type LimitRule, LocalCounters } from './rate-limit.ts';

const rule: LimitRule = { name: 'global', max: 3, windowMs: 60_000 };

/** A client that runs the limiter's script as a plain counter in a map, or fails. */
function fakeRedis() {
  const counts = new Map<string, number>();
  const state = { up: true, failing: false, calls: 0 };
  const client: Record<string, any> = {
    defineCommand(name: string) {
      client[name] = async (key: string, windowMs: number) => {
        state.calls++;
        if (state.failing) throw new Error('Command timed out');
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        return [n, windowMs];
      };
    },
  };
  const connection = { client, isUp: () => state.up } as unknown as RedisConnection;
  return { connection, counts, state };
}

describe('local counters', () => {
  it('count a fixed window per client and start a new one when it ends', () => {
    let now = 1_000_000;
    const counters = new LocalCounters(() => now);
    expect(counters.hit(rule, 'a')).toEqual({ count: 1, resetAt: now + 60_000 });
    expect(counters.hit(rule, 'a').count).toBe(2);
    expect(counters.hit(rule, 'b').count).toBe(1);
    now += 60_000;
    expect(counters.hit(rule, 'a')).toEqual({ count: 1, resetAt: now + 60_000 });
  });

  it('keep each rule apart', () => {
    const counters = new LocalCounters();
    const login: LimitRule = { name: 'POST:/login', max: 1, windowMs: 60_000 };
    counters.hit(rule, 'a');
    expect(counters.hit(login, 'a').count).toBe(1);
    expect(counters.hit(rule, 'a').count).toBe(2);
  });

  it('stay bounded when a flood comes from more clients than they remember', () => {
    const counters = new LocalCounters();
    for (let i = 0; i < 120_000; i++) counters.hit(rule, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    const windows = (counters as unknown as { byRule: Map<LimitRule, Map<string, unknown>> }).byRule.get(rule)!;
    expect(windows.size).toBeLessThanOrEqual(100_000);
  });
});

describe('rate limiter', () => {
  it('answers synchronously without Redis, counting IPv6 clients per /64', () => {
    const limiter = createRateLimiter();
    expect(limiter.hit(rule, '2001:db8::1')).toMatchObject({ count: 1 });
    expect(limiter.hit(rule, '2001:db8::ffff')).toMatchObject({ count: 2 });
    expect(limiter.hit(rule, '::ffff:192.0.2.1')).toMatchObject({ count: 1 });
    expect(limiter.hit(rule, '192.0.2.1')).toMatchObject({ count: 2 });
  });

  it('counts in Redis while it is up, shared by every instance', async () => {
    const redis = fakeRedis();
    const a = createRateLimiter({ redis: redis.connection, namespace: 'ns:' });
    const b = createRateLimiter({ redis: redis.connection, namespace: 'ns:' });
    expect((await a.hit(rule, '1.2.3.4')).count).toBe(1);
    expect((await b.hit(rule, '1.2.3.4')).count).toBe(2);
    expect([...redis.counts]).toEqual([['ns:global:1.2.3.4', 2]]);
  });

  it('counts locally while Redis is down, without sending anything, and in Redis again once it is back', async () => {
    const redis = fakeRedis();
    const limiter = createRateLimiter({ redis: redis.connection, namespace: 'ns:' });
    await limiter.hit(rule, 'ip');
    redis.state.up = false;
    const calls = redis.state.calls;
    expect((await limiter.hit(rule, 'ip')).count).toBe(1);
    expect((await limiter.hit(rule, 'ip')).count).toBe(2);
    expect(redis.state.calls).toBe(calls);
    redis.state.up = true;
    expect((await limiter.hit(rule, 'ip')).count).toBe(2); // Redis had 1
  });

  it('counts locally when a command fails although the connection looks up', async () => {
    const redis = fakeRedis();
    const limiter = createRateLimiter({ redis: redis.connection, namespace: 'ns:' });
    redis.state.failing = true;
    expect((await limiter.hit(rule, 'ip')).count).toBe(1);
    expect((await limiter.hit(rule, 'ip')).count).toBe(2);
  });
});
