// Organizations over HTTP: create, list, read, change, move (cycles, depth), delete and
// restore. ORG_MAX_DEPTH and ORG_RESTORE_DAYS are set low here so the limits are reachable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { addMember, createOrg, newUser, orgsApi, orgWithRoles, uniqueSlug } from './workspace.ts';

let t: TestApp;
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

beforeAll(async () => {
  t = await createTestApp({ env: { ORG_MAX_DEPTH: '3', ORG_RESTORE_DAYS: '2' }, overrides: { clock } });
});
afterAll(() => t?.close());

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token?: string, payload?: unknown) =>
  t.request({ method, url: `/api/v1${url}`, headers: token ? bearer(token) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('POST /orgs', () => {
  it('creates an org with defaults, makes the creator its owner and publishes events with the org in meta', async () => {
    const u = await newUser(t);
    const slug = uniqueSlug('acme');
    const res = await api('POST', '/orgs', u.accessToken, { name: '  Acme  ', slug });
    expect(res.statusCode, res.body).toBe(201);
    const org = res.json();
    expect(org).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7/),
      name: 'Acme',
      slug,
      parentId: null,
      timezone: 'UTC',
      currency: 'EUR',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      role: 'owner',
      inherited: false,
    });
    expect(await orgsApi(t).roleOf(u.userId, org.id)).toBe('owner');
    const events = await t.database.db.selectFrom('core.outbox').select(['type', 'org_id', 'actor_id', 'payload']).where('org_id', '=', org.id).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['organizations.created', 'organizations.member_added']);
    expect(events.every((e) => e.actor_id === u.userId)).toBe(true);
    expect(events[1].payload).toEqual({ orgId: org.id, userId: u.userId, role: 'owner', via: 'creation' });
  });

  it('takes a time zone and a currency, and validates them', async () => {
    const u = await newUser(t);
    const ok = await api('POST', '/orgs', u.accessToken, { name: 'Zurich', slug: uniqueSlug(), timezone: 'Europe/Zurich', currency: 'CHF' });
    expect(ok.json()).toMatchObject({ timezone: 'Europe/Zurich', currency: 'CHF' });
    const tz = expectProblem(await api('POST', '/orgs', u.accessToken, { name: 'X', slug: uniqueSlug(), timezone: 'Mars/Olympus' }), 400, 'VALIDATION_FAILED');
    expect(tz.errors).toEqual([{ field: 'body.timezone', message: expect.any(String) }]);
    const cur = expectProblem(await api('POST', '/orgs', u.accessToken, { name: 'X', slug: uniqueSlug(), currency: 'XYZ' }), 400, 'VALIDATION_FAILED');
    expect(cur.errors).toEqual([{ field: 'body.currency', message: expect.any(String) }]);
    expectProblem(await api('POST', '/orgs', u.accessToken, { name: 'X', slug: uniqueSlug(), currency: 'eur' }), 400, 'VALIDATION_FAILED');
  });

  it('refuses bad slugs and a missing name', async () => {
    const u = await newUser(t);
    for (const slug of ['Acme', '-acme', 'acme-', 'ac_me', 'a'.repeat(65), '']) {
      const body = expectProblem(await api('POST', '/orgs', u.accessToken, { name: 'X', slug }), 400, 'VALIDATION_FAILED');
      expect(body.errors.map((e: { field: string }) => e.field)).toContain('body.slug');
    }
    expectProblem(await api('POST', '/orgs', u.accessToken, { slug: uniqueSlug() }), 400, 'VALIDATION_FAILED');
    expectProblem(await api('POST', '/orgs', u.accessToken, { name: '   ', slug: uniqueSlug() }), 400, 'VALIDATION_FAILED');
  });

  it('answers 409 ORG.SLUG_TAKEN for a slug in use', async () => {
    const a = await newUser(t);
    const b = await newUser(t);
    const slug = uniqueSlug();
    await createOrg(t, a.accessToken, { slug });
    expectProblem(await api('POST', '/orgs', b.accessToken, { name: 'Copy', slug }), 409, 'ORG.SLUG_TAKEN');
  });

  it('needs a token (401) and, for an API key, the orgs:write scope', async () => {
    expectProblem(await api('POST', '/orgs', undefined, { name: 'X', slug: uniqueSlug() }), 401, 'UNAUTHENTICATED');
    const u = await newUser(t);
    const mk = async (scopes: string[]) => (await api('POST', '/auth/api-keys', u.accessToken, { name: scopes.join(' '), scopes })).json().key as string;
    const readKey = await mk(['orgs:read']);
    const writeKey = await mk(['orgs:write']);
    expectProblem(await t.request({ method: 'POST', url: '/api/v1/orgs', headers: { 'x-api-key': readKey }, payload: { name: 'K', slug: uniqueSlug() } }), 403, 'FORBIDDEN');
    const created = await t.request({ method: 'POST', url: '/api/v1/orgs', headers: { 'x-api-key': writeKey }, payload: { name: 'K', slug: uniqueSlug() } });
    expect(created.statusCode).toBe(201);
    const list = await t.request({ method: 'GET', url: '/api/v1/orgs', headers: { 'x-api-key': readKey } });
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((o: { id: string }) => o.id)).toContain(created.json().id);
    expectProblem(await t.request({ method: 'GET', url: '/api/v1/orgs', headers: { 'x-api-key': writeKey } }), 403, 'FORBIDDEN');
  });
});

describe('GET /orgs and GET /orgs/{orgId}', () => {
  it('lists my orgs, direct and inherited, with my effective role, in cursor pages', async () => {
    const u = await newUser(t);
    const company = await createOrg(t, u.accessToken, { name: 'Company' });
    const dept = await createOrg(t, u.accessToken, { name: 'Dept', parentId: company.id });
    const other = await newUser(t);
    const foreign = await createOrg(t, other.accessToken);
    // A department someone else created under my company: mine by inheritance.
    const boss = await addMember(t, u.accessToken, company.id, 'admin');
    const inheritedOnly = await createOrg(t, boss.accessToken, { name: 'Team', parentId: company.id });

    const page1 = await api('GET', '/orgs?limit=2', u.accessToken);
    expect(page1.statusCode).toBe(200);
    expect(page1.json().data).toHaveLength(2);
    expect(page1.json().page).toEqual({ nextCursor: expect.any(String), limit: 2 });
    const page2 = await api('GET', `/orgs?limit=2&cursor=${page1.json().page.nextCursor}`, u.accessToken);
    expect(page2.json().page.nextCursor).toBeNull();
    const all = [...page1.json().data, ...page2.json().data];
    expect(all.map((o) => [o.id, o.role, o.inherited])).toEqual([
      [company.id, 'owner', false],
      [dept.id, 'owner', false],
      [inheritedOnly.id, 'owner', true],
    ]);
    expect(all.map((o) => o.id)).not.toContain(foreign.id);
    expectProblem(await api('GET', '/orgs?cursor=not-a-cursor', u.accessToken), 400, 'VALIDATION_FAILED');
  });

  it('reads an org I belong to; a stranger gets 404 ORG.NOT_FOUND, as for an unknown id', async () => {
    const w = await orgWithRoles(t);
    const res = await api('GET', `/orgs/${w.orgId}`, w.viewer.accessToken);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: w.orgId, role: 'viewer', inherited: false });
    expectProblem(await api('GET', `/orgs/${w.orgId}`, w.outsider.accessToken), 404, 'ORG.NOT_FOUND');
    expectProblem(await api('GET', '/orgs/0190d5a2-0000-7000-8000-000000000000', w.owner.accessToken), 404, 'ORG.NOT_FOUND');
    expectProblem(await api('GET', '/orgs/not-a-uuid', w.owner.accessToken), 400, 'VALIDATION_FAILED');
  });
});

describe('PATCH /orgs/{orgId}', () => {
  it('lets an admin change name, slug, time zone and currency, publishing only what changed', async () => {
    const w = await orgWithRoles(t);
    const slug = uniqueSlug('renamed');
    const res = await api('PATCH', `/orgs/${w.orgId}`, w.admin.accessToken, { name: 'Renamed', slug, timezone: 'America/New_York', currency: 'USD' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Renamed', slug, timezone: 'America/New_York', currency: 'USD', role: 'admin' });
    const again = await api('PATCH', `/orgs/${w.orgId}`, w.admin.accessToken, { name: 'Renamed', currency: 'GBP' });
    expect(again.json().currency).toBe('GBP');
    const events = await t.database.db.selectFrom('core.outbox').select('payload').where('type', '=', 'organizations.updated').where('org_id', '=', w.orgId).orderBy('id').execute();
    expect(events.map((e) => e.payload)).toEqual([
      { orgId: w.orgId, changes: { name: 'Renamed', slug, timezone: 'America/New_York', currency: 'USD' } },
      { orgId: w.orgId, changes: { currency: 'GBP' } },
    ]);
  });

  it('is refused to members and viewers (403), to strangers (404), and for a taken slug (409)', async () => {
    const w = await orgWithRoles(t);
    expectProblem(await api('PATCH', `/orgs/${w.orgId}`, w.member.accessToken, { name: 'No' }), 403, 'FORBIDDEN');
    expectProblem(await api('PATCH', `/orgs/${w.orgId}`, w.viewer.accessToken, { name: 'No' }), 403, 'FORBIDDEN');
    expectProblem(await api('PATCH', `/orgs/${w.orgId}`, w.outsider.accessToken, { name: 'No' }), 404, 'ORG.NOT_FOUND');
    const taken = (await api('GET', `/orgs/${w.outsiderOrgId}`, w.outsider.accessToken)).json().slug;
    expectProblem(await api('PATCH', `/orgs/${w.orgId}`, w.owner.accessToken, { slug: taken }), 409, 'ORG.SLUG_TAKEN');
    expectProblem(await api('PATCH', `/orgs/${w.orgId}`, w.owner.accessToken, { timezone: 'Nowhere/Land' }), 400, 'VALIDATION_FAILED');
  });
});

describe('hierarchy', () => {
  it('creating a child needs admin+ in the parent', async () => {
    const w = await orgWithRoles(t);
    expect((await api('POST', '/orgs', w.admin.accessToken, { name: 'Sub', slug: uniqueSlug(), parentId: w.orgId })).statusCode).toBe(201);
    expectProblem(await api('POST', '/orgs', w.member.accessToken, { name: 'Sub', slug: uniqueSlug(), parentId: w.orgId }), 403, 'FORBIDDEN');
    expectProblem(await api('POST', '/orgs', w.outsider.accessToken, { name: 'Sub', slug: uniqueSlug(), parentId: w.orgId }), 404, 'ORG.NOT_FOUND');
  });

  it('enforces ORG_MAX_DEPTH (3 here) on create and on move', async () => {
    const u = await newUser(t);
    const l1 = await createOrg(t, u.accessToken);
    const l2 = await createOrg(t, u.accessToken, { parentId: l1.id });
    const l3 = await createOrg(t, u.accessToken, { parentId: l2.id });
    const tooDeep = expectProblem(await api('POST', '/orgs', u.accessToken, { name: 'L4', slug: uniqueSlug(), parentId: l3.id }), 409, 'ORG.MAX_DEPTH_EXCEEDED');
    expect(tooDeep).toMatchObject({ maxDepth: 3, depth: 4 });
    // A two-level tree cannot go under l2 (its child would be on level 4), but fits under l1.
    const top = await createOrg(t, u.accessToken);
    await createOrg(t, u.accessToken, { parentId: top.id });
    expectProblem(await api('PATCH', `/orgs/${top.id}`, u.accessToken, { parentId: l2.id }), 409, 'ORG.MAX_DEPTH_EXCEEDED');
    const moved = await api('PATCH', `/orgs/${top.id}`, u.accessToken, { parentId: l1.id });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().parentId).toBe(l1.id);
  });

  it('refuses cycles: under itself or under a descendant', async () => {
    const u = await newUser(t);
    const a = await createOrg(t, u.accessToken);
    const b = await createOrg(t, u.accessToken, { parentId: a.id });
    expectProblem(await api('PATCH', `/orgs/${a.id}`, u.accessToken, { parentId: a.id }), 409, 'ORG.HIERARCHY_CYCLE');
    expectProblem(await api('PATCH', `/orgs/${a.id}`, u.accessToken, { parentId: b.id }), 409, 'ORG.HIERARCHY_CYCLE');
  });

  it('a move needs admin+ in the old and the new parent, and detaching keeps an owner', async () => {
    const w = await orgWithRoles(t);
    const child = await createOrg(t, w.admin.accessToken, { parentId: w.orgId });
    // The outsider's org: the admin of w is not in it.
    expectProblem(await api('PATCH', `/orgs/${child.id}`, w.admin.accessToken, { parentId: w.outsiderOrgId }), 404, 'ORG.NOT_FOUND');
    const own = await createOrg(t, w.member.accessToken);
    // The member owns `own` but is only a member of the current parent.
    await t.request({ method: 'PATCH', url: `/api/v1/orgs/${child.id}/members/${w.member.userId}`, headers: bearer(w.admin.accessToken), payload: { role: 'admin' } });
    expectProblem(await api('PATCH', `/orgs/${child.id}`, w.member.accessToken, { parentId: own.id }), 403, 'FORBIDDEN');
    // Detach: the creator is a direct owner of the child, so it keeps an owner.
    const detached = await api('PATCH', `/orgs/${child.id}`, w.owner.accessToken, { parentId: null });
    expect(detached.statusCode, detached.body).toBe(200);
    expect(detached.json()).toMatchObject({ parentId: null });
    // The company owner's inherited role is gone with the move.
    expectProblem(await api('GET', `/orgs/${child.id}`, w.owner.accessToken), 404, 'ORG.NOT_FOUND');
  });
});

describe('DELETE and restore', () => {
  it('only an owner deletes; not while live children exist; then it is 404 everywhere', async () => {
    const w = await orgWithRoles(t);
    expectProblem(await api('DELETE', `/orgs/${w.orgId}`, w.admin.accessToken), 403, 'FORBIDDEN');
    expectProblem(await api('DELETE', `/orgs/${w.orgId}`, w.outsider.accessToken), 404, 'ORG.NOT_FOUND');
    const child = await createOrg(t, w.owner.accessToken, { parentId: w.orgId });
    expectProblem(await api('DELETE', `/orgs/${w.orgId}`, w.owner.accessToken), 409, 'ORG.HAS_CHILDREN');
    expect((await api('DELETE', `/orgs/${child.id}`, w.owner.accessToken)).statusCode).toBe(204);
    expect((await api('DELETE', `/orgs/${w.orgId}`, w.owner.accessToken)).statusCode).toBe(204);
    for (const u of [w.owner, w.admin, w.viewer]) {
      expectProblem(await api('GET', `/orgs/${w.orgId}`, u.accessToken), 404, 'ORG.NOT_FOUND');
      expectProblem(await api('GET', `/orgs/${w.orgId}/members`, u.accessToken), 404, 'ORG.NOT_FOUND');
    }
    expect((await api('GET', '/orgs', w.owner.accessToken)).json().data.map((o: { id: string }) => o.id)).not.toContain(w.orgId);
    expect(await orgsApi(t).getOrganization(w.orgId)).toBeNull();
    await expect(orgsApi(t).assertRole({ ...principal(w.owner) }, w.orgId, 'viewer')).rejects.toMatchObject({ code: 'ORG.NOT_FOUND' });
  });

  it('an owner restores within ORG_RESTORE_DAYS; to others, and after the window, it is 404', async () => {
    const w = await orgWithRoles(t);
    const slug = (await api('GET', `/orgs/${w.orgId}`, w.owner.accessToken)).json().slug;
    expectProblem(await api('POST', `/orgs/${w.orgId}/restore`, w.owner.accessToken), 409, 'ORG.NOT_DELETED');
    expect((await api('DELETE', `/orgs/${w.orgId}`, w.owner.accessToken)).statusCode).toBe(204);
    // The slug is free while the org is deleted; restoring then needs it back.
    const squatter = await createOrg(t, w.outsider.accessToken, { slug });
    expectProblem(await api('POST', `/orgs/${w.orgId}/restore`, w.owner.accessToken), 409, 'ORG.SLUG_TAKEN');
    expect((await api('DELETE', `/orgs/${squatter.id}`, w.outsider.accessToken)).statusCode).toBe(204);

    expectProblem(await api('POST', `/orgs/${w.orgId}/restore`, w.admin.accessToken), 404, 'ORG.NOT_FOUND');
    expectProblem(await api('POST', `/orgs/${w.orgId}/restore`, w.outsider.accessToken), 404, 'ORG.NOT_FOUND');
    offsetMs = 47 * 3_600_000; // within the two days
    try {
      const res = await api('POST', `/orgs/${w.orgId}/restore`, w.owner.accessToken);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: w.orgId, slug, role: 'owner' });
      expect((await api('GET', `/orgs/${w.orgId}`, w.member.accessToken)).json().role).toBe('member');

      expect((await api('DELETE', `/orgs/${w.orgId}`, w.owner.accessToken)).statusCode).toBe(204);
      offsetMs += 49 * 3_600_000; // past the window
      expectProblem(await api('POST', `/orgs/${w.orgId}/restore`, w.owner.accessToken), 404, 'ORG.NOT_FOUND');
    } finally {
      offsetMs = 0;
    }
    const types = await t.database.db.selectFrom('core.outbox').select('type').where('org_id', '=', w.orgId).where('type', 'like', 'organizations.%ed').orderBy('id').execute();
    expect(types.map((e) => e.type).filter((x) => x === 'organizations.deleted' || x === 'organizations.restored')).toEqual([
      'organizations.deleted',
      'organizations.restored',
      'organizations.deleted',
    ]);
  });

  it('a child cannot be restored while its parent is deleted', async () => {
    const u = await newUser(t);
    const parent = await createOrg(t, u.accessToken);
    const child = await createOrg(t, u.accessToken, { parentId: parent.id });
    expect((await api('DELETE', `/orgs/${child.id}`, u.accessToken)).statusCode).toBe(204);
    expect((await api('DELETE', `/orgs/${parent.id}`, u.accessToken)).statusCode).toBe(204);
    expectProblem(await api('POST', `/orgs/${child.id}/restore`, u.accessToken), 409, 'ORG.PARENT_DELETED');
    expect((await api('POST', `/orgs/${parent.id}/restore`, u.accessToken)).statusCode).toBe(200);
    expect((await api('POST', `/orgs/${child.id}/restore`, u.accessToken)).statusCode).toBe(200);
  });
});

function principal(u: { userId: string; email: string }) {
  return { userId: u.userId, email: u.email, role: 'user' as const, emailVerified: false, sessionId: null, apiKeyId: null, scopes: null };
}
