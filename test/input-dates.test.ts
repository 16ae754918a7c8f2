// The red team's dates (issue #10): an entry starting 9999-12-31T23:30Z lasting an hour was
// stored, and from then on every list of the org's entries answered 500; reports in year 9999
// answered 500; timesheet periods of year 0 were stored as 1900. Now such input is a 400 at
// the schema, and a row that got in before (or by any other way) no longer breaks a read.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, signUp, type TestApp } from './harness.ts';

let t: TestApp;
let h: Record<string, string>;
let userId: string;
let orgId: string;
let projectId: string;

beforeAll(async () => {
  t = await createTestApp({ env: { AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' } });
  const user = await signUp(t);
  userId = user.userId;
  h = bearer(user.accessToken);
  orgId = (await t.request({ method: 'POST', url: '/api/v1/orgs', headers: h, payload: { name: 'Dates', slug: `dates-${Date.now()}` } })).json().id;
  projectId = (await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/projects`, headers: h, payload: { name: 'Dates', key: 'DTS' } })).json().id;
});
afterAll(async () => {
  await t?.close();
});

const entries = () => t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/time-entries`, headers: h });

describe('time entries', () => {
  it("refuses the red team's entry (9999-12-31T23:30Z for an hour) with 400, and stores nothing", async () => {
    for (const payload of [
      { projectId, start: '9999-12-31T23:30:00Z', durationSeconds: 3600 },
      { projectId, start: '9999-12-31T23:30:00Z', end: '9999-12-31T23:59:00Z' },
      { projectId, start: '2999-12-31T23:30:00Z', end: '3000-01-01T00:30:00Z' },
      { projectId, start: '1969-12-31T23:00:00Z', durationSeconds: 60 },
      { projectId, start: '2026-02-30T10:00:00Z', durationSeconds: 60 },
    ]) {
      const res = await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/time-entries`, headers: h, payload });
      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors.map((e: { field: string }) => e.field).some((f: string) => f === 'body.start' || f === 'body.end'), JSON.stringify(payload)).toBe(true);
    }
    const list = await entries();
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toEqual([]);
  });

  it('accepts the last hour of the range', async () => {
    const res = await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/time-entries`, headers: h, payload: { projectId, start: '2999-12-31T22:30:00Z', durationSeconds: 3600 } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().end).toBe('2999-12-31T23:30:00.000Z');
    await t.request({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/time-entries/${res.json().id}`, headers: h });
  });

  it('a row past year 9999 already in the table does not break lists, reads, reports or its deletion', async () => {
    // What the red team stored before validation held: it ends in year 10000.
    const id = randomUUID();
    await t.database.runSql(
      `INSERT INTO time_tracking.entries (id, org_id, user_id, project_id, start_at, end_at, billable, currency, created_by)
       VALUES ($1, $2, $3, $4, '9999-12-31T23:30:00Z', '10000-01-01T00:30:00Z', true, 'EUR', $3)`,
      [id, orgId, userId, projectId],
    );
    // Its `end` (year 10000) has no RFC 3339 form, so the lists and reads that show it cannot
    // match the document's `date-time`: they are sent unchecked (test/contract.ts). What this
    // test asks is that they answer at all.
    const list = await t.requestUnchecked({ method: 'GET', url: `/api/v1/orgs/${orgId}/time-entries`, headers: h });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().data.map((e: { id: string }) => e.id)).toEqual([id]);
    expect((await t.requestUnchecked({ method: 'GET', url: `/api/v1/orgs/${orgId}/time-entries/${id}`, headers: h })).statusCode).toBe(200);
    const budget = await t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/reports/projects/${projectId}/budget`, headers: h });
    expect(budget.statusCode, budget.body).toBe(200);
    expect((await t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/reports/time`, headers: h })).statusCode).toBe(200);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/time-entries/${id}`, headers: h })).statusCode).toBe(204);
    expect((await entries()).json().data).toEqual([]);
  });

  it('list bounds are real dates in the range; a bound without an offset is wall time in tz', async () => {
    for (const query of ['from=2026-02-30', 'to=9999-12-31', 'from=0000-01-01', 'to=2026-01-01T24:00']) {
      expectProblem(await t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/time-entries?${query}`, headers: h }), 400, 'VALIDATION_FAILED');
    }
    expect((await t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/time-entries?from=2026-01-01T08:00&tz=Europe/Paris`, headers: h })).statusCode).toBe(200);
  });
});

describe('reports', () => {
  it('answers 400 for periods in year 9999 (and outside 1970–2999), as a query and as a file request', async () => {
    for (const query of ['from=9999-12-01&to=9999-12-31', 'from=9999-12-31', 'to=9999-12-31', 'from=2999-12-01&to=3000-01-05', 'from=1969-12-01&to=1970-01-05', 'from=2026-02-30']) {
      const res = await t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/reports/time?${query}&groupBy=week`, headers: h });
      expectProblem(res, 400, 'VALIDATION_FAILED');
    }
    const file = await t.request({
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/reports/time/files`,
      headers: h,
      payload: { from: '9999-12-01', to: '9999-12-31', groupBy: 'week', format: 'csv' },
    });
    expectProblem(file, 400, 'VALIDATION_FAILED');
  });

  it('reports the last month of the range, by week', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/reports/time?from=2999-12-01&to=2999-12-31&groupBy=week`, headers: h });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().period).toMatchObject({ fromDate: '2999-12-01', toDate: '2999-12-31' });
  });
});

describe('timesheet periods', () => {
  it('refuses weeks and months that do not exist or lie outside 1970–2999', async () => {
    for (const period of ['0000-W01', '2026-W54', '2025-W53', '2026-W00', '0000-01', '2026-13', '9999-W52', '9999-12']) {
      const res = await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/timesheets/${period}/submit`, headers: h });
      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors[0].field, period).toBe('params.period');
    }
    const sheets = await t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/timesheets`, headers: h });
    expect(sheets.json().data).toEqual([]);
  });

  it('still takes week 53 of a long year', async () => {
    const res = await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/timesheets/2026-W53/submit`, headers: h });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ period: '2026-W53', start: '2026-12-28T00:00:00.000Z' });
  });
});
