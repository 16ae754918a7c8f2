// Access tokens and refresh tokens: what the auth hook refuses, how fast revocation bites,
// and refresh rotation with reuse detection (RFC 9700 §4.14.2).
import { decodeJwt, SignJWT } from 'jose';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenService } from '../src/core/security/tokens.ts';
import type { ApiKeyService } from '../src/modules/auth/api-keys.ts';
import type { AuthContext } from '../src/modules/auth/context.ts';
import { createPrincipalCache } from '../src/modules/auth/principal-cache.ts';
import { createPrincipalResolver } from '../src/modules/auth/principals.ts';
import { bearer, createTestApp, lastMailToken, makeAdmin, signUp, TEST_JWT_SECRET, type TestApp, expectProblem, fromOwnAddress } from './harness.ts';

const API = '/api/v1';
const NEW_PASSWORD = 'An0ther-long-garden-path';

// The app's clock runs with real time plus an offset the tests move (refresh leeway).
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let t: TestApp;
let ip: string;
beforeAll(async () => {
  t = await createTestApp({ env: { AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' }, overrides: { clock } });
  ip = fromOwnAddress(t);
});
afterAll(() => t?.close());

const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) => t.request({ method: 'POST', url: API + url, payload: payload as any, headers });
const me = (headers: Record<string, string>) => t.request({ method: 'GET', url: `${API}/users/me`, headers });
const refresh = (refreshToken: string) => post('/auth/refresh', { refreshToken });
const login = (email: string, password: string) => post('/auth/login', { email, password });


/** 200 from /users/me for this access token. */
async function expectWorks(token: string) {
  const res = await me(bearer(token));
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
const expectRefused = async (token: string) => expectProblem(await me(bearer(token)), 401, 'UNAUTHENTICATED');

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs an access token like the server does, with any part changed. */
async function forge(opts: { sub?: string | null; sid?: string | null; iss?: string; aud?: string; exp?: number; iat?: number; secret?: string } = {}, base: { sub: string; sid: string }) {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {};
  const sid = opts.sid === undefined ? base.sid : opts.sid;
  if (sid !== null) claims.sid = sid;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(opts.iss ?? 'trellis')
    .setAudience(opts.aud ?? 'trellis-api')
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 300);
  const sub = opts.sub === undefined ? base.sub : opts.sub;
  if (sub !== null) jwt = jwt.setSubject(sub);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? TEST_JWT_SECRET));
}

describe('access token checks', () => {
  it('answers 401 UNAUTHENTICATED without credentials', async () => {
    expectProblem(await me({}), 401, 'UNAUTHENTICATED');
    expectProblem(await t.request({ method: 'GET', url: `${API}/auth/sessions` }), 401, 'UNAUTHENTICATED');
  });

  it.each([['Basic dXNlcjpwYXNz'], ['Bearer'], ['Bearer '], ['Token abc'], ['Bearer not-a-jwt'], ['Bearer a.b.c']])(
    'answers 401 UNAUTHENTICATED for the header %j',
    async (authorization) => {
      expectProblem(await me({ authorization }), 401, 'UNAUTHENTICATED');
    },
  );

  it('accepts a token forged exactly as the server signs (the control for the cases below)', async () => {
    const u = await signUp(t);
    const claims = decodeJwt(u.accessToken);
    expect(claims).toMatchObject({ sub: u.userId, iss: 'trellis', aud: 'trellis-api', sid: expect.any(String) });
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    const me = await expectWorks(await forge({}, { sub: u.userId, sid: claims.sid as string }));
    expect(me.id).toBe(u.userId);
  });

  it('refuses forged and foreign tokens with 401', async () => {
    const u = await signUp(t);
    const other = await signUp(t);
    const base = { sub: u.userId, sid: decodeJwt(u.accessToken).sid as string };
    const otherSid = decodeJwt(other.accessToken).sid as string;
    const now = Math.floor(Date.now() / 1000);
    const [, payload] = u.accessToken.split('.');
    const cases: [string, string][] = [
      ['alg none', `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`],
      ['alg none with the original signature', `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.${u.accessToken.split('.')[2]}`],
      ['another HMAC key', await forge({ secret: 'another-secret-another-secret-0123456789' }, base)],
      ['expired', await forge({ iat: now - 3600, exp: now - 60 }, base)],
      ['wrong audience', await forge({ aud: 'someone-else' }, base)],
      ['wrong issuer', await forge({ iss: 'evil' }, base)],
      ['no sid', await forge({ sid: null }, base)],
      ['no sub', await forge({ sub: null }, base)],
      ['the sid of another user’s session', await forge({ sid: otherSid }, base)],
      ['an unknown sid', await forge({ sid: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }, base)],
      ['a payload swapped under the original signature', `${u.accessToken.split('.')[0]}.${b64url({ ...decodeJwt(u.accessToken), sub: other.userId, sid: otherSid })}.${u.accessToken.split('.')[2]}`],
    ];
    for (const [label, token] of cases) {
      const res = await me(bearer(token));
      expect(res.statusCode, label).toBe(401);
      expectProblem(res, 401, 'UNAUTHENTICATED');
    }
    // The genuine tokens still work, so each refusal above came from its one change.
    await expectWorks(u.accessToken);
    await expectWorks(other.accessToken);
  });
});

describe('revocation takes effect on the very next request', () => {
  it('logout', async () => {
    const u = await signUp(t);
    await expectWorks(u.accessToken); // cached now
    expect((await post('/auth/logout', undefined, bearer(u.accessToken))).statusCode).toBe(204);
    await expectRefused(u.accessToken);
  });

  it('DELETE /auth/sessions/{id} of another of my sessions', async () => {
    const u = await signUp(t);
    const second = (await login(u.email, u.password)).json();
    await expectWorks(second.accessToken);
    const secondSid = decodeJwt(second.accessToken).sid as string;
    const res = await t.request({ method: 'DELETE', url: `${API}/auth/sessions/${secondSid}`, headers: bearer(u.accessToken) });
    expect(res.statusCode, res.body).toBe(204);
    await expectRefused(second.accessToken);
    expectProblem(await refresh(second.refreshToken), 401, 'AUTH.INVALID_REFRESH_TOKEN');
    await expectWorks(u.accessToken);
  });

  it('password change revokes the other sessions and keeps the current one', async () => {
    const u = await signUp(t);
    const second = (await login(u.email, u.password)).json();
    await expectWorks(u.accessToken);
    await expectWorks(second.accessToken);
    const res = await post('/auth/password/change', { currentPassword: u.password, newPassword: NEW_PASSWORD }, bearer(u.accessToken));
    expect(res.statusCode, res.body).toBe(204);
    await expectRefused(second.accessToken);
    expectProblem(await refresh(second.refreshToken), 401, 'AUTH.INVALID_REFRESH_TOKEN');
    await expectWorks(u.accessToken);
    expect((await refresh(u.refreshToken)).statusCode).toBe(200);
  });

  it('password reset revokes every session', async () => {
    const u = await signUp(t);
    const second = (await login(u.email, u.password)).json();
    await expectWorks(u.accessToken);
    await expectWorks(second.accessToken);
    expect((await post('/auth/password/forgot', { email: u.email })).statusCode).toBe(202);
    await t.drain();
    const res = await post('/auth/password/reset', { token: lastMailToken(t, u.email), password: NEW_PASSWORD });
    expect(res.statusCode, res.body).toBe(204);
    await expectRefused(u.accessToken);
    await expectRefused(second.accessToken);
    expectProblem(await refresh(u.refreshToken), 401, 'AUTH.INVALID_REFRESH_TOKEN');
    expectProblem(await refresh(second.refreshToken), 401, 'AUTH.INVALID_REFRESH_TOKEN');
  });

  it('admin disable: 401 on the next request, no refresh, and login answers 403 AUTH.ACCOUNT_DISABLED', async () => {
    const admin = await signUp(t);
    await makeAdmin(t, admin.userId);
    const u = await signUp(t);
    await expectWorks(u.accessToken);
    const patch = (status: string, token = admin.accessToken) =>
      t.request({ method: 'PATCH', url: `${API}/users/${u.userId}`, headers: bearer(token), payload: { status } });

    expectProblem(await patch('disabled', u.accessToken), 403, 'FORBIDDEN');
    await expectWorks(u.accessToken);

    const res = await patch('disabled');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: u.userId, status: 'disabled' });
    await expectRefused(u.accessToken);
    expectProblem(await refresh(u.refreshToken), 401, 'AUTH.INVALID_REFRESH_TOKEN');
    expectProblem(await login(u.email, u.password), 403, 'AUTH.ACCOUNT_DISABLED');
    // The wrong password does not reveal that the account is disabled.
    expectProblem(await login(u.email, 'Wrong-password-1-x'), 401, 'AUTH.INVALID_CREDENTIALS');

    expect((await patch('active')).statusCode).toBe(200);
    // Sessions ended by the disable stay ended; signing in works again.
    await expectRefused(u.accessToken);
    expect((await login(u.email, u.password)).statusCode).toBe(200);
  });
});

describe('principal cache', () => {
  // White-box: a resolver of its own over a connection whose next result can be held back,
  // so a revocation can land between the session lookup and the cache write.
  it('does not cache a session read just before its revocation', async () => {
    const u = await signUp(t);
    const sid = decodeJwt(u.accessToken).sid as string;
    let armed = false;
    let reached!: () => void;
    let release!: () => void;
    const lookupDone = new Promise<void>((r) => {
      reached = r;
    });
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const holdNextResult: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        if (armed) {
          armed = false;
          reached();
          await gate;
        }
        return args.result;
      },
    };
    const { config } = t.app;
    const cache = createPrincipalCache(t.database);
    await cache.start();
    try {
      const core = {
        db: t.database.db.withPlugin(holdNextResult),
        clock,
        accessTokens: createAccessTokenService({ keys: config.jwt, issuer: config.jwtIssuer, audience: config.jwtAudience, ttlSeconds: config.accessTokenTtl }),
      };
      const resolve = createPrincipalResolver({ core, invalidation: cache } as unknown as AuthContext, cache, {} as ApiKeyService);
      const info = { ip, userAgent: undefined };

      armed = true;
      const inFlight = resolve({ bearer: u.accessToken }, info);
      await lookupDone; // the live session row has been read
      expect((await post('/auth/logout', undefined, bearer(u.accessToken))).statusCode).toBe(204);
      await cache.sessions([sid]); // what the revoking instance does after its commit
      release();
      // The request that raced the logout may still pass: it started before the revocation.
      expect((await inFlight)?.sessionId).toBe(sid);
      // The next one must not.
      expect(await resolve({ bearer: u.accessToken }, info)).toBeNull();
    } finally {
      release();
      await cache.stop();
    }
  });
});

describe('refresh', () => {
  it('rotates: a new pair for the same session, and the new access token works', async () => {
    const u = await signUp(t);
    const res = await refresh(u.refreshToken);
    expect(res.statusCode, res.body).toBe(200);
    const pair = res.json();
    expect(pair).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
      user: expect.objectContaining({ id: u.userId, email: u.email }),
    });
    expect(pair.refreshToken).not.toBe(u.refreshToken);
    expect(decodeJwt(pair.accessToken).sid).toBe(decodeJwt(u.accessToken).sid);
    await expectWorks(pair.accessToken);
    // Still one session.
    expect((await t.request({ method: 'GET', url: `${API}/auth/sessions`, headers: bearer(pair.accessToken) })).json().data).toHaveLength(1);
    // The new refresh token rotates in turn.
    const next = await refresh(pair.refreshToken);
    expect(next.statusCode).toBe(200);
    expect(next.json().refreshToken).not.toBe(pair.refreshToken);
  });

  it('within the leeway (10 s), the old token again returns the same successor', async () => {
    const u = await signUp(t);
    const first = (await refresh(u.refreshToken)).json();
    try {
      offsetMs += 5_000;
      const again = await refresh(u.refreshToken);
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json().refreshToken).toBe(first.refreshToken);
      await expectWorks(again.json().accessToken);
    } finally {
      offsetMs -= 5_000;
    }
    // The session lives on: the successor rotates normally.
    const next = await refresh(first.refreshToken);
    expect(next.statusCode, next.body).toBe(200);
    await expectWorks(first.accessToken);
  });

  it('erases sealed successors once their leeway is over', async () => {
    const u = await signUp(t);
    await refresh(u.refreshToken);
    const sealed = () =>
      t.database.db
        .selectFrom('auth.refresh_tokens')
        .select('successor_token')
        .where('successor_token', 'is not', null)
        .where('rotated_at', '<', new Date(Date.now() + offsetMs - 10_000))
        .execute();
    try {
      // Well past the leeway and past any sweep earlier tests may have triggered.
      offsetMs += 25_000;
      expect((await sealed()).length).toBeGreaterThan(0);
      // Any refresh after the leeway sweeps (in the background; poll briefly).
      const other = await signUp(t);
      expect((await refresh(other.refreshToken)).statusCode).toBe(200);
      for (let i = 0; i < 50 && (await sealed()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await sealed()).toEqual([]);
    } finally {
      offsetMs -= 25_000;
    }
  });

  it('after the leeway, the old token again is reuse: 401 AUTH.REFRESH_TOKEN_REUSED and the whole session is revoked', async () => {
    const u = await signUp(t);
    const sid = decodeJwt(u.accessToken).sid as string;
    const first = (await refresh(u.refreshToken)).json();
    const second = (await refresh(first.refreshToken)).json();
    await expectWorks(second.accessToken);
    try {
      offsetMs += 11_000;
      const reused = await refresh(u.refreshToken);
      expectProblem(reused, 401, 'AUTH.REFRESH_TOKEN_REUSED');
      // Every token of the family is dead now, the newest included.
      expectProblem(await refresh(second.refreshToken), 401, 'AUTH.INVALID_REFRESH_TOKEN');
      expectProblem(await refresh(first.refreshToken), 401, 'AUTH.INVALID_REFRESH_TOKEN');
      await expectRefused(second.accessToken);
      await expectRefused(u.accessToken);
    } finally {
      offsetMs -= 11_000;
    }
    const events = await t.database.db.selectFrom('core.outbox').select(['type', 'payload', 'actor_id']).where('type', 'in', ['auth.refresh_token_reused', 'auth.session_revoked']).execute();
    const mine = events.filter((e: any) => e.payload.userId === u.userId).map((e: any) => ({ type: e.type, payload: e.payload, actorId: e.actor_id }));
    expect(mine).toEqual([
      { type: 'auth.refresh_token_reused', payload: { userId: u.userId, sessionId: sid, ip }, actorId: u.userId },
      { type: 'auth.session_revoked', payload: { userId: u.userId, sessionIds: [sid], reason: 'refresh_token_reused' }, actorId: u.userId },
    ]);
    // Other sessions of the account are untouched.
    const other = await login(u.email, u.password);
    expect(other.statusCode).toBe(200);
  });

  it('measures the leeway on the app clock, also when that clock is behind the database', async () => {
    const u = await signUp(t);
    try {
      offsetMs = -3_600_000;
      const first = (await refresh(u.refreshToken)).json();
      expect(first.refreshToken).toEqual(expect.any(String));
      offsetMs += 11_000;
      expectProblem(await refresh(u.refreshToken), 401, 'AUTH.REFRESH_TOKEN_REUSED');
    } finally {
      offsetMs = 0;
    }
  });

  it('ends a session at REFRESH_TOKEN_TTL (30 days): its refresh and access tokens stop working', async () => {
    const u = await signUp(t);
    await expectWorks(u.accessToken);
    try {
      offsetMs += 30 * 86_400_000 + 1000;
      expectProblem(await refresh(u.refreshToken), 401, 'AUTH.INVALID_REFRESH_TOKEN');
      await expectRefused(u.accessToken);
    } finally {
      offsetMs -= 30 * 86_400_000 + 1000;
    }
  });

  it('serves two concurrent refreshes of one token with the same successor', async () => {
    const u = await signUp(t);
    const [a, b] = await Promise.all([refresh(u.refreshToken), refresh(u.refreshToken)]);
    expect(a.statusCode, a.body).toBe(200);
    expect(b.statusCode, b.body).toBe(200);
    expect(a.json().refreshToken).toBe(b.json().refreshToken);
    await expectWorks(a.json().accessToken);
    await expectWorks(b.json().accessToken);
    expect((await refresh(a.json().refreshToken)).statusCode).toBe(200);
  });

  it('refuses garbage: 401 for an unknown token, 400 VALIDATION_FAILED for a malformed body', async () => {
    expectProblem(await refresh('x'.repeat(43)), 401, 'AUTH.INVALID_REFRESH_TOKEN');
    const short = expectProblem(await refresh('short'), 400, 'VALIDATION_FAILED');
    expect(short.errors.map((e: { field: string }) => e.field)).toEqual(['body.refreshToken']);
    const missing = expectProblem(await post('/auth/refresh', {}), 400, 'VALIDATION_FAILED');
    expect(missing.errors.map((e: { field: string }) => e.field)).toEqual(['body.refreshToken']);
    // An access token is not a refresh token.
    const u = await signUp(t);
    expectProblem(await refresh(u.accessToken), 401, 'AUTH.INVALID_REFRESH_TOKEN');
  });
});
