// The isolation matrix: each caller × a read and a write route of projects, with the status
// every cell must answer. Outsiders (members of another org) and anonymous callers learn
// nothing; org viewers never write; org members reach only the projects they belong to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './harness.ts';
import { call, createProject, projectsUrl, putMember, uniqueKey } from './projects-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

type Who = 'owner' | 'admin' | 'member' | 'viewer' | 'outsider' | 'anonymous';
const WHO: Who[] = ['owner', 'admin', 'member', 'viewer', 'outsider', 'anonymous'];

let t: TestApp;
let orgId: string;
let outsiderOrgId: string;
let users: Record<Exclude<Who, 'anonymous'>, U>;
/** member is its contributor, viewer its project viewer. */
let shared: { id: string };
/** Nobody but its creator (the owner) is a member. */
let closed: { id: string };
let taskId: string;

const token = (who: Who) => (who === 'anonymous' ? null : users[who].accessToken);

beforeAll(async () => {
  t = await createTestApp();
  const w = await orgWithRoles(t);
  orgId = w.orgId;
  outsiderOrgId = w.outsiderOrgId;
  users = { owner: w.owner, admin: w.admin, member: w.member, viewer: w.viewer, outsider: w.outsider };
  shared = await createProject(t, w.owner.accessToken, orgId);
  closed = await createProject(t, w.owner.accessToken, orgId);
  await putMember(t, w.owner.accessToken, orgId, shared.id, w.member.userId, 'contributor');
  await putMember(t, w.owner.accessToken, orgId, shared.id, w.viewer.userId, 'viewer');
  taskId = (await call(t, w.owner.accessToken, 'POST', projectsUrl(orgId, `/${shared.id}/tasks`), { name: 'T' })).json().id;
});
afterAll(() => t?.close());

interface Route {
  name: string;
  send(who: Who): ReturnType<typeof call>;
  expect: Record<Who, [number, string?]>;
}

const ROUTES: Route[] = [
  {
    name: 'GET project (a member of it)',
    send: (who) => call(t, token(who), 'GET', projectsUrl(orgId, `/${shared.id}`)),
    expect: { owner: [200], admin: [200], member: [200], viewer: [200], outsider: [404, 'ORG.NOT_FOUND'], anonymous: [401, 'UNAUTHENTICATED'] },
  },
  {
    name: 'PATCH project (a member of it)',
    send: (who) => call(t, token(who), 'PATCH', projectsUrl(orgId, `/${shared.id}`), { description: `by ${who}` }),
    expect: { owner: [200], admin: [200], member: [403, 'FORBIDDEN'], viewer: [403, 'FORBIDDEN'], outsider: [404, 'ORG.NOT_FOUND'], anonymous: [401, 'UNAUTHENTICATED'] },
  },
  {
    name: 'PATCH task (contributors may)',
    send: (who) => call(t, token(who), 'PATCH', projectsUrl(orgId, `/${shared.id}/tasks/${taskId}`), { name: `by ${who}` }),
    expect: { owner: [200], admin: [200], member: [200], viewer: [403, 'FORBIDDEN'], outsider: [404, 'ORG.NOT_FOUND'], anonymous: [401, 'UNAUTHENTICATED'] },
  },
  {
    name: 'GET project (not a member of it)',
    send: (who) => call(t, token(who), 'GET', projectsUrl(orgId, `/${closed.id}`)),
    expect: {
      owner: [200],
      admin: [200],
      member: [404, 'PROJECTS.NOT_FOUND'],
      viewer: [404, 'PROJECTS.NOT_FOUND'],
      outsider: [404, 'ORG.NOT_FOUND'],
      anonymous: [401, 'UNAUTHENTICATED'],
    },
  },
  {
    name: 'POST task (not a member of the project)',
    send: (who) => call(t, token(who), 'POST', projectsUrl(orgId, `/${closed.id}/tasks`), { name: `by ${who}` }),
    expect: {
      owner: [201],
      admin: [201],
      member: [404, 'PROJECTS.NOT_FOUND'],
      viewer: [404, 'PROJECTS.NOT_FOUND'],
      outsider: [404, 'ORG.NOT_FOUND'],
      anonymous: [401, 'UNAUTHENTICATED'],
    },
  },
  {
    name: 'GET list',
    send: (who) => call(t, token(who), 'GET', projectsUrl(orgId)),
    expect: { owner: [200], admin: [200], member: [200], viewer: [200], outsider: [404, 'ORG.NOT_FOUND'], anonymous: [401, 'UNAUTHENTICATED'] },
  },
  {
    name: 'POST project',
    send: (who) => call(t, token(who), 'POST', projectsUrl(orgId), { name: `by ${who}`, key: uniqueKey('ISO') }),
    expect: { owner: [201], admin: [201], member: [201], viewer: [403, 'FORBIDDEN'], outsider: [404, 'ORG.NOT_FOUND'], anonymous: [401, 'UNAUTHENTICATED'] },
  },
  {
    name: 'GET members',
    send: (who) => call(t, token(who), 'GET', projectsUrl(orgId, `/${shared.id}/members`)),
    expect: { owner: [200], admin: [200], member: [200], viewer: [200], outsider: [404, 'ORG.NOT_FOUND'], anonymous: [401, 'UNAUTHENTICATED'] },
  },
  {
    name: 'GET templates',
    send: (who) => call(t, token(who), 'GET', `/api/v1/orgs/${orgId}/project-templates`),
    expect: { owner: [200], admin: [200], member: [200], viewer: [200], outsider: [404, 'ORG.NOT_FOUND'], anonymous: [401, 'UNAUTHENTICATED'] },
  },
];

describe('projects isolation matrix', () => {
  for (const route of ROUTES) {
    for (const who of WHO) {
      const [status, code] = route.expect[who];
      it(`${route.name} as ${who} → ${status}${code ? ` ${code}` : ''}`, async () => {
        const res = await route.send(who);
        expect(res.statusCode, res.body).toBe(status);
        if (code) expect(res.json().code).toBe(code);
      });
    }
  }

  it('the list shows members only their projects, and outsiders none of ours through their own org', async () => {
    const ids = async (who: Who, org = orgId) => (await call(t, token(who), 'GET', projectsUrl(org, '?limit=100'))).json().data.map((p: { id: string }) => p.id);
    expect(await ids('admin')).toEqual(expect.arrayContaining([shared.id, closed.id]));
    expect(await ids('member')).toContain(shared.id);
    expect(await ids('member')).not.toContain(closed.id);
    expect(await ids('outsider', outsiderOrgId)).not.toContain(shared.id);
  });

  it('an id of our org used under another org is not found there', async () => {
    const res = await call(t, token('outsider'), 'GET', projectsUrl(outsiderOrgId, `/${shared.id}`));
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('PROJECTS.NOT_FOUND');
    const task = await call(t, token('outsider'), 'GET', projectsUrl(outsiderOrgId, `/${shared.id}/tasks/${taskId}`));
    expect(task.json().code).toBe('PROJECTS.NOT_FOUND');
    const write = await call(t, token('outsider'), 'PATCH', projectsUrl(outsiderOrgId, `/${shared.id}`), { name: 'stolen' });
    expect(write.json().code).toBe('PROJECTS.NOT_FOUND');
    const owned = await call(t, token('owner'), 'GET', projectsUrl(orgId, `/${shared.id}`));
    expect(owned.json().name).not.toBe('stolen');
  });
});
