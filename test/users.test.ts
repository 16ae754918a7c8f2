import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, makeAdmin, signUp, type TestApp, uniqueEmail } from './harness.ts';

let t: TestApp;
let admin: Awaited<ReturnType<typeof signUp>>;

beforeAll(async () => {
  t = await createTestApp();
  admin = await signUp(t, { displayName: 'Root Admin' });
  await makeAdmin(t, admin.userId);
});
afterAll(() => t?.close());

const me = (token: string) => t.request({ method: 'GET', url: '/api/v1/users/me', headers: bearer(token) });

describe('users: the profile', () => {
  it('is created from auth.user_registered by the subscriber, not by the request', async () => {
    const email = uniqueEmail();
    const reg = await t.request({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: 'Tr3llis-vine-climbs-high', displayName: 'Bea' } });
    expect(reg.statusCode).toBe(201);
    const userId = reg.json().user.id;
    const before = await t.database.db.selectFrom('users.profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
    expect(before).toBeUndefined();
    await t.drain();
    const after = await t.database.db.selectFrom('users.profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
    expect(after).toMatchObject({ display_name: 'Bea', email, timezone: 'UTC', locale: 'en' });
  });

  it('GET /users/me returns account facts and the profile', async () => {
    const u = await signUp(t, { displayName: 'Cleo' });
    const res = await me(u.accessToken);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      id: u.userId,
      email: u.email,
      emailVerified: false,
      role: 'user',
      status: 'active',
      profile: { displayName: 'Cleo', bio: null, avatarUrl: null, timezone: 'UTC', locale: 'en' },
      createdAt: expect.any(String),
    });
    // The same instant, in the same format, as the stored timestamp written by toISOString().
    const row = await t.database.db.selectFrom('users.profiles').select('created_at').where('user_id', '=', u.userId).executeTakeFirstOrThrow();
    expect(body.createdAt).toBe(row.created_at.toISOString());
  });

  it('PATCH /users/me updates the given fields and publishes users.profile_updated', async () => {
    const u = await signUp(t);
    const res = await t.request({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: bearer(u.accessToken),
      payload: { displayName: 'Dora', bio: 'Gardener', timezone: 'Europe/Zurich', locale: 'fr-CH', avatarUrl: 'https://img.example/d.png' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().profile).toEqual({ displayName: 'Dora', bio: 'Gardener', avatarUrl: 'https://img.example/d.png', timezone: 'Europe/Zurich', locale: 'fr-CH' });
    const clear = await t.request({ method: 'PATCH', url: '/api/v1/users/me', headers: bearer(u.accessToken), payload: { bio: null } });
    expect(clear.json().profile.bio).toBeNull();
    const events = await t.database.db.selectFrom('core.outbox').select(['type', 'payload']).where('type', '=', 'users.profile_updated').where('actor_id', '=', u.userId).execute();
    expect(events).toHaveLength(2);
  });

  it('PATCH /users/me refuses bad values field by field', async () => {
    const u = await signUp(t);
    const cases: [Record<string, unknown>, string][] = [
      [{ timezone: 'Mars/Olympus' }, 'body.timezone'],
      [{ locale: 'not a locale!' }, 'body.locale'],
      [{ avatarUrl: 'javascript:alert(1)' }, 'body.avatarUrl'],
      [{ displayName: '' }, 'body.displayName'],
      [{ displayName: 42 }, 'body.displayName'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.request({ method: 'PATCH', url: '/api/v1/users/me', headers: bearer(u.accessToken), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  it('unknown properties are dropped, never stored', async () => {
    const u = await signUp(t);
    const res = await t.request({ method: 'PATCH', url: '/api/v1/users/me', headers: bearer(u.accessToken), payload: { role: 'admin', displayName: 'Eve' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ role: 'user', profile: { displayName: 'Eve' } });
  });

  it('needs a token', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/users/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHENTICATED');
  });
});

describe('users: DELETE /users/me', () => {
  it('refuses a wrong password and keeps the account', async () => {
    const u = await signUp(t);
    const res = await t.request({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(u.accessToken), payload: { password: 'wrong-password-here' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('AUTH.INVALID_CREDENTIALS');
    expect((await me(u.accessToken)).statusCode).toBe(200);
  });

  it('revokes sessions, anonymizes personal data, emits users.deleted and frees the email', async () => {
    const u = await signUp(t, { displayName: 'Fay' });
    const res = await t.request({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(u.accessToken), payload: { password: u.password } });
    expect(res.statusCode).toBe(204);
    expect((await me(u.accessToken)).statusCode).toBe(401);
    const refresh = await t.request({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: u.refreshToken } });
    expect(refresh.statusCode).toBe(401);
    await t.drain();
    const profile = await t.database.db.selectFrom('users.profiles').selectAll().where('user_id', '=', u.userId).executeTakeFirstOrThrow();
    expect(profile).toMatchObject({ display_name: 'Deleted user', status: 'deleted', bio: null });
    expect(profile.email).not.toContain(u.email);
    const account = await t.database.db.selectFrom('auth.accounts').selectAll().where('id', '=', u.userId).executeTakeFirstOrThrow();
    expect(account.email).not.toBe(u.email);
    expect(account.password_hash).toBeNull();
    const deleted = await t.database.db.selectFrom('core.outbox').select('payload').where('type', '=', 'users.deleted').execute();
    expect(deleted.filter((e: any) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload).userId === u.userId)).toHaveLength(1);
    const login = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: u.password } });
    expect(login.statusCode).toBe(401);
    const again = await t.request({ method: 'POST', url: '/api/v1/auth/register', payload: { email: u.email, password: u.password, displayName: 'Fay again' } });
    expect(again.statusCode).toBe(201);
  });
});

describe('users: administration', () => {
  it('a non-admin gets 403 on every admin route', async () => {
    const u = await signUp(t);
    const other = await signUp(t);
    const calls = [
      { method: 'GET' as const, url: '/api/v1/users' },
      { method: 'GET' as const, url: `/api/v1/users/${other.userId}` },
      { method: 'PATCH' as const, url: `/api/v1/users/${other.userId}`, payload: { role: 'admin' } },
      { method: 'POST' as const, url: `/api/v1/users/${other.userId}/unlock` },
    ];
    for (const call of calls) {
      const res = await t.request({ ...call, headers: bearer(u.accessToken) });
      expect(res.statusCode, call.url).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
    }
  });

  it('lists users with cursor pagination and filters', async () => {
    const tag = `pager${Date.now()}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await signUp(t, { email: uniqueEmail(tag), displayName: `Pager ${i}` }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/users?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.request({ method: 'GET', url, headers: bearer(admin.accessToken) });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.page.limit).toBe(2);
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((u: { id: string }) => u.id));
      cursor = body.page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made.map((u) => u.userId).reverse());

    const byName = await t.request({ method: 'GET', url: '/api/v1/users?q=Pager%203', headers: bearer(admin.accessToken) });
    expect(byName.json().data.map((u: { id: string }) => u.id)).toEqual([made[3].userId]);
    const admins = await t.request({ method: 'GET', url: '/api/v1/users?role=admin', headers: bearer(admin.accessToken) });
    expect(admins.json().data.map((u: { id: string }) => u.id)).toContain(admin.userId);
    expect(admins.json().data.every((u: { role: string }) => u.role === 'admin')).toBe(true);
    const bad = await t.request({ method: 'GET', url: '/api/v1/users?cursor=%%%', headers: bearer(admin.accessToken) });
    expect(bad.statusCode).toBe(400);
    const forged = Buffer.from(JSON.stringify(['not-a-uuid'])).toString('base64url');
    const forgedRes = await t.request({ method: 'GET', url: `/api/v1/users?cursor=${forged}`, headers: bearer(admin.accessToken) });
    expect(forgedRes.statusCode).toBe(400);
    expect(forgedRes.json().errors[0].field).toBe('query.cursor');
    const tooMany = await t.request({ method: 'GET', url: '/api/v1/users?limit=1000', headers: bearer(admin.accessToken) });
    expect(tooMany.statusCode).toBe(400);
  });

  it('gets one user; 404 for an unknown id, 400 for a malformed one', async () => {
    const u = await signUp(t, { displayName: 'Gus' });
    const res = await t.request({ method: 'GET', url: `/api/v1/users/${u.userId}`, headers: bearer(admin.accessToken) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: u.userId, email: u.email, profile: { displayName: 'Gus' } });
    const missing = await t.request({ method: 'GET', url: '/api/v1/users/0190f5c2-0000-7000-8000-000000000000', headers: bearer(admin.accessToken) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    const malformed = await t.request({ method: 'GET', url: '/api/v1/users/not-a-uuid', headers: bearer(admin.accessToken) });
    expect(malformed.statusCode).toBe(400);
  });

  it('promotes to admin and disables: the disabled user is refused on the very next request', async () => {
    const u = await signUp(t);
    const promote = await t.request({ method: 'PATCH', url: `/api/v1/users/${u.userId}`, headers: bearer(admin.accessToken), payload: { role: 'admin' } });
    expect(promote.statusCode).toBe(200);
    expect(promote.json().role).toBe('admin');
    expect((await t.request({ method: 'GET', url: '/api/v1/users', headers: bearer(u.accessToken) })).statusCode).toBe(200);

    const disable = await t.request({ method: 'PATCH', url: `/api/v1/users/${u.userId}`, headers: bearer(admin.accessToken), payload: { status: 'disabled' } });
    expect(disable.statusCode).toBe(200);
    expect(disable.json().status).toBe('disabled');
    expect((await me(u.accessToken)).statusCode).toBe(401);
    const login = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: u.password } });
    expect(login.statusCode).toBe(403);
    expect(login.json().code).toBe('AUTH.ACCOUNT_DISABLED');

    const filtered = await t.request({ method: 'GET', url: '/api/v1/users?status=disabled', headers: bearer(admin.accessToken) });
    expect(filtered.json().data.map((x: { id: string }) => x.id)).toContain(u.userId);

    const enable = await t.request({ method: 'PATCH', url: `/api/v1/users/${u.userId}`, headers: bearer(admin.accessToken), payload: { status: 'active' } });
    expect(enable.json().status).toBe('active');
    const relogin = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: u.password } });
    expect(relogin.statusCode).toBe(200);
  });

  it('an admin cannot disable themself', async () => {
    const res = await t.request({ method: 'PATCH', url: `/api/v1/users/${admin.userId}`, headers: bearer(admin.accessToken), payload: { status: 'disabled' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('USERS.CANNOT_DISABLE_SELF');
  });

  it('rejects a status outside active|disabled', async () => {
    const u = await signUp(t);
    const res = await t.request({ method: 'PATCH', url: `/api/v1/users/${u.userId}`, headers: bearer(admin.accessToken), payload: { status: 'deleted' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toContain('body.status');
  });
});

describe('users: bootstrap admin', () => {
  it('ADMIN_EMAIL / ADMIN_PASSWORD create a verified admin on first start', async () => {
    const email = uniqueEmail('boot');
    const boot = await createTestApp({ env: { ADMIN_EMAIL: email, ADMIN_PASSWORD: 'Bootstrap-admin-2026!' } });
    try {
      await boot.drain();
      const login = await boot.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'Bootstrap-admin-2026!' } });
      expect(login.statusCode).toBe(200);
      expect(login.json().user).toMatchObject({ role: 'admin', emailVerified: true });
      const list = await boot.request({ method: 'GET', url: '/api/v1/users', headers: bearer(login.json().accessToken) });
      expect(list.statusCode).toBe(200);
      expect(list.json().data[0]).toMatchObject({ email, role: 'admin' });
      expect(boot.mailer.sent.filter((m) => m.to === email)).toHaveLength(0);
    } finally {
      await boot.close();
    }
  });
});
