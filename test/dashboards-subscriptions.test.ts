// Dashboard subscriptions through HTTP: a member subscribes two members to a dashboard; each
// mail is computed as its recipient and holds the widgets' values as tables; a recipient who
// left the org gets nothing and the owner is notified; the minute job sends the due ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { createProject, putMember } from './projects-fixture.ts';
import { call, logTime, orgUrl } from './time-fixture.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let second: U;
let dashboardId: string;
let subscriptionId: string;

const url = (rest: string) => orgUrl(w.orgId, rest);
const ok = async (res: Awaited<ReturnType<typeof call>>, status = 200) => {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
};
async function settle() {
  for (let i = 0; i < 10; i++) if ((await t.drain()) === 0 && (await t.runJobs()) === 0) return;
  throw new Error('events or jobs keep coming');
}
const mailsTo = (u: U) => t.mailer.sent.filter((m) => m.to === u.email && m.subject === 'Weekly <hours>');

beforeAll(async () => {
  t = await createTestApp();
  w = await orgWithRoles(t);
  second = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  const projectId = (await createProject(t, w.owner.accessToken, w.orgId, { client: 'Acme' })).id;
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.member.userId, 'contributor');
  await logTime(t, w.member.accessToken, w.orgId, { projectId, start: new Date(Date.now() - 86_400_000).toISOString(), durationSeconds: 3 * 3600 });
  const source = await ok(await call(t, w.admin.accessToken, 'POST', url('/data-sources'), { name: 'Workspace', kind: 'workspace' }), 201);
  const question = await ok(await call(t, w.member.accessToken, 'POST', url('/questions'), { dataSourceId: source.id, name: 'Hours', sql: 'SELECT p.client, sum(e.hours) AS hours FROM time_entries e JOIN projects p ON p.id = e.project_id GROUP BY p.client' }), 201);
  const dashboard = await ok(
    await call(t, w.member.accessToken, 'POST', url('/dashboards'), {
      name: 'Weekly <hours>',
      widgets: [
        { id: 'hours', kind: 'question', questionId: question.id, title: 'Hours per <client>', x: 0, y: 0, w: 6, h: 4 },
        { id: 'notes', kind: 'text', markdown: 'Read me', x: 6, y: 0, w: 6, h: 4 },
      ],
    }),
    201,
  );
  dashboardId = dashboard.id;
}, 60_000);
afterAll(async () => t?.close());

describe('dashboard subscriptions', () => {
  it('are made by those who may edit the dashboard, for members of the org', async () => {
    const body = { dashboardId, recipients: [w.admin.userId, second.userId], schedule: '0 8 * * 1' };
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/dashboard-subscriptions'), { ...body, recipients: [w.outsider.userId] }), 400, 'DASHBOARDS.SUBSCRIPTION_RECIPIENTS');
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/dashboard-subscriptions'), { ...body, schedule: '61 * * * *' }), 400, 'DASHBOARDS.SUBSCRIPTION_SCHEDULE');
    expectProblem(await call(t, w.outsider.accessToken, 'POST', url('/dashboard-subscriptions'), body), 404, 'ORG.NOT_FOUND');
    expectProblem(await call(t, second.accessToken, 'POST', url('/dashboard-subscriptions'), body), 403, 'FORBIDDEN');
    const created = await ok(await call(t, w.member.accessToken, 'POST', url('/dashboard-subscriptions'), body), 201);
    expect(created).toMatchObject({ dashboardId, ownerId: w.member.userId, skipEmpty: true, lastRunAt: null });
    subscriptionId = created.id;
    expectProblem(await call(t, w.outsider.accessToken, 'GET', orgUrl(w.outsiderOrgId, `/dashboard-subscriptions/${subscriptionId}`)), 404, 'DASHBOARDS.SUBSCRIPTION_NOT_FOUND');
    expectProblem(await call(t, second.accessToken, 'GET', url(`/dashboard-subscriptions/${subscriptionId}`)), 404, 'DASHBOARDS.SUBSCRIPTION_NOT_FOUND');
  });

  it('mail each recipient the values as tables, computed as them', async () => {
    const run = await ok(await call(t, w.member.accessToken, 'POST', url(`/dashboard-subscriptions/${subscriptionId}/send`)));
    expect(run).toEqual({ sent: [w.admin.userId, second.userId], skipped: [], dropped: [], failed: [] });
    const [mail] = mailsTo(second);
    expect(mail.html).toContain('<th>client</th><th>hours</th>');
    expect(mail.html).toContain('<td>Acme</td><td>3</td>');
    expect(mail.html).toContain('Hours per &lt;client&gt;');
    expect(mail.html).not.toContain('<client>');
    expect(mail.text).toContain('Acme\t3');
    expect(mailsTo(w.admin)).toHaveLength(1);
    // Each run as its recipient: the history of each shows the question run.
    const history = await ok(await t.request({ method: 'GET', url: url('/queries/history'), headers: bearer(second.accessToken) }));
    expect(history.data.length).toBeGreaterThan(0);
  });

  it('skip a recipient whose dashboard is empty, when asked to', async () => {
    const source = (await ok(await call(t, w.member.accessToken, 'GET', url('/data-sources')))).data[0].id;
    const none = await ok(await call(t, w.member.accessToken, 'POST', url('/questions'), { dataSourceId: source, name: 'Nothing', sql: 'SELECT hours FROM time_entries WHERE hours < 0' }), 201);
    const board = await ok(await call(t, w.member.accessToken, 'POST', url('/dashboards'), { name: 'Empty', widgets: [{ id: 'q', kind: 'question', questionId: none.id, x: 0, y: 0, w: 6, h: 4 }] }), 201);
    const skip = await ok(await call(t, w.member.accessToken, 'POST', url('/dashboard-subscriptions'), { dashboardId: board.id, recipients: [w.admin.userId], schedule: '0 8 * * *' }), 201);
    expect(await ok(await call(t, w.member.accessToken, 'POST', url(`/dashboard-subscriptions/${skip.id}/send`)))).toMatchObject({ sent: [], skipped: [w.admin.userId] });
    const send = await ok(await call(t, w.member.accessToken, 'PATCH', url(`/dashboard-subscriptions/${skip.id}`), { skipEmpty: false }));
    expect(send.skipEmpty).toBe(false);
    expect(await ok(await call(t, w.member.accessToken, 'POST', url(`/dashboard-subscriptions/${skip.id}/send`)))).toMatchObject({ sent: [w.admin.userId], skipped: [] });
    expect(t.mailer.sent.filter((m) => m.to === w.admin.email && m.subject === 'Empty')).toHaveLength(1);
    expect((await call(t, w.member.accessToken, 'DELETE', url(`/dashboard-subscriptions/${skip.id}`))).statusCode).toBe(204);
  });

  it('send nothing to a recipient who can no longer see the dashboard, and tell the owner', async () => {
    expect((await call(t, w.owner.accessToken, 'DELETE', url(`/members/${second.userId}`))).statusCode).toBe(204);
    await t.database.db.updateTable('dashboards.subscriptions' as never).set({ next_run_at: new Date(Date.now() - 1000) } as never).where('id' as never, '=', subscriptionId as never).execute();
    await t.app.jobs.enqueue('dashboards.send_subscriptions', {});
    await settle();
    expect(mailsTo(w.admin)).toHaveLength(2);
    expect(mailsTo(second)).toHaveLength(1);
    const inbox = await ok(await t.request({ method: 'GET', url: '/api/v1/notifications?limit=100', headers: bearer(w.member.accessToken) }));
    const dropped = inbox.data.filter((n: { type: string }) => n.type === 'subscription_recipient_dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0].data).toMatchObject({ dashboardId, subscriptionId, recipientId: second.userId });
    const after = await ok(await call(t, w.member.accessToken, 'GET', url(`/dashboard-subscriptions/${subscriptionId}`)));
    expect(Date.parse(after.nextRunAt)).toBeGreaterThan(Date.now());
    expect(after.lastRunAt).not.toBeNull();
    // Its owner leaves: nothing more is sent in their name.
    expect((await call(t, w.owner.accessToken, 'DELETE', url(`/members/${w.member.userId}`))).statusCode).toBe(204);
    expect(await ok(await call(t, w.admin.accessToken, 'POST', url(`/dashboard-subscriptions/${subscriptionId}/send`)))).toEqual({ sent: [], skipped: [], dropped: [], failed: [] });
    expect(mailsTo(w.admin)).toHaveLength(2);
    expect((await call(t, w.admin.accessToken, 'DELETE', url(`/dashboard-subscriptions/${subscriptionId}`))).statusCode).toBe(204);
    expectProblem(await call(t, w.admin.accessToken, 'GET', url(`/dashboard-subscriptions/${subscriptionId}`)), 404, 'DASHBOARDS.SUBSCRIPTION_NOT_FOUND');
  });
});
