// A small org for the reports suites, built through the public API only: an org in
// Europe/Zurich with a user per role plus a project manager, three projects (two clients, two
// currencies, one not billable), two tasks, a 15-minute round-up rule on WEB, and five
// finished entries whose figures the tests work out by hand:
//
//   entry  who      project  task    start (UTC)        raw     rounded  billable  amount
//   E1     member   WEB      Design  2024-03-04 09:00   4800 s  5400 s   yes       15000 EUR
//   E2     member   INT      –       2024-03-05 10:00   7200 s  7200 s   no        0
//   E3     manager  WEB      Build   2024-03-04 13:00  14400 s 14400 s   yes       40000 EUR
//   E4     admin    MOB      –       2024-03-06 08:00   4200 s  4200 s   yes       14000 USD
//   E5     owner    WEB      –       2024-03-31 22:30   3900 s  4500 s   yes       12500 EUR
//
// E5 is 2024-04-01 00:30 in Zurich (UTC+2 since that night) but still March 31 in UTC: the
// time-zone bucketing tests lean on it.
import { bearer, type TestApp } from './harness.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

export interface ReportsOrg {
  orgId: string;
  owner: U;
  admin: U;
  member: U;
  viewer: U;
  manager: U;
  outsider: U;
  outsiderOrgId: string;
  web: string;
  mob: string;
  int: string;
  design: string;
  build: string;
  entries: Record<'e1' | 'e2' | 'e3' | 'e4' | 'e5', string>;
}

async function ok(res: Awaited<ReturnType<TestApp['request']>>, status: number, what: string) {
  if (res.statusCode !== status) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function seedReportsOrg(t: TestApp): Promise<ReportsOrg> {
  const w = await orgWithRoles(t);
  const { orgId, owner } = w;
  const as = bearer(owner.accessToken);
  const manager = await addMember(t, owner.accessToken, orgId, 'member');
  await ok(await t.request({ method: 'PATCH', url: `/api/v1/orgs/${orgId}`, headers: as, payload: { name: 'Acme Studio', timezone: 'Europe/Zurich', currency: 'EUR' } }), 200, 'org settings');

  const project = async (payload: Record<string, unknown>) =>
    (await ok(await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/projects`, headers: as, payload }), 201, `project ${payload.key}`)).id as string;
  const web = await project({ name: 'Website', key: 'WEB', client: 'Acme', hourlyRateMinor: 10_000, budgetHours: 10, budgetMinor: 100_000, billableDefault: true });
  const mob = await project({ name: 'Mobile app', key: 'MOB', client: 'Acme', hourlyRateMinor: 12_000, currency: 'USD', billableDefault: true });
  const int = await project({ name: 'Internal', key: 'INT', billableDefault: false });

  const role = async (projectId: string, userId: string, r: string) =>
    ok(await t.request({ method: 'PUT', url: `/api/v1/orgs/${orgId}/projects/${projectId}/members/${userId}`, headers: as, payload: { role: r } }), 201, 'project member');
  await role(web, w.member.userId, 'contributor');
  await role(int, w.member.userId, 'contributor');
  await role(web, manager.userId, 'manager');

  const task = async (name: string) => (await ok(await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/projects/${web}/tasks`, headers: as, payload: { name } }), 201, `task ${name}`)).id as string;
  const design = await task('Design');
  const build = await task('Build');

  const rule = { scope: 'project', target: web, minutes: 15, mode: 'up' };
  await ok(await t.request({ method: 'PUT', url: `/api/v1/orgs/${orgId}/rounding-rules`, headers: as, payload: rule }), 200, 'rounding rule');

  const entry = async (userId: string, projectId: string, start: string, seconds: number, taskId?: string) =>
    (
      await ok(
        await t.request({
          method: 'POST',
          url: `/api/v1/orgs/${orgId}/time-entries`,
          headers: as,
          payload: { userId, projectId, start, durationSeconds: seconds, description: 'Work', ...(taskId ? { taskId } : {}) },
        }),
        201,
        'entry',
      )
    ).id as string;
  const entries = {
    e1: await entry(w.member.userId, web, '2024-03-04T09:00:00Z', 4800, design),
    e2: await entry(w.member.userId, int, '2024-03-05T10:00:00Z', 7200),
    e3: await entry(manager.userId, web, '2024-03-04T13:00:00Z', 14_400, build),
    e4: await entry(w.admin.userId, mob, '2024-03-06T08:00:00Z', 4200),
    e5: await entry(owner.userId, web, '2024-03-31T22:30:00Z', 3900),
  };
  await t.drain();
  return { ...w, manager, web, mob, int, design, build, entries };
}
