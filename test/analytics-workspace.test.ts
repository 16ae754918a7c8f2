// Analytics over the `workspace` source, as a client reads it from /openapi.json: an org admin
// adds the source, syncs it, asks "hours per client last quarter" in SQL, saves the question for
// viewers, downloads and profiles it; another org's rows never show, whatever the SQL.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { createProject, putMember } from './projects-fixture.ts';
import { logTime, orgUrl, outbox } from './time-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let sourceId: string;

const post = (token: string, url: string, payload: unknown) => t.request({ method: 'POST', url, headers: bearer(token), payload: payload as never });
const get = (token: string, url: string) => t.request({ method: 'GET', url, headers: bearer(token) });

/** The first day of the quarter before today's, and of today's (UTC). */
function lastQuarter() {
  const now = new Date();
  const q = Math.floor(now.getUTCMonth() / 3);
  const start = new Date(Date.UTC(now.getUTCFullYear(), q * 3 - 3, 1));
  return { start, end: new Date(Date.UTC(now.getUTCFullYear(), q * 3, 1)) };
}
const day = (from: Date, days: number, hour = 9) => new Date(from.getTime() + days * 86_400_000 + hour * 3_600_000).toISOString();

const HOURS_PER_CLIENT = `SELECT p.client, round(sum(e.hours), 2) AS hours, round(sum(e.amount), 2) AS amount
FROM time_entries e JOIN projects p ON p.id = e.project_id
WHERE e.start_at >= date_trunc('quarter', now()) - interval '3 months' AND e.start_at < date_trunc('quarter', now())
GROUP BY p.client ORDER BY hours DESC`;

beforeAll(async () => {
  t = await createTestApp();
  w = await orgWithRoles(t);
  const { start } = lastQuarter();
  const acme = await createProject(t, w.owner.accessToken, w.orgId, { client: 'Acme', hourlyRateMinor: 10000, currency: 'EUR' });
  const globex = await createProject(t, w.owner.accessToken, w.orgId, { client: 'Globex' });
  await putMember(t, w.owner.accessToken, w.orgId, acme.id, w.member.userId, 'contributor');
  await putMember(t, w.owner.accessToken, w.orgId, globex.id, w.member.userId, 'contributor');
  await logTime(t, w.member.accessToken, w.orgId, { projectId: acme.id, start: day(start, 3), durationSeconds: 3 * 3600, billable: true });
  await logTime(t, w.member.accessToken, w.orgId, { projectId: acme.id, start: day(start, 20), durationSeconds: 2 * 3600, billable: true });
  await logTime(t, w.member.accessToken, w.orgId, { projectId: globex.id, start: day(start, 40), durationSeconds: 1800, billable: false });
  // This quarter: not counted.
  await logTime(t, w.member.accessToken, w.orgId, { projectId: globex.id, start: day(lastQuarter().end, 1), durationSeconds: 7200 });
  // Another org's work, for the same client name: never visible here.
  const theirs = await createProject(t, w.outsider.accessToken, w.outsiderOrgId, { client: 'Acme' });
  await logTime(t, w.outsider.accessToken, w.outsiderOrgId, { projectId: theirs.id, start: day(start, 5), durationSeconds: 10 * 3600 });

  const created = await post(w.admin.accessToken, orgUrl(w.orgId, '/data-sources'), { name: 'Our workspace', kind: 'workspace' });
  expect(created.statusCode, created.body).toBe(201);
  sourceId = created.json().id;
}, 60_000);
afterAll(async () => t?.close());

describe('the workspace source', () => {
  it('syncs its relations as a schema with the owning modules\' descriptions', async () => {
    const sync = await post(w.admin.accessToken, orgUrl(w.orgId, `/data-sources/${sourceId}/sync`), {});
    expect(sync.statusCode, sync.body).toBe(202);
    await t.runJobs();
    const job = (await get(w.admin.accessToken, `/api/v1/jobs/${sync.json().jobId}`)).json();
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const schema = (await get(w.member.accessToken, orgUrl(w.orgId, `/data-sources/${sourceId}/schema`))).json();
    const tables = schema.schemas[0].tables.map((x: { name: string }) => x.name);
    expect(tables).toEqual(expect.arrayContaining(['clients', 'members', 'projects', 'tasks', 'time_entries']));
    const entries = schema.schemas[0].tables.find((x: { name: string }) => x.name === 'time_entries');
    expect(entries.columns.find((c: { name: string }) => c.name === 'hours')).toMatchObject({ type: 'number', description: 'Duration in hours' });
    expect(schema.schemaVersion).toBe(1);
  });

  it('answers "hours per client last quarter" with this org\'s rows only', async () => {
    const res = await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: sourceId, sql: HOURS_PER_CLIENT });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.columns.map((c: { name: string }) => c.name)).toEqual(['client', 'hours', 'amount']);
    expect(body.rows).toEqual([
      ['Acme', 5, 500],
      ['Globex', 0.5, 0],
    ]);
    expect(body).toMatchObject({ rowCount: 2, truncated: false, cached: false, cachedAt: null });
  });

  it('never shows another org\'s rows, even to SQL that asks for every row', async () => {
    const all = (await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: sourceId, sql: 'SELECT count(*) AS n, sum(hours) AS h FROM time_entries' })).json();
    expect(all.rows).toEqual([[4, 7.5]]);
    const members = (await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: sourceId, sql: 'SELECT email FROM members ORDER BY email' })).json();
    expect(members.rows.flat()).not.toContain(w.outsider.email);
    for (const sql of [
      'SELECT * FROM time_tracking.entries',
      'SELECT * FROM time_tracking.workspace_time_entries',
      "SELECT set_config('trellis.workspace_org', '00000000-0000-0000-0000-000000000000', true)",
      "SELECT current_setting('trellis.workspace_org')",
      'SELECT * FROM pg_catalog.pg_class',
      'SELECT * FROM organizations.memberships',
    ]) {
      const refused = await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: sourceId, sql });
      expectProblem(refused, 422, 'DATA_SOURCES.QUERY_REFUSED');
    }
  });

  it('binds named parameters and serves a repeated query from the cache', async () => {
    const body = { dataSourceId: sourceId, sql: 'SELECT count(*) AS n FROM time_entries WHERE hours >= :least', parameters: [{ name: 'least', type: 'number', value: 2 }] };
    const first = (await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), body)).json();
    expect(first).toMatchObject({ rows: [[3]], cached: false });
    const second = (await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), body)).json();
    expect(second).toMatchObject({ rows: [[3]], cached: true });
    expect(Date.parse(second.cachedAt)).toBeGreaterThan(0);
    const other = (await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { ...body, parameters: [{ name: 'least', type: 'number', value: 2.5 }] })).json();
    expect(other).toMatchObject({ rows: [[1]], cached: false });
    expectProblem(await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { ...body, parameters: [{ name: 'least', type: 'number', value: 'lots' }] }), 400, 'DATA_SOURCES.PARAMETER_INVALID');
    // A sync bumps the schema version: cached results of the old one are not served.
    await post(w.admin.accessToken, orgUrl(w.orgId, `/data-sources/${sourceId}/sync`), {});
    await t.runJobs();
    expect((await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), body)).json().cached).toBe(false);
  });

  it('lets viewers run saved questions, and nothing else', async () => {
    expectProblem(await post(w.viewer.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: sourceId, sql: 'SELECT 1' }), 403, 'FORBIDDEN');
    const saved = await post(w.member.accessToken, orgUrl(w.orgId, '/questions'), { dataSourceId: sourceId, name: 'Hours per client last quarter', question: 'hours per client last quarter', sql: HOURS_PER_CLIENT });
    expect(saved.statusCode, saved.body).toBe(201);
    const run = await post(w.viewer.accessToken, orgUrl(w.orgId, `/questions/${saved.json().id}/run`), {});
    expect(run.statusCode, run.body).toBe(200);
    expect(run.json().rows[0]).toEqual(['Acme', 5, 500]);
    expect((await get(w.viewer.accessToken, orgUrl(w.orgId, '/questions'))).json().data.map((q: { id: string }) => q.id)).toContain(saved.json().id);
    expectProblem(await post(w.member.accessToken, orgUrl(w.orgId, '/questions'), { dataSourceId: sourceId, name: 'Bad', sql: 'DELETE FROM projects' }), 422, 'DATA_SOURCES.QUERY_REFUSED');
    expectProblem(await post(w.member.accessToken, orgUrl(w.orgId, '/questions'), { dataSourceId: sourceId, name: 'Mine', sql: 'SELECT 1', verified: true }), 403, 'ANALYTICS.VERIFY_NEEDS_ADMIN');
    // Only its author or an admin changes it.
    expectProblem(await t.request({ method: 'PATCH', url: orgUrl(w.orgId, `/questions/${saved.json().id}`), headers: bearer(w.viewer.accessToken), payload: { name: 'x' } }), 403, 'FORBIDDEN');
    const verified = await t.request({ method: 'PATCH', url: orgUrl(w.orgId, `/questions/${saved.json().id}`), headers: bearer(w.admin.accessToken), payload: { verified: true } });
    expect(verified.json().verified).toBe(true);
  });

  it('keeps each user\'s history and re-runs from it', async () => {
    const history = (await get(w.member.accessToken, orgUrl(w.orgId, '/queries/history'))).json();
    expect(history.data.length).toBeGreaterThan(3);
    const refused = history.data.find((r: { errorCode: string }) => r.errorCode === 'DATA_SOURCES.QUERY_REFUSED');
    expect(refused).toMatchObject({ status: 'refused', rowCount: null });
    const ok = history.data.find((r: { status: string; sql: string }) => r.status === 'ok' && r.sql === HOURS_PER_CLIENT);
    const rerun = await post(w.member.accessToken, orgUrl(w.orgId, `/queries/history/${ok.id}/run`), {});
    expect(rerun.json()).toMatchObject({ rowCount: 2, cached: false });
    expectProblem(await post(w.admin.accessToken, orgUrl(w.orgId, `/queries/history/${ok.id}/run`), {}), 404, 'ANALYTICS.RUN_NOT_FOUND');
    // The audit trail: who ran what where, never the rows.
    const events = await outbox(t, 'analytics.query_executed', w.orgId);
    expect(events.length).toBeGreaterThan(3);
    const event = events.find((e) => e.payload.status === 'ok');
    expect(Object.keys(event!.payload).sort()).toEqual(['cached', 'durationMs', 'orgId', 'origin', 'questionId', 'rows', 'sourceId', 'sqlHash', 'status']);
    expect(event!.payload.sqlHash).toMatch(/^[0-9a-f]{64}$/);
    expect(event!.actor_id).toBeTruthy();
    // …which the audit log shows: who queried which source.
    await t.drain();
    const audit = (await get(w.owner.accessToken, orgUrl(w.orgId, '/audit?type=analytics.query_executed'))).json();
    expect(audit.data.length).toBeGreaterThan(3);
    expect(audit.data[0]).toMatchObject({ type: 'analytics.query_executed', targetType: 'data_source', targetId: sourceId });
    expect(audit.data.some((r: { actorId: string }) => r.actorId === w.member.userId)).toBe(true);
  });

  it('downloads a whole result as CSV and as XLSX', async () => {
    const csv = await post(w.member.accessToken, orgUrl(w.orgId, '/queries/download'), { dataSourceId: sourceId, sql: `${HOURS_PER_CLIENT}`, format: 'csv' });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="query-result.csv"');
    expect(csv.body).toBe('\uFEFFclient,hours,amount\r\nAcme,5,500\r\nGlobex,0.5,0\r\n');
    const xlsx = await post(w.member.accessToken, orgUrl(w.orgId, '/queries/download'), { dataSourceId: sourceId, sql: HOURS_PER_CLIENT, format: 'xlsx' });
    expect(xlsx.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as never);
    const sheet = book.worksheets[0];
    expect(sheet.getRow(2).values).toEqual([undefined, 'Acme', 5, 500]);
    expectProblem(await post(w.member.accessToken, orgUrl(w.orgId, '/queries/download'), { dataSourceId: sourceId, sql: 'DROP TABLE projects', format: 'csv' }), 422, 'DATA_SOURCES.QUERY_REFUSED');
  });

  it('profiles a table and a result', async () => {
    const table = await post(w.member.accessToken, orgUrl(w.orgId, '/queries/profile'), { dataSourceId: sourceId, table: { schema: 'workspace', name: 'time_entries' } });
    expect(table.statusCode, table.body).toBe(200);
    const hours = table.json().columns.find((c: { name: string }) => c.name === 'hours');
    expect(hours).toMatchObject({ count: 4, nulls: 0, min: 0.5, max: 3, mean: 1.875 });
    expect(table.json().correlations.length).toBeGreaterThan(0);
    const result = await post(w.member.accessToken, orgUrl(w.orgId, '/queries/profile'), { dataSourceId: sourceId, sql: HOURS_PER_CLIENT });
    expect(result.json().columns[0]).toMatchObject({ name: 'client', distinct: 2, topValues: [{ value: 'Acme', count: 1 }, { value: 'Globex', count: 1 }] });
    expectProblem(await post(w.member.accessToken, orgUrl(w.orgId, '/queries/profile'), { dataSourceId: sourceId }), 400, 'ANALYTICS.PROFILE_TARGET');
  });

  it('answers 404 for another org\'s source and questions', async () => {
    expectProblem(await post(w.outsider.accessToken, orgUrl(w.outsiderOrgId, '/queries'), { dataSourceId: sourceId, sql: 'SELECT 1' }), 404, 'ANALYTICS.SOURCE_NOT_FOUND');
    expectProblem(await get(w.outsider.accessToken, orgUrl(w.outsiderOrgId, `/data-sources/${sourceId}`)), 404, 'DATA_SOURCES.NOT_FOUND');
    expectProblem(await get(w.outsider.accessToken, orgUrl(w.orgId, `/data-sources/${sourceId}`)), 404, 'ORG.NOT_FOUND');
  });
});
