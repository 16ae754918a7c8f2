// Tenant isolation of the time routes: every role × a read, a write and an admin route;
// resources of another org; API key scopes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, createProject, putMember } from './projects-fixture.ts';
import { logTime, orgUrl, type TimeWorkspace, timeWorkspace } from './time-fixture.ts';

let t: TestApp;
let w: TimeWorkspace;

beforeAll(async () => {
  t = await createTestApp();
  w = await timeWorkspace(t);
  await putMember(t, w.owner.accessToken, w.orgId, w.project.id, w.admin.userId, 'contributor');
});
afterAll(() => t?.close());

type Who = 'owner' | 'admin' | 'member' | 'viewer' | 'outsider' | 'anonymous';
const WHO: Who[] = ['owner', 'admin', 'member', 'viewer', 'outsider', 'anonymous'];
const token = (who: Who) => (who === 'anonymous' ? null : w[who].accessToken);

describe('isolation matrix', () => {
  const expected: Record<string, Record<Who, [number, string?]>> = {
    'GET time-entries (read)': {
      owner: [200],
      admin: [200],
      member: [200],
      viewer: [200],
      outsider: [404, 'ORG.NOT_FOUND'],
      anonymous: [401, 'UNAUTHENTICATED'],
    },
    'POST time-entries (write)': {
      owner: [201],
      admin: [201],
      member: [201],
      viewer: [403, 'FORBIDDEN'],
      outsider: [404, 'ORG.NOT_FOUND'],
      anonymous: [401, 'UNAUTHENTICATED'],
    },
    'PATCH time-settings (admin write)': {
      owner: [200],
      admin: [200],
      member: [403, 'FORBIDDEN'],
      viewer: [403, 'FORBIDDEN'],
      outsider: [404, 'ORG.NOT_FOUND'],
      anonymous: [401, 'UNAUTHENTICATED'],
    },
  };

  let day = 0;
  const send: Record<string, (who: Who) => ReturnType<typeof call>> = {
    'GET time-entries (read)': (who) => call(t, token(who), 'GET', orgUrl(w.orgId, '/time-entries')),
    'POST time-entries (write)': (who) =>
      call(t, token(who), 'POST', orgUrl(w.orgId, '/time-entries'), { projectId: w.project.id, start: `2026-02-${String(++day).padStart(2, '0')}T09:00:00Z`, durationSeconds: 60 }),
    'PATCH time-settings (admin write)': (who) => call(t, token(who), 'PATCH', orgUrl(w.orgId, '/time-settings'), { weekStartsOn: 'monday' }),
  };

  for (const [route, cells] of Object.entries(expected)) {
    for (const who of WHO) {
      it(`${route} as ${who} → ${cells[who][0]}`, async () => {
        const [status, code] = cells[who];
        const res = await send[route](who);
        if (code) expectProblem(res, status, code);
        else expect(res.statusCode, res.body).toBe(status);
      });
    }
  }
});

describe('resources of another org', () => {
  it('an entry id of org B is not found through org A, and org B is not found for A', async () => {
    const foreignProject = await createProject(t, w.outsider.accessToken, w.outsiderOrgId);
    const foreign = await logTime(t, w.outsider.accessToken, w.outsiderOrgId, { projectId: foreignProject.id, start: '2026-01-05T09:00:00Z', durationSeconds: 60 });
    const url = (orgId: string) => orgUrl(orgId, `/time-entries/${foreign.id}`);
    expectProblem(await call(t, w.owner.accessToken, 'GET', url(w.orgId)), 404, 'TIME.ENTRY_NOT_FOUND');
    expectProblem(await call(t, w.owner.accessToken, 'PATCH', url(w.orgId), { description: 'x' }), 404, 'TIME.ENTRY_NOT_FOUND');
    expectProblem(await call(t, w.owner.accessToken, 'DELETE', url(w.orgId)), 404, 'TIME.ENTRY_NOT_FOUND');
    for (const [method, rest] of [
      ['GET', `/time-entries/${foreign.id}`],
      ['GET', '/timer'],
      ['GET', '/time-settings'],
      ['GET', '/rounding-rules'],
      ['GET', '/timesheets'],
      ['POST', '/timer/stop'],
      ['POST', '/timesheets/2026-W02/submit'],
      ['DELETE', `/member-rates/${w.outsider.userId}`],
    ] as const) {
      expectProblem(await call(t, w.owner.accessToken, method, orgUrl(w.outsiderOrgId, rest)), 404, 'ORG.NOT_FOUND');
    }
    // The foreign org's list holds only its own entry; ours never shows it.
    const ours = (await call(t, w.owner.accessToken, 'GET', orgUrl(w.orgId, '/time-entries?limit=100'))).json().data;
    expect(ours.some((e: { id: string }) => e.id === foreign.id)).toBe(false);
    expect((await call(t, w.outsider.accessToken, 'GET', orgUrl(w.outsiderOrgId, '/time-entries'))).json().data.map((e: { id: string }) => e.id)).toEqual([foreign.id]);
  });
});

describe('API keys', () => {
  it('time:read reads, time:write writes, and neither does the other', async () => {
    const key = async (scopes: string[]) => {
      const res = await call(t, w.member.accessToken, 'POST', '/api/v1/auth/api-keys', { name: `k-${scopes.join('-')}`, scopes });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().key as string;
    };
    const reader = await key(['time:read']);
    const writer = await key(['time:write']);
    const list = orgUrl(w.orgId, '/time-entries');
    const body = { projectId: w.project.id, start: '2026-01-20T09:00:00Z', durationSeconds: 60 };
    expect((await call(t, reader, 'GET', list)).statusCode).toBe(200);
    expectProblem(await call(t, reader, 'POST', list, body), 403, 'FORBIDDEN');
    expect((await call(t, writer, 'POST', list, body)).statusCode).toBe(201);
    expectProblem(await call(t, writer, 'GET', list), 403, 'FORBIDDEN');
  });
});
