// The shared fixture (test/workspace.ts) does what other suites rely on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import { createOrg, orgsApi, orgWithRoles } from './workspace.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('test/workspace.ts', () => {
  it('orgWithRoles gives one user per role and an outsider with an org of their own', async () => {
    const w = await orgWithRoles(t);
    for (const [name, role] of [
      ['owner', 'owner'],
      ['admin', 'admin'],
      ['member', 'member'],
      ['viewer', 'viewer'],
    ] as const) {
      expect(await orgsApi(t).roleOf(w[name].userId, w.orgId), name).toBe(role);
      const res = await t.request({ method: 'GET', url: `/api/v1/orgs/${w.orgId}`, headers: bearer(w[name].accessToken) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: w.orgId, role, inherited: false });
    }
    expect(await orgsApi(t).roleOf(w.outsider.userId, w.orgId)).toBeNull();
    expect(await orgsApi(t).roleOf(w.outsider.userId, w.outsiderOrgId)).toBe('owner');
    const members = await orgsApi(t).listMembers(w.orgId);
    expect(members.map((m) => m.userId).sort()).toEqual([w.owner, w.admin, w.member, w.viewer].map((u) => u.userId).sort());
  });

  it('createOrg makes unique slugs by default and accepts a parent', async () => {
    const w = await orgWithRoles(t);
    const a = await createOrg(t, w.owner.accessToken, { parentId: w.orgId, name: 'Dept' });
    const b = await createOrg(t, w.owner.accessToken, { parentId: w.orgId });
    expect(a.slug).not.toBe(b.slug);
    expect(a).toMatchObject({ parentId: w.orgId, name: 'Dept', role: 'owner' });
  });
});
