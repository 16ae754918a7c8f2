// Two app instances on one database: a role change made on one evicts the cached role on
// the other through NOTIFY (well before the 30 s TTL), and concurrent demotions of the two
// last owners cannot both succeed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { addMember, createOrg, newUser, orgsApi, orgWithRoles } from './workspace.ts';

let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  a = await createTestApp();
  b = await createTestApp({ database: a.database });
});
afterAll(async () => {
  await b?.app.close();
  await a?.close();
});

async function eventually(check: () => Promise<boolean>, timeoutMs = 3000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('role cache across instances', () => {
  it('a role change on instance A reaches instance B at once, not after the TTL', async () => {
    const w = await orgWithRoles(a);
    const rename = (t: TestApp, name: string) => t.request({ method: 'PATCH', url: `/api/v1/orgs/${w.orgId}`, headers: bearer(w.viewer.accessToken), payload: { name } });
    // B caches "viewer".
    expectProblem(await rename(b, 'x'), 403, 'FORBIDDEN');
    expect(await orgsApi(b).roleOf(w.viewer.userId, w.orgId)).toBe('viewer');
    const res = await a.request({
      method: 'PATCH',
      url: `/api/v1/orgs/${w.orgId}/members/${w.viewer.userId}`,
      headers: bearer(w.owner.accessToken),
      payload: { role: 'admin' },
    });
    expect(res.statusCode).toBe(200);
    expect(await eventually(async () => (await orgsApi(b).roleOf(w.viewer.userId, w.orgId)) === 'admin')).toBe(true);
    expect((await rename(b, 'y')).statusCode).toBe(200);

    // Deleting the org on A: B answers 404 from then on.
    expect((await a.request({ method: 'DELETE', url: `/api/v1/orgs/${w.orgId}`, headers: bearer(w.owner.accessToken) })).statusCode).toBe(204);
    expect(await eventually(async () => (await orgsApi(b).roleOf(w.viewer.userId, w.orgId)) === null)).toBe(true);
  });

  it('a move on instance A changes inherited roles on instance B', async () => {
    const u = await newUser(a);
    const company = await createOrg(a, u.accessToken);
    const admin = await addMember(a, u.accessToken, company.id, 'admin');
    const dept = await createOrg(a, admin.accessToken, { parentId: company.id });
    expect(await orgsApi(b).roleOf(u.userId, dept.id)).toBe('owner');
    const res = await a.request({ method: 'PATCH', url: `/api/v1/orgs/${dept.id}`, headers: bearer(admin.accessToken), payload: { parentId: null } });
    expect(res.statusCode, res.body).toBe(200);
    expect(await eventually(async () => (await orgsApi(b).roleOf(u.userId, dept.id)) === null)).toBe(true);
  });
});

describe('concurrent demotions', () => {
  it('of the two owners: exactly one succeeds, the other gets ORG.LAST_OWNER', async () => {
    const w = await orgWithRoles(a);
    const second = await addMember(a, w.owner.accessToken, w.orgId, 'owner');
    const demoteSelf = (t: TestApp, u: { userId: string; accessToken: string }) =>
      t.request({ method: 'PATCH', url: `/api/v1/orgs/${w.orgId}/members/${u.userId}`, headers: bearer(u.accessToken), payload: { role: 'admin' } });
    const results = await Promise.all([demoteSelf(a, w.owner), demoteSelf(b, second)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('ORG.LAST_OWNER');
    const owners = (await orgsApi(a).listMembers(w.orgId)).filter((m) => m.role === 'owner');
    expect(owners).toHaveLength(1);
  });
});
