// Tasks, templates, API key scopes and the reaction to organizations.member_removed.
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, lastMailToken, type TestApp } from './harness.ts';
import { API, call, createProject, outbox, projectsUrl, putMember, uniqueKey } from './projects-fixture.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let orgId: string;
let owner: U, admin: U, member: U, viewer: U, outsider: U, outsiderOrgId: string;
/** Org members: `contributor` and `reader` join the team() projects, `stranger` none. */
let contributor: U, reader: U, stranger: U;
const api = () => t.app.apis.projects;

beforeAll(async () => {
  t = await createTestApp();
  ({ orgId, owner, admin, member, viewer, outsider, outsiderOrgId } = await orgWithRoles(t));
  contributor = await addMember(t, owner.accessToken, orgId, 'member');
  reader = await addMember(t, owner.accessToken, orgId, 'member');
  stranger = await addMember(t, owner.accessToken, orgId, 'member');
});
afterAll(() => t?.close());

/** A project managed by `member`, with `contributor` as contributor and `reader` as project viewer. */
async function team() {
  const p = await createProject(t, member.accessToken, orgId);
  await putMember(t, member.accessToken, orgId, p.id, contributor.userId, 'contributor');
  await putMember(t, member.accessToken, orgId, p.id, reader.userId, 'viewer');
  return { p, tasks: (rest = '') => projectsUrl(orgId, `/${p.id}/tasks${rest}`) };
}

describe('projects: tasks', () => {
  it('contributors create and update tasks, managers delete them; activity follows', async () => {
    const { p, tasks } = await team();
    const res = await call(t, contributor.accessToken, 'POST', tasks(), { name: ' Design ', estimateMinutes: 90, assigneeId: contributor.userId, extra: 1 });
    expect(res.statusCode, res.body).toBe(201);
    const task = res.json();
    expect(task).toEqual({
      id: expect.any(String),
      projectId: p.id,
      name: 'Design',
      status: 'todo',
      estimateMinutes: 90,
      assigneeId: contributor.userId,
      createdAt: expect.any(String),
      updatedAt: task.createdAt,
    });
    const after = (await call(t, member.accessToken, 'GET', projectsUrl(orgId, `/${p.id}`))).json();
    expect(after.lastActivityAt >= task.createdAt).toBe(true);
    expect(after.updatedAt).toBe(p.updatedAt);

    const upd = await call(t, contributor.accessToken, 'PATCH', tasks(`/${task.id}`), { status: 'in_progress', estimateMinutes: null });
    expect(upd.statusCode, upd.body).toBe(200);
    expect(upd.json()).toMatchObject({ status: 'in_progress', estimateMinutes: null });
    expect((await call(t, contributor.accessToken, 'GET', tasks(`/${task.id}`))).json()).toEqual(upd.json());
    expectProblem(await call(t, contributor.accessToken, 'DELETE', tasks(`/${task.id}`)), 403, 'FORBIDDEN');
    expect((await call(t, member.accessToken, 'DELETE', tasks(`/${task.id}`))).statusCode).toBe(204);
    expectProblem(await call(t, member.accessToken, 'GET', tasks(`/${task.id}`)), 404, 'PROJECTS.TASK_NOT_FOUND');
    expectProblem(await call(t, member.accessToken, 'DELETE', tasks(`/${task.id}`)), 404, 'PROJECTS.TASK_NOT_FOUND');
    // Soft-deleted: still resolvable by id for past work, gone for new work.
    expect(await api().getTask(orgId, p.id, task.id)).toBeNull();
    expect((await api().listTasks(orgId, [task.id])).map((x) => x.name)).toEqual(['Design']);
    expect(await api().listTasks(outsiderOrgId, [task.id])).toEqual([]);

    const types = async (type: string) => (await outbox(t, type, orgId)).filter((e) => e.payload.taskId === task.id).map((e) => e.payload);
    expect(await types('projects.task_created')).toEqual([{ orgId, projectId: p.id, taskId: task.id }]);
    expect(await types('projects.task_updated')).toEqual([{ orgId, projectId: p.id, taskId: task.id, fields: ['status', 'estimateMinutes'] }]);
    expect(await types('projects.task_deleted')).toEqual([{ orgId, projectId: p.id, taskId: task.id }]);
  });

  it('project viewers and org viewers read but do not write; others do not see the tasks', async () => {
    const { p, tasks } = await team();
    const task = (await call(t, member.accessToken, 'POST', tasks(), { name: 'T' })).json();
    expect((await call(t, reader.accessToken, 'GET', tasks())).statusCode).toBe(200);
    expectProblem(await call(t, reader.accessToken, 'POST', tasks(), { name: 'R' }), 403, 'FORBIDDEN');
    expectProblem(await call(t, reader.accessToken, 'PATCH', tasks(`/${task.id}`), { name: 'R' }), 403, 'FORBIDDEN');
    await putMember(t, member.accessToken, orgId, p.id, viewer.userId, 'contributor');
    expectProblem(await call(t, viewer.accessToken, 'POST', tasks(), { name: 'V' }), 403, 'FORBIDDEN');
    expectProblem(await call(t, stranger.accessToken, 'GET', tasks()), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await call(t, stranger.accessToken, 'GET', tasks(`/${task.id}`)), 404, 'PROJECTS.NOT_FOUND');
    // Admins need no membership.
    expect((await call(t, admin.accessToken, 'PATCH', tasks(`/${task.id}`), { status: 'done' })).statusCode).toBe(200);
    // A task id under another project of the org is not found.
    const other = await createProject(t, member.accessToken, orgId);
    expectProblem(await call(t, member.accessToken, 'GET', projectsUrl(orgId, `/${other.id}/tasks/${task.id}`)), 404, 'PROJECTS.TASK_NOT_FOUND');
  });

  it('validation and the assignee rule', async () => {
    const { tasks } = await team();
    for (const [body, field] of [
      [{ name: '' }, 'body.name'],
      [{ name: 'T', status: 'blocked' }, 'body.status'],
      [{ name: 'T', estimateMinutes: -1 }, 'body.estimateMinutes'],
      [{ name: 'T', estimateMinutes: 1.5 }, 'body.estimateMinutes'],
      [{ name: 'T', assigneeId: 'x' }, 'body.assigneeId'],
    ] as const) {
      const body400 = expectProblem(await call(t, contributor.accessToken, 'POST', tasks(), body), 400, 'VALIDATION_FAILED');
      expect(body400.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expectProblem(await call(t, contributor.accessToken, 'POST', tasks(), { name: 'T', assigneeId: stranger.userId }), 422, 'PROJECTS.INVALID_ASSIGNEE');
    expectProblem(await call(t, contributor.accessToken, 'POST', tasks(), { name: 'T', assigneeId: outsider.userId }), 422, 'PROJECTS.INVALID_ASSIGNEE');
    const task = (await call(t, contributor.accessToken, 'POST', tasks(), { name: 'T', assigneeId: owner.userId })).json();
    expect(task.assigneeId).toBe(owner.userId);
    expectProblem(await call(t, contributor.accessToken, 'PATCH', tasks(`/${task.id}`), { assigneeId: stranger.userId }), 422, 'PROJECTS.INVALID_ASSIGNEE');
    expect((await call(t, contributor.accessToken, 'PATCH', tasks(`/${task.id}`), { assigneeId: null })).json().assigneeId).toBeNull();
    expectProblem(await call(t, contributor.accessToken, 'PATCH', tasks(`/${uuidv7()}`), { name: 'X' }), 404, 'PROJECTS.TASK_NOT_FOUND');
  });

  it('tasks of an archived project are read-only (409 PROJECTS.ARCHIVED)', async () => {
    const { p, tasks } = await team();
    const task = (await call(t, contributor.accessToken, 'POST', tasks(), { name: 'T' })).json();
    await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${p.id}/archive`));
    expectProblem(await call(t, contributor.accessToken, 'POST', tasks(), { name: 'U' }), 409, 'PROJECTS.ARCHIVED');
    expectProblem(await call(t, contributor.accessToken, 'PATCH', tasks(`/${task.id}`), { name: 'U' }), 409, 'PROJECTS.ARCHIVED');
    expectProblem(await call(t, member.accessToken, 'DELETE', tasks(`/${task.id}`)), 409, 'PROJECTS.ARCHIVED');
    expect((await call(t, contributor.accessToken, 'GET', tasks(`/${task.id}`))).statusCode).toBe(200);
    expect((await call(t, contributor.accessToken, 'GET', tasks())).json().data).toHaveLength(1);
  });

  it('lists tasks in creation order with filters and cursor pages', async () => {
    const { tasks } = await team();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await call(t, contributor.accessToken, 'POST', tasks(), { name: `T${i}`, status: i % 2 ? 'done' : 'todo', assigneeId: i === 4 ? contributor.userId : null })).json().id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(t, contributor.accessToken, 'GET', tasks(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().data.map((x: { id: string }) => x.id));
      cursor = res.json().page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made);
    expect((await call(t, contributor.accessToken, 'GET', tasks('?status=done'))).json().data.map((x: { name: string }) => x.name)).toEqual(['T1', 'T3']);
    expect((await call(t, contributor.accessToken, 'GET', tasks(`?assigneeId=${contributor.userId}`))).json().data.map((x: { name: string }) => x.name)).toEqual(['T4']);
    expectProblem(await call(t, contributor.accessToken, 'GET', tasks('?cursor=garbage')), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, contributor.accessToken, 'GET', tasks('?limit=0')), 400, 'VALIDATION_FAILED');
  });
});

describe('projects: templates', () => {
  it('save-as-template copies tasks and settings; a project made from it gets them, with overrides', async () => {
    const src = await createProject(t, member.accessToken, orgId, { client: 'ACME', tags: ['web'], color: '#123456', budgetHours: 10, budgetMinor: 50000, currency: 'CHF', billableDefault: false, hourlyRateMinor: 12000 });
    await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${src.id}/tasks`), { name: 'Plan', estimateMinutes: 30, status: 'done' });
    await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${src.id}/tasks`), { name: 'Ship' });
    const saved = await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${src.id}/save-as-template`), { name: 'Website kit' });
    expect(saved.statusCode, saved.body).toBe(201);
    const tpl = saved.json();
    expect(tpl).toEqual({
      id: expect.any(String),
      orgId,
      name: 'Website kit',
      sourceProjectId: src.id,
      tags: ['web'],
      settings: { client: 'ACME', color: '#123456', billableDefault: false, hourlyRateMinor: 12000, budgetHours: 10, budgetMinor: 50000, currency: 'CHF' },
      tasks: [
        { name: 'Plan', estimateMinutes: 30 },
        { name: 'Ship', estimateMinutes: null },
      ],
      createdBy: member.userId,
      createdAt: expect.any(String),
    });
    const list = await call(t, viewer.accessToken, 'GET', `${API}/orgs/${orgId}/project-templates`);
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((x: { id: string }) => x.id)).toContain(tpl.id);

    const made = await call(t, admin.accessToken, 'POST', projectsUrl(orgId), { templateId: tpl.id, name: 'Client site', key: uniqueKey('TPL'), hourlyRateMinor: 15000 });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ templateId: tpl.id, client: 'ACME', tags: ['web'], color: '#123456', billableDefault: false, hourlyRateMinor: 15000, budgetMinor: 50000, currency: 'CHF' });
    const tasks = await call(t, admin.accessToken, 'GET', projectsUrl(orgId, `/${made.json().id}/tasks`));
    expect(tasks.json().data.map((x: { name: string; status: string; estimateMinutes: number | null }) => [x.name, x.status, x.estimateMinutes])).toEqual([
      ['Plan', 'todo', 30],
      ['Ship', 'todo', null],
    ]);
    expect((await outbox(t, 'projects.project_created', orgId)).find((e) => e.payload.projectId === made.json().id)?.payload.templateId).toBe(tpl.id);
  });

  it('template errors and who may save or delete', async () => {
    const src = await createProject(t, member.accessToken, orgId);
    expectProblem(await call(t, member.accessToken, 'POST', projectsUrl(orgId), { templateId: uuidv7(), name: 'X', key: uniqueKey('T') }), 404, 'PROJECTS.TEMPLATE_NOT_FOUND');
    expectProblem(await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${src.id}/save-as-template`), {}), 400, 'VALIDATION_FAILED');
    await putMember(t, member.accessToken, orgId, src.id, viewer.userId, 'manager');
    expectProblem(await call(t, viewer.accessToken, 'POST', projectsUrl(orgId, `/${src.id}/save-as-template`), { name: 'V' }), 403, 'FORBIDDEN');
    const tpl = (await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${src.id}/save-as-template`), { name: 'Mine' })).json();
    const del = (u: U, id = tpl.id, org = orgId) => call(t, u.accessToken, 'DELETE', `${API}/orgs/${org}/project-templates/${id}`);
    expectProblem(await del(stranger), 403, 'FORBIDDEN');
    expectProblem(await del(viewer), 403, 'FORBIDDEN');
    expectProblem(await del(outsider), 404, 'ORG.NOT_FOUND');
    expectProblem(await del(outsider, tpl.id, outsiderOrgId), 404, 'PROJECTS.TEMPLATE_NOT_FOUND');
    expect((await del(admin)).statusCode).toBe(204);
    expectProblem(await del(admin), 404, 'PROJECTS.TEMPLATE_NOT_FOUND');
    const own = (await call(t, member.accessToken, 'POST', projectsUrl(orgId, `/${src.id}/save-as-template`), { name: 'Mine 2' })).json();
    expect((await del(member, own.id)).statusCode).toBe(204);
    expectProblem(await call(t, member.accessToken, 'POST', projectsUrl(orgId), { templateId: own.id, name: 'X', key: uniqueKey('T') }), 404, 'PROJECTS.TEMPLATE_NOT_FOUND');
  });
});

describe('projects: API key scopes', () => {
  it('projects:read reads but cannot write; projects:write writes', async () => {
    const key = async (scopes: string[]) => {
      const res = await call(t, member.accessToken, 'POST', `${API}/auth/api-keys`, { name: 'k', scopes });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().key as string;
    };
    const reader = await key(['projects:read']);
    const writer = await key(['projects:write']);
    const profile = await key(['profile:read']);
    expect((await t.request({ method: 'GET', url: projectsUrl(orgId), headers: bearer(reader) })).statusCode).toBe(200);
    expectProblem(await t.request({ method: 'GET', url: projectsUrl(orgId), headers: bearer(profile) }), 403, 'FORBIDDEN');
    const body = { name: 'By key', key: uniqueKey('KEY') };
    expectProblem(await t.request({ method: 'POST', url: projectsUrl(orgId), headers: bearer(reader), payload: body }), 403, 'FORBIDDEN');
    expect((await t.request({ method: 'POST', url: projectsUrl(orgId), headers: bearer(writer), payload: body })).statusCode).toBe(201);
  });
});

describe('projects: organizations.member_removed', () => {
  it('removes the user from every project of that org and clears their assignments, once', async () => {
    const leaver = await addMember(t, owner.accessToken, orgId, 'member');
    const p1 = await createProject(t, member.accessToken, orgId);
    const p2 = await createProject(t, leaver.accessToken, orgId);
    await putMember(t, member.accessToken, orgId, p1.id, leaver.userId, 'contributor');
    const task = (await call(t, leaver.accessToken, 'POST', projectsUrl(orgId, `/${p1.id}/tasks`), { name: 'Mine', assigneeId: leaver.userId })).json();
    // The same user in another org keeps their projects there.
    await call(t, outsider.accessToken, 'POST', `${API}/orgs/${outsiderOrgId}/invitations`, { email: leaver.email, role: 'member' });
    await t.drain();
    const accepted = await call(t, leaver.accessToken, 'POST', `${API}/invitations/accept`, { token: lastMailToken(t, leaver.email) });
    expect(accepted.statusCode, accepted.body).toBe(200);
    const elsewhere = await createProject(t, leaver.accessToken, outsiderOrgId);

    const res = await call(t, owner.accessToken, 'DELETE', `${API}/orgs/${orgId}/members/${leaver.userId}`);
    expect(res.statusCode, res.body).toBe(204);
    await t.drain();

    expect(await api().projectRole(leaver.userId, orgId, p1.id)).toBeNull();
    expect(await api().projectRole(leaver.userId, orgId, p2.id)).toBeNull();
    expect((await api().getTask(orgId, p1.id, task.id))?.assigneeId).toBeNull();
    const removed = (await outbox(t, 'projects.member_removed', orgId)).filter((e) => e.payload.userId === leaver.userId);
    expect(removed.map((e) => e.payload.projectId).sort()).toEqual([p1.id, p2.id].sort());
    expect(removed.every((e) => e.payload.reason === 'org_member_removed')).toBe(true);
    expect((await outbox(t, 'projects.task_updated', orgId)).filter((e) => e.payload.taskId === task.id).at(-1)?.payload.fields).toEqual(['assigneeId']);
    expect(await api().projectRole(leaver.userId, outsiderOrgId, elsewhere.id)).toBe('manager');

    // Delivered again (a retry from the admin console): nothing left to do, nothing published.
    const event = await t.database.db
      .selectFrom('core.outbox')
      .select('id')
      .where('type', '=', 'organizations.member_removed')
      .where(sql`payload->>'userId'`, '=', leaver.userId)
      .executeTakeFirstOrThrow();
    await t.database.db.deleteFrom('core.deliveries').where('event_id', '=', event.id).where('subscriber', '=', 'projects.release_org_member').execute();
    await t.database.db.updateTable('core.outbox').set({ status: 'pending', next_attempt_at: new Date(0) }).where('id', '=', event.id).execute();
    await t.drain();
    const redelivered = await t.database.db.selectFrom('core.deliveries').select('subscriber').where('event_id', '=', event.id).where('subscriber', '=', 'projects.release_org_member').execute();
    expect(redelivered).toHaveLength(1);
    expect((await outbox(t, 'projects.member_removed', orgId)).filter((e) => e.payload.userId === leaver.userId)).toHaveLength(2);
  });
});
