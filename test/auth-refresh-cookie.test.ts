// The refresh token as an http-only cookie (decision 0050): what the console's opt-in header
// changes, what stays as it was for API clients, and the guard of the cookie path.
import type { LightMyRequestResponse } from 'fastify';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, fromOwnAddress, signUp, type TestApp } from './harness.ts';

const API = '/api/v1';
const OPT_IN = { 'x-refresh-cookie': '1' };

let t: TestApp;
let https: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { AUTH_RATE_LIMIT: '100000' } });
  fromOwnAddress(t);
  https = await createTestApp({ env: { AUTH_RATE_LIMIT: '100000', TRUST_PROXY: 'true' } });
});
afterAll(async () => {
  await t?.close();
  await https?.close();
});

const post = (app: TestApp, url: string, payload: unknown, headers: Record<string, string> = {}) => app.request({ method: 'POST', url: API + url, payload: payload as any, headers });

/** A Set-Cookie of an answer, parsed: its value and attributes. */
function namedCookie(res: LightMyRequestResponse, name: string) {
  const raw = res.headers['set-cookie'];
  const line = (Array.isArray(raw) ? raw : raw ? [raw] : []).find((l) => l.startsWith(`${name}=`));
  if (!line) return undefined;
  const [pair, ...attrs] = line.split(';').map((p) => p.trim());
  return { value: pair.slice(name.length + 1), attrs, line };
}
const refreshCookie = (res: LightMyRequestResponse) => namedCookie(res, 'trellis_refresh');

async function cookieLogin(app: TestApp) {
  const user = await signUp(app);
  const res = await post(app, '/auth/login', { email: user.email, password: user.password }, OPT_IN);
  expect(res.statusCode, res.body).toBe(200);
  return { user, res, cookie: refreshCookie(res)! };
}

describe('signing in with X-Refresh-Cookie: 1', () => {
  it('sets the refresh token as an http-only, SameSite=Strict cookie on the refresh path, and leaves it out of the body', async () => {
    const { res, cookie } = await cookieLogin(t);
    expect(res.json().refreshToken).toBeUndefined();
    expect(res.json().accessToken).toEqual(expect.any(String));
    expect(cookie.value).toMatch(/^[\w-]{43}$/);
    expect(cookie.attrs).toEqual(expect.arrayContaining(['Path=/api/v1/auth/refresh', 'HttpOnly', 'SameSite=Strict', `Max-Age=${30 * 86_400}`]));
    // Plain HTTP: a Secure cookie would not be stored by the browser.
    expect(cookie.attrs).not.toContain('Secure');
  });

  it('marks the cookie Secure when the request came over https', async () => {
    const { cookie } = await (async () => {
      const user = await signUp(https);
      const res = await post(https, '/auth/login', { email: user.email, password: user.password }, { ...OPT_IN, 'x-forwarded-proto': 'https' });
      return { cookie: refreshCookie(res)! };
    })();
    expect(cookie.attrs).toContain('Secure');
  });

  it('leaves API clients as they were: without the header, the token is in the body and no cookie is set', async () => {
    const user = await signUp(t);
    const res = await post(t, '/auth/login', { email: user.email, password: user.password });
    expect(res.json().refreshToken).toMatch(/^[\w-]{43}$/);
    expect(refreshCookie(res)).toBeUndefined();
    const next = await post(t, '/auth/refresh', { refreshToken: res.json().refreshToken });
    expect(next.statusCode).toBe(200);
    expect(next.json().refreshToken).toEqual(expect.any(String));
    expect(refreshCookie(next)).toBeUndefined();
  });
});

describe('POST /auth/refresh from the cookie', () => {
  it('rotates the cookie: a new access token, a new cookie, still no token in the body', async () => {
    const { cookie } = await cookieLogin(t);
    const res = await post(t, '/auth/refresh', {}, { ...OPT_IN, cookie: `other=1; trellis_refresh=${cookie.value}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().refreshToken).toBeUndefined();
    const next = refreshCookie(res)!;
    expect(next.value).not.toBe(cookie.value);
    const me = await t.request({ method: 'GET', url: `${API}/users/me`, headers: bearer(res.json().accessToken) });
    expect(me.statusCode).toBe(200);
    // The rotated cookie works in turn.
    expect((await post(t, '/auth/refresh', {}, { ...OPT_IN, cookie: `trellis_refresh=${next.value}` })).statusCode).toBe(200);
  });

  it('ignores the cookie without the header (the CSRF guard): the body token is required as before', async () => {
    const { cookie } = await cookieLogin(t);
    const res = await post(t, '/auth/refresh', {}, { cookie: `trellis_refresh=${cookie.value}` });
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(problem.errors).toEqual([{ field: 'body.refreshToken', message: 'is required' }]);
  });

  it('answers 401 without a cookie, and clears a refused one', async () => {
    expectProblem(await post(t, '/auth/refresh', {}, OPT_IN), 401, 'AUTH.INVALID_REFRESH_TOKEN');
    const res = await post(t, '/auth/refresh', {}, { ...OPT_IN, cookie: `trellis_refresh=${'x'.repeat(43)}` });
    expectProblem(res, 401, 'AUTH.INVALID_REFRESH_TOKEN');
    expect(refreshCookie(res)).toMatchObject({ value: '', attrs: expect.arrayContaining(['Max-Age=0', 'Path=/api/v1/auth/refresh']) });
  });

  it('prefers a body token to the cookie when both are sent', async () => {
    const { cookie } = await cookieLogin(t);
    const other = await signUp(t);
    const res = await post(t, '/auth/refresh', { refreshToken: other.refreshToken }, { ...OPT_IN, cookie: `trellis_refresh=${cookie.value}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().user.id).toBe(other.userId);
  });
});

describe('POST /auth/logout with the header', () => {
  it('ends the session and clears the cookie; the cookie no longer refreshes', async () => {
    const { res, cookie } = await cookieLogin(t);
    const out = await post(t, '/auth/logout', undefined, { ...OPT_IN, ...bearer(res.json().accessToken) });
    expect(out.statusCode).toBe(204);
    expect(refreshCookie(out)).toMatchObject({ value: '', attrs: expect.arrayContaining(['Max-Age=0']) });
    expectProblem(await post(t, '/auth/refresh', {}, { ...OPT_IN, cookie: `trellis_refresh=${cookie.value}` }), 401, 'AUTH.INVALID_REFRESH_TOKEN');
  });
});

describe('a trusted device with X-Refresh-Cookie: 1', () => {
  it('puts the device token in a cookie sent to /auth/login only, which then skips the second factor', async () => {
    const user = await signUp(t);
    const setup = await post(t, '/auth/mfa/totp/setup', {}, bearer(user.accessToken));
    const { secret } = setup.json();
    const now = Math.floor(Date.now() / 1000);
    expect((await post(t, '/auth/mfa/totp/confirm', { code: generateSync({ secret, epoch: now }) }, bearer(user.accessToken))).statusCode).toBe(200);

    const challenge = await post(t, '/auth/login', { email: user.email, password: user.password }, OPT_IN);
    expect(challenge.json().mfaRequired).toBe(true);
    expect(refreshCookie(challenge)).toBeUndefined();
    // The next step's code: the confirming one is spent.
    const verified = await post(t, '/auth/mfa/verify', { mfaToken: challenge.json().mfaToken, code: generateSync({ secret, epoch: now + 30 }), trustDevice: true }, OPT_IN);
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json().refreshToken).toBeUndefined();
    expect(verified.json().deviceToken).toBeUndefined();
    expect(refreshCookie(verified)).toBeDefined();
    const device = namedCookie(verified, 'trellis_device')!;
    expect(device.attrs).toEqual(expect.arrayContaining(['Path=/api/v1/auth/login', 'HttpOnly', 'SameSite=Strict', `Max-Age=${30 * 86_400}`]));

    const trusted = await post(t, '/auth/login', { email: user.email, password: user.password }, { ...OPT_IN, cookie: `trellis_device=${device.value}` });
    expect(trusted.json().mfaRequired).toBeUndefined();
    expect(trusted.json().accessToken).toEqual(expect.any(String));
    // Without the header the cookie is not read (the CSRF guard), as for the refresh cookie.
    const ignored = await post(t, '/auth/login', { email: user.email, password: user.password }, { cookie: `trellis_device=${device.value}` });
    expect(ignored.json().mfaRequired).toBe(true);
  });
});
