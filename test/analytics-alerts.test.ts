// Alerts on a saved question over the workspace source, through HTTP: the question's value is
// the hours logged in the org, moved by logging and deleting time entries. An alert fires once
// when the value crosses its line (one event, one notification), not again while it stays over,
// and again after it went back under and over; it runs as its owner, is invisible to other orgs
// and other members, and viewers cannot create one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { createProject, putMember } from './projects-fixture.ts';
import { call, logTime, orgUrl, outbox } from './time-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let projectId: string;
let questionId: string;
let alertId: string;

const url = (rest: string) => orgUrl(w.orgId, rest);
const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString();

/** Logs `hours` for the member and answers the entry's id. */
async function log(hours: number, hoursAgo: number): Promise<string> {
  const entry = await logTime(t, w.member.accessToken, w.orgId, { projectId, start: at(hoursAgo), durationSeconds: Math.round(hours * 3600) });
  return entry.id;
}
async function unlog(entryId: string) {
  const res = await call(t, w.member.accessToken, 'DELETE', url(`/time-entries/${entryId}`));
  expect(res.statusCode, res.body).toBe(204);
}
async function check(u: U = w.member, id = alertId) {
  const res = await call(t, u.accessToken, 'POST', url(`/alerts/${id}/check`));
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { fired: boolean; alert: { status: string; state: { firing: boolean; lastValue: number | null; lastError: string | null } } };
}
async function settle() {
  for (let i = 0; i < 10; i++) if ((await t.drain()) === 0 && (await t.runJobs()) === 0) return;
  throw new Error('events or jobs keep coming');
}
async function inbox(u: U) {
  const res = await t.request({ method: 'GET', url: '/api/v1/notifications?limit=100', headers: bearer(u.accessToken) });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data as any[]).filter((n) => n.type === 'alert_fired');
}
const fired = async () => outbox(t, 'analytics.alert_fired', w.orgId);

beforeAll(async () => {
  t = await createTestApp();
  w = await orgWithRoles(t);
  projectId = (await createProject(t, w.owner.accessToken, w.orgId, { client: 'Acme' })).id;
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.member.userId, 'contributor');
  const source = await call(t, w.admin.accessToken, 'POST', url('/data-sources'), { name: 'Our workspace', kind: 'workspace' });
  expect(source.statusCode, source.body).toBe(201);
  const question = await call(t, w.member.accessToken, 'POST', url('/questions'), { dataSourceId: source.json().id, name: 'Hours logged', sql: 'SELECT coalesce(sum(hours), 0) AS hours FROM time_entries' });
  expect(question.statusCode, question.body).toBe(201);
  questionId = question.json().id;
}, 60_000);
afterAll(async () => t?.close());

describe('alerts', () => {
  it('are created by members on questions they can run, never by viewers', async () => {
    const body = { questionId, name: 'Over 10 hours', condition: { kind: 'above', threshold: 10 }, schedule: '0 9 * * 1', channels: ['in_app', 'email', 'webhook'] };
    expectProblem(await call(t, w.viewer.accessToken, 'POST', url('/alerts'), body), 403, 'FORBIDDEN');
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/alerts'), { ...body, schedule: 'every monday' }), 400, 'ANALYTICS.ALERT_SCHEDULE');
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/alerts'), { ...body, schedule: '0 0 31 2 *' }), 400, 'ANALYTICS.ALERT_SCHEDULE');
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/alerts'), { ...body, condition: { kind: 'above' } }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/alerts'), { ...body, questionId: '00000000-0000-7000-8000-000000000000' }), 404, 'ANALYTICS.QUESTION_NOT_FOUND');
    const res = await call(t, w.member.accessToken, 'POST', url('/alerts'), body);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ questionId, ownerId: w.member.userId, status: 'active', state: { firing: false, lastValue: null } });
    alertId = res.json().id;
  });

  it('fire once per crossing: at 12, not at 15, not at 8, again at 11', async () => {
    expect((await check()).fired).toBe(false);
    const five = await log(5, 30);
    expect(await check()).toMatchObject({ fired: false, alert: { state: { firing: false, lastValue: 5 } } });
    const seven = await log(7, 20);
    expect(await check()).toMatchObject({ fired: true, alert: { state: { firing: true, lastValue: 12 } } });
    await log(3, 10);
    expect(await check()).toMatchObject({ fired: false, alert: { state: { firing: true, lastValue: 15 } } });
    expect(await fired()).toHaveLength(1);
    const [event] = await fired();
    expect(event.payload).toMatchObject({ alertId, questionId, ownerId: w.member.userId, value: 12, threshold: 10, condition: 'above' });
    expect(event.payload.link).toContain(`/orgs/${w.orgId}/questions/${questionId}`);

    await settle();
    const notes = await inbox(w.member);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ title: 'Alert: Over 10 hours', data: { alertId, value: 12, threshold: 10 } });
    expect(t.mailer.sent.filter((m) => m.to === w.member.email && m.subject === 'Alert: Over 10 hours')).toHaveLength(1);

    await unlog(seven);
    expect(await check()).toMatchObject({ fired: false, alert: { state: { firing: false, lastValue: 8 } } });
    await log(3, 5);
    expect(await check()).toMatchObject({ fired: true, alert: { state: { firing: true, lastValue: 11 } } });
    expect((await fired()).map((e) => e.payload.value)).toEqual([12, 11]);
    await settle();
    expect(await inbox(w.member)).toHaveLength(2);
    await unlog(five);
  });

  it('are checked by the minute job when due, in their schedule', async () => {
    await t.database.db.updateTable('analytics.alerts' as never).set({ next_check_at: new Date(Date.now() - 1000) } as never).where('id' as never, '=', alertId as never).execute();
    // 6 h now: under the line, the alert re-arms; then over it again, fired by the job.
    await t.app.jobs.enqueue('analytics.check_alerts', {});
    await t.runJobs();
    const after = (await call(t, w.member.accessToken, 'GET', url(`/alerts/${alertId}`))).json();
    expect(after.state).toMatchObject({ firing: false, lastValue: 6 });
    expect(Date.parse(after.state.nextCheckAt)).toBeGreaterThan(Date.now());
    // Not due: the job leaves it alone.
    await log(20, 60);
    await t.app.jobs.enqueue('analytics.check_alerts', {});
    await t.runJobs();
    expect((await call(t, w.member.accessToken, 'GET', url(`/alerts/${alertId}`))).json().state.lastValue).toBe(6);
    await t.database.db.updateTable('analytics.alerts' as never).set({ next_check_at: new Date(Date.now() - 1000) } as never).where('id' as never, '=', alertId as never).execute();
    await t.app.jobs.enqueue('analytics.check_alerts', {});
    await t.runJobs();
    expect((await fired()).map((e) => e.payload.value)).toEqual([12, 11, 26]);
  });

  it('are their owner\'s: other members and other orgs get 404, admins see them', async () => {
    expectProblem(await call(t, w.outsider.accessToken, 'GET', url(`/alerts/${alertId}`)), 404, 'ORG.NOT_FOUND');
    expectProblem(await call(t, w.outsider.accessToken, 'POST', url(`/alerts/${alertId}/check`)), 404, 'ORG.NOT_FOUND');
    expectProblem(await call(t, w.outsider.accessToken, 'GET', orgUrl(w.outsiderOrgId, `/alerts/${alertId}`)), 404, 'ANALYTICS.ALERT_NOT_FOUND');
    expectProblem(await call(t, w.outsider.accessToken, 'DELETE', orgUrl(w.outsiderOrgId, `/alerts/${alertId}`)), 404, 'ANALYTICS.ALERT_NOT_FOUND');
    expectProblem(await call(t, w.viewer.accessToken, 'GET', url(`/alerts/${alertId}`)), 404, 'ANALYTICS.ALERT_NOT_FOUND');
    expect((await call(t, w.viewer.accessToken, 'GET', url('/alerts'))).json().data).toEqual([]);
    expect((await call(t, w.admin.accessToken, 'GET', url('/alerts'))).json().data.map((a: { id: string }) => a.id)).toEqual([alertId]);
    expect((await call(t, w.member.accessToken, 'GET', url(`/alerts?questionId=${questionId}`))).json().data).toHaveLength(1);
  });

  it('run as the owner: an owner who left the org gets the alert paused, and nothing fires', async () => {
    const patched = await call(t, w.member.accessToken, 'PATCH', url(`/alerts/${alertId}`), { condition: { kind: 'rows_present' }, channels: ['webhook'] });
    expect(patched.json()).toMatchObject({ state: { firing: false, lastValue: null }, channels: ['webhook'] });
    const before = (await fired()).length;
    const removed = await call(t, w.owner.accessToken, 'DELETE', url(`/members/${w.member.userId}`));
    expect(removed.statusCode, removed.body).toBe(204);
    // An admin checks it: still as the owner, who may no longer read the question.
    const checked = await check(w.admin);
    expect(checked).toMatchObject({ fired: false, alert: { status: 'paused' } });
    expect(checked.alert.state.lastError).toMatch(/^ORG\.NOT_FOUND|^FORBIDDEN/);
    expect(await fired()).toHaveLength(before);
    const deleted = await call(t, w.admin.accessToken, 'DELETE', url(`/alerts/${alertId}`));
    expect(deleted.statusCode).toBe(204);
    expectProblem(await call(t, w.admin.accessToken, 'GET', url(`/alerts/${alertId}`)), 404, 'ANALYTICS.ALERT_NOT_FOUND');
  });
  it('notify only on the alert\'s own channels, among those the owner\'s preferences allow', async () => {
    const mailsOf = (subject: string) => t.mailer.sent.filter((m) => m.to === w.admin.email && m.subject === subject);
    const create = async (name: string, channels: string[]) => {
      const res = await call(t, w.admin.accessToken, 'POST', url('/alerts'), { questionId, name, condition: { kind: 'above', threshold: 0 }, schedule: '0 9 * * 1', channels });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    // Email only: mailed, not in the inbox.
    expect((await check(w.admin, await create('Mail me', ['email']))).fired).toBe(true);
    // In the app only: in the inbox, not mailed.
    expect((await check(w.admin, await create('Show me', ['in_app']))).fired).toBe(true);
    // SMS only, to an owner who gave no number: nothing at all (not a fallback to mail).
    expect((await check(w.admin, await create('Text me', ['sms', 'webhook']))).fired).toBe(true);
    await settle();
    const titles = (await inbox(w.admin)).map((n) => n.title);
    expect(titles).toEqual(['Alert: Show me']);
    expect(mailsOf('Alert: Mail me')).toHaveLength(1);
    expect(mailsOf('Alert: Show me')).toHaveLength(0);
    expect(mailsOf('Alert: Text me')).toHaveLength(0);
  });
});
