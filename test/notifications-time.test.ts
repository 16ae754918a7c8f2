// The time module's notification kinds end to end through HTTP (decision 0035): a submitted
// timesheet reaches those who may decide on it, a decision reaches the member with its comment,
// a project's budget at 80 % and 100 % reaches its managers; each follows the preferences.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import { call, createProject as createProjectAsOwner, projectsUrl, putMember } from './projects-fixture.ts';
import { logTime, orgUrl, type TimeWorkspace, timeWorkspace } from './time-fixture.ts';
import type { U } from './workspace.ts';

let t: TestApp;
let w: TimeWorkspace;

/** Its creator manages a project: the owner leaves it, so only the managers a test names manage it. */
async function withoutCreator(projectId: string) {
  const res = await call(t, w.owner.accessToken, 'DELETE', projectsUrl(w.orgId, `/${projectId}/members/${w.owner.userId}`));
  expect(res.statusCode, res.body).toBe(204);
}

async function createProject(body: Record<string, unknown> = {}) {
  const p = await createProjectAsOwner(t, w.owner.accessToken, w.orgId, body);
  await withoutCreator(p.id);
  return p;
}

beforeAll(async () => {
  t = await createTestApp();
  w = await timeWorkspace(t);
  await withoutCreator(w.project.id);
});
afterAll(() => t?.close());

/** Delivers events and runs the jobs they enqueue until nothing is left. */
async function settle() {
  for (let i = 0; i < 10; i++) {
    const events = await t.drain();
    const jobs = await t.runJobs();
    if (events === 0 && jobs === 0) return;
  }
  throw new Error('events or jobs keep coming');
}

async function inbox(u: U, type: string) {
  const res = await t.request({ method: 'GET', url: '/api/v1/notifications?limit=100', headers: bearer(u.accessToken) });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data as any[]).filter((n) => n.type === type);
}

const mails = (u: U, subject: string) => t.mailer.sent.filter((m) => m.to === u.email && m.subject === subject);

async function setPreferences(u: U, types: Record<string, Record<string, boolean>>) {
  const res = await t.request({ method: 'PUT', url: '/api/v1/notifications/preferences', headers: bearer(u.accessToken), payload: { types } });
  expect(res.statusCode, res.body).toBe(200);
}

const url = (rest: string) => orgUrl(w.orgId, rest);
const submit = async (u: U, period: string) => {
  const res = await call(t, u.accessToken, 'POST', url(`/timesheets/${period}/submit`));
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const decide = async (by: U, verb: 'approve' | 'reject', period: string, body: { userId: string; comment?: string }) => {
  const res = await call(t, by.accessToken, 'POST', url(`/timesheets/${period}/${verb}`), body);
  expect(res.statusCode, res.body).toBe(200);
};

describe('timesheets', () => {
  it("a submitted timesheet reaches the managers of its projects, in-app, and by mail once they ask for it", async () => {
    await settle();
    await setPreferences(w.manager, { timesheet_submitted: { email: true } });
    await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-03-03T09:00:00Z', durationSeconds: 5400 });
    const sheet = await submit(w.member, '2026-W10');
    await settle();

    const [n, ...more] = await inbox(w.manager, 'timesheet_submitted');
    expect(more).toEqual([]);
    expect(n).toMatchObject({
      title: `${w.member.email} submitted a timesheet for 2026-W10`,
      orgId: w.orgId,
      data: { orgId: w.orgId, timesheetId: sheet.id, userId: w.member.userId, userEmail: w.member.email, period: '2026-W10', entries: 1, durationSeconds: 5400 },
    });
    expect(n.body).toContain('1.5 h in 1 entry');
    expect(mails(w.manager, n.title)).toHaveLength(1);
    // A manager can decide, so the admins are not told; nor is the member who submitted.
    for (const u of [w.owner, w.admin, w.member, w.peer]) expect(await inbox(u, 'timesheet_submitted'), u.email).toEqual([]);
  });

  it('a timesheet no manager can decide on reaches the org’s admins and owners instead', async () => {
    const lonely = await createProject();
    await putMember(t, w.owner.accessToken, w.orgId, lonely.id, w.peer.userId, 'contributor');
    await logTime(t, w.peer.accessToken, w.orgId, { projectId: lonely.id, start: '2026-03-10T09:00:00Z', durationSeconds: 600 });
    await submit(w.peer, '2026-W11');
    await settle();
    for (const u of [w.owner, w.admin]) {
      expect((await inbox(u, 'timesheet_submitted')).map((n) => n.data.userId), u.email).toEqual([w.peer.userId]);
      // In-app only by default.
      expect(mails(u, `${w.peer.email} submitted a timesheet for 2026-W11`), u.email).toEqual([]);
    }
    expect((await inbox(w.manager, 'timesheet_submitted')).map((n) => n.data.period)).toEqual(['2026-W10']);
  });

  it('approving and rejecting tell the member, with the comment; a rejection is mailed by default', async () => {
    await decide(w.manager, 'approve', '2026-W10', { userId: w.member.userId, comment: 'Thanks, all fine' });
    await settle();
    const [approved] = await inbox(w.member, 'timesheet_approved');
    expect(approved).toMatchObject({
      title: 'Your timesheet for 2026-W10 was approved',
      data: { period: '2026-W10', approverId: w.manager.userId, approverEmail: w.manager.email, comment: 'Thanks, all fine' },
    });
    expect(approved.body).toContain('“Thanks, all fine”');
    expect(mails(w.member, approved.title)).toEqual([]);

    // An admin may reject an approved sheet: the member must correct it.
    await decide(w.admin, 'reject', '2026-W10', { userId: w.member.userId, comment: 'Friday is missing' });
    await settle();
    const [rejected] = await inbox(w.member, 'timesheet_rejected');
    expect(rejected).toMatchObject({
      title: 'Your timesheet for 2026-W10 was rejected',
      data: { period: '2026-W10', approverId: w.admin.userId, comment: 'Friday is missing' },
    });
    const [mail] = mails(w.member, 'Your timesheet for 2026-W10 was rejected');
    expect(mail.text).toContain('Comment: Friday is missing');
    expect(mail.text).toContain('submit it again');
    // Nobody else hears of a decision.
    for (const u of [w.manager, w.admin, w.peer]) expect(await inbox(u, 'timesheet_rejected')).toEqual([]);

    // An admin may decide on their own timesheet: that tells them nothing new.
    await logTime(t, w.admin.accessToken, w.orgId, { projectId: w.project.id, start: '2026-03-17T09:00:00Z', durationSeconds: 600 });
    await submit(w.admin, '2026-W12');
    await decide(w.admin, 'approve', '2026-W12', { userId: w.admin.userId });
    await settle();
    expect(await inbox(w.admin, 'timesheet_approved')).toEqual([]);
  });

  it('each kind can be switched off: no notification, no mail', async () => {
    await setPreferences(w.member, { timesheet_rejected: { in_app: false, email: false } });
    await setPreferences(w.manager, { timesheet_submitted: { in_app: false, email: false } });
    await submit(w.member, '2026-W10');
    await settle();
    expect(await inbox(w.manager, 'timesheet_submitted')).toHaveLength(1);
    expect(mails(w.manager, `${w.member.email} submitted a timesheet for 2026-W10`)).toHaveLength(1);
    await decide(w.manager, 'reject', '2026-W10', { userId: w.member.userId, comment: 'Again, please' });
    await settle();
    expect(await inbox(w.member, 'timesheet_rejected')).toHaveLength(1);
    expect(mails(w.member, 'Your timesheet for 2026-W10 was rejected')).toHaveLength(1);
  });
});

describe('budgets', () => {
  it("80 % and 100 % of a project's hours budget reach its managers; the 100 % one by mail too", async () => {
    const p = await createProject({ name: 'Harbour', budgetHours: 10 });
    await putMember(t, w.owner.accessToken, w.orgId, p.id, w.manager.userId, 'manager');
    await putMember(t, w.owner.accessToken, w.orgId, p.id, w.member.userId, 'contributor');
    const log = (day: number, hours: number) =>
      logTime(t, w.member.accessToken, w.orgId, { projectId: p.id, start: `2026-04-${String(day).padStart(2, '0')}T08:00:00Z`, durationSeconds: hours * 3600 });

    await log(6, 7);
    await settle();
    expect(await inbox(w.manager, 'budget_warning')).toEqual([]);
    await log(7, 1.5); // 8.5 h of 10
    await settle();
    const [warning] = await inbox(w.manager, 'budget_warning');
    expect(warning).toMatchObject({
      title: 'Harbour has used 80 % of its hours budget',
      orgId: w.orgId,
      data: { projectId: p.id, projectName: 'Harbour', kind: 'hours', threshold: 80, spent: 8.5, budget: 10, currency: null },
    });
    expect(warning.body).toContain('Logged so far: 8.5 h of 10 h');
    expect(mails(w.manager, warning.title)).toEqual([]);

    await log(8, 2); // 10.5 h
    await settle();
    const [reached] = await inbox(w.manager, 'budget_reached');
    expect(reached).toMatchObject({ title: 'Harbour has used its hours budget', data: { threshold: 100, spent: 10.5, budget: 10 } });
    expect(mails(w.manager, reached.title)).toHaveLength(1);
    // The project has a manager: contributors and the org's admins are not told.
    for (const u of [w.member, w.owner, w.admin]) expect([...(await inbox(u, 'budget_warning')), ...(await inbox(u, 'budget_reached'))], u.email).toEqual([]);
  });

  it('a money budget is told in its currency; without a manager the org’s admins are told; preferences switch either off', async () => {
    await setPreferences(w.admin, { budget_warning: { in_app: false }, budget_reached: { email: false } });
    const p = await createProject({ name: 'Quay', budgetMinor: 20_000, currency: 'CHF', hourlyRateMinor: 10_000 });
    await putMember(t, w.owner.accessToken, w.orgId, p.id, w.member.userId, 'contributor');
    await logTime(t, w.member.accessToken, w.orgId, { projectId: p.id, start: '2026-05-04T08:00:00Z', durationSeconds: 2 * 3600, billable: true });
    await settle();

    const title = 'Quay has used its money budget';
    for (const u of [w.owner, w.admin]) {
      const [reached] = (await inbox(u, 'budget_reached')).filter((n) => n.data.projectId === p.id);
      expect(reached, u.email).toMatchObject({ title, data: { kind: 'money', threshold: 100, spent: 20_000, budget: 20_000, currency: 'CHF' } });
      expect(reached.body).toContain('Billable so far: CHF 200.00 of CHF 200.00');
    }
    // The owner kept the defaults; the admin switched the warning off, and the mail of the other.
    expect((await inbox(w.owner, 'budget_warning')).filter((n) => n.data.projectId === p.id)).toHaveLength(1);
    expect((await inbox(w.admin, 'budget_warning')).filter((n) => n.data.projectId === p.id)).toEqual([]);
    expect(mails(w.owner, title)).toHaveLength(1);
    expect(mails(w.admin, title)).toEqual([]);
  });
});

describe('preferences', () => {
  it('list the time kinds with their defaults', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/notifications/preferences', headers: bearer(w.viewer.accessToken) });
    const { defaults } = res.json();
    expect(defaults).toMatchObject({
      timesheet_submitted: { in_app: true, email: false, sms: false },
      timesheet_approved: { in_app: true, email: false, sms: false },
      timesheet_rejected: { in_app: true, email: true, sms: false },
      budget_warning: { in_app: true, email: false, sms: false },
      budget_reached: { in_app: true, email: true, sms: false },
    });
  });
});
