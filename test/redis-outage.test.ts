// Rate limits and the cache live in Redis when it is configured; Redis being unreachable
// must not take the API down, nor switch the limits off: they become per-instance ones.
// (Losing Redis while running, and getting it back, is test/redis-recovery.test.ts.)
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/core/log/logger.ts';
import { createTestApp } from './harness.ts';

describe('redis outage', () => {
  it('answers at once, with local rate limits, ready but degraded, and says so once', async () => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    // Port 1 on loopback: nothing listens, so Redis is never reachable.
    const t = await createTestApp({
      env: { REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT: '3', DISPATCHER_ENABLED: 'false' },
      overrides: { log: createLogger('warn', sink) },
    });
    try {
      const started = Date.now();
      const res = await t.request({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: 'nobody@example.test' } });
      expect(res.statusCode, res.body).toBe(202);
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await t.request({ method: 'GET', url: '/api/v1/users/me' })).statusCode);
      expect(codes).toEqual([401, 401, 401, 429]);
      expect(Date.now() - started).toBeLessThan(5000);

      const ready = await t.request({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'degraded', checks: { database: { status: 'ok' }, redis: { status: 'fail' } } });

      const warnings = lines.filter((l) => l.level === 40).map((l) => l.msg);
      expect(warnings).toEqual(['redis unreachable; cache and rate limits are local until it answers']);
    } finally {
      await t.close();
    }
  });
});
