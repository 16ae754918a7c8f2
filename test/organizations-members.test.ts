// Members over HTTP: listing (direct and inherited), role changes, removal, the last-owner
// rule, inheritance with override, the isolation matrix and users.deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { addMember, createOrg, newUser, orgsApi, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token?: string, payload?: unknown) =>
  t.request({ method, url: `/api/v1${url}`, headers: token ? bearer(token) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
const setRole = (orgId: string, actor: U, target: U, role: string) => api('PATCH', `/orgs/${orgId}/members/${target.userId}`, actor.accessToken, { role });

describe('GET /orgs/{orgId}/members', () => {
  it('lists direct and inherited members with the org the role comes from, in cursor pages', async () => {
    const w = await orgWithRoles(t);
    const child = await createOrg(t, w.admin.accessToken, { parentId: w.orgId });
    const local = await addMember(t, w.admin.accessToken, child.id, 'member');
    const all = [];
    let cursor: string | null = null;
    do {
      const res = await api('GET', `/orgs/${child.id}/members?limit=2${cursor ? `&cursor=${cursor}` : ''}`, local.accessToken);
      expect(res.statusCode, res.body).toBe(200);
      all.push(...res.json().data);
      cursor = res.json().page.nextCursor;
    } while (cursor);
    const byUser = Object.fromEntries(all.map((m) => [m.userId, m]));
    expect(all).toHaveLength(5);
    expect(byUser[w.owner.userId]).toEqual({ userId: w.owner.userId, email: w.owner.email, role: 'owner', inherited: true, inheritedFrom: w.orgId, joinedAt: expect.any(String) });
    // The admin created the child, so is its direct owner: that overrides the inherited admin role.
    expect(byUser[w.admin.userId]).toMatchObject({ role: 'owner', inherited: false, inheritedFrom: null });
    expect(byUser[w.viewer.userId]).toMatchObject({ role: 'viewer', inherited: true });
    expect(byUser[local.userId]).toMatchObject({ email: local.email, role: 'member', inherited: false });
    expect(all.map((m) => m.userId)).not.toContain(w.outsider.userId);
    expect((await orgsApi(t).listMembers(child.id)).find((m) => m.userId === w.member.userId)).toEqual({ userId: w.member.userId, email: w.member.email, role: 'member' });
  });
});

describe('inheritance', () => {
  it('a role in a parent applies to its children; a direct membership in the child overrides it', async () => {
    const w = await orgWithRoles(t);
    const dept = await createOrg(t, w.owner.accessToken, { parentId: w.orgId });
    const team = await createOrg(t, w.owner.accessToken, { parentId: dept.id });
    // The company member reaches the team two levels down.
    expect((await api('GET', `/orgs/${team.id}`, w.member.accessToken)).json()).toMatchObject({ role: 'member', inherited: true });
    expect(await orgsApi(t).roleOf(w.member.userId, team.id)).toBe('member');
    // An override in the department narrows the role there and below it, not above.
    const res = await setRole(dept.id, w.owner, w.member, 'viewer');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ userId: w.member.userId, role: 'viewer', inherited: false });
    expect((await api('GET', `/orgs/${dept.id}`, w.member.accessToken)).json()).toMatchObject({ role: 'viewer', inherited: false });
    expect((await api('GET', `/orgs/${team.id}`, w.member.accessToken)).json()).toMatchObject({ role: 'viewer', inherited: true });
    expect((await api('GET', `/orgs/${w.orgId}`, w.member.accessToken)).json()).toMatchObject({ role: 'member', inherited: false });
    expectProblem(await api('PATCH', `/orgs/${team.id}`, w.member.accessToken, { name: 'No' }), 403, 'FORBIDDEN');
    // It can widen too: admin of the team only.
    expect((await setRole(team.id, w.owner, w.member, 'admin')).statusCode).toBe(200);
    expect((await api('PATCH', `/orgs/${team.id}`, w.member.accessToken, { name: 'Team A' })).statusCode).toBe(200);
    expectProblem(await api('PATCH', `/orgs/${dept.id}`, w.member.accessToken, { name: 'No' }), 403, 'FORBIDDEN');
    const mine = await orgsApi(t).listMemberships(w.member.userId);
    expect(mine.filter((m) => [w.orgId, dept.id, team.id].includes(m.orgId)).sort((a, b) => a.orgId.localeCompare(b.orgId))).toEqual(
      [
        { orgId: w.orgId, role: 'member', inherited: false },
        { orgId: dept.id, role: 'viewer', inherited: false },
        { orgId: team.id, role: 'admin', inherited: false },
      ].sort((a, b) => a.orgId.localeCompare(b.orgId)),
    );
    // An inherited role cannot be removed in the child, only overridden.
    expectProblem(await api('DELETE', `/orgs/${dept.id}/members/${w.viewer.userId}`, w.owner.accessToken), 409, 'ORG.MEMBER_INHERITED');
  });
});

describe('PATCH /orgs/{orgId}/members/{userId}', () => {
  it('admin+ changes roles; only an owner grants or changes owner', async () => {
    const w = await orgWithRoles(t);
    const res = await setRole(w.orgId, w.admin, w.viewer, 'member');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ role: 'member', inherited: false });
    const event = await t.database.db.selectFrom('core.outbox').select(['payload', 'org_id']).where('type', '=', 'organizations.member_role_changed').where('org_id', '=', w.orgId).executeTakeFirstOrThrow();
    expect(event.payload).toEqual({ orgId: w.orgId, userId: w.viewer.userId, role: 'member', previousRole: 'viewer' });
    expectProblem(await setRole(w.orgId, w.admin, w.member, 'owner'), 403, 'FORBIDDEN');
    expectProblem(await setRole(w.orgId, w.admin, w.owner, 'member'), 403, 'FORBIDDEN');
    expectProblem(await setRole(w.orgId, w.member, w.viewer, 'viewer'), 403, 'FORBIDDEN');
    expectProblem(await setRole(w.orgId, w.viewer, w.viewer, 'admin'), 403, 'FORBIDDEN');
    expectProblem(await setRole(w.orgId, w.outsider, w.member, 'viewer'), 404, 'ORG.NOT_FOUND');
    expectProblem(await setRole(w.orgId, w.owner, w.outsider, 'viewer'), 404, 'ORG.MEMBER_NOT_FOUND');
    expectProblem(await setRole(w.orgId, w.owner, w.member, 'boss'), 400, 'VALIDATION_FAILED');
    expect((await setRole(w.orgId, w.owner, w.admin, 'owner')).json().role).toBe('owner');
  });

  it('a role change takes effect on the very next request', async () => {
    const w = await orgWithRoles(t);
    const rename = (name: string) => api('PATCH', `/orgs/${w.orgId}`, w.viewer.accessToken, { name });
    // Warm the cache with the viewer role, twice to be sure it is served from memory.
    expectProblem(await rename('A'), 403, 'FORBIDDEN');
    expectProblem(await rename('A'), 403, 'FORBIDDEN');
    expect((await setRole(w.orgId, w.owner, w.viewer, 'admin')).statusCode).toBe(200);
    expect((await rename('B')).statusCode).toBe(200);
    expect((await setRole(w.orgId, w.owner, w.viewer, 'viewer')).statusCode).toBe(200);
    expectProblem(await rename('C'), 403, 'FORBIDDEN');
    expect(await orgsApi(t).roleOf(w.viewer.userId, w.orgId)).toBe('viewer');
    // Removal too: the next request is a 404.
    expect((await api('GET', `/orgs/${w.orgId}`, w.member.accessToken)).statusCode).toBe(200);
    expect((await api('DELETE', `/orgs/${w.orgId}/members/${w.member.userId}`, w.admin.accessToken)).statusCode).toBe(204);
    expectProblem(await api('GET', `/orgs/${w.orgId}`, w.member.accessToken), 404, 'ORG.NOT_FOUND');
  });
});

describe('the last owner', () => {
  it('cannot be demoted or leave, until another owner exists', async () => {
    const w = await orgWithRoles(t);
    expectProblem(await setRole(w.orgId, w.owner, w.owner, 'admin'), 409, 'ORG.LAST_OWNER');
    expectProblem(await api('DELETE', `/orgs/${w.orgId}/members/${w.owner.userId}`, w.owner.accessToken), 409, 'ORG.LAST_OWNER');
    expect(await orgsApi(t).roleOf(w.owner.userId, w.orgId)).toBe('owner');
    expect((await setRole(w.orgId, w.owner, w.admin, 'owner')).statusCode).toBe(200);
    expect((await api('DELETE', `/orgs/${w.orgId}/members/${w.owner.userId}`, w.owner.accessToken)).statusCode).toBe(204);
    expectProblem(await api('DELETE', `/orgs/${w.orgId}/members/${w.admin.userId}`, w.admin.accessToken), 409, 'ORG.LAST_OWNER');
  });

  it('counts the orgs below that inherit their owner', async () => {
    const a = await newUser(t);
    const company = await createOrg(t, a.accessToken);
    const b = await addMember(t, a.accessToken, company.id, 'owner');
    const c = await addMember(t, a.accessToken, company.id, 'admin');
    const dept = await createOrg(t, c.accessToken, { parentId: company.id });
    // In the dept: b narrowed to viewer, and its creator c leaves (back to inherited admin):
    // a's inherited role is the dept's only owner.
    expect((await setRole(dept.id, c, b, 'viewer')).statusCode).toBe(200);
    expect((await api('DELETE', `/orgs/${dept.id}/members/${c.userId}`, c.accessToken)).statusCode).toBe(204);
    expect((await api('GET', `/orgs/${dept.id}`, a.accessToken)).json()).toMatchObject({ role: 'owner', inherited: true });
    // The company would keep b as owner, but the dept would have none.
    const res = expectProblem(await setRole(company.id, b, a, 'admin'), 409, 'ORG.LAST_OWNER');
    expect(res.orgIds).toEqual([dept.id]);
    expect(await orgsApi(t).roleOf(a.userId, company.id)).toBe('owner');
  });
});

describe('DELETE /orgs/{orgId}/members/{userId}', () => {
  it('admin+ removes, anyone leaves, an admin cannot remove an owner', async () => {
    const w = await orgWithRoles(t);
    expectProblem(await api('DELETE', `/orgs/${w.orgId}/members/${w.owner.userId}`, w.admin.accessToken), 403, 'FORBIDDEN');
    expectProblem(await api('DELETE', `/orgs/${w.orgId}/members/${w.viewer.userId}`, w.member.accessToken), 403, 'FORBIDDEN');
    expect((await api('DELETE', `/orgs/${w.orgId}/members/${w.viewer.userId}`, w.viewer.accessToken)).statusCode).toBe(204);
    expect((await api('DELETE', `/orgs/${w.orgId}/members/${w.member.userId}`, w.admin.accessToken)).statusCode).toBe(204);
    expectProblem(await api('DELETE', `/orgs/${w.orgId}/members/${w.member.userId}`, w.admin.accessToken), 404, 'ORG.MEMBER_NOT_FOUND');
    const events = await t.database.db.selectFrom('core.outbox').select('payload').where('type', '=', 'organizations.member_removed').where('org_id', '=', w.orgId).orderBy('id').execute();
    expect(events.map((e) => e.payload)).toEqual([
      { orgId: w.orgId, userId: w.viewer.userId, role: 'viewer', reason: 'left' },
      { orgId: w.orgId, userId: w.member.userId, role: 'member', reason: 'removed' },
    ]);
  });
});

describe('isolation matrix', () => {
  it('{owner, admin, member, viewer, other org, no token} x {read, write}', async () => {
    const w = await orgWithRoles(t);
    const cells: [string, string | undefined, number, number][] = [
      ['owner', w.owner.accessToken, 200, 200],
      ['admin', w.admin.accessToken, 200, 200],
      ['member', w.member.accessToken, 200, 403],
      ['viewer', w.viewer.accessToken, 200, 403],
      ['other org', w.outsider.accessToken, 404, 404],
      ['no token', undefined, 401, 401],
    ];
    const seen = [];
    for (const [who, token] of cells) {
      const read = await api('GET', `/orgs/${w.orgId}/members`, token);
      const write = await api('PATCH', `/orgs/${w.orgId}`, token, { name: `By ${who}` });
      seen.push([who, token, read.statusCode, write.statusCode]);
      if (read.statusCode === 404) expect(read.json().code).toBe('ORG.NOT_FOUND');
    }
    expect(seen).toEqual(cells);
    // And the outsider's own org is out of reach for the insiders.
    expectProblem(await api('GET', `/orgs/${w.outsiderOrgId}/members`, w.owner.accessToken), 404, 'ORG.NOT_FOUND');
  });
});

describe('users.deleted', () => {
  it("removes the user's memberships, but keeps (anonymized) the one where they are the last owner", async () => {
    const w = await orgWithRoles(t);
    const password = 'Tr3llis-vine-climbs-high';
    // The member also owns an org of their own, alone.
    const solo = await createOrg(t, w.member.accessToken);
    const del = await t.request({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(w.member.accessToken), payload: { password } });
    expect(del.statusCode, del.body).toBe(204);
    await t.drain(); // users.deleted is published by the users module's subscriber
    await t.drain();
    expect(await orgsApi(t).roleOf(w.member.userId, w.orgId)).toBeNull();
    const kept = await t.database.db.selectFrom('organizations.memberships').selectAll().where('user_id', '=', w.member.userId).execute();
    expect(kept).toEqual([expect.objectContaining({ org_id: solo.id, role: 'owner', email: `deleted+${w.member.userId}@invalid` })]);
    const removed = await t.database.db.selectFrom('core.outbox').select('payload').where('type', '=', 'organizations.member_removed').where('org_id', '=', w.orgId).execute();
    expect(removed.map((e) => e.payload)).toEqual([{ orgId: w.orgId, userId: w.member.userId, role: 'member', reason: 'user_deleted' }]);
  });
});
