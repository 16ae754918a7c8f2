// Report files made by background jobs: 202 with a job, progress on GET /jobs/{id}, the file
// behind the result's link for its requester only, and `reports.export_ready` published once.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { parseCsv, pdfPageCount } from './reports-files.ts';
import { type ReportsOrg, seedReportsOrg } from './reports-fixture.ts';

let t: TestApp;
let w: ReportsOrg;
beforeAll(async () => {
  t = await createTestApp();
  w = await seedReportsOrg(t);
});
afterAll(async () => {
  await t?.close();
});

const requestFile = (token: string, body: Record<string, unknown>, orgId = w.orgId) =>
  t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/reports/time/files`, headers: bearer(token), payload: body });

describe('report files in the background', () => {
  it('answers 202 with a job, runs it, and serves the CSV to its requester', async () => {
    const res = await requestFile(w.admin.accessToken, { from: '2024-03-01', to: '2024-03-31', groupBy: 'project', format: 'csv' });
    expect(res.statusCode, res.body).toBe(202);
    const { jobId, statusUrl } = res.json();
    expect(res.headers.location).toBe(statusUrl);

    const queued = await t.request({ method: 'GET', url: statusUrl, headers: bearer(w.admin.accessToken) });
    expect(queued.json()).toMatchObject({ status: 'queued', progress: 0, name: 'reports.time_report_file' });

    expect(await t.runJobs()).toBeGreaterThanOrEqual(1);
    const done = await t.request({ method: 'GET', url: statusUrl, headers: bearer(w.admin.accessToken) });
    const job = done.json();
    expect(job).toMatchObject({ status: 'completed', progress: 1, error: null });
    expect(job.result.link).toBe(`/api/v1/orgs/${w.orgId}/reports/files/${jobId}`);
    expect(job.result.fileName).toMatch(/^time-report-project-2024-03-01-2024-03-31\.csv$/);

    const file = await t.request({ method: 'GET', url: job.result.link, headers: bearer(w.admin.accessToken) });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toMatch(/^text\/csv/);
    expect(file.headers['content-disposition']).toContain(job.result.fileName);
    const rows = parseCsv(file.body);
    expect(rows.length).toBeGreaterThan(2);
    expect(Buffer.byteLength(file.body)).toBe(job.result.bytes);

    // One export_ready event, for the requester, in the org.
    const events = await sql<{ payload: any; org_id: string }>`SELECT payload, org_id FROM core.outbox WHERE type = 'reports.export_ready' AND payload->>'jobId' = ${jobId}`.execute(t.database.db);
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0]).toMatchObject({ org_id: w.orgId, payload: { userId: w.admin.userId, fileName: job.result.fileName } });
  });

  it('renders PDF files too', async () => {
    const res = await requestFile(w.admin.accessToken, { from: '2024-03-01', to: '2024-03-31', groupBy: 'user', format: 'pdf' });
    expect(res.statusCode).toBe(202);
    await t.runJobs();
    const job = (await t.request({ method: 'GET', url: res.json().statusUrl, headers: bearer(w.admin.accessToken) })).json();
    const file = await t.request({ method: 'GET', url: job.result.link, headers: bearer(w.admin.accessToken) });
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(pdfPageCount(file.rawPayload)).toBeGreaterThanOrEqual(1);
  });

  it('checks the request at once: bad input, other org, no token', async () => {
    expectProblem(await requestFile(w.admin.accessToken, { format: 'docx' }), 400, 'VALIDATION_FAILED');
    expectProblem(await requestFile(w.admin.accessToken, { format: 'csv', tz: 'Mars/Olympus' }), 400, 'VALIDATION_FAILED');
    expectProblem(await requestFile(w.outsider.accessToken, { format: 'csv' }), 404, 'ORG.NOT_FOUND');
    const anonymous = await t.request({ method: 'POST', url: `/api/v1/orgs/${w.orgId}/reports/time/files`, payload: { format: 'csv' } });
    expect(anonymous.statusCode).toBe(401);
  });

  it('serves the file to its requester only, in its org only', async () => {
    const res = await requestFile(w.member.accessToken, { from: '2024-03-01', to: '2024-03-31', format: 'csv' });
    expect(res.statusCode).toBe(202);
    await t.runJobs();
    const { result } = (await t.request({ method: 'GET', url: res.json().statusUrl, headers: bearer(w.member.accessToken) })).json();
    expect((await t.request({ method: 'GET', url: result.link, headers: bearer(w.member.accessToken) })).statusCode).toBe(200);
    // The org admin did not ask for it; the job status is private too.
    expectProblem(await t.request({ method: 'GET', url: result.link, headers: bearer(w.admin.accessToken) }), 404, 'REPORTS.FILE_NOT_FOUND');
    expectProblem(await t.request({ method: 'GET', url: res.json().statusUrl, headers: bearer(w.admin.accessToken) }), 404, 'NOT_FOUND');
    const otherOrg = result.link.replace(w.orgId, w.outsiderOrgId);
    expectProblem(await t.request({ method: 'GET', url: otherOrg, headers: bearer(w.member.accessToken) }), 404, 'REPORTS.FILE_NOT_FOUND');
  });

  it('purges files past their day', async () => {
    await sql`UPDATE reports.export_files SET expires_at = now() - interval '1 minute'`.execute(t.database.db);
    await t.app.jobs.enqueue('reports.purge_files', {});
    await t.runJobs();
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM reports.export_files`.execute(t.database.db);
    expect(left.rows[0].n).toBe(0);
  });
});
