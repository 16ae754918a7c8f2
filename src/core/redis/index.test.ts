// The connection's health against a redis-server of this file's own: state, one log line per
// outage and per recovery, commands failing at once while it is down, the redis_up gauge.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RedisServer, startRedisServer } from '../../../test/redis-server.ts';
import { createLogger } from '../log/logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { createRedis } from './index.ts';

function captureLog() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger('info', stream), lines, messages: (level: number) => lines.filter((l) => l.level === level).map((l) => l.msg) };
}

const WARN = 40;
const INFO = 30;

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.kill();
});

describe('redis connection', () => {
  it('goes down and up with the server, logs each change once, fails commands at once while down', async () => {
    const { log, messages } = captureLog();
    const metrics = createMetrics();
    const redis = createRedis({ url: server.url, log, metrics, maxReconnectDelayMs: 200 });
    const gauge = async () => (await metrics.registry.getSingleMetricAsString('redis_up')).split('\n').at(-1);
    const states: boolean[] = [];
    redis.onChange((up) => states.push(up));
    try {
      expect(await eventually(() => redis.isUp())).toBe(true);
      expect(await redis.client.ping()).toBe('PONG');
      expect(await gauge()).toBe('redis_up 1');

      await server.kill();
      expect(await eventually(() => !redis.isUp())).toBe(true);
      // Several reconnect attempts fail meanwhile; none of them logs.
      await new Promise((r) => setTimeout(r, 800));
      const started = Date.now();
      await expect(redis.client.get('k')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(100);
      expect(await gauge()).toBe('redis_up 0');
      expect(messages(WARN)).toEqual(['redis connection lost; cache and rate limits are local until it returns']);

      await server.start();
      expect(await eventually(() => redis.isUp())).toBe(true);
      expect(await redis.client.ping()).toBe('PONG');
      expect(messages(WARN)).toHaveLength(1);
      expect(messages(INFO)).toEqual(['redis connection restored; cache and rate limits are shared again']);
      expect(states).toEqual([true, false, true]);
    } finally {
      await redis.close();
    }
  });

  it('lets start-up wait for the first connection attempt: connected when Redis is up, settled at once when it is not', async () => {
    const up = createRedis({ url: server.url, log: captureLog().log });
    try {
      await up.firstAttempt(5000);
      expect(up.isUp()).toBe(true);
      await up.firstAttempt(5000); // already settled: returns at once
    } finally {
      await up.close();
    }
    const down = createRedis({ url: 'redis://127.0.0.1:1', log: captureLog().log, maxReconnectDelayMs: 100 });
    try {
      const started = Date.now();
      await down.firstAttempt(5000);
      expect(Date.now() - started).toBeLessThan(2500); // the refused connection settles it, not the timeout
      expect(down.isUp()).toBe(false);
    } finally {
      await down.close();
    }
  });

  it('reports an unreachable server once at start-up and never blocks a command', async () => {
    const { log, messages } = captureLog();
    const redis = createRedis({ url: 'redis://127.0.0.1:1', log, maxReconnectDelayMs: 100 });
    try {
      await new Promise((r) => setTimeout(r, 600));
      expect(redis.isUp()).toBe(false);
      await expect(redis.client.set('k', 'v')).rejects.toThrow();
      expect(messages(WARN)).toEqual(['redis unreachable; cache and rate limits are local until it answers']);
    } finally {
      await redis.close();
    }
  });

  // Renewed by createRedis on each 'ready', not by ioredis (autoResubscribe off): this fails without it.
  it('restores subscriptions after an outage', async () => {
    const { log } = captureLog();
    const redis = createRedis({ url: server.url, log, maxReconnectDelayMs: 200 });
    const received: string[] = [];
    try {
      const sub = redis.subscriber();
      sub.on('message', (_channel, message) => received.push(message));
      await redis.subscribe('test-channel');
      expect(await eventually(() => redis.isUp())).toBe(true);
      await redis.client.publish('test-channel', 'before');
      expect(await eventually(() => received.includes('before'))).toBe(true);

      await server.kill();
      await server.start();
      expect(await eventually(() => redis.isUp() && sub.status === 'ready')).toBe(true);
      // The resubscription follows 'ready'; publish until it has landed.
      expect(
        await eventually(async () => {
          await redis.client.publish('test-channel', 'after');
          return received.includes('after');
        }),
      ).toBe(true);
    } finally {
      await redis.close();
    }
  });
});
