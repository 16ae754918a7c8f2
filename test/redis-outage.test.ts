// Rate limits live in Redis when it is configured; Redis going away must not take the API down.
import { describe, expect, it } from 'vitest';
import { createTestApp } from './harness.ts';

describe('redis outage', () => {
  it('answers requests with limits failing open when Redis cannot be reached', async () => {
    // Port 1 on loopback: nothing listens, so every Redis command fails.
    const t = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const started = Date.now();
      const res = await t.request({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: 'nobody@example.test' } });
      expect(res.statusCode, res.body).toBe(202);
      const me = await t.request({ method: 'GET', url: '/api/v1/users/me' });
      expect(me.statusCode).toBe(401);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await t.close();
    }
  });
});
