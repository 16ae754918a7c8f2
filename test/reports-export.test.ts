// The project budget report, the project ZIP export, every report format over HTTP, and the
// isolation matrix of the reports routes. Figures: see reports-fixture.ts.
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { parseCsv, pdfInfo, pdfPageCount, pdfText, readZip } from './reports-files.ts';
import { type ReportsOrg, seedReportsOrg } from './reports-fixture.ts';

let t: TestApp;
let o: ReportsOrg;

beforeAll(async () => {
  t = await createTestApp();
  o = await seedReportsOrg(t);
}, 120_000);
afterAll(() => t?.close());

const get = (url: string, token: string | null) => t.request({ method: 'GET', url: `/api/v1${url}`, headers: token ? bearer(token) : {} });
const budget = (projectId: string, token: string | null, orgId = o.orgId) => get(`/orgs/${orgId}/reports/projects/${projectId}/budget`, token);
const exportZip = (projectId: string, token: string | null, orgId = o.orgId) => get(`/orgs/${orgId}/projects/${projectId}/export`, token);
const MARCH = 'from=2024-03-01&to=2024-03-31';

describe('reports: formats over HTTP', () => {
  it('csv: text/csv attachment with a header, rows and a totals row', async () => {
    const res = await get(`/orgs/${o.orgId}/reports/time?${MARCH}&groupBy=project&format=csv`, o.owner.accessToken);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="time-report-project-2024-03-01-2024-03-31.csv"');
    expect(parseCsv(res.body)).toEqual([
      ['Project', 'Key', 'Entries', 'Hours', 'Rounded hours', 'Billable hours', 'Billable rounded hours', 'Amount EUR', 'Amount USD'],
      ['Internal', 'INT', '1', '2.00', '2.00', '0.00', '0.00', '0.00', '0.00'],
      ['Mobile app', 'MOB', '1', '1.17', '1.17', '1.17', '1.17', '0.00', '140.00'],
      ['Website', 'WEB', '2', '5.33', '5.50', '5.33', '5.50', '550.00', '0.00'],
      ['Total', '', '4', '8.50', '8.67', '6.50', '6.67', '550.00', '140.00'],
    ]);
  });

  it('xlsx: a workbook exceljs opens, with the same figures', async () => {
    const res = await get(`/orgs/${o.orgId}/reports/time?${MARCH}&groupBy=client&format=xlsx`, o.owner.accessToken);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="time-report-client-2024-03-01-2024-03-31\.xlsx"$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as any);
    const ws = wb.getWorksheet('Time report')!;
    expect(ws.getCell('A1').value).toBe('Time report by client');
    expect(ws.getCell('A2').value).toBe('Acme Studio · 1 March 2024 – 31 March 2024 (Europe/Zurich)');
    expect(ws.getRow(6).values).toEqual([undefined, 'Acme', 3, 6.5, 24_000 / 3600, 6.5, 24_000 / 3600, 550, 140]);
    expect(ws.getRow(7).values).toEqual([undefined, '(no client)', 1, 2, 2, 0, 0, 0, 0]);
    expect(ws.getCell('A8').value).toBe('Total');
    expect((ws.getCell('B8').value as any).result).toBe(4);
  });

  it('pdf: a valid document with the title, org, period, zone and the rows', async () => {
    const res = await get(`/orgs/${o.orgId}/reports/time?${MARCH}&groupBy=user&format=pdf`, o.owner.accessToken);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="time-report-user-2024-03-01-2024-03-31.pdf"');
    const pdf = res.rawPayload;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.subarray(-7).toString()).toMatch(/%%EOF\s*$/);
    expect(pdfInfo(pdf, 'Title')).toBe('Time report by person');
    expect(pdfPageCount(pdf)).toBe(1);
    const text = pdfText(pdf);
    expect(text).toEqual(expect.arrayContaining(['Acme Studio', 'Time report by person', o.member.email, o.manager.email, 'Total', '550.00 EUR', '140.00 USD']));
    expect(text.join('\n')).toContain('Time zone: Europe/Zurich');
  });

  it('the same rules apply to every format: a member gets their own time as csv', async () => {
    const res = await get(`/orgs/${o.orgId}/reports/time?${MARCH}&groupBy=user&format=csv`, o.member.accessToken);
    expect(parseCsv(res.body).map((r) => r[0])).toEqual(['Person', o.member.email, 'Total']);
    expectProblem(await get(`/orgs/${o.orgId}/reports/time?format=pdf`, o.outsider.accessToken), 404, 'ORG.NOT_FOUND');
  });
});

describe('reports: project budget', () => {
  it('spent against budget in hours and money, and the weekly burn in the org zone', async () => {
    const res = await budget(o.web, o.member.accessToken);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      project: { id: o.web, name: 'Website', key: 'WEB', status: 'active' },
      timeZone: 'Europe/Zurich',
      // E1 + E3 + E5: 23,100 s raw (6.42 h), 24,300 s rounded (6.75 h) of 10 h.
      hours: { spent: 6.42, spentRounded: 6.75, budget: 10, remaining: 3.25, percent: 67.5 },
      money: { currency: 'EUR', spentMinor: 67_500, budgetMinor: 100_000, remainingMinor: 32_500, percent: 67.5, otherCurrencies: [] },
      burn: [
        { week: '2024-03-04', seconds: 19_200, roundedSeconds: 19_800, hours: 5.5, amountMinor: 55_000, cumulativeHours: 5.5, cumulativeAmountMinor: 55_000 },
        { week: '2024-04-01', seconds: 3900, roundedSeconds: 4500, hours: 1.25, amountMinor: 12_500, cumulativeHours: 6.75, cumulativeAmountMinor: 67_500 },
      ],
      generatedAt: expect.any(String),
    });
  });

  it('a project without a budget has nulls, in its own currency', async () => {
    const res = await budget(o.mob, o.admin.accessToken);
    expect(res.json()).toMatchObject({
      hours: { spent: 1.17, spentRounded: 1.17, budget: null, remaining: null, percent: null },
      money: { currency: 'USD', spentMinor: 14_000, budgetMinor: null, remainingMinor: null, percent: null },
    });
  });

  it('needs read access to the project', async () => {
    expectProblem(await budget(o.mob, o.member.accessToken), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await budget(o.web, o.viewer.accessToken), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await budget(o.web, o.outsider.accessToken), 404, 'ORG.NOT_FOUND');
    expectProblem(await budget(o.web, o.outsider.accessToken, o.outsiderOrgId), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await budget('01900000-0000-7000-8000-000000000000', o.owner.accessToken), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await budget('nope', o.owner.accessToken), 400, 'VALIDATION_FAILED');
  });
});

describe('reports: project export', () => {
  it('streams a ZIP with project.json, tasks.csv and time-entries.csv, and records the export', async () => {
    const res = await exportZip(o.web, o.manager.accessToken);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="WEB-Website-export-\d{4}-\d{2}-\d{2}\.zip"$/);
    // Streamed: no length known up front.
    expect(res.headers['content-length']).toBeUndefined();
    const files = readZip(res.rawPayload);
    expect([...files.keys()]).toEqual(['project.json', 'tasks.csv', 'time-entries.csv']);

    const project = JSON.parse(files.get('project.json')!.toString('utf8'));
    expect(project).toMatchObject({ organization: { id: o.orgId, name: 'Acme Studio', timeZone: 'Europe/Zurich' }, timeEntries: 'all', project: { id: o.web, key: 'WEB', client: 'Acme' } });
    expect(project.tasks.map((x: any) => x.name).sort()).toEqual(['Build', 'Design']);

    const tasks = parseCsv(files.get('tasks.csv')!.toString('utf8'));
    expect(tasks[0]).toEqual(['id', 'name', 'status', 'estimate_minutes', 'assignee_id', 'assignee_email']);
    expect(tasks.slice(1).map((r) => r[1]).sort()).toEqual(['Build', 'Design']);

    const entries = parseCsv(files.get('time-entries.csv')!.toString('utf8'));
    const head = entries[0];
    const rows = entries.slice(1).map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
    expect(rows.map((r) => r.id).sort()).toEqual([o.entries.e1, o.entries.e3, o.entries.e5].sort());
    expect(rows.find((r) => r.id === o.entries.e1)).toEqual({
      id: o.entries.e1,
      date: '2024-03-04',
      start: '2024-03-04T09:00:00.000Z',
      end: '2024-03-04T10:20:00.000Z',
      user_id: o.member.userId,
      user_email: o.member.email,
      task_id: o.design,
      task_name: 'Design',
      description: 'Work',
      billable: 'true',
      tags: '',
      duration_seconds: '4800',
      rounded_seconds: '5400',
      duration_hours: '1.3333',
      rounded_hours: '1.5000',
      hourly_rate: '100.00',
      currency: 'EUR',
    });
    expect(rows.find((r) => r.id === o.entries.e5)).toMatchObject({ date: '2024-04-01', user_id: o.owner.userId, task_id: '', duration_seconds: '3900', rounded_seconds: '4500' });

    const events = await t.database.db.selectFrom('core.outbox').select(['payload', 'actor_id', 'org_id']).where('type', '=', 'reports.project_exported').execute();
    expect(events).toContainEqual({ payload: { projectId: o.web, entries: 'all' }, actor_id: o.manager.userId, org_id: o.orgId });
  });

  it('gives a contributor only their own entries', async () => {
    const files = readZip((await exportZip(o.web, o.member.accessToken)).rawPayload);
    expect(JSON.parse(files.get('project.json')!.toString()).timeEntries).toBe('own');
    const rows = parseCsv(files.get('time-entries.csv')!.toString('utf8')).slice(1);
    expect(rows.map((r) => r[0])).toEqual([o.entries.e1]);
  });

  it('reads entries in batches: a long history arrives whole and in order', async () => {
    // 2,345 more entries (past the batch of 1,000 twice), inserted in SQL: creating them over
    // HTTP would take minutes, and this test is about the reader, not the writer.
    await sql`
        INSERT INTO time_tracking.entries (id, org_id, user_id, project_id, start_at, end_at, billable, hourly_rate_minor, currency, created_by)
        SELECT gen_random_uuid(), ${o.orgId}::uuid, ${o.admin.userId}::uuid, ${o.int}::uuid,
               timestamptz '2023-01-01 00:00Z' + i * interval '1 hour', timestamptz '2023-01-01 00:30Z' + i * interval '1 hour', false, NULL, 'EUR', ${o.admin.userId}::uuid
        FROM generate_series(0, 2344) AS i`.execute(t.database.db);
    const res = await exportZip(o.int, o.owner.accessToken);
    const rows = parseCsv(readZip(res.rawPayload).get('time-entries.csv')!.toString('utf8')).slice(1);
    expect(rows).toHaveLength(2346);
    const starts = rows.map((r) => r[2]);
    expect(new Set(rows.map((r) => r[0])).size).toBe(2346);
    expect(starts.filter((s) => s.startsWith('2023-')).length).toBe(2345);
    expect(rows.every((r) => r[16] === 'EUR' && r[15] === '')).toBe(true);
  });

  it('needs read access to the project', async () => {
    expectProblem(await exportZip(o.web, o.viewer.accessToken), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await exportZip(o.web, o.outsider.accessToken), 404, 'ORG.NOT_FOUND');
    expectProblem(await exportZip(o.web, o.outsider.accessToken, o.outsiderOrgId), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await exportZip(o.web, null), 401, 'UNAUTHENTICATED');
  });
});

describe('reports: isolation matrix', () => {
  // The reports module has read routes only; each is checked for every kind of caller.
  const routes: [string, () => string][] = [
    ['time report', () => `/orgs/${o.orgId}/reports/time?${MARCH}`],
    ['budget', () => `/orgs/${o.orgId}/reports/projects/${o.web}/budget`],
    ['export', () => `/orgs/${o.orgId}/projects/${o.web}/export`],
  ];
  const expected: Record<string, Record<string, [number, string?]>> = {
    owner: { 'time report': [200], budget: [200], export: [200] },
    admin: { 'time report': [200], budget: [200], export: [200] },
    member: { 'time report': [200], budget: [200], export: [200] },
    viewer: { 'time report': [200], budget: [404, 'PROJECTS.NOT_FOUND'], export: [404, 'PROJECTS.NOT_FOUND'] },
    outsider: { 'time report': [404, 'ORG.NOT_FOUND'], budget: [404, 'ORG.NOT_FOUND'], export: [404, 'ORG.NOT_FOUND'] },
    'no token': { 'time report': [401, 'UNAUTHENTICATED'], budget: [401, 'UNAUTHENTICATED'], export: [401, 'UNAUTHENTICATED'] },
  };

  it('answers each caller as expected on each route', async () => {
    const callers: Record<string, string | null> = {
      owner: o.owner.accessToken,
      admin: o.admin.accessToken,
      member: o.member.accessToken,
      viewer: o.viewer.accessToken,
      outsider: o.outsider.accessToken,
      'no token': null,
    };
    for (const [who, token] of Object.entries(callers)) {
      for (const [name, url] of routes) {
        const [status, code] = expected[who][name];
        const res = await get(url(), token);
        expect(res.statusCode, `${who} × ${name}: ${res.body.slice(0, 200)}`).toBe(status);
        if (code) expectProblem(res, status, code);
      }
    }
  });
});
