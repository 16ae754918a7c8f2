// API keys: created once and shown once, limited to their scopes, refused at once when
// revoked or expired, and invisible to other users. The scopes a key can hold are those core
// and the modules declare, which are exactly those the routes check (decision 0034).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, makeAdmin, signUp, type TestApp, expectProblem, fromOwnAddress } from './harness.ts';

const API = '/api/v1';
const KEY = /^trl_([A-Za-z0-9]{8})_[A-Za-z0-9_-]{43}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

// The app's clock runs with real time plus an offset the tests move (key expiry).
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' }, overrides: { clock } });
  fromOwnAddress(t);
});
afterAll(() => t?.close());

type User = Awaited<ReturnType<typeof signUp>>;

const fieldsOf = (body: { errors?: { field: string }[] }) => [...new Set((body.errors ?? []).map((e) => e.field))].sort();

const createKey = (u: User, body: Record<string, unknown>) => t.request({ method: 'POST', url: `${API}/auth/api-keys`, headers: bearer(u.accessToken), payload: body });
const listKeys = async (u: User) => {
  const res = await t.request({ method: 'GET', url: `${API}/auth/api-keys`, headers: bearer(u.accessToken) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as Record<string, unknown>[];
};
const revokeKey = (u: User, id: string) => t.request({ method: 'DELETE', url: `${API}/auth/api-keys/${id}`, headers: bearer(u.accessToken) });
const me = (headers: Record<string, string>) => t.request({ method: 'GET', url: `${API}/users/me`, headers });

async function newKey(u: User, scopes = ['profile:read'], extra: Record<string, unknown> = {}) {
  const res = await createKey(u, { name: 'test key', scopes, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; key: string; prefix: string; scopes: string[]; expiresAt: string | null; lastUsedAt: string | null };
}

describe('API keys', () => {
  it('creates a key (201) shown once: the prefix matches, the list never shows it', async () => {
    const u = await signUp(t);
    const res = await createKey(u, { name: '  deploy bot ', scopes: ['users:read', 'profile:read', 'users:read'] });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(Object.keys(created).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'key', 'lastUsedAt', 'name', 'prefix', 'scopes']);
    expect(created).toMatchObject({ name: 'deploy bot', scopes: ['profile:read', 'users:read'], expiresAt: null, lastUsedAt: null, createdAt: expect.stringMatching(ISO) });
    expect(created.key).toMatch(KEY);
    expect(KEY.exec(created.key)![1]).toBe(created.prefix);

    const list = await listKeys(u);
    expect(list).toHaveLength(1);
    const { key: _key, ...view } = created;
    expect(list[0]).toEqual(view);
    expect(JSON.stringify(list)).not.toContain(created.key.slice(`trl_${created.prefix}_`.length));

    // Two keys never share the secret.
    const second = await newKey(u);
    expect(second.key).not.toBe(created.key);
    expect((await listKeys(u)).map((k) => k.id)).toEqual([second.id, created.id]);
  });

  it('authenticates as Authorization: Bearer and as X-API-Key on a route that takes its scope', async () => {
    const u = await signUp(t);
    const { key } = await newKey(u, ['profile:read']);
    for (const headers of [bearer(key), { 'x-api-key': key }]) {
      const res = await me(headers);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: u.userId, email: u.email });
    }
  });

  it('refuses a key without the route’s scope, and on routes that take no key, with 403 FORBIDDEN', async () => {
    const u = await signUp(t);
    const { key } = await newKey(u, ['profile:write', 'users:read']);
    expectProblem(await me(bearer(key)), 403, 'FORBIDDEN');
    expectProblem(await me({ 'x-api-key': key }), 403, 'FORBIDDEN');
    // A write scope does not imply read; a read scope does not allow writes.
    const reader = await newKey(u, ['profile:read']);
    expectProblem(await t.request({ method: 'PATCH', url: `${API}/users/me`, headers: bearer(reader.key), payload: { bio: 'x' } }), 403, 'FORBIDDEN');
    // Routes without a scope need a real sign-in, whatever the key's scopes.
    for (const [method, url] of [
      ['GET', '/auth/sessions'],
      ['GET', '/auth/api-keys'],
      ['POST', '/auth/sessions/revoke-others'],
      ['POST', '/auth/logout'],
    ] as const) {
      expectProblem(await t.request({ method, url: API + url, headers: bearer(reader.key) }), 403, 'FORBIDDEN');
    }
    const mint = await t.request({ method: 'POST', url: `${API}/auth/api-keys`, headers: bearer(reader.key), payload: { name: 'x', scopes: ['profile:read'] } });
    expectProblem(mint, 403, 'FORBIDDEN');
  });

  it('limits a key to its owner’s role: users:read lists users only for an admin’s key', async () => {
    const u = await signUp(t);
    const admin = await signUp(t);
    await makeAdmin(t, admin.userId);
    const userKey = await newKey(u, ['users:read']);
    const adminKey = await newKey(admin, ['users:read']);
    expectProblem(await t.request({ method: 'GET', url: `${API}/users`, headers: bearer(userKey.key) }), 403, 'FORBIDDEN');
    const res = await t.request({ method: 'GET', url: `${API}/users/${u.userId}`, headers: bearer(adminKey.key) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: u.userId });
  });

  it('answers 401 for unknown and malformed keys', async () => {
    const u = await signUp(t);
    const { key } = await newKey(u);
    const tampered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [tampered, 'trl_short', `trl_${'a'.repeat(8)}_${'b'.repeat(43)}`, `${key}x`]) {
      expectProblem(await me(bearer(bad)), 401, 'UNAUTHENTICATED');
      expectProblem(await me({ 'x-api-key': bad }), 401, 'UNAUTHENTICATED');
    }
    expect((await me(bearer(key))).statusCode).toBe(200);
  });

  it('refuses a revoked key at once (401); a second revoke is 404 and the list drops it', async () => {
    const u = await signUp(t);
    const k = await newKey(u);
    const kept = await newKey(u);
    expect((await me(bearer(k.key))).statusCode).toBe(200); // cached now
    const res = await revokeKey(u, k.id);
    expect(res.statusCode, res.body).toBe(204);
    expectProblem(await me(bearer(k.key)), 401, 'UNAUTHENTICATED');
    expectProblem(await me({ 'x-api-key': k.key }), 401, 'UNAUTHENTICATED');
    expectProblem(await revokeKey(u, k.id), 404, 'NOT_FOUND');
    expect((await listKeys(u)).map((x) => x.id)).toEqual([kept.id]);
    expect((await me(bearer(kept.key))).statusCode).toBe(200);
  });

  it('answers 404 when revoking another user’s key, which keeps working', async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const k = await newKey(owner);
    expectProblem(await revokeKey(other, k.id), 404, 'NOT_FOUND');
    expectProblem(await revokeKey(owner, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'), 404, 'NOT_FOUND');
    expect(await listKeys(other)).toEqual([]);
    expect((await me(bearer(k.key))).statusCode).toBe(200);
  });

  it('refuses an expiry in the past (400) and stops a key at its expiry', async () => {
    const u = await signUp(t);
    const past = expectProblem(await createKey(u, { name: 'old', scopes: ['profile:read'], expiresAt: new Date(clock.now().getTime() - 1000).toISOString() }), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(past)).toEqual(['body.expiresAt']);
    const garbage = expectProblem(await createKey(u, { name: 'old', scopes: ['profile:read'], expiresAt: 'tomorrow' }), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(garbage)).toEqual(['body.expiresAt']);

    const expiresAt = new Date(clock.now().getTime() + 60_000).toISOString();
    const k = await newKey(u, ['profile:read'], { expiresAt });
    expect(k.expiresAt).toBe(expiresAt);
    expect((await me(bearer(k.key))).statusCode).toBe(200); // cached now, until the expiry
    try {
      offsetMs += 61_000;
      expectProblem(await me(bearer(k.key)), 401, 'UNAUTHENTICATED');
    } finally {
      offsetMs -= 61_000;
    }
  });

  it('records lastUsedAt once the key is used', async () => {
    const u = await signUp(t);
    const k = await newKey(u);
    expect(k.lastUsedAt).toBeNull();
    expect((await listKeys(u))[0].lastUsedAt).toBeNull();
    const before = Date.now();
    expect((await me({ 'x-api-key': k.key })).statusCode).toBe(200);
    // Written after the answer (fire-and-forget), so poll briefly.
    await expect.poll(async () => (await listKeys(u))[0].lastUsedAt, { timeout: 2000, interval: 20 }).toMatch(ISO);
    const used = Date.parse((await listKeys(u))[0].lastUsedAt as string);
    expect(used).toBeGreaterThanOrEqual(before - 1000);
    expect(used).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('refuses keys of a disabled account at once', async () => {
    const admin = await signUp(t);
    await makeAdmin(t, admin.userId);
    const u = await signUp(t);
    const k = await newKey(u);
    expect((await me(bearer(k.key))).statusCode).toBe(200);
    const res = await t.request({ method: 'PATCH', url: `${API}/users/${u.userId}`, headers: bearer(admin.accessToken), payload: { status: 'disabled' } });
    expect(res.statusCode, res.body).toBe(200);
    expectProblem(await me(bearer(k.key)), 401, 'UNAUTHENTICATED');
  });

  it('allows at most 50 active keys per user (409 AUTH.TOO_MANY_API_KEYS); revoking one frees a place', async () => {
    const u = await signUp(t);
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await newKey(u)).id);
    expectProblem(await createKey(u, { name: 'one too many', scopes: ['profile:read'] }), 409, 'AUTH.TOO_MANY_API_KEYS');
    expect((await revokeKey(u, ids[0])).statusCode).toBe(204);
    await newKey(u);
  });

  it.each([['Profile:read'], ['profile'], [':read'], ['pro-file:read'], ['profile:read '], ['1profile:read'], ['profile:READ'], ['profile:'], ['']])(
    'refuses the scope %j with 400 VALIDATION_FAILED',
    async (scope) => {
      const u = await signUp(t);
      const body = expectProblem(await createKey(u, { name: 'k', scopes: ['profile:read', scope] }), 400, 'VALIDATION_FAILED');
      expect(fieldsOf(body)).toEqual(['body.scopes.1']);
      expect(await listKeys(u)).toEqual([]);
    },
  );

  it('validates the rest of the body: name and at least one scope', async () => {
    const u = await signUp(t);
    const body = expectProblem(await createKey(u, { name: '', scopes: [] }), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(body)).toEqual(['body.name', 'body.scopes']);
    const blank = expectProblem(await createKey(u, { name: '   ', scopes: ['profile:read'] }), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(blank)).toEqual(['body.name']);
    const typed = expectProblem(await createKey(u, { name: 42, scopes: 'profile:read' }), 400, 'VALIDATION_FAILED');
    expect(fieldsOf(typed)).toEqual(['body.name', 'body.scopes']);
    const ok = await newKey(u, ['time:write']);
    expect(ok.scopes).toEqual(['time:write']);
    expectProblem(await t.request({ method: 'POST', url: `${API}/auth/api-keys`, payload: { name: 'x', scopes: ['profile:read'] } }), 401, 'UNAUTHENTICATED');
  });
});

describe('API key scopes', () => {
  const scopesOf = async () => {
    const res = await t.request({ method: 'GET', url: `${API}/auth/scopes` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as { name: string; description: string; module: string }[];
  };

  it('lists every scope a key can hold, sorted, with what it allows and who declared it; no sign-in needed', async () => {
    const scopes = await scopesOf();
    expect(scopes.map((s) => s.name)).toEqual(scopes.map((s) => s.name).sort());
    expect(scopes).toContainEqual({ name: 'projects:read', description: expect.stringMatching(/^Read projects/), module: 'projects' });
    expect(scopes).toContainEqual({ name: 'jobs:admin', description: expect.any(String), module: 'core' });
    for (const s of scopes) expect(s.description.length, s.name).toBeGreaterThan(10);
  });

  it('lists exactly the scopes the routes check: none declared for nothing, none checked undeclared', async () => {
    const document = (await t.request({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { description?: string }>> };
    const checked = new Set<string>();
    for (const operations of Object.values(document.paths)) {
      for (const op of Object.values(operations)) {
        const scope = /API key scope: `([^`]+)`/.exec(op.description ?? '')?.[1];
        if (scope) checked.add(scope);
      }
    }
    // The stream authenticates by itself; its scope is in its own description.
    const stream = document.paths['/stream']?.get?.description ?? '';
    for (const [, scope] of stream.matchAll(/scope `([a-z_]+:[a-z_]+)`/g)) checked.add(scope);
    expect((await scopesOf()).map((s) => s.name)).toEqual([...checked].sort());
  });

  it('refuses scopes no route checks with 400 AUTH.UNKNOWN_SCOPE naming each, and creates nothing', async () => {
    const u = await signUp(t);
    const body = expectProblem(await createKey(u, { name: 'k', scopes: ['profile:read', 'profile:delete', 'time_entries:write'] }), 400, 'AUTH.UNKNOWN_SCOPE');
    expect(fieldsOf(body)).toEqual(['body.scopes.1', 'body.scopes.2']);
    expect(await listKeys(u)).toEqual([]);
  });

  it('grants a declared scope and enforces it: jobs:admin, for an administrator’s key only', async () => {
    const admin = await signUp(t);
    await makeAdmin(t, admin.userId);
    const user = await signUp(t);
    const jobsAdmin = await newKey(admin, ['jobs:admin']);
    const jobsReader = await newKey(admin, ['jobs:read']);
    const usersKey = await newKey(user, ['jobs:admin']);
    const list = (key: string) => t.request({ method: 'GET', url: `${API}/admin/jobs`, headers: bearer(key) });
    expect((await list(jobsAdmin.key)).statusCode).toBe(200);
    expectProblem(await list(jobsReader.key), 403, 'FORBIDDEN');
    expectProblem(await list(usersKey.key), 403, 'FORBIDDEN');
  });
});
