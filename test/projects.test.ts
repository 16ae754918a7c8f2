// Projects over HTTP: create, read, update, archive, delete and restore, members; every
// error case answers problem+json with its stable code.
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, createProject, outbox, projectsUrl, putMember, uniqueKey } from './projects-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let orgId: string;
let owner: U, admin: U, member: U, viewer: U, outsider: U;

beforeAll(async () => {
  t = await createTestApp();
  ({ orgId, owner, admin, member, viewer, outsider } = await orgWithRoles(t));
});
afterAll(() => t?.close());

describe('projects: create and read', () => {
  it('an org member creates a project, becomes its manager, and events are published', async () => {
    const key = uniqueKey('WEB');
    const res = await call(t, member.accessToken, 'POST', projectsUrl(orgId), {
      name: '  Website ',
      key,
      description: 'The new site',
      client: 'ACME',
      tags: ['web', ' design ', 'web'],
      color: '#AABBCC',
      budgetHours: 120.5,
      budgetMinor: 1_250_000,
      currency: 'EUR',
      billableDefault: false,
      hourlyRateMinor: 9500,
      secret: 'dropped',
    });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json();
    expect(p).toEqual({
      id: expect.any(String),
      orgId,
      name: 'Website',
      key,
      description: 'The new site',
      status: 'active',
      client: 'ACME',
      tags: ['web', 'design'],
      color: '#aabbcc',
      budgetHours: 120.5,
      budgetMinor: 1_250_000,
      currency: 'EUR',
      billableDefault: false,
      hourlyRateMinor: 9500,
      templateId: null,
      createdBy: member.userId,
      createdAt: expect.any(String),
      updatedAt: p.createdAt,
      lastActivityAt: p.createdAt,
      archivedAt: null,
      deletedAt: null,
    });
    const got = await call(t, member.accessToken, 'GET', projectsUrl(orgId, `/${p.id}`));
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(p);

    const members = await call(t, member.accessToken, 'GET', projectsUrl(orgId, `/${p.id}/members`));
    expect(members.json().data).toEqual([
      { userId: member.userId, email: member.email, role: 'manager', hourlyRateMinor: null, addedAt: expect.any(String), updatedAt: expect.any(String) },
    ]);
    const created = (await outbox(t, 'projects.project_created', orgId)).filter((e) => e.payload.projectId === p.id);
    expect(created).toEqual([
      expect.objectContaining({ actor_id: member.userId, org_id: orgId, payload: { orgId, projectId: p.id, key, name: 'Website', templateId: null }, request_id: expect.any(String) }),
    ]);
    const added = (await outbox(t, 'projects.member_added', orgId)).filter((e) => e.payload.projectId === p.id);
    expect(added.map((e) => e.payload)).toEqual([{ orgId, projectId: p.id, userId: member.userId, role: 'manager' }]);
  });

  it('defaults: no client, tags, colour, budget or rate; billable by default', async () => {
    const p = await createProject(t, admin.accessToken, orgId, { name: 'Bare' });
    expect(p).toMatchObject({ client: null, tags: [], color: null, budgetHours: null, budgetMinor: null, currency: null, billableDefault: true, hourlyRateMinor: null, description: null });
  });

  it('refuses bad input field by field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ key: 'web' }, 'body.key'],
      [{ key: 'A' }, 'body.key'],
      [{ key: 'ABCDEFGHIJK' }, 'body.key'],
      [{ key: '1AB' }, 'body.key'],
      [{ name: '' }, 'body.name'],
      [{ name: '   ' }, 'body.name'],
      [{ color: 'red' }, 'body.color'],
      [{ color: '#abc' }, 'body.color'],
      [{ budgetMinor: -1 }, 'body.budgetMinor'],
      [{ budgetMinor: 1.5 }, 'body.budgetMinor'],
      [{ budgetHours: -2 }, 'body.budgetHours'],
      [{ hourlyRateMinor: '100' }, 'body.hourlyRateMinor'],
      [{ tags: 'web' }, 'body.tags'],
      [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'body.tags'],
      [{ tags: [''] }, 'body.tags.0'],
      [{ currency: 'eur' }, 'body.currency'],
      [{ currency: 'XYZ' }, 'body.currency'],
      [{ billableDefault: 'yes' }, 'body.billableDefault'],
      [{ templateId: 'nope' }, 'body.templateId'],
    ];
    for (const [patch, field] of cases) {
      const res = await call(t, member.accessToken, 'POST', projectsUrl(orgId), { name: 'X', key: uniqueKey('BAD'), ...patch });
      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors.map((e: { field: string }) => e.field), JSON.stringify(patch)).toContain(field);
    }
    const missing = await call(t, member.accessToken, 'POST', projectsUrl(orgId), { name: 'No key' });
    expectProblem(missing, 400, 'VALIDATION_FAILED');
  });

  it('a key is unique per org among live projects: 409 PROJECTS.KEY_TAKEN', async () => {
    const key = uniqueKey('DUP');
    await createProject(t, member.accessToken, orgId, { key });
    const res = await call(t, admin.accessToken, 'POST', projectsUrl(orgId), { name: 'Again', key });
    expect(expectProblem(res, 409, 'PROJECTS.KEY_TAKEN').key).toBe(key);
  });

  it('concurrent creates with one key: one wins, the others get 409, never a 500', async () => {
    const key = uniqueKey('RACE');
    const results = await Promise.all(
      [member, admin, owner, member, admin].map((u) => call(t, u.accessToken, 'POST', projectsUrl(orgId), { name: 'Race', key })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json().code).toBe('PROJECTS.KEY_TAKEN');
  });

  it('who may create: viewer 403, outsider 404 ORG.NOT_FOUND, no token 401', async () => {
    const body = { name: 'X', key: uniqueKey('WHO') };
    expectProblem(await call(t, viewer.accessToken, 'POST', projectsUrl(orgId), body), 403, 'FORBIDDEN');
    expectProblem(await call(t, outsider.accessToken, 'POST', projectsUrl(orgId), body), 404, 'ORG.NOT_FOUND');
    expectProblem(await call(t, null, 'POST', projectsUrl(orgId), body), 401, 'UNAUTHENTICATED');
  });

  it('unknown, malformed and hidden project ids', async () => {
    expectProblem(await call(t, admin.accessToken, 'GET', projectsUrl(orgId, `/${uuidv7()}`)), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await call(t, admin.accessToken, 'GET', projectsUrl(orgId, '/not-a-uuid')), 400, 'VALIDATION_FAILED');
    const p = await createProject(t, admin.accessToken, orgId);
    // Not a project member: the project does not exist for this caller.
    expectProblem(await call(t, member.accessToken, 'GET', projectsUrl(orgId, `/${p.id}`)), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await call(t, viewer.accessToken, 'GET', projectsUrl(orgId, `/${p.id}`)), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await call(t, owner.accessToken, 'GET', projectsUrl(uuidv7(), `/${p.id}`)), 404, 'ORG.NOT_FOUND');
  });
});

describe('projects: update, archive, delete, restore', () => {
  it('PATCH changes the given fields, publishes the changed ones, and a no-op publishes nothing', async () => {
    const p = await createProject(t, member.accessToken, orgId, { client: 'Old', tags: ['a'] });
    const res = await call(t, member.accessToken, 'PATCH', projectsUrl(orgId, `/${p.id}`), { name: 'Renamed', client: null, tags: ['b', 'c'], budgetMinor: 500, client2: 'dropped' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Renamed', client: null, tags: ['b', 'c'], budgetMinor: 500, key: p.key });
    expect(res.json().updatedAt >= p.updatedAt).toBe(true);
    const again = await call(t, member.accessToken, 'PATCH', projectsUrl(orgId, `/${p.id}`), { name: 'Renamed', tags: ['b', 'c'] });
    expect(again.statusCode).toBe(200);
    const events = (await outbox(t, 'projects.project_updated', orgId)).filter((e) => e.payload.projectId === p.id);
    expect(events.map((e) => e.payload.fields)).toEqual([['name', 'client', 'tags', 'budgetMinor']]);
  });

  it('PATCH: bad values 400, a taken key 409, non-managers 403 or 404', async () => {
    const p = await createProject(t, member.accessToken, orgId);
    const other = await createProject(t, member.accessToken, orgId);
    expectProblem(await call(t, member.accessToken, 'PATCH', projectsUrl(orgId, `/${p.id}`), { key: 'lower' }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, member.accessToken, 'PATCH', projectsUrl(orgId, `/${p.id}`), { currency: 'ABC' }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, member.accessToken, 'PATCH', projectsUrl(orgId, `/${p.id}`), { key: other.key }), 409, 'PROJECTS.KEY_TAKEN');
    await putMember(t, member.accessToken, orgId, p.id, viewer.userId, 'manager');
    expectProblem(await call(t, viewer.accessToken, 'PATCH', projectsUrl(orgId, `/${p.id}`), { name: 'V' }), 403, 'FORBIDDEN');
    await putMember(t, member.accessToken, orgId, p.id, admin.userId, 'viewer');
    // An org admin manages whatever their project role says.
    expect((await call(t, admin.accessToken, 'PATCH', projectsUrl(orgId, `/${p.id}`), { name: 'A' })).statusCode).toBe(200);
    const hidden = await createProject(t, owner.accessToken, orgId);
    expectProblem(await call(t, member.accessToken, 'PATCH', projectsUrl(orgId, `/${hidden.id}`), { name: 'M' }), 404, 'PROJECTS.NOT_FOUND');
  });

  it('archive and unarchive are idempotent, evented, and an archived project refuses PATCH', async () => {
    const p = await createProject(t, member.accessToken, orgId);
    const a = await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${p.id}/archive`));
    expect(a.statusCode, a.body).toBe(200);
    expect(a.json()).toMatchObject({ status: 'archived', archivedAt: expect.any(String) });
    expect((await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${p.id}/archive`))).json().archivedAt).toBe(a.json().archivedAt);
    expectProblem(await call(t, member.accessToken, 'PATCH', projectsUrl(orgId, `/${p.id}`), { name: 'X' }), 409, 'PROJECTS.ARCHIVED');
    const u = await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${p.id}/unarchive`));
    expect(u.json()).toMatchObject({ status: 'active', archivedAt: null });
    await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${p.id}/unarchive`));
    expect((await outbox(t, 'projects.project_archived', orgId)).filter((e) => e.payload.projectId === p.id)).toHaveLength(1);
    expect((await outbox(t, 'projects.project_unarchived', orgId)).filter((e) => e.payload.projectId === p.id)).toHaveLength(1);
    expectProblem(await call(t, viewer.accessToken, 'POST', projectsUrl(orgId, `/${p.id}/archive`)), 404, 'PROJECTS.NOT_FOUND');
  });

  it('DELETE is soft: the project disappears, admins list it with includeDeleted, restore brings it back', async () => {
    const p = await createProject(t, member.accessToken, orgId);
    const del = await call(t, member.accessToken, 'DELETE', projectsUrl(orgId, `/${p.id}`));
    expect(del.statusCode).toBe(204);
    expectProblem(await call(t, member.accessToken, 'GET', projectsUrl(orgId, `/${p.id}`)), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await call(t, member.accessToken, 'DELETE', projectsUrl(orgId, `/${p.id}`)), 404, 'PROJECTS.NOT_FOUND');
    const listed = await call(t, admin.accessToken, 'GET', projectsUrl(orgId, '?limit=100'));
    expect(listed.json().data.map((x: { id: string }) => x.id)).not.toContain(p.id);
    const withDeleted = await call(t, admin.accessToken, 'GET', projectsUrl(orgId, '?limit=100&includeDeleted=true'));
    expect(withDeleted.json().data.find((x: { id: string }) => x.id === p.id)).toMatchObject({ deletedAt: expect.any(String) });
    expectProblem(await call(t, member.accessToken, 'GET', projectsUrl(orgId, '?includeDeleted=true')), 403, 'FORBIDDEN');

    // The façade forgets it too.
    expect(await t.app.apis.projects.getProject(orgId, p.id)).toBeNull();
    const restored = await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${p.id}/restore`));
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json()).toMatchObject({ id: p.id, deletedAt: null });
    expect(await t.app.apis.projects.getProject(orgId, p.id)).toMatchObject({ id: p.id });
    expect((await outbox(t, 'projects.project_deleted', orgId)).filter((e) => e.payload.projectId === p.id)).toHaveLength(1);
    expect((await outbox(t, 'projects.project_restored', orgId)).filter((e) => e.payload.projectId === p.id)).toHaveLength(1);
  });

  it('restore answers 409 when another live project took the key meanwhile', async () => {
    const p = await createProject(t, member.accessToken, orgId);
    await call(t, member.accessToken, 'DELETE', projectsUrl(orgId, `/${p.id}`));
    await createProject(t, admin.accessToken, orgId, { key: p.key });
    expectProblem(await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${p.id}/restore`)), 409, 'PROJECTS.KEY_TAKEN');
    expectProblem(await call(t, viewer.accessToken, 'POST', projectsUrl(orgId, `/${p.id}/restore`)), 404, 'PROJECTS.NOT_FOUND');
  });
});

describe('projects: members', () => {
  it('PUT adds (201) or replaces (200) a member; a no-op publishes nothing; DELETE removes', async () => {
    const p = await createProject(t, member.accessToken, orgId);
    const url = projectsUrl(orgId, `/${p.id}/members/${viewer.userId}`);
    const add = await call(t, member.accessToken, 'PUT', url, { role: 'contributor', hourlyRateMinor: 7000 });
    expect(add.statusCode, add.body).toBe(201);
    expect(add.json()).toMatchObject({ userId: viewer.userId, email: viewer.email, role: 'contributor', hourlyRateMinor: 7000 });
    const change = await call(t, member.accessToken, 'PUT', url, { role: 'viewer' });
    expect(change.statusCode).toBe(200);
    expect(change.json()).toMatchObject({ role: 'viewer', hourlyRateMinor: null });
    expect((await call(t, member.accessToken, 'PUT', url, { role: 'viewer' })).statusCode).toBe(200);
    const one = await call(t, viewer.accessToken, 'GET', url);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(change.json());
    const updated = (await outbox(t, 'projects.member_updated', orgId)).filter((e) => e.payload.projectId === p.id);
    expect(updated.map((e) => e.payload.fields)).toEqual([['role', 'hourlyRateMinor']]);

    // The member now sees the project, read-only.
    expect((await call(t, viewer.accessToken, 'GET', projectsUrl(orgId, `/${p.id}`))).statusCode).toBe(200);
    expect((await call(t, member.accessToken, 'DELETE', url)).statusCode).toBe(204);
    expectProblem(await call(t, member.accessToken, 'DELETE', url), 404, 'PROJECTS.MEMBER_NOT_FOUND');
    expectProblem(await call(t, member.accessToken, 'GET', url), 404, 'PROJECTS.MEMBER_NOT_FOUND');
    expectProblem(await call(t, viewer.accessToken, 'GET', projectsUrl(orgId, `/${p.id}`)), 404, 'PROJECTS.NOT_FOUND');
    const removed = (await outbox(t, 'projects.member_removed', orgId)).filter((e) => e.payload.projectId === p.id);
    expect(removed.map((e) => e.payload)).toEqual([{ orgId, projectId: p.id, userId: viewer.userId, reason: 'removed' }]);
    expect(await t.app.apis.projects.projectRole(viewer.userId, orgId, p.id)).toBeNull();
  });

  it('a member must be in the org (422); bad roles 400; only managers and admins manage members', async () => {
    const p = await createProject(t, member.accessToken, orgId);
    expectProblem(await call(t, member.accessToken, 'PUT', projectsUrl(orgId, `/${p.id}/members/${outsider.userId}`), { role: 'viewer' }), 422, 'PROJECTS.NOT_ORG_MEMBER');
    expectProblem(await call(t, member.accessToken, 'PUT', projectsUrl(orgId, `/${p.id}/members/${uuidv7()}`), { role: 'viewer' }), 422, 'PROJECTS.NOT_ORG_MEMBER');
    expectProblem(await call(t, member.accessToken, 'PUT', projectsUrl(orgId, `/${p.id}/members/${viewer.userId}`), { role: 'owner' }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, member.accessToken, 'PUT', projectsUrl(orgId, `/${p.id}/members/${viewer.userId}`), { role: 'viewer', hourlyRateMinor: -5 }), 400, 'VALIDATION_FAILED');
    await putMember(t, member.accessToken, orgId, p.id, admin.userId, 'contributor');
    await putMember(t, admin.accessToken, orgId, p.id, owner.userId, 'contributor');
    await putMember(t, owner.accessToken, orgId, p.id, viewer.userId, 'contributor');
    expectProblem(await call(t, viewer.accessToken, 'PUT', projectsUrl(orgId, `/${p.id}/members/${viewer.userId}`), { role: 'manager' }), 403, 'FORBIDDEN');
    expectProblem(await call(t, viewer.accessToken, 'DELETE', projectsUrl(orgId, `/${p.id}/members/${member.userId}`)), 403, 'FORBIDDEN');
    const list = await call(t, viewer.accessToken, 'GET', projectsUrl(orgId, `/${p.id}/members`));
    expect(list.json().data.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([
      [member.userId, 'manager'],
      [admin.userId, 'contributor'],
      [owner.userId, 'contributor'],
      [viewer.userId, 'contributor'],
    ]);
    expect(await t.app.apis.projects.memberRate(orgId, p.id, admin.userId)).toBeNull();
  });
});
