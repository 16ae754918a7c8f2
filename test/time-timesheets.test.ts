// Timesheets: submit a period in the org's zone, list by role, approve or reject, and the
// lock an approved period puts on that user's entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call } from './projects-fixture.ts';
import { logTime, orgUrl, outbox, setOrgZone, type TimeWorkspace, timeWorkspace } from './time-fixture.ts';

let t: TestApp;
let w: TimeWorkspace;
const url = (rest: string) => orgUrl(w.orgId, rest);
const sheets = (token: string, qs = '') => call(t, token, 'GET', url(`/timesheets${qs ? `?${qs}` : ''}`));
let inWeek: { id: string };
let nextWeek: { id: string };

beforeAll(async () => {
  t = await createTestApp();
  w = await timeWorkspace(t);
  await setOrgZone(t, w.owner.accessToken, w.orgId, 'Europe/Berlin');
  // 2026-W45 in Berlin runs from 2 Nov 00:00 (1 Nov 23:00 UTC) to 9 Nov 00:00 (8 Nov 23:00 UTC).
  inWeek = await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-11-01T23:30:00Z', durationSeconds: 3600 });
  await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-11-05T09:00:00Z', durationSeconds: 1800 });
  nextWeek = await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-11-08T23:30:00Z', durationSeconds: 600 });
  await logTime(t, w.peer.accessToken, w.orgId, { projectId: w.project.id, start: '2026-11-05T09:00:00Z', durationSeconds: 600 });
});
afterAll(() => t?.close());

describe('timesheets', () => {
  it("submits the member's own entries of an ISO week in the org zone", async () => {
    const res = await call(t, w.member.accessToken, 'POST', url('/timesheets/2026-W45/submit'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      userId: w.member.userId,
      period: '2026-W45',
      start: '2026-11-01T23:00:00.000Z',
      end: '2026-11-08T23:00:00.000Z',
      status: 'submitted',
      entries: 2,
      durationSeconds: 5400,
      decidedAt: null,
      comment: null,
    });
    const events = await outbox(t, 'time.timesheet_submitted', w.orgId);
    expect(events.at(-1)?.payload).toMatchObject({ userId: w.member.userId, period: '2026-W45', start: '2026-11-01T23:00:00.000Z' });
    expect((await call(t, w.peer.accessToken, 'POST', url('/timesheets/2026-W45/submit'))).json().entries).toBe(1);
  });

  it('refuses periods that are not ISO weeks or months', async () => {
    // The schema knows which weeks a year has (decision 0020): no W53 in 2025, no month 13.
    for (const period of ['2025-W53', '2026-13']) {
      const body = expectProblem(await call(t, w.member.accessToken, 'POST', url(`/timesheets/${period}/submit`)), 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual([{ field: 'params.period', message: 'must match format "week-or-month"' }]);
    }
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/timesheets/last-week/submit')), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, w.viewer.accessToken, 'POST', url('/timesheets/2026-W45/submit')), 403, 'FORBIDDEN');
  });

  it('lists own timesheets for members, managed ones for managers, all for admins', async () => {
    const users = async (token: string, qs = '') => (await sheets(token, qs)).json().data.map((s: { userId: string }) => s.userId).sort();
    expect(await users(w.member.accessToken)).toEqual([w.member.userId]);
    expect(await users(w.viewer.accessToken)).toEqual([]);
    expect(await users(w.manager.accessToken)).toEqual([w.member.userId, w.peer.userId].sort());
    expect(await users(w.admin.accessToken)).toEqual([w.member.userId, w.peer.userId].sort());
    expect(await users(w.admin.accessToken, `userId=${w.peer.userId}`)).toEqual([w.peer.userId]);
    expect(await users(w.admin.accessToken, 'status=approved')).toEqual([]);
    expect(await users(w.admin.accessToken, 'period=2026-W46')).toEqual([]);
    const page = (await sheets(w.admin.accessToken, 'limit=1')).json();
    expect(page.data).toHaveLength(1);
    const rest = (await sheets(w.admin.accessToken, `limit=1&cursor=${page.page.nextCursor}`)).json();
    expect(rest.data).toHaveLength(1);
    expect(rest.data[0].id).not.toBe(page.data[0].id);
    expectProblem(await sheets(w.admin.accessToken, 'status=open'), 400, 'VALIDATION_FAILED');
  });

  it('only an admin or a manager of its projects decides, never on their own sheet', async () => {
    const approve = (token: string, body: Record<string, unknown>) => call(t, token, 'POST', url('/timesheets/2026-W45/approve'), body);
    expectProblem(await approve(w.peer.accessToken, { userId: w.member.userId }), 404, 'TIME.TIMESHEET_NOT_FOUND');
    expectProblem(await approve(w.member.accessToken, { userId: w.member.userId }), 403, 'TIME.SELF_APPROVAL');
    expectProblem(await approve(w.viewer.accessToken, { userId: w.member.userId }), 403, 'FORBIDDEN');
    expectProblem(await approve(w.manager.accessToken, { userId: w.viewer.userId }), 404, 'TIME.TIMESHEET_NOT_FOUND');
    expectProblem(await approve(w.manager.accessToken, {}), 400, 'VALIDATION_FAILED');
    const ok = await approve(w.manager.accessToken, { userId: w.member.userId, comment: 'Thanks' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', decidedBy: w.manager.userId, comment: 'Thanks', decidedAt: expect.any(String) });
    expect((await outbox(t, 'time.timesheet_approved', w.orgId)).at(-1)?.payload).toMatchObject({ userId: w.member.userId, approverId: w.manager.userId, period: '2026-W45' });
    expectProblem(await approve(w.admin.accessToken, { userId: w.member.userId }), 409, 'TIME.TIMESHEET_NOT_SUBMITTED');
  });

  it("an approved period locks that user's entries in it, and only those", async () => {
    const body = { projectId: w.project.id, start: '2026-11-03T09:00:00Z', durationSeconds: 60 };
    expect(expectProblem(await call(t, w.member.accessToken, 'POST', url('/time-entries'), body), 409, 'TIME.PERIOD_APPROVED').period).toBe('2026-W45');
    expectProblem(await call(t, w.member.accessToken, 'PATCH', url(`/time-entries/${inWeek.id}`), { description: 'x' }), 409, 'TIME.PERIOD_APPROVED');
    expectProblem(await call(t, w.manager.accessToken, 'PATCH', url(`/time-entries/${inWeek.id}`), { description: 'x' }), 409, 'TIME.PERIOD_APPROVED');
    expectProblem(await call(t, w.admin.accessToken, 'DELETE', url(`/time-entries/${inWeek.id}`)), 409, 'TIME.PERIOD_APPROVED');
    expectProblem(await call(t, w.member.accessToken, 'PATCH', url(`/time-entries/${nextWeek.id}`), { start: '2026-11-04T09:00:00Z' }), 409, 'TIME.PERIOD_APPROVED');
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/timesheets/2026-W45/submit')), 409, 'TIME.PERIOD_APPROVED');
    // The next week (in Berlin) and other people's entries stay open.
    expect((await call(t, w.member.accessToken, 'PATCH', url(`/time-entries/${nextWeek.id}`), { description: 'ok' })).statusCode).toBe(200);
    await logTime(t, w.peer.accessToken, w.orgId, { ...body, start: '2026-11-03T10:00:00Z' });
  });

  it('a rejected timesheet can be edited and resubmitted', async () => {
    const reject = (body: Record<string, unknown>) => call(t, w.admin.accessToken, 'POST', url('/timesheets/2026-W45/reject'), body);
    expectProblem(await reject({ userId: w.member.userId }), 400, 'VALIDATION_FAILED');
    expectProblem(await reject({ userId: w.member.userId, comment: '   ' }), 400, 'VALIDATION_FAILED');
    const res = await reject({ userId: w.member.userId, comment: 'Split the 1 h entry please' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'rejected', comment: 'Split the 1 h entry please', decidedBy: w.admin.userId });
    expect((await outbox(t, 'time.timesheet_rejected', w.orgId)).at(-1)?.payload).toMatchObject({ userId: w.member.userId, comment: 'Split the 1 h entry please' });
    expectProblem(await reject({ userId: w.member.userId, comment: 'again' }), 409, 'TIME.TIMESHEET_NOT_SUBMITTED');

    const edit = await call(t, w.member.accessToken, 'PATCH', url(`/time-entries/${inWeek.id}`), { durationSeconds: 1800 });
    expect(edit.statusCode, edit.body).toBe(200);
    const again = await call(t, w.member.accessToken, 'POST', url('/timesheets/2026-W45/submit'));
    expect(again.json()).toMatchObject({ status: 'submitted', durationSeconds: 3600, decidedBy: null, comment: null });
    expect((await call(t, w.admin.accessToken, 'POST', url('/timesheets/2026-W45/approve'), { userId: w.member.userId })).json().status).toBe('approved');
    expectProblem(await call(t, w.admin.accessToken, 'POST', url('/timesheets/2026-W44/approve'), { userId: w.member.userId }), 404, 'TIME.TIMESHEET_NOT_FOUND');
  });

  it('a month is a period too, and a running timer in it blocks submission', async () => {
    const month = await call(t, w.peer.accessToken, 'POST', url('/timesheets/2026-10/submit'));
    expect(month.json()).toMatchObject({ period: '2026-10', start: '2026-09-30T22:00:00.000Z', end: '2026-10-31T23:00:00.000Z', entries: 0 });
    expect((await call(t, w.peer.accessToken, 'POST', url('/timer/start'), { projectId: w.project.id })).statusCode).toBe(201);
    const current = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit' }).format(new Date()); // '2026-11'
    expectProblem(await call(t, w.peer.accessToken, 'POST', url(`/timesheets/${current}/submit`)), 409, 'TIME.TIMER_RUNNING');
    expect((await call(t, w.peer.accessToken, 'POST', url('/timer/stop'))).statusCode).toBe(200);
  });
});
