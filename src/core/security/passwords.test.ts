import { describe, expect, it } from 'vitest';
import { ARGON2_PARAMS, createLimiter, createPasswordHasher } from './passwords.ts';

describe('password hasher', () => {
  const hasher = createPasswordHasher();

  it('uses argon2id with OWASP parameters m=19456, t=2, p=1', async () => {
    expect(ARGON2_PARAMS).toMatchObject({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const encoded = await hasher.hash('correct horse battery staple');
    expect(encoded.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const encoded = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify(encoded, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(encoded, 'correct horse battery stapl')).toBe(false);
    expect(await hasher.verify(encoded, '')).toBe(false);
  });

  it('verifies hashes made with other parameters (the cost can change over time)', async () => {
    const light = createPasswordHasher({ memoryCost: 1024, timeCost: 1 });
    const encoded = await light.hash('pw-1');
    expect(encoded.startsWith('$argon2id$v=19$m=1024,t=1,p=1$')).toBe(true);
    expect(await hasher.verify(encoded, 'pw-1')).toBe(true);
  });

  it('treats a malformed stored hash as a mismatch instead of throwing', async () => {
    for (const bad of ['', 'not-a-hash', '$argon2id$v=19$m=19456,t=2,p=1$', '$2b$10$abcdefghijklmnopqrstuv']) {
      await expect(hasher.verify(bad, 'anything')).resolves.toBe(false);
    }
  });

  it('dummyVerify completes without throwing', async () => {
    await expect(hasher.dummyVerify('whatever')).resolves.toBeUndefined();
  });
});

describe('createLimiter', () => {
  it('runs at most `limit` tasks at once and all of them in the end', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const task = async (i: number) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return i;
    };
    const results = await Promise.all(Array.from({ length: 7 }, (_, i) => limit(() => task(i))));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
  });

  it('frees the slot when a task throws', async () => {
    const limit = createLimiter(1);
    await expect(limit(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit(async () => 'next')).resolves.toBe('next');
  });
});
