// Notifications end to end through HTTP: triggers from other modules' events (through the
// outbox and the delivery job), the inbox, preferences, and isolation between users.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectProblem, STRONG_PASSWORD, type TestApp, createTestApp } from './harness.ts';
import { createHook, getHook, type Receiver, startReceiver } from './webhooks-fixture.ts';
import { addMember, createOrg, newUser, type U } from './workspace.ts';

let t: TestApp;
let rx: Receiver;
beforeAll(async () => {
  // The webhook receiver of the endpoint_disabled trigger listens on loopback.
  t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
  rx = await startReceiver();
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
const FIREFOX_NEXT = 'Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0';

/** Delivers events and runs the jobs they enqueue until nothing is left. */
async function settle() {
  for (let i = 0; i < 10; i++) {
    const events = await t.drain();
    const jobs = await t.runJobs();
    if (events === 0 && jobs === 0) return;
  }
  throw new Error('events or jobs keep coming');
}

async function list(u: U, query = '') {
  const res = await t.request({ method: 'GET', url: `/api/v1/notifications${query}`, headers: bearer(u.accessToken) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { data: any[]; page: { nextCursor: string | null; limit: number }; unreadCount: number };
}

const mailsTo = (email: string) => t.mailer.sent.filter((m) => m.to === email);

async function login(u: U, opts: { userAgent?: string; ip?: string } = {}) {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: opts.userAgent ? { 'user-agent': opts.userAgent } : {},
    remoteAddress: opts.ip ?? '198.18.7.7',
    payload: { email: u.email, password: STRONG_PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().accessToken as string;
}

async function changePassword(u: U, from: string, to: string) {
  const res = await t.request({ method: 'POST', url: '/api/v1/auth/password/change', headers: bearer(u.accessToken), payload: { currentPassword: from, newPassword: to } });
  expect(res.statusCode, res.body).toBe(204);
}

async function setPreferences(u: U, body: unknown) {
  return t.request({ method: 'PUT', url: '/api/v1/notifications/preferences', headers: bearer(u.accessToken), payload: body as object });
}

describe('triggers', () => {
  it('an invitation to an existing user shows in their inbox, and joining adds "you were added"', async () => {
    const owner = await newUser(t);
    const org = await createOrg(t, owner.accessToken, { name: 'Acme Corp' });
    const invitee = await newUser(t);
    await settle();
    const invite = await t.request({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations`, headers: bearer(owner.accessToken), payload: { email: invitee.email.toUpperCase(), role: 'member' } });
    expect(invite.statusCode, invite.body).toBe(201);
    await settle();

    const inbox = await list(invitee);
    expect(inbox.unreadCount).toBe(1);
    expect(inbox.data).toHaveLength(1);
    expect(inbox.data[0]).toMatchObject({
      type: 'invitation_received',
      title: 'You were invited to Acme Corp',
      orgId: org.id,
      read: false,
      readAt: null,
      data: { orgId: org.id, orgName: 'Acme Corp', invitationId: invite.json().id, role: 'member' },
    });
    expect(inbox.data[0].body).toContain(owner.email);
    // The invitation mail comes from the organizations module; the in-app copy does not mail again.
    const invitationMails = mailsTo(invitee.email).filter((m) => m.subject.includes('invited you'));
    expect(invitationMails).toHaveLength(1);
    expect(mailsTo(invitee.email).filter((m) => m.subject.includes('Acme Corp'))).toHaveLength(1);

    const token = /token=([A-Za-z0-9_%-]+)/.exec(invitationMails[0].text)![1];
    const accept = await t.request({ method: 'POST', url: '/api/v1/invitations/accept', headers: bearer(invitee.accessToken), payload: { token: decodeURIComponent(token) } });
    expect(accept.statusCode, accept.body).toBe(200);
    await settle();
    const after = await list(invitee);
    expect(after.data.map((n) => n.type)).toEqual(['member_added', 'invitation_received']);
    expect(after.data[0]).toMatchObject({ title: 'You were added to Acme Corp', data: { role: 'member', via: 'invitation' } });

    // The creator of an org is not told they joined it.
    expect((await list(owner)).data.filter((n) => n.type === 'member_added')).toEqual([]);
  });

  it('an invitation to an address without an account notifies nobody and fails nothing', async () => {
    const owner = await newUser(t);
    const org = await createOrg(t, owner.accessToken);
    await settle();
    const jobsBefore = await sql<{ n: number }>`SELECT count(*)::int AS n FROM notifications.notifications`.execute(t.database.db);
    const invite = await t.request({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations`, headers: bearer(owner.accessToken), payload: { email: 'nobody-here@example.test', role: 'viewer' } });
    expect(invite.statusCode).toBe(201);
    await settle();
    const jobsAfter = await sql<{ n: number }>`SELECT count(*)::int AS n FROM notifications.notifications`.execute(t.database.db);
    expect(jobsAfter.rows[0].n).toBe(jobsBefore.rows[0].n);
    const failed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'notifications.deliver' AND state = 'failed'`.execute(t.database.db);
    expect(failed.rows[0].n).toBe(0);
  });

  it('a password change mails a security notice and shows in the inbox; a redelivery creates nothing new', async () => {
    const u = await newUser(t);
    await settle();
    await changePassword(u, STRONG_PASSWORD, 'An0ther-long-passphrase');
    await settle();

    const inbox = await list(u);
    expect(inbox.data).toHaveLength(1);
    expect(inbox.data[0]).toMatchObject({ type: 'password_changed', title: 'Your password was changed', data: { via: 'change' } });
    const mails = mailsTo(u.email).filter((m) => m.subject === 'Your password was changed');
    expect(mails).toHaveLength(1);
    expect(mails[0].text).toContain('If this was not you');
    expect(mails[0].html).toContain('<!doctype html>');
    expect(mails[0].text).toContain('IP address: 127.0.0.1');

    // The same trigger delivered again (a retried job, a redelivered event): nothing new.
    const event = await sql<{ id: string; payload: any }>`SELECT id, payload FROM core.outbox WHERE type = 'auth.password_changed' AND payload->>'userId' = ${u.userId}`.execute(t.database.db);
    const jobData = { kind: 'password_changed', eventId: event.rows[0].id, userId: u.userId, via: 'change', at: new Date().toISOString(), ip: null, userAgent: null };
    await t.app.jobs.enqueue('notifications.deliver', jobData);
    expect(await t.runJobs()).toBe(1);
    expect((await list(u)).data).toHaveLength(1);
    expect(mailsTo(u.email).filter((m) => m.subject === 'Your password was changed')).toHaveLength(1);
    const rows = await sql<{ email_state: string }>`SELECT email_state FROM notifications.notifications WHERE user_id = ${u.userId}`.execute(t.database.db);
    expect(rows.rows).toEqual([{ email_state: 'sent' }]);
  });

  it('alerts on a sign-in from a new device, not on the first sign-in nor on a known device', async () => {
    const u = await newUser(t); // registers and signs in once: the first device
    await settle();
    expect((await list(u)).data).toEqual([]);

    await login(u, { userAgent: FIREFOX, ip: '203.0.113.10' });
    await settle();
    const first = await list(u);
    expect(first.data).toHaveLength(1);
    expect(first.data[0]).toMatchObject({ type: 'new_sign_in', title: 'New sign-in from a new device', data: { ip: '203.0.113.10', device: 'Firefox on Linux', method: 'password' } });
    expect(mailsTo(u.email).filter((m) => m.subject === 'New sign-in from a new device')).toHaveLength(1);

    // Same browser after an update, same network: the same device.
    await login(u, { userAgent: FIREFOX_NEXT, ip: '203.0.113.77' });
    await settle();
    expect((await list(u)).data).toHaveLength(1);

    // Same browser from another network: a new device.
    await login(u, { userAgent: FIREFOX, ip: '192.0.2.1' });
    await settle();
    expect((await list(u)).data.map((n) => n.type)).toEqual(['new_sign_in', 'new_sign_in']);
  });
});

describe('triggers from the webhooks and reports modules', () => {
  it('a disabled webhook endpoint notifies the org’s owners and admins (in-app and mail), not its members', async () => {
    const owner = await newUser(t);
    const org = await createOrg(t, owner.accessToken, { name: 'Hooked Inc' });
    const admin = await addMember(t, owner.accessToken, org.id, 'admin');
    const member = await addMember(t, owner.accessToken, org.id, 'member');
    await settle();
    const hook = await createHook(t, owner.accessToken, org.id, { url: rx.url('/gone'), events: ['organizations.*'] });
    rx.script('/gone', [410]);
    const invite = await t.request({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations`, headers: bearer(owner.accessToken), payload: { email: 'hook-trigger@example.test', role: 'viewer' } });
    expect(invite.statusCode).toBe(201);
    await settle();
    expect((await getHook(t, owner.accessToken, org.id, hook.id)).enabled).toBe(false);

    for (const u of [owner, admin]) {
      const mine = (await list(u)).data.filter((n) => n.type === 'webhook_disabled');
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        title: 'A webhook of Hooked Inc was disabled',
        orgId: org.id,
        data: { endpointId: hook.id, url: hook.url, reason: 'the receiver answered 410 Gone' },
      });
      expect(mailsTo(u.email).filter((m) => m.subject === 'A webhook of Hooked Inc was disabled')).toHaveLength(1);
    }
    expect((await list(member)).data.filter((n) => n.type === 'webhook_disabled')).toEqual([]);
  });

  it('a report file made in the background tells its requester it is ready', async () => {
    const owner = await newUser(t);
    const org = await createOrg(t, owner.accessToken);
    await settle();
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/reports/time/files`,
      headers: bearer(owner.accessToken),
      payload: { from: '2024-03-01', to: '2024-03-31', groupBy: 'project', format: 'csv' },
    });
    expect(res.statusCode, res.body).toBe(202);
    const { jobId } = res.json();
    await settle();
    const ready = (await list(owner)).data.filter((n) => n.type === 'export_ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({ title: 'Your export is ready', orgId: org.id, data: { jobId, job: `/api/v1/jobs/${jobId}` } });
    expect(ready[0].data.fileName).toMatch(/\.csv$/);
    expect(ready[0].body).toContain(ready[0].data.fileName);
  });
});

describe('account deletion', () => {
  it('erases the user’s notifications, preferences and phone number', async () => {
    const u = await newUser(t);
    await settle();
    await setPreferences(u, { phoneNumber: '+41791234567' });
    await login(u, { userAgent: FIREFOX, ip: '203.0.113.50' });
    await settle();
    expect((await list(u)).data).toHaveLength(1);
    const del = await t.request({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(u.accessToken), payload: { password: STRONG_PASSWORD } });
    expect(del.statusCode, del.body).toBe(204);
    await settle();
    // The devices it signed in from are auth's (decision 0035), and go with the account too.
    for (const table of ['notifications.notifications', 'notifications.preferences', 'auth.known_devices']) {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE user_id = ${u.userId}`.execute(t.database.db);
      expect(r.rows[0].n, table).toBe(0);
    }
  });
});

describe('inbox', () => {
  async function userWithThree() {
    const u = await newUser(t);
    await settle();
    await login(u, { userAgent: FIREFOX, ip: '203.0.113.1' });
    await login(u, { userAgent: 'curl/8.5.0', ip: '203.0.113.1' });
    await changePassword(u, STRONG_PASSWORD, 'An0ther-long-passphrase');
    await settle();
    return u;
  }

  it('lists unread first, then newest; read, read-all and the unread count', async () => {
    const u = await userWithThree();
    const all = await list(u);
    expect(all.unreadCount).toBe(3);
    expect(all.data.map((n) => n.type)).toEqual(['password_changed', 'new_sign_in', 'new_sign_in']);
    const [newest, middle, oldest] = all.data;

    const read = await t.request({ method: 'POST', url: `/api/v1/notifications/${middle.id}/read`, headers: bearer(u.accessToken) });
    expect(read.statusCode).toBe(204);
    // Reading again is fine and keeps the first read time.
    const readAt = (await list(u)).data.find((n) => n.id === middle.id).readAt;
    expect((await t.request({ method: 'POST', url: `/api/v1/notifications/${middle.id}/read`, headers: bearer(u.accessToken) })).statusCode).toBe(204);

    const after = await list(u);
    expect(after.unreadCount).toBe(2);
    expect(after.data.map((n) => n.id)).toEqual([newest.id, oldest.id, middle.id]);
    expect(after.data[2]).toMatchObject({ read: true, readAt });

    const unread = await list(u, '?unread=true');
    expect(unread.data.map((n) => n.id)).toEqual([newest.id, oldest.id]);
    expect(unread.unreadCount).toBe(2);

    const readAll = await t.request({ method: 'POST', url: '/api/v1/notifications/read-all', headers: bearer(u.accessToken) });
    expect(readAll.statusCode).toBe(204);
    const done = await list(u);
    expect(done.unreadCount).toBe(0);
    expect(done.data.every((n) => n.read)).toBe(true);
    expect((await list(u, '?unread=true')).data).toEqual([]);
  });

  it('pages with a cursor through the same order', async () => {
    const u = await userWithThree();
    const full = (await list(u)).data.map((n) => n.id);
    await t.request({ method: 'POST', url: `/api/v1/notifications/${full[0]}/read`, headers: bearer(u.accessToken) });
    const expected = [full[1], full[2], full[0]];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(u, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data.map((n) => n.id));
      cursor = page.page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
    expectProblem(await t.request({ method: 'GET', url: '/api/v1/notifications?cursor=bm9wZQ', headers: bearer(u.accessToken) }), 400, 'VALIDATION_FAILED');
  });

  it('a user can neither see nor mark another user’s notification (404)', async () => {
    const alice = await userWithThree();
    const bob = await newUser(t);
    await settle();
    const aliceFirst = (await list(alice)).data[0];
    expect((await list(bob)).data).toEqual([]);
    expectProblem(await t.request({ method: 'POST', url: `/api/v1/notifications/${aliceFirst.id}/read`, headers: bearer(bob.accessToken) }), 404, 'NOTIFICATIONS.NOT_FOUND');
    expect((await list(alice)).data[0].read).toBe(false);
    // Bob's read-all leaves Alice's alone.
    await t.request({ method: 'POST', url: '/api/v1/notifications/read-all', headers: bearer(bob.accessToken) });
    expect((await list(alice)).unreadCount).toBe(3);
    expectProblem(await t.request({ method: 'POST', url: `/api/v1/notifications/${crypto.randomUUID()}/read`, headers: bearer(bob.accessToken) }), 404, 'NOTIFICATIONS.NOT_FOUND');
    expectProblem(await t.request({ method: 'POST', url: '/api/v1/notifications/not-a-uuid/read', headers: bearer(bob.accessToken) }), 400, 'VALIDATION_FAILED');
  });

  it('needs authentication, and an API key needs the notifications scope', async () => {
    expectProblem(await t.request({ method: 'GET', url: '/api/v1/notifications' }), 401, 'UNAUTHENTICATED');
    expectProblem(await t.request({ method: 'POST', url: '/api/v1/notifications/read-all' }), 401, 'UNAUTHENTICATED');
    expectProblem(await t.request({ method: 'GET', url: '/api/v1/notifications/preferences' }), 401, 'UNAUTHENTICATED');
    const u = await newUser(t);
    const key = async (scopes: string[]) => {
      const res = await t.request({ method: 'POST', url: '/api/v1/auth/api-keys', headers: bearer(u.accessToken), payload: { name: 'k', scopes } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().key as string;
    };
    const profileKey = await key(['profile:read']);
    expectProblem(await t.request({ method: 'GET', url: '/api/v1/notifications', headers: { 'x-api-key': profileKey } }), 403, 'FORBIDDEN');
    const readKey = await key(['notifications:read']);
    expect((await t.request({ method: 'GET', url: '/api/v1/notifications', headers: { 'x-api-key': readKey } })).statusCode).toBe(200);
    expectProblem(await t.request({ method: 'POST', url: '/api/v1/notifications/read-all', headers: { 'x-api-key': readKey } }), 403, 'FORBIDDEN');
  });
});

describe('preferences', () => {
  it('starts from the documented defaults', async () => {
    const u = await newUser(t);
    const res = await t.request({ method: 'GET', url: '/api/v1/notifications/preferences', headers: bearer(u.accessToken) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.phoneNumber).toBeNull();
    expect(body.types).toEqual(body.defaults);
    expect(body.types.password_changed).toEqual({ in_app: true, email: true, sms: false });
    expect(body.types.invitation_received).toEqual({ in_app: true, email: false, sms: false });
  });

  it('a channel switched off is respected: no mail, still in-app; in-app off hides it but mails', async () => {
    const u = await newUser(t);
    await settle();
    const put = await setPreferences(u, { types: { password_changed: { email: false }, new_sign_in: { in_app: false } } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().types.password_changed).toEqual({ in_app: true, email: false, sms: false });
    expect(put.json().types.new_sign_in).toEqual({ in_app: false, email: true, sms: false });
    // A second change keeps the first.
    const again = await setPreferences(u, { types: { member_added: { email: true } } });
    expect(again.json().types.password_changed.email).toBe(false);

    await changePassword(u, STRONG_PASSWORD, 'An0ther-long-passphrase');
    await t.request({ method: 'POST', url: '/api/v1/auth/login', headers: { 'user-agent': FIREFOX }, remoteAddress: '203.0.113.9', payload: { email: u.email, password: 'An0ther-long-passphrase' } });
    await settle();
    const inbox = await list(u);
    expect(inbox.data.map((n) => n.type)).toEqual(['password_changed']);
    expect(inbox.unreadCount).toBe(1);
    expect(mailsTo(u.email).map((m) => m.subject)).not.toContain('Your password was changed');
    expect(mailsTo(u.email).map((m) => m.subject)).toContain('New sign-in from a new device');
  });

  it('SMS needs an E.164 number; with one, SMS go out through the provider', async () => {
    const u = await newUser(t);
    await settle();
    expectProblem(await setPreferences(u, { types: { password_changed: { sms: true } } }), 400, 'NOTIFICATIONS.PHONE_REQUIRED');
    const bad = expectProblem(await setPreferences(u, { phoneNumber: '0791234567' }), 400, 'VALIDATION_FAILED');
    expect(bad.errors[0].field).toBe('body.phoneNumber');
    const ok = await setPreferences(u, { phoneNumber: '+41791234567', types: { password_changed: { sms: true } } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ phoneNumber: '+41791234567', types: { password_changed: { sms: true } } });
    // Removing the number while SMS is on is refused too.
    expectProblem(await setPreferences(u, { phoneNumber: null }), 400, 'NOTIFICATIONS.PHONE_REQUIRED');

    await changePassword(u, STRONG_PASSWORD, 'An0ther-long-passphrase');
    await settle();
    const rows = await sql<{ sms_state: string; email_state: string }>`SELECT sms_state, email_state FROM notifications.notifications WHERE user_id = ${u.userId}`.execute(t.database.db);
    expect(rows.rows).toEqual([{ sms_state: 'sent', email_state: 'sent' }]);
  });

  it('refuses unknown types and channels and non-boolean switches', async () => {
    const u = await newUser(t);
    expectProblem(await setPreferences(u, { types: { carrier_pigeon: { email: true } } }), 400, 'VALIDATION_FAILED');
    expectProblem(await setPreferences(u, { types: { password_changed: { fax: true } } }), 400, 'VALIDATION_FAILED');
    expectProblem(await setPreferences(u, { types: { password_changed: { email: 'no' } } }), 400, 'VALIDATION_FAILED');
    const res = await t.request({ method: 'GET', url: '/api/v1/notifications/preferences', headers: bearer(u.accessToken) });
    expect(res.json().types).toEqual(res.json().defaults);
  });
});
