import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, signUp, type TestApp } from './harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('smoke', () => {
  it('registers, signs in and reads /users/me with the profile created by the subscriber', async () => {
    const u = await signUp(t, { displayName: 'Ann', verify: true });
    const me = await t.request({ method: 'GET', url: '/api/v1/users/me', headers: bearer(u.accessToken) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: u.email, emailVerified: true, profile: { displayName: 'Ann' } });
  });
});
