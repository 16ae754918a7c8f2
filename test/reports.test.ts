// GET /orgs/{orgId}/reports/time: figures, grouping, time zones, who sees what, validation.
// The org and its five entries are described in reports-fixture.ts; figures are worked out there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { type ReportsOrg, seedReportsOrg } from './reports-fixture.ts';

let t: TestApp;
let o: ReportsOrg;

beforeAll(async () => {
  t = await createTestApp();
  o = await seedReportsOrg(t);
}, 120_000);
afterAll(() => t?.close());

const MARCH = { from: '2024-03-01', to: '2024-03-31' };

function report(token: string | null, query: Record<string, string | boolean> = {}, orgId = o.orgId) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/reports/time${qs ? `?${qs}` : ''}`, headers: token ? bearer(token) : {} });
}

async function json(token: string, query: Record<string, string | boolean>) {
  const res = await report(token, query);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const fig = (entries: number, raw: number, rounded: number, bRaw: number, bRounded: number, amounts: [string, number][] = []) => ({
  entries,
  durationSeconds: raw,
  roundedSeconds: rounded,
  billableSeconds: bRaw,
  billableRoundedSeconds: bRounded,
  amounts: amounts.map(([currency, amountMinor]) => ({ currency, amountMinor })),
});

describe('reports: figures and grouping', () => {
  it('groups by project, labelled with name and key, with totals per currency', async () => {
    const body = await json(o.owner.accessToken, { ...MARCH, groupBy: 'project' });
    expect(body).toMatchObject({
      title: 'Time report by project',
      organization: { id: o.orgId, name: 'Acme Studio' },
      period: { fromDate: '2024-03-01', toDate: '2024-03-31', timeZone: 'Europe/Zurich', from: '2024-02-29T23:00:00.000Z', to: '2024-03-31T22:00:00.000Z' },
      groupBy: 'project',
      scope: 'organization',
      filters: { projectId: null, userId: null, billable: null },
      currencies: ['EUR', 'USD'],
    });
    expect(body.rows).toEqual([
      { key: o.int, label: 'Internal', detail: 'INT', ...fig(1, 7200, 7200, 0, 0) },
      { key: o.mob, label: 'Mobile app', detail: 'MOB', ...fig(1, 4200, 4200, 4200, 4200, [['USD', 14_000]]) },
      { key: o.web, label: 'Website', detail: 'WEB', ...fig(2, 19_200, 19_800, 19_200, 19_800, [['EUR', 55_000]]) },
    ]);
    expect(body.totals).toEqual(fig(4, 30_600, 31_200, 23_400, 24_000, [['EUR', 55_000], ['USD', 14_000]]));
    expect(Date.parse(body.generatedAt)).not.toBeNaN();
  });

  it('groups by user (emails), by task (with the project; entries without a task last) and by client (folded)', async () => {
    const users = await json(o.owner.accessToken, { ...MARCH, groupBy: 'user' });
    expect(Object.fromEntries(users.rows.map((r: any) => [r.label, [r.key, r.entries, r.roundedSeconds]]))).toEqual({
      [o.member.email]: [o.member.userId, 2, 12_600],
      [o.manager.email]: [o.manager.userId, 1, 14_400],
      [o.admin.email]: [o.admin.userId, 1, 4200],
    });

    const tasks = await json(o.owner.accessToken, { ...MARCH, groupBy: 'task' });
    expect(tasks.rows.map((r: any) => [r.label, r.detail, r.key, r.roundedSeconds])).toEqual([
      ['Build', 'WEB Website', o.build, 14_400],
      ['Design', 'WEB Website', o.design, 5400],
      ['(no task)', null, null, 11_400],
    ]);

    const clients = await json(o.owner.accessToken, { ...MARCH, groupBy: 'client' });
    expect(clients.rows).toEqual([
      { key: 'Acme', label: 'Acme', detail: null, ...fig(3, 23_400, 24_000, 23_400, 24_000, [['EUR', 55_000], ['USD', 14_000]]) },
      { key: null, label: '(no client)', detail: null, ...fig(1, 7200, 7200, 0, 0) },
    ]);
    expect(clients.totals).toEqual(tasks.totals);
  });

  it('buckets by day, week (Monday) and month in the org time zone', async () => {
    const days = await json(o.owner.accessToken, { from: '2024-03-01', to: '2024-04-30', groupBy: 'day' });
    expect(days.rows.map((r: any) => [r.key, r.label, r.entries])).toEqual([
      ['2024-03-04', '2024-03-04', 2],
      ['2024-03-05', '2024-03-05', 1],
      ['2024-03-06', '2024-03-06', 1],
      ['2024-04-01', '2024-04-01', 1],
    ]);
    const weeks = await json(o.owner.accessToken, { from: '2024-03-01', to: '2024-04-30', groupBy: 'week' });
    expect(weeks.rows.map((r: any) => [r.key, r.label, r.roundedSeconds])).toEqual([
      ['2024-03-04', '2024-03-04 – 2024-03-10', 31_200],
      ['2024-04-01', '2024-04-01 – 2024-04-07', 4500],
    ]);
    const months = await json(o.owner.accessToken, { from: '2024-03-01', to: '2024-04-30', groupBy: 'month' });
    expect(months.rows.map((r: any) => [r.key, r.label, r.entries])).toEqual([
      ['2024-03-01', '2024-03', 4],
      ['2024-04-01', '2024-04', 1],
    ]);
  });

  it('moves an entry near midnight to the day of the zone asked for', async () => {
    // E5 starts 2024-03-31 22:30 UTC: April 1 in Zurich, March 31 in UTC and in New York.
    const zurich = await json(o.owner.accessToken, { from: '2024-03-31', to: '2024-04-01', groupBy: 'day' });
    expect(zurich.rows.map((r: any) => r.key)).toEqual(['2024-04-01']);
    const utc = await json(o.owner.accessToken, { from: '2024-03-31', to: '2024-04-01', groupBy: 'day', tz: 'UTC' });
    expect(utc.period).toMatchObject({ timeZone: 'UTC', from: '2024-03-31T00:00:00.000Z', to: '2024-04-02T00:00:00.000Z' });
    expect(utc.rows.map((r: any) => r.key)).toEqual(['2024-03-31']);
    const march = await json(o.owner.accessToken, { ...MARCH, tz: 'UTC' });
    expect(march.totals.entries).toBe(5);
    const ny = await json(o.owner.accessToken, { from: '2024-03-31T00:00:00-04:00', to: '2024-04-01T00:00:00-04:00', groupBy: 'day', tz: 'America/New_York' });
    expect(ny.rows.map((r: any) => [r.key, r.entries])).toEqual([['2024-03-31', 1]]);
  });

  it('filters by billable, project and user', async () => {
    const nonBillable = await json(o.owner.accessToken, { ...MARCH, billable: false });
    expect(nonBillable.rows.map((r: any) => r.key)).toEqual([o.int]);
    expect(nonBillable.filterLabels).toEqual(['Non-billable entries only']);
    const web = await json(o.owner.accessToken, { ...MARCH, projectId: o.web, groupBy: 'user' });
    expect(web.rows.map((r: any) => r.label).sort()).toEqual([o.manager.email, o.member.email].sort());
    expect(web.filterLabels).toEqual(['Project: WEB Website']);
    const one = await json(o.owner.accessToken, { ...MARCH, userId: o.member.userId });
    expect(one.totals.entries).toBe(2);
    expect(one.filterLabels).toEqual([`Person: ${o.member.email}`]);
  });

  it('defaults to the current month in the org time zone', async () => {
    const body = await json(o.owner.accessToken, {});
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Zurich' }).format(new Date());
    expect(body.period.fromDate).toBe(`${today.slice(0, 7)}-01`);
    expect(body.period.toDate.slice(0, 7)).toBe(today.slice(0, 7));
    expect(body.groupBy).toBe('project');
  });
});

describe('reports: who sees what', () => {
  const march = { ...MARCH, groupBy: 'user' };

  it('org admins and owners see everyone', async () => {
    for (const u of [o.owner, o.admin]) {
      const body = await json(u.accessToken, march);
      expect(body.scope).toBe('organization');
      expect(body.totals.entries).toBe(4);
    }
  });

  it('a member sees only their own time, and may not ask for someone else', async () => {
    const mine = await json(o.member.accessToken, march);
    expect(mine).toMatchObject({ scope: 'own', filters: { userId: o.member.userId } });
    expect(mine.rows.map((r: any) => [r.key, r.entries])).toEqual([[o.member.userId, 2]]);
    const inProject = await json(o.member.accessToken, { ...march, projectId: o.web });
    expect(inProject.totals.entries).toBe(1);
    expect(inProject.scope).toBe('own');
    expectProblem(await report(o.member.accessToken, { ...march, userId: o.manager.userId }), 403, 'FORBIDDEN');
    expectProblem(await report(o.member.accessToken, { ...march, projectId: o.web, userId: o.manager.userId }), 403, 'FORBIDDEN');
    // A project the member does not belong to is not visible at all.
    expectProblem(await report(o.member.accessToken, { ...march, projectId: o.mob }), 404, 'PROJECTS.NOT_FOUND');
  });

  it('a project manager sees the whole team of the project they manage, and only their own time elsewhere', async () => {
    const team = await json(o.manager.accessToken, { ...march, projectId: o.web });
    expect(team.scope).toBe('project');
    expect(team.rows.map((r: any) => r.key).sort()).toEqual([o.manager.userId, o.member.userId].sort());
    const oneOfThem = await json(o.manager.accessToken, { ...march, projectId: o.web, userId: o.member.userId });
    expect(oneOfThem.totals.entries).toBe(1);
    const everywhere = await json(o.manager.accessToken, march);
    expect(everywhere.scope).toBe('own');
    expect(everywhere.rows.map((r: any) => r.key)).toEqual([o.manager.userId]);
    expectProblem(await report(o.manager.accessToken, { ...march, userId: o.member.userId }), 403, 'FORBIDDEN');
  });

  it('a viewer gets a report of their own (empty) time', async () => {
    const body = await json(o.viewer.accessToken, march);
    expect(body).toMatchObject({ scope: 'own', rows: [], totals: fig(0, 0, 0, 0, 0) });
  });

  it('outsiders get 404 for the org, a project of another org is 404, and no token is 401', async () => {
    expectProblem(await report(o.outsider.accessToken, march), 404, 'ORG.NOT_FOUND');
    expectProblem(await report(o.outsider.accessToken, { ...march, projectId: o.web }, o.outsiderOrgId), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await report(null, march), 401, 'UNAUTHENTICATED');
  });

  it('API keys need the reports:read scope', async () => {
    const key = async (scopes: string[]) => {
      const res = await t.request({ method: 'POST', url: '/api/v1/auth/api-keys', headers: bearer(o.owner.accessToken), payload: { name: 'reports', scopes } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().key as string;
    };
    const good = await key(['reports:read']);
    expect((await t.request({ method: 'GET', url: `/api/v1/orgs/${o.orgId}/reports/time?from=2024-03-01&to=2024-03-31`, headers: { 'x-api-key': good } })).statusCode).toBe(200);
    const other = await key(['projects:read']);
    expectProblem(await t.request({ method: 'GET', url: `/api/v1/orgs/${o.orgId}/reports/time`, headers: { 'x-api-key': other } }), 403, 'FORBIDDEN');
  });
});

describe('reports: bad input', () => {
  it('refuses a period over 366 days', async () => {
    const body = expectProblem(await report(o.owner.accessToken, { from: '2024-01-01', to: '2025-01-01' }), 400, 'REPORTS.RANGE_TOO_LONG');
    expect(body.errors).toEqual([{ field: 'query.to', message: expect.stringContaining('366') }]);
    expect((await report(o.owner.accessToken, { from: '2024-01-01', to: '2024-12-31' })).statusCode).toBe(200);
  });

  it('names the bad field: dates, order, zone, grouping, format, ids', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ from: '2024-02-30' }, 'query.from'],
      [{ to: 'tomorrow' }, 'query.to'],
      [{ from: '2024-03-10', to: '2024-03-01' }, 'query.to'],
      [{ tz: 'Mars/Olympus' }, 'query.tz'],
      [{ groupBy: 'team' }, 'query.groupBy'],
      [{ format: 'docx' }, 'query.format'],
      [{ projectId: 'not-a-uuid' }, 'query.projectId'],
      [{ billable: 'maybe' }, 'query.billable'],
    ];
    for (const [query, field] of cases) {
      const body = expectProblem(await report(o.owner.accessToken, query), 400, 'VALIDATION_FAILED');
      expect(body.errors.map((e: { field: string }) => e.field), JSON.stringify(query)).toContain(field);
    }
    expectProblem(await report(o.owner.accessToken, {}, 'not-a-uuid'), 400, 'VALIDATION_FAILED');
  });

  it('answers 404 for an org that does not exist and for an unknown project', async () => {
    expectProblem(await report(o.owner.accessToken, {}, '01900000-0000-7000-8000-000000000000'), 404, 'ORG.NOT_FOUND');
    expectProblem(await report(o.owner.accessToken, { projectId: '01900000-0000-7000-8000-000000000000' }), 404, 'PROJECTS.NOT_FOUND');
  });
});
