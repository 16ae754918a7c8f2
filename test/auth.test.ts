// Accounts over HTTP: registration, email verification, sign-in with lockout and per-IP
// limits, logout, session management, password flows and the events they publish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, lastMailToken, makeAdmin, STRONG_PASSWORD, signUp, type TestApp, uniqueEmail, expectProblem, fromOwnAddress } from './harness.ts';

const API = '/api/v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const NEW_PASSWORD = 'An0ther-long-garden-path';

// The app's clock runs with real time plus an offset the tests move (lock and link expiry).
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };
/** Runs fn with the app clock moved ahead by ms, then puts it back. */
async function later<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  offsetMs += ms;
  try {
    return await fn();
  } finally {
    offsetMs -= ms;
  }
}

let t: TestApp;
let ip: string;
beforeAll(async () => {
  // Generous request limits: the per-IP limit is tested on an app of its own below.
  t = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3', AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' }, overrides: { clock } });
  ip = fromOwnAddress(t);
});
afterAll(() => t?.close());

const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) => t.request({ method: 'POST', url: API + url, payload: payload as any, headers });
const get = (url: string, token: string) => t.request({ method: 'GET', url: API + url, headers: bearer(token) });
const login = (email: string, password: string, extra: { headers?: Record<string, string>; remoteAddress?: string } = {}) =>
  t.request({ method: 'POST', url: `${API}/auth/login`, payload: { email, password }, headers: extra.headers, remoteAddress: extra.remoteAddress });


const fieldsOf = (body: { errors?: { field: string }[] }) => [...new Set((body.errors ?? []).map((e) => e.field))].sort();
const withoutRequestId = ({ requestId: _r, ...rest }: Record<string, unknown>) => rest;
const mailsTo = (to: string) => t.mailer.sent.filter((m) => m.to === to);

async function outboxFor(userId: string) {
  const rows = await t.database.db.selectFrom('core.outbox').select(['type', 'payload', 'actor_id']).orderBy('id').execute();
  return rows.filter((r: any) => r.actor_id === userId || r.payload?.userId === userId) as { type: string; payload: any; actor_id: string | null }[];
}

describe('register', () => {
  it('answers 201 with the account view, the email lowercased', async () => {
    const email = uniqueEmail('reg');
    // Unknown properties are dropped: a client cannot choose its role, status or verification.
    const res = await post('/auth/register', { email: email.toUpperCase(), password: STRONG_PASSWORD, displayName: 'Reg', role: 'admin', status: 'disabled', emailVerified: true });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const { user } = res.json();
    expect(Object.keys(res.json())).toEqual(['user']);
    expect(Object.keys(user).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id', 'mfaEnabled', 'role', 'status']);
    expect(user).toEqual({ id: expect.stringMatching(UUID), email, emailVerified: false, role: 'user', status: 'active', mfaEnabled: false, createdAt: expect.stringMatching(ISO) });
  });

  it('answers 409 CONFLICT for an email already taken in another case', async () => {
    const email = uniqueEmail('dup');
    expect((await post('/auth/register', { email, password: STRONG_PASSWORD, displayName: 'A' })).statusCode).toBe(201);
    const again = await post('/auth/register', { email: email.toUpperCase(), password: STRONG_PASSWORD, displayName: 'B' });
    expectProblem(again, 409, 'CONFLICT');
  });

  it('lets exactly one of two concurrent registrations of an email win', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all([email, email.toUpperCase()].map((e) => post('/auth/register', { email: e, password: STRONG_PASSWORD, displayName: 'Race' })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expectProblem(results.find((r) => r.statusCode === 409)!, 409, 'CONFLICT');
  });

  it.each([
    ['too short', () => 'Sh0rt!'],
    ['common', () => 'password123'],
    ['common, other case', () => 'PassWord123'],
    ['the email local part', (email: string) => email.split('@')[0]],
    ['the email itself', (email: string) => email],
  ])('refuses a weak password (%s) with 400 AUTH.WEAK_PASSWORD and creates nothing', async (_label, password) => {
    const email = uniqueEmail('weak');
    const res = await post('/auth/register', { email, password: password(email), displayName: 'Weak' });
    const body = expectProblem(res, 400, 'AUTH.WEAK_PASSWORD');
    expect(fieldsOf(body)).toEqual(['body.password']);
    // Nothing was stored: the same email registers fine with a strong password.
    expect((await post('/auth/register', { email, password: STRONG_PASSWORD, displayName: 'Weak' })).statusCode).toBe(201);
  });

  it('lists every missing field with 400 VALIDATION_FAILED', async () => {
    const body = expectProblem(await post('/auth/register', {}), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(body)).toEqual(['body.displayName', 'body.email', 'body.password']);
  });

  it('lists every mistyped field with 400 VALIDATION_FAILED', async () => {
    // JSON bodies keep their types: a number or boolean is not turned into a string.
    const res = await post('/auth/register', { email: 'not-an-email', password: 123456789012, displayName: true });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(body)).toEqual(['body.displayName', 'body.email', 'body.password']);
    for (const e of body.errors) expect(e.message).toEqual(expect.any(String));
  });

  it.each([[''], ['   '], [{ name: 'x' }]])('refuses the display name %j with 400 VALIDATION_FAILED', async (displayName) => {
    const body = expectProblem(await post('/auth/register', { email: uniqueEmail('blank'), password: STRONG_PASSWORD, displayName }), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(body)).toEqual(['body.displayName']);
  });

  it('answers malformed JSON with 400 VALIDATION_FAILED', async () => {
    const res = await t.request({ method: 'POST', url: `${API}/auth/register`, headers: { 'content-type': 'application/json' }, payload: '{"email": "a@b.test", ' });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(body)).toEqual(['body']);
  });

  it('answers a body over BODY_LIMIT with 413 PAYLOAD_TOO_LARGE', async () => {
    const small = await createTestApp({ database: t.database, env: { BODY_LIMIT: '2048', AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' } });
    fromOwnAddress(small);
    try {
      const payload = { email: uniqueEmail('big'), password: STRONG_PASSWORD, displayName: 'x'.repeat(3000) };
      const res = await small.request({ method: 'POST', url: `${API}/auth/register`, payload });
      expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
      // The same body on the default limit reaches validation instead (displayName is too long).
      expectProblem(await post('/auth/register', payload), 400, 'VALIDATION_FAILED');
      // And a small body on the limited app is served.
      const ok = await small.request({ method: 'POST', url: `${API}/auth/register`, payload: { ...payload, displayName: 'Small' } });
      expect(ok.statusCode, ok.body).toBe(201);
    } finally {
      await small.close();
    }
  });

  it('sends the verification mail after the commit, from the dispatcher, not inside the request', async () => {
    const email = uniqueEmail('mail');
    expect((await post('/auth/register', { email, password: STRONG_PASSWORD, displayName: 'Mia' })).statusCode).toBe(201);
    expect(mailsTo(email)).toHaveLength(0);
    await t.drain();
    const mails = mailsTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toMatch(/confirm/i);
    expect(mails[0].text).toContain('Hi Mia');
    expect(lastMailToken(t, email).length).toBeGreaterThanOrEqual(16);
  });
});

describe('verify email', () => {
  it('verifies with the mailed token (204), shows it on /users/me and refuses the token a second time', async () => {
    const u = await signUp(t);
    expect((await get('/users/me', u.accessToken)).json().emailVerified).toBe(false);
    const token = lastMailToken(t, u.email);
    const res = await post('/auth/verify-email', { token });
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
    await t.drain();
    const me = await get('/users/me', u.accessToken);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: u.userId, emailVerified: true });
    expectProblem(await post('/auth/verify-email', { token }), 400, 'AUTH.INVALID_TOKEN');
  });

  it('refuses a verification token older than 48 hours', async () => {
    const u = await signUp(t);
    const token = lastMailToken(t, u.email);
    await later(48 * 3_600_000 + 1000, async () => {
      expectProblem(await post('/auth/verify-email', { token }), 400, 'AUTH.INVALID_TOKEN');
    });
    // Expiry, not a broken token: in time it still works.
    expect((await post('/auth/verify-email', { token })).statusCode).toBe(204);
  });

  it('refuses an unknown token with 400 AUTH.INVALID_TOKEN and a too-short one with VALIDATION_FAILED', async () => {
    expectProblem(await post('/auth/verify-email', { token: 'x'.repeat(43) }), 400, 'AUTH.INVALID_TOKEN');
    const short = expectProblem(await post('/auth/verify-email', { token: 'short' }), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(short)).toEqual(['body.token']);
  });

  it('resends: 202 for a known email, a new mail after delivery, and only the newest link works', async () => {
    const email = uniqueEmail('resend');
    expect((await post('/auth/register', { email, password: STRONG_PASSWORD, displayName: 'R' })).statusCode).toBe(201);
    await t.drain();
    const first = lastMailToken(t, email);
    const res = await post('/auth/verify-email/resend', { email: email.toUpperCase() });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ status: 'accepted' });
    expect(mailsTo(email)).toHaveLength(1);
    await t.drain();
    expect(mailsTo(email)).toHaveLength(2);
    const second = lastMailToken(t, email);
    expect(second).not.toBe(first);
    expectProblem(await post('/auth/verify-email', { token: first }), 400, 'AUTH.INVALID_TOKEN');
    expect((await post('/auth/verify-email', { token: second })).statusCode).toBe(204);
    // Once verified, a resend is accepted but sends nothing.
    expect((await post('/auth/verify-email/resend', { email })).statusCode).toBe(202);
    await t.drain();
    expect(mailsTo(email)).toHaveLength(2);
  });

  it('resends: 202 for an unknown email, and sends nothing', async () => {
    const email = uniqueEmail('nobody');
    const res = await post('/auth/verify-email/resend', { email });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'accepted' });
    await t.drain();
    expect(mailsTo(email)).toHaveLength(0);
  });
});

describe('login', () => {
  it('answers 200 with a token pair and the account, whatever the case of the email', async () => {
    const u = await signUp(t);
    const res = await login(u.email.toUpperCase(), u.password);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType', 'user']);
    expect(body).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id: u.userId, email: u.email, emailVerified: false, role: 'user', status: 'active', mfaEnabled: false, createdAt: expect.stringMatching(ISO) },
    });
    expect(body.refreshToken).not.toBe(u.refreshToken);
    expect((await get('/users/me', body.accessToken)).statusCode).toBe(200);
  });

  it('answers a wrong password and an unknown email with the identical 401 AUTH.INVALID_CREDENTIALS', async () => {
    const u = await signUp(t);
    const wrong = expectProblem(await login(u.email, 'Not-the-right-password-1'), 401, 'AUTH.INVALID_CREDENTIALS');
    const unknown = expectProblem(await login(uniqueEmail('ghost'), 'Not-the-right-password-1'), 401, 'AUTH.INVALID_CREDENTIALS');
    expect(withoutRequestId(unknown)).toEqual(withoutRequestId(wrong));
    expect(wrong.requestId).not.toBe(unknown.requestId);
  });

  it('refuses a malformed login body with 400 VALIDATION_FAILED', async () => {
    const body = expectProblem(await post('/auth/login', { email: 'nope' }), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(body)).toEqual(['body.email', 'body.password']);
  });

  it('locks the account after LOGIN_MAX_FAILURES failures, even for the right password, with Retry-After', async () => {
    const u = await signUp(t);
    for (let i = 0; i < 3; i++) expectProblem(await login(u.email, `Wrong-password-${i}-x`), 401, 'AUTH.INVALID_CREDENTIALS');
    const locked = await login(u.email, u.password);
    const body = expectProblem(locked, 429, 'AUTH.ACCOUNT_LOCKED');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(body).not.toHaveProperty('accessToken');
    // The existing session is not affected: the lock is about signing in.
    expect((await get('/users/me', u.accessToken)).statusCode).toBe(200);
    const types = (await outboxFor(u.userId)).map((e) => e.type);
    expect(types.filter((x) => x === 'auth.login_failed')).toHaveLength(3);
    expect(types).toContain('auth.account_locked');
  });

  it('lifts the lock when it runs out, and doubles the next one', async () => {
    const u = await signUp(t);
    for (let i = 0; i < 3; i++) await login(u.email, `Wrong-password-${i}-x`);
    const first = await login(u.email, u.password);
    expectProblem(first, 429, 'AUTH.ACCOUNT_LOCKED');
    await later(61_000, async () => {
      for (let i = 0; i < 3; i++) expectProblem(await login(u.email, `Wrong-password-${i}-y`), 401, 'AUTH.INVALID_CREDENTIALS');
      const second = await login(u.email, u.password);
      expectProblem(second, 429, 'AUTH.ACCOUNT_LOCKED');
      expect(Number(second.headers['retry-after'])).toBeGreaterThan(60);
      expect(Number(second.headers['retry-after'])).toBeLessThanOrEqual(120);
      await later(121_000, async () => {
        expect((await login(u.email, u.password)).statusCode).toBe(200);
      });
    });
  });

  it('counts failures per email: a success in between resets the count', async () => {
    const u = await signUp(t);
    for (let i = 0; i < 2; i++) expectProblem(await login(u.email, `Wrong-password-${i}-x`), 401, 'AUTH.INVALID_CREDENTIALS');
    expect((await login(u.email, u.password)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expectProblem(await login(u.email, `Wrong-password-${i}-y`), 401, 'AUTH.INVALID_CREDENTIALS');
    expect((await login(u.email, u.password)).statusCode).toBe(200);
  });

  it('locks an unknown email the same way, with the same answer', async () => {
    const u = await signUp(t);
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 3; i++) {
      expectProblem(await login(u.email, `Wrong-password-${i}-x`), 401, 'AUTH.INVALID_CREDENTIALS');
      expectProblem(await login(ghost, `Wrong-password-${i}-x`), 401, 'AUTH.INVALID_CREDENTIALS');
    }
    const known = await login(u.email, u.password);
    const unknown = await login(ghost, u.password);
    const a = expectProblem(known, 429, 'AUTH.ACCOUNT_LOCKED');
    const b = expectProblem(unknown, 429, 'AUTH.ACCOUNT_LOCKED');
    expect(withoutRequestId(b)).toEqual(withoutRequestId(a));
    expect(Number(unknown.headers['retry-after'])).toBeGreaterThan(0);
    expect(Math.abs(Number(unknown.headers['retry-after']) - Number(known.headers['retry-after']))).toBeLessThanOrEqual(1);
  });

  it('lets an admin lift a lock (POST /users/{id}/unlock); others get 403', async () => {
    const admin = await signUp(t);
    await makeAdmin(t, admin.userId);
    const u = await signUp(t);
    for (let i = 0; i < 3; i++) await login(u.email, `Wrong-password-${i}-x`);
    expectProblem(await login(u.email, u.password), 429, 'AUTH.ACCOUNT_LOCKED');

    const byUser = await t.request({ method: 'POST', url: `${API}/users/${u.userId}/unlock`, headers: bearer(u.accessToken) });
    expectProblem(byUser, 403, 'FORBIDDEN');
    expectProblem(await login(u.email, u.password), 429, 'AUTH.ACCOUNT_LOCKED');

    const unknown = await t.request({ method: 'POST', url: `${API}/users/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/unlock`, headers: bearer(admin.accessToken) });
    expectProblem(unknown, 404, 'NOT_FOUND');

    const res = await t.request({ method: 'POST', url: `${API}/users/${u.userId}/unlock`, headers: bearer(admin.accessToken) });
    expect(res.statusCode, res.body).toBe(204);
    expect((await login(u.email, u.password)).statusCode).toBe(200);
    expect((await outboxFor(u.userId)).map((e) => e.type)).toContain('auth.account_unlocked');
  });

  it('limits credential endpoints per IP: AUTH_RATE_LIMIT=5 makes the 6th login in a minute 429 RATE_LIMITED', async () => {
    const limited = await createTestApp({ database: t.database, env: { AUTH_RATE_LIMIT: '5', RATE_LIMIT: '10000000' } });
    try {
      // Addresses of this test's own (see fromOwnAddress).
      const octet = () => 1 + Math.floor(Math.random() * 250);
      const ip = `10.${octet()}.${octet()}.${octet()}`;
      const attempt = (remoteAddress: string) =>
        limited.request({ method: 'POST', url: `${API}/auth/login`, payload: { email: uniqueEmail('rl'), password: 'Wrong-password-1' }, remoteAddress });
      for (let i = 0; i < 5; i++) {
        const res = await attempt(ip);
        expectProblem(res, 401, 'AUTH.INVALID_CREDENTIALS');
        expect(res.headers['ratelimit-limit']).toBe('5');
        expect(res.headers['ratelimit-remaining']).toBe(String(4 - i));
      }
      const sixth = await attempt(ip);
      expectProblem(sixth, 429, 'RATE_LIMITED');
      const retryAfter = Number(sixth.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(sixth.headers['ratelimit-limit']).toBe('5');
      expect(sixth.headers['ratelimit-remaining']).toBe('0');
      expect(Number(sixth.headers['ratelimit-reset'])).toBeGreaterThan(0);
      // Another address is not affected.
      expectProblem(await attempt(`${ip.split('.').slice(0, 3).join('.')}.${(Number(ip.split('.')[3]) % 250) + 2}`), 401, 'AUTH.INVALID_CREDENTIALS');
    } finally {
      await limited.close();
    }
  });
});

describe('logout and sessions', () => {
  it('logs out: 204, and the same access and refresh tokens are refused at once', async () => {
    const u = await signUp(t);
    expect((await get('/auth/sessions', u.accessToken)).statusCode).toBe(200);
    const res = await post('/auth/logout', undefined, bearer(u.accessToken));
    expect(res.statusCode, res.body).toBe(204);
    expectProblem(await get('/auth/sessions', u.accessToken), 401, 'UNAUTHENTICATED');
    expectProblem(await post('/auth/refresh', { refreshToken: u.refreshToken }), 401, 'AUTH.INVALID_REFRESH_TOKEN');
    expectProblem(await post('/auth/logout', undefined, bearer(u.accessToken)), 401, 'UNAUTHENTICATED');
    expectProblem(await post('/auth/logout'), 401, 'UNAUTHENTICATED');
  });

  it('accepts a bodiless POST that still declares Content-Type: application/json', async () => {
    const u = await signUp(t);
    const res = await t.request({ method: 'POST', url: `${API}/auth/logout`, headers: { ...bearer(u.accessToken), 'content-type': 'application/json' } });
    expect(res.statusCode, res.body).toBe(204);
    const broken = await t.request({ method: 'POST', url: `${API}/auth/login`, headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
    expectProblem(broken, 400, 'VALIDATION_FAILED');
    const empty = await t.request({ method: 'POST', url: `${API}/auth/login`, headers: { 'content-type': 'application/json' } });
    expectProblem(empty, 400, 'VALIDATION_FAILED');
  });

  it('lists my sessions with device, ip, times and a current flag', async () => {
    const u = await signUp(t);
    const second = await login(u.email, u.password, { headers: { 'user-agent': FIREFOX }, remoteAddress: '203.0.113.7' });
    expect(second.statusCode).toBe(200);
    const token = second.json().accessToken;
    const res = await t.request({ method: 'GET', url: `${API}/auth/sessions`, headers: { ...bearer(token), 'user-agent': FIREFOX }, remoteAddress: '203.0.113.7' });
    expect(res.statusCode, res.body).toBe(200);
    const { data } = res.json();
    expect(data).toHaveLength(2);
    const current = data.find((s: any) => s.current);
    const other = data.find((s: any) => !s.current);
    expect(current).toEqual({
      id: expect.stringMatching(UUID),
      device: 'Firefox on Linux',
      userAgent: FIREFOX,
      ip: '203.0.113.7',
      method: 'password',
      createdAt: expect.stringMatching(ISO),
      lastUsedAt: expect.stringMatching(ISO),
      expiresAt: expect.stringMatching(ISO),
      current: true,
    });
    expect(other).toMatchObject({ device: 'Browser', userAgent: 'lightMyRequest', ip, method: 'password', current: false });
    expect(other.id).not.toBe(current.id);
    for (const s of data) {
      expect(Date.parse(s.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(s.createdAt));
      // REFRESH_TOKEN_TTL defaults to 30 days.
      expect(Date.parse(s.expiresAt) - Date.parse(s.createdAt)).toBeGreaterThan(29 * 86_400_000);
    }
    // The first session sees itself as current.
    const fromFirst = (await get('/auth/sessions', u.accessToken)).json().data;
    expect(fromFirst.find((s: any) => s.current).id).toBe(other.id);
  });

  it('revokes one of my sessions (204) and answers 404 for an unknown id or another user’s session', async () => {
    const u = await signUp(t);
    const second = (await login(u.email, u.password)).json();
    const other = await signUp(t);
    const sessionsOf = async (token: string) => (await get('/auth/sessions', token)).json().data as { id: string; current: boolean }[];
    const secondId = (await sessionsOf(second.accessToken)).find((s) => s.current)!.id;
    const otherId = (await sessionsOf(other.accessToken))[0].id;

    const del = (id: string, token: string) => t.request({ method: 'DELETE', url: `${API}/auth/sessions/${id}`, headers: bearer(token) });
    expectProblem(await del('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', u.accessToken), 404, 'NOT_FOUND');
    expectProblem(await del(otherId, u.accessToken), 404, 'NOT_FOUND');
    expect((await get('/auth/sessions', other.accessToken)).statusCode).toBe(200);
    const bad = expectProblem(await del('not-a-uuid', u.accessToken), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(bad)).toEqual(['params.id']);

    const res = await del(secondId, u.accessToken);
    expect(res.statusCode, res.body).toBe(204);
    expect((await sessionsOf(u.accessToken)).map((s) => s.id)).not.toContain(secondId);
    expectProblem(await get('/auth/sessions', second.accessToken), 401, 'UNAUTHENTICATED');
    // Already revoked: nothing left to revoke.
    expectProblem(await del(secondId, u.accessToken), 404, 'NOT_FOUND');
  });

  it('revokes every other session (204) and keeps the current one', async () => {
    const u = await signUp(t);
    const b = (await login(u.email, u.password)).json();
    const c = (await login(u.email, u.password)).json();
    expect((await get('/auth/sessions', u.accessToken)).json().data).toHaveLength(3);
    const res = await post('/auth/sessions/revoke-others', undefined, bearer(b.accessToken));
    expect(res.statusCode, res.body).toBe(204);
    const left = (await get('/auth/sessions', b.accessToken)).json().data;
    expect(left).toHaveLength(1);
    expect(left[0].current).toBe(true);
    expectProblem(await get('/auth/sessions', u.accessToken), 401, 'UNAUTHENTICATED');
    expectProblem(await get('/auth/sessions', c.accessToken), 401, 'UNAUTHENTICATED');
    expectProblem(await post('/auth/refresh', { refreshToken: c.refreshToken }), 401, 'AUTH.INVALID_REFRESH_TOKEN');
  });
});

describe('password', () => {
  it('forgot: 202 for known and unknown emails; only a known one gets a reset mail, after delivery', async () => {
    const u = await signUp(t);
    const ghost = uniqueEmail('ghost');
    for (const email of [u.email.toUpperCase(), ghost]) {
      const res = await post('/auth/password/forgot', { email });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toEqual({ status: 'accepted' });
    }
    const before = mailsTo(u.email).length;
    await t.drain();
    const after = mailsTo(u.email);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)!.subject).toMatch(/reset/i);
    expect(mailsTo(ghost)).toHaveLength(0);
  });

  it('reset: refuses a weak password, then sets the new one (204), signs out everywhere and burns the token', async () => {
    const u = await signUp(t);
    expect((await post('/auth/password/forgot', { email: u.email })).statusCode).toBe(202);
    await t.drain();
    const token = lastMailToken(t, u.email);

    const weak = expectProblem(await post('/auth/password/reset', { token, password: 'password123' }), 400, 'AUTH.WEAK_PASSWORD');
    expect(fieldsOf(weak)).toEqual(['body.password']);
    expectProblem(await post('/auth/password/reset', { token: 'x'.repeat(43), password: NEW_PASSWORD }), 400, 'AUTH.INVALID_TOKEN');

    const res = await post('/auth/password/reset', { token, password: NEW_PASSWORD });
    expect(res.statusCode, res.body).toBe(204);
    expectProblem(await get('/auth/sessions', u.accessToken), 401, 'UNAUTHENTICATED');
    expectProblem(await post('/auth/refresh', { refreshToken: u.refreshToken }), 401, 'AUTH.INVALID_REFRESH_TOKEN');
    expectProblem(await login(u.email, u.password), 401, 'AUTH.INVALID_CREDENTIALS');
    const fresh = await login(u.email, NEW_PASSWORD);
    expect(fresh.statusCode).toBe(200);
    // Proving control of the mailbox verified it.
    expect(fresh.json().user.emailVerified).toBe(true);
    expectProblem(await post('/auth/password/reset', { token, password: `${NEW_PASSWORD}-2` }), 400, 'AUTH.INVALID_TOKEN');
  });

  it('reset: refuses a token older than 30 minutes', async () => {
    const u = await signUp(t);
    expect((await post('/auth/password/forgot', { email: u.email })).statusCode).toBe(202);
    await t.drain();
    const token = lastMailToken(t, u.email);
    await later(31 * 60_000, async () => {
      expectProblem(await post('/auth/password/reset', { token, password: NEW_PASSWORD }), 400, 'AUTH.INVALID_TOKEN');
    });
    expect((await post('/auth/password/reset', { token, password: NEW_PASSWORD })).statusCode).toBe(204);
  });

  it('change: checks the current password and the policy, then keeps this session and signs out the others', async () => {
    const u = await signUp(t);
    const other = (await login(u.email, u.password)).json();
    const change = (body: unknown, token = u.accessToken) => post('/auth/password/change', body, bearer(token));

    expectProblem(await post('/auth/password/change', { currentPassword: u.password, newPassword: NEW_PASSWORD }), 401, 'UNAUTHENTICATED');
    const wrong = expectProblem(await change({ currentPassword: 'Not-my-password-9', newPassword: NEW_PASSWORD }), 400, 'AUTH.INVALID_CREDENTIALS');
    expect(fieldsOf(wrong)).toEqual(['body.currentPassword']);
    const weak = expectProblem(await change({ currentPassword: u.password, newPassword: u.email.split('@')[0] }), 400, 'AUTH.WEAK_PASSWORD');
    expect(fieldsOf(weak)).toEqual(['body.newPassword']);
    const missing = expectProblem(await change({}), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(missing)).toEqual(['body.currentPassword', 'body.newPassword']);
    // Nothing changed so far: both sessions live.
    expect((await get('/auth/sessions', other.accessToken)).statusCode).toBe(200);

    const res = await change({ currentPassword: u.password, newPassword: NEW_PASSWORD });
    expect(res.statusCode, res.body).toBe(204);
    expect((await get('/auth/sessions', u.accessToken)).statusCode).toBe(200);
    expectProblem(await get('/auth/sessions', other.accessToken), 401, 'UNAUTHENTICATED');
    expectProblem(await login(u.email, u.password), 401, 'AUTH.INVALID_CREDENTIALS');
    expect((await login(u.email, NEW_PASSWORD)).statusCode).toBe(200);
  });
});

describe('events', () => {
  it('publishes the auth.* events of an account’s life, and no payload carries a secret', async () => {
    const u = await signUp(t, { verify: true });
    const verifyToken = lastMailToken(t, u.email);
    const other = (await login(u.email, u.password)).json();
    expectProblem(await login(u.email, 'Wrong-password-1-x'), 401, 'AUTH.INVALID_CREDENTIALS');
    expect((await post('/auth/password/change', { currentPassword: u.password, newPassword: NEW_PASSWORD }, bearer(u.accessToken))).statusCode).toBe(204);
    const created = await post('/auth/api-keys', { name: 'ci', scopes: ['profile:read'] }, bearer(u.accessToken));
    expect(created.statusCode, created.body).toBe(201);
    const { id: keyId, key } = created.json();
    expect((await t.request({ method: 'DELETE', url: `${API}/auth/api-keys/${keyId}`, headers: bearer(u.accessToken) })).statusCode).toBe(204);
    await t.drain();

    const events = await outboxFor(u.userId);
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'auth.user_registered',
      'auth.email_verified',
      'auth.logged_in',
      'auth.login_failed',
      'auth.password_changed',
      'auth.session_revoked',
      'auth.api_key_created',
      'auth.api_key_revoked',
    ]) {
      expect(types, type).toContain(type);
    }
    const byType = (type: string) => events.filter((e) => e.type === type).map((e) => e.payload);
    expect(byType('auth.password_changed')).toEqual([{ userId: u.userId, via: 'change' }]);
    expect(byType('auth.session_revoked')).toEqual([{ userId: u.userId, sessionIds: [expect.stringMatching(UUID)], reason: 'password_changed' }]);
    expect(byType('auth.api_key_created')).toEqual([{ userId: u.userId, apiKeyId: keyId, scopes: ['profile:read'] }]);
    expect(byType('auth.login_failed')).toEqual([{ userId: u.userId, reason: 'bad_credentials', ip }]);
    expect(byType('auth.logged_in')).toHaveLength(2);

    const secrets = [u.password, NEW_PASSWORD, 'Wrong-password-1-x', u.accessToken, u.refreshToken, other.accessToken, other.refreshToken, key, verifyToken];
    const all = await t.database.db.selectFrom('core.outbox').select(['type', 'payload']).execute();
    expect(all.length).toBeGreaterThanOrEqual(events.length);
    for (const e of all) {
      const json = JSON.stringify(e.payload);
      for (const s of secrets) expect(json, e.type).not.toContain(s);
      expect(json, e.type).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // any JWT
      expect(json, e.type).not.toMatch(/trl_[A-Za-z0-9]{8}_/); // any API key
      expect(json, e.type).not.toContain(STRONG_PASSWORD);
      expect(Object.keys(e.payload as object).filter((k) => /pass|token|secret|hash/i.test(k)), e.type).toEqual([]);
    }
  });
});
