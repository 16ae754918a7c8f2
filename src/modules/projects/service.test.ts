// Service tests on a real PostgreSQL database with a fake organizations façade:
// the rules of keys, visibility and templates without HTTP.
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/harness.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { Database } from '../../core/db/database.ts';
import { AppError, CoreProblems } from '../../core/errors.ts';
import { OrgProblems } from '../organizations/index.ts';
import { createOutbox } from '../../core/events/outbox.ts';
import type { Principal } from '../../core/http/principal.ts';
import { createProjectsApi } from './api.ts';
import { createMembersService } from './members.ts';
import type { OrgPort, OrgRole } from './rules.ts';
import { createAccess, createProjectsService, type ProjectsDeps } from './service.ts';
import { createTasksService } from './tasks.ts';
import { createTemplatesService } from './templates.ts';

const RANK: Record<OrgRole, number> = { owner: 4, admin: 3, member: 2, viewer: 1 };

/** Roles by `${userId}/${orgId}`, answering like the real façade. */
function fakeOrgs() {
  const roles = new Map<string, OrgRole>();
  const port: OrgPort = {
    async assertRole(principal, orgId, minimum) {
      const role = roles.get(`${principal.userId}/${orgId}`);
      if (!role) throw OrgProblems.notFound.error('Organization not found');
      if (RANK[role] < RANK[minimum]) throw CoreProblems.forbidden.error('You are not allowed to do this');
      return role;
    },
    async roleOf(userId, orgId) {
      return roles.get(`${userId}/${orgId}`) ?? null;
    },
    async listMembers(orgId) {
      return [...roles].filter(([k]) => k.endsWith(`/${orgId}`)).map(([k, role]) => ({ userId: k.split('/')[0], email: `${k.split('/')[0]}@x.test`, role }));
    },
  };
  return { port, set: (userId: string, orgId: string, role: OrgRole) => roles.set(`${userId}/${orgId}`, role), remove: (u: string, o: string) => roles.delete(`${u}/${o}`) };
}

const principal = (userId: string): Principal => ({ userId, email: `${userId}@x.test`, role: 'user', emailVerified: true, sessionId: null, apiKeyId: null, scopes: null });
const actor = (userId: string): Actor => ({ principal: principal(userId), requestId: null, ip: null, userAgent: null });

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return `${err.kind}:${err.code}`;
    throw err;
  }
  throw new Error('expected a failure');
}

let database: Database;
let drop: () => Promise<void>;
let orgs: ReturnType<typeof fakeOrgs>;
let services: ReturnType<typeof build>;

function build(deps: ProjectsDeps) {
  const access = createAccess(deps);
  return {
    projects: createProjectsService(deps, access),
    members: createMembersService(deps, access),
    tasks: createTasksService(deps, access),
    templates: createTemplatesService(deps, access),
    api: createProjectsApi(deps, access),
  };
}

beforeAll(async () => {
  ({ database, drop } = await createTestDatabase());
  orgs = fakeOrgs();
  services = build({ db: database.db, events: createOutbox(), clock: { now: () => new Date() }, orgs: orgs.port });
});
afterAll(() => drop?.());

/** A fresh org with one user per role. */
function org() {
  const orgId = uuidv7();
  const users = { owner: uuidv7(), admin: uuidv7(), member: uuidv7(), viewer: uuidv7(), other: uuidv7() };
  orgs.set(users.owner, orgId, 'owner');
  orgs.set(users.admin, orgId, 'admin');
  orgs.set(users.member, orgId, 'member');
  orgs.set(users.other, orgId, 'member');
  orgs.set(users.viewer, orgId, 'viewer');
  return { orgId, ...users };
}

describe('projects service: keys', () => {
  it('a key is unique among the live projects of an org, free again after delete, and per org', async () => {
    const o = org();
    const p = await services.projects.create(actor(o.member), o.orgId, { name: 'Web', key: 'WEB' });
    expect(await failure(services.projects.create(actor(o.admin), o.orgId, { name: 'Web 2', key: 'WEB' }))).toBe('conflict:PROJECTS.KEY_TAKEN');
    const o2 = org();
    await expect(services.projects.create(actor(o2.member), o2.orgId, { name: 'Web', key: 'WEB' })).resolves.toMatchObject({ key: 'WEB' });

    await services.projects.remove(actor(o.member), o.orgId, p.id);
    const again = await services.projects.create(actor(o.admin), o.orgId, { name: 'Web again', key: 'WEB' });
    // Restoring the first one would make two live WEBs.
    expect(await failure(services.projects.restore(actor(o.admin), o.orgId, p.id))).toBe('conflict:PROJECTS.KEY_TAKEN');
    await services.projects.update(actor(o.admin), o.orgId, again.id, { key: 'WEB2' });
    await expect(services.projects.restore(actor(o.member), o.orgId, p.id)).resolves.toMatchObject({ key: 'WEB', deletedAt: null });
  });

  it('renaming to a key another live project uses is refused; keeping one\'s own key is not', async () => {
    const o = org();
    const a = await services.projects.create(actor(o.admin), o.orgId, { name: 'A', key: 'AAA' });
    await services.projects.create(actor(o.admin), o.orgId, { name: 'B', key: 'BBB' });
    expect(await failure(services.projects.update(actor(o.admin), o.orgId, a.id, { key: 'BBB' }))).toBe('conflict:PROJECTS.KEY_TAKEN');
    await expect(services.projects.update(actor(o.admin), o.orgId, a.id, { key: 'AAA', name: 'A2' })).resolves.toMatchObject({ key: 'AAA', name: 'A2' });
  });

  it('an unknown currency is a validation error', async () => {
    const o = org();
    expect(await failure(services.projects.create(actor(o.admin), o.orgId, { name: 'X', key: 'XX', currency: 'XYZ' }))).toBe('validation:VALIDATION_FAILED');
  });
});

describe('projects service: visibility and write rules', () => {
  it('members see only their projects, admins all, outsiders nothing', async () => {
    const o = org();
    const mine = await services.projects.create(actor(o.member), o.orgId, { name: 'Mine', key: 'MINE' });
    const theirs = await services.projects.create(actor(o.other), o.orgId, { name: 'Theirs', key: 'THEIRS' });
    const ids = async (u: string) => (await services.projects.list(actor(u), o.orgId, { sort: 'name', includeDeleted: false, limit: 50 })).data.map((p) => p.id);
    expect(await ids(o.member)).toEqual([mine.id]);
    expect(await ids(o.admin)).toEqual([mine.id, theirs.id]);
    expect(await ids(o.viewer)).toEqual([]);
    expect(await failure(services.projects.get(actor(o.member), o.orgId, theirs.id))).toBe('not_found:PROJECTS.NOT_FOUND');
    expect(await failure(services.projects.get(actor(uuidv7()), o.orgId, theirs.id))).toBe('not_found:ORG.NOT_FOUND');
    // The id of a project of another org is not found in this one.
    const o2 = org();
    expect(await failure(services.projects.get(actor(o2.owner), o2.orgId, mine.id))).toBe('not_found:PROJECTS.NOT_FOUND');
  });

  it('project roles decide writes; an org viewer never writes', async () => {
    const o = org();
    const p = await services.projects.create(actor(o.member), o.orgId, { name: 'P', key: 'PRJ' });
    await services.members.put(actor(o.member), o.orgId, p.id, o.other, { role: 'contributor' });
    await services.members.put(actor(o.member), o.orgId, p.id, o.viewer, { role: 'manager' });

    // contributor: tasks yes, project no
    const task = await services.tasks.create(actor(o.other), o.orgId, p.id, { name: 'T' });
    await expect(services.tasks.update(actor(o.other), o.orgId, p.id, task.id, { status: 'done' })).resolves.toMatchObject({ status: 'done' });
    expect(await failure(services.tasks.remove(actor(o.other), o.orgId, p.id, task.id))).toBe('forbidden:FORBIDDEN');
    expect(await failure(services.projects.update(actor(o.other), o.orgId, p.id, { name: 'X' }))).toBe('forbidden:FORBIDDEN');
    // org viewer as project manager: reads, never writes
    await expect(services.projects.get(actor(o.viewer), o.orgId, p.id)).resolves.toMatchObject({ id: p.id });
    expect(await failure(services.tasks.create(actor(o.viewer), o.orgId, p.id, { name: 'T' }))).toBe('forbidden:FORBIDDEN');
    expect(await failure(services.projects.archive(actor(o.viewer), o.orgId, p.id))).toBe('forbidden:FORBIDDEN');
    expect(await failure(services.projects.create(actor(o.viewer), o.orgId, { name: 'V', key: 'VV' }))).toBe('forbidden:FORBIDDEN');
    // org admin without membership manages
    await expect(services.projects.update(actor(o.admin), o.orgId, p.id, { name: 'By admin' })).resolves.toMatchObject({ name: 'By admin' });

    const api = services.api;
    expect(await api.assertProjectAccess(principal(o.other), o.orgId, p.id, 'write')).toMatchObject({ canManage: false });
    expect(await api.assertProjectAccess(principal(o.admin), o.orgId, p.id, 'write')).toMatchObject({ canManage: true });
    expect(await failure(api.assertProjectAccess(principal(o.viewer), o.orgId, p.id, 'write'))).toBe('forbidden:FORBIDDEN');
    expect(await api.assertProjectAccess(principal(o.viewer), o.orgId, p.id, 'read')).toMatchObject({ canManage: false, project: { id: p.id } });
  });

  it('members must belong to the org; assignees must be members or org admins', async () => {
    const o = org();
    const p = await services.projects.create(actor(o.member), o.orgId, { name: 'P', key: 'PRJ' });
    expect(await failure(services.members.put(actor(o.member), o.orgId, p.id, uuidv7(), { role: 'viewer' }))).toBe('unprocessable:PROJECTS.NOT_ORG_MEMBER');
    expect(await failure(services.tasks.create(actor(o.member), o.orgId, p.id, { name: 'T', assigneeId: o.other }))).toBe('unprocessable:PROJECTS.INVALID_ASSIGNEE');
    await expect(services.tasks.create(actor(o.member), o.orgId, p.id, { name: 'T', assigneeId: o.admin })).resolves.toMatchObject({ assigneeId: o.admin });
  });
});

describe('projects service: templates', () => {
  it('a project made from a template gets its tasks and settings, with overrides', async () => {
    const o = org();
    const src = await services.projects.create(actor(o.member), o.orgId, {
      name: 'Source',
      key: 'SRC',
      client: 'ACME',
      tags: ['web'],
      color: '#A0B0C0',
      budgetHours: 12.5,
      budgetMinor: 100000,
      currency: 'CHF',
      billableDefault: false,
      hourlyRateMinor: 15000,
    });
    await services.tasks.create(actor(o.member), o.orgId, src.id, { name: 'Design', estimateMinutes: 60, status: 'done' });
    await services.tasks.create(actor(o.member), o.orgId, src.id, { name: 'Build' });
    const tpl = await services.templates.saveAsTemplate(actor(o.member), o.orgId, src.id, { name: 'Website' });
    expect(tpl).toMatchObject({
      name: 'Website',
      sourceProjectId: src.id,
      tags: ['web'],
      settings: { client: 'ACME', color: '#a0b0c0', budgetHours: 12.5, budgetMinor: 100000, currency: 'CHF', billableDefault: false, hourlyRateMinor: 15000 },
      tasks: [
        { name: 'Design', estimateMinutes: 60 },
        { name: 'Build', estimateMinutes: null },
      ],
    });

    const made = await services.projects.create(actor(o.other), o.orgId, { templateId: tpl.id, name: 'New site', key: 'NEW', client: 'Globex' });
    expect(made).toMatchObject({ templateId: tpl.id, client: 'Globex', tags: ['web'], color: '#a0b0c0', budgetMinor: 100000, currency: 'CHF', billableDefault: false, hourlyRateMinor: 15000 });
    const madeTasks = await services.api.listProjectTasks(o.orgId, made.id);
    expect(madeTasks.map((t) => [t.name, t.status, t.estimateMinutes])).toEqual([
      ['Design', 'todo', 60],
      ['Build', 'todo', null],
    ]);
    // A template of another org is not found.
    const o2 = org();
    expect(await failure(services.projects.create(actor(o2.member), o2.orgId, { templateId: tpl.id, name: 'X', key: 'XX' }))).toBe('not_found:PROJECTS.TEMPLATE_NOT_FOUND');
  });
});

describe('projects service: the façade', () => {
  it('answers for live projects and tasks of the asked org only', async () => {
    const o = org();
    const api = services.api;
    const p = await services.projects.create(actor(o.member), o.orgId, { name: 'P', key: 'PRJ', hourlyRateMinor: 5000, currency: 'EUR' });
    const gone = await services.projects.create(actor(o.member), o.orgId, { name: 'Gone', key: 'GONE' });
    await services.projects.remove(actor(o.member), o.orgId, gone.id);
    const task = await services.tasks.create(actor(o.member), o.orgId, p.id, { name: 'T', estimateMinutes: 15 });
    await services.members.put(actor(o.member), o.orgId, p.id, o.other, { role: 'contributor', hourlyRateMinor: 8000 });
    const o2 = org();

    expect(await api.getProject(o.orgId, p.id)).toEqual({
      id: p.id,
      orgId: o.orgId,
      name: 'P',
      key: 'PRJ',
      status: 'active',
      description: null,
      client: null,
      tags: [],
      color: null,
      budgetHours: null,
      budgetMinor: null,
      currency: 'EUR',
      billableDefault: true,
      hourlyRateMinor: 5000,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    });
    expect(await api.getProject(o2.orgId, p.id)).toBeNull();
    expect(await api.getProject(o.orgId, gone.id)).toBeNull();
    expect(await api.getProject(o.orgId, 'not-a-uuid')).toBeNull();
    expect((await api.listProjects(o.orgId)).map((x) => x.id)).toEqual([p.id]);
    expect((await api.listProjects(o.orgId, [p.id, gone.id, 'junk']))).toHaveLength(1);
    expect(await api.listProjects(o.orgId, [])).toEqual([]);
    expect(await api.listProjects(o2.orgId, [p.id])).toEqual([]);

    expect(await api.getTask(o.orgId, p.id, task.id)).toEqual({ id: task.id, projectId: p.id, name: 'T', status: 'todo', estimateMinutes: 15, assigneeId: null });
    expect(await api.getTask(o2.orgId, p.id, task.id)).toBeNull();
    expect(await api.getTask(o.orgId, gone.id, task.id)).toBeNull();
    expect((await api.listTasks(o.orgId, [task.id])).map((x) => x.id)).toEqual([task.id]);
    expect(await api.listTasks(o2.orgId, [task.id])).toEqual([]);
    expect((await api.listProjectTasks(o.orgId, p.id)).map((x) => x.id)).toEqual([task.id]);
    expect(await api.listProjectTasks(o2.orgId, p.id)).toEqual([]);

    expect(await api.projectRole(o.member, o.orgId, p.id)).toBe('manager');
    expect(await api.projectRole(o.other, o.orgId, p.id)).toBe('contributor');
    expect(await api.projectRole(o.admin, o.orgId, p.id)).toBeNull();
    expect(await api.projectRole(o.member, o2.orgId, p.id)).toBeNull();
    expect(await api.memberRate(o.orgId, p.id, o.other)).toBe(8000);
    expect(await api.memberRate(o.orgId, p.id, o.member)).toBeNull();
    expect(await api.memberRate(o2.orgId, p.id, o.other)).toBeNull();

    expect(await failure(api.assertProjectAccess(principal(o.member), o.orgId, 'junk', 'read'))).toBe('not_found:PROJECTS.NOT_FOUND');
    expect(await failure(api.assertProjectAccess(principal(o2.owner), o2.orgId, p.id, 'read'))).toBe('not_found:PROJECTS.NOT_FOUND');
    expect(await failure(api.assertProjectAccess(principal(o2.owner), o.orgId, p.id, 'read'))).toBe('not_found:ORG.NOT_FOUND');
  });
});
