// Invitations over HTTP: mailed by a subscriber after commit, token derived from the event
// id and stored only as a hash, single use, 7 days, for the invited address only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecrets } from '../src/core/security/secrets.ts';
import { hashToken } from '../src/core/security/random.ts';
import { bearer, createTestApp, expectProblem, lastMailToken, type TestApp, testConfig, uniqueEmail } from './harness.ts';
import { addMember, createOrg, newUser, orgsApi, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };
beforeAll(async () => {
  t = await createTestApp({ overrides: { clock } });
});
afterAll(() => t?.close());

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token?: string, payload?: unknown) =>
  t.request({ method, url: `/api/v1${url}`, headers: token ? bearer(token) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
const invite = (orgId: string, actor: U, email: string, role = 'member') => api('POST', `/orgs/${orgId}/invitations`, actor.accessToken, { email, role });
const accept = (user: U, token: string) => api('POST', '/invitations/accept', user.accessToken, { token });

describe('POST /orgs/{orgId}/invitations', () => {
  it('mails a link after commit, from a subscriber; the token is HMAC(event id) and stored only as a hash', async () => {
    const w = await orgWithRoles(t);
    const guest = await newUser(t);
    const res = await invite(w.orgId, w.admin, guest.email.toUpperCase(), 'viewer');
    expect(res.statusCode, res.body).toBe(201);
    const inv = res.json();
    expect(inv).toEqual({
      id: expect.any(String),
      orgId: w.orgId,
      email: guest.email,
      role: 'viewer',
      invitedBy: w.admin.userId,
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(new Date(inv.expiresAt).getTime() - new Date(inv.createdAt).getTime()).toBeCloseTo(7 * 86_400_000, -4);
    const invitationMails = () => t.mailer.sent.filter((m) => m.to === guest.email && m.subject.includes('invited you'));
    expect(invitationMails()).toHaveLength(0);
    await t.drain();
    const mail = invitationMails();
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toContain(w.admin.email);
    expect(mail[0].text).toMatch(/\/invitations\/accept\?token=/);
    const token = lastMailToken(t, guest.email);

    const sent = await t.database.db.selectFrom('core.outbox').select(['id', 'payload']).where('type', '=', 'organizations.invitation_sent').where('org_id', '=', w.orgId).execute();
    const event = sent.find((e) => (e.payload as { invitationId: string }).invitationId === inv.id)!;
    expect(event.payload).toEqual({ invitationId: inv.id, orgId: w.orgId, email: guest.email, role: 'viewer', invitedBy: w.admin.userId });
    expect(JSON.stringify(event.payload)).not.toContain(token);
    // A redelivery recomputes the same token from the event id.
    expect(token).toBe(createSecrets(testConfig().jwt).mac('org-invitation', event.id));
    const row = await t.database.db.selectFrom('organizations.invitations').selectAll().where('id', '=', inv.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const joined = await accept(guest, token);
    expect(joined.statusCode, joined.body).toBe(200);
    expect(joined.json()).toMatchObject({ id: w.orgId, role: 'viewer', inherited: false });
    expect(await orgsApi(t).roleOf(guest.userId, w.orgId)).toBe('viewer');
    const types = await t.database.db.selectFrom('core.outbox').select(['type', 'payload']).where('org_id', '=', w.orgId).where('actor_id', '=', guest.userId).orderBy('id').execute();
    expect(types).toEqual([
      { type: 'organizations.invitation_accepted', payload: { invitationId: inv.id, orgId: w.orgId, userId: guest.userId, role: 'viewer' } },
      { type: 'organizations.member_added', payload: { orgId: w.orgId, userId: guest.userId, role: 'viewer', via: 'invitation' } },
    ]);
  });

  it('admin+ invites; only an owner invites an owner; members, viewers and strangers cannot', async () => {
    const w = await orgWithRoles(t);
    expectProblem(await invite(w.orgId, w.admin, uniqueEmail(), 'owner'), 403, 'FORBIDDEN');
    expect((await invite(w.orgId, w.owner, uniqueEmail(), 'owner')).statusCode).toBe(201);
    expectProblem(await invite(w.orgId, w.member, uniqueEmail()), 403, 'FORBIDDEN');
    expectProblem(await invite(w.orgId, w.viewer, uniqueEmail()), 403, 'FORBIDDEN');
    expectProblem(await invite(w.orgId, w.outsider, uniqueEmail()), 404, 'ORG.NOT_FOUND');
    expectProblem(await invite(w.orgId, w.owner, 'not-an-email'), 400, 'VALIDATION_FAILED');
    expectProblem(await invite(w.orgId, w.owner, uniqueEmail(), 'king'), 400, 'VALIDATION_FAILED');
    expectProblem(await invite(w.orgId, w.owner, w.member.email), 409, 'ORG.ALREADY_MEMBER');
  });
});

describe('GET and DELETE /orgs/{orgId}/invitations', () => {
  it('lists pending invitations (admin+), revokes them, and a new invitation replaces a pending one', async () => {
    const w = await orgWithRoles(t);
    const guest = await newUser(t);
    const first = (await invite(w.orgId, w.owner, guest.email)).json();
    await t.drain();
    const firstToken = lastMailToken(t, guest.email);
    const second = (await invite(w.orgId, w.owner, guest.email, 'admin')).json();
    await t.drain();
    const other = (await invite(w.orgId, w.owner, uniqueEmail())).json();
    const list = await api('GET', `/orgs/${w.orgId}/invitations?limit=1`, w.admin.accessToken);
    expect(list.statusCode).toBe(200);
    const page2 = await api('GET', `/orgs/${w.orgId}/invitations?limit=1&cursor=${list.json().page.nextCursor}`, w.admin.accessToken);
    expect([...list.json().data, ...page2.json().data].map((i) => i.id)).toEqual([second.id, other.id]);
    expect(page2.json().page.nextCursor).toBeNull();
    expectProblem(await api('GET', `/orgs/${w.orgId}/invitations`, w.member.accessToken), 403, 'FORBIDDEN');
    expectProblem(await api('GET', `/orgs/${w.orgId}/invitations`, w.outsider.accessToken), 404, 'ORG.NOT_FOUND');
    // The superseded invitation's link no longer works.
    expectProblem(await accept(guest, firstToken), 400, 'ORG.INVITATION_REVOKED');

    expectProblem(await api('DELETE', `/orgs/${w.orgId}/invitations/${second.id}`, w.member.accessToken), 403, 'FORBIDDEN');
    expect((await api('DELETE', `/orgs/${w.orgId}/invitations/${second.id}`, w.admin.accessToken)).statusCode).toBe(204);
    expectProblem(await api('DELETE', `/orgs/${w.orgId}/invitations/${second.id}`, w.admin.accessToken), 404, 'ORG.INVITATION_NOT_FOUND');
    expectProblem(await api('DELETE', `/orgs/${w.orgId}/invitations/${first.id}`, w.admin.accessToken), 404, 'ORG.INVITATION_NOT_FOUND');
    // Another org's invitation is not reachable through this org.
    expectProblem(await api('DELETE', `/orgs/${w.outsiderOrgId}/invitations/${other.id}`, w.outsider.accessToken), 404, 'ORG.INVITATION_NOT_FOUND');
    expectProblem(await accept(guest, lastMailToken(t, guest.email)), 400, 'ORG.INVITATION_REVOKED');
    expect((await api('GET', `/orgs/${w.orgId}/invitations`, w.owner.accessToken)).json().data.map((i: { id: string }) => i.id)).toEqual([other.id]);
  });
});

describe('POST /invitations/accept', () => {
  it('is single-use', async () => {
    const w = await orgWithRoles(t);
    const guest = await addMember(t, w.owner.accessToken, w.orgId, 'member');
    expectProblem(await accept(guest, lastMailToken(t, guest.email)), 400, 'ORG.INVITATION_USED');
  });

  it('expires after 7 days', async () => {
    const w = await orgWithRoles(t);
    const guest = await newUser(t);
    await invite(w.orgId, w.owner, guest.email);
    await t.drain();
    offsetMs = 7 * 86_400_000 + 60_000;
    try {
      expectProblem(await accept(guest, lastMailToken(t, guest.email)), 400, 'ORG.INVITATION_EXPIRED');
      expect((await api('GET', `/orgs/${w.orgId}/invitations`, w.owner.accessToken)).json().data).toEqual([]);
    } finally {
      offsetMs = 0;
    }
    expect(await orgsApi(t).roleOf(guest.userId, w.orgId)).toBeNull();
  });

  it('refuses another signed-in address (403), an unknown token, no token, and a deleted org', async () => {
    const w = await orgWithRoles(t);
    const guest = await newUser(t);
    await invite(w.orgId, w.owner, guest.email);
    await t.drain();
    const token = lastMailToken(t, guest.email);
    expectProblem(await accept(w.outsider, token), 403, 'ORG.INVITATION_EMAIL_MISMATCH');
    expectProblem(await accept(guest, 'x'.repeat(43)), 400, 'ORG.INVITATION_INVALID');
    expectProblem(await api('POST', '/invitations/accept', undefined, { token }), 401, 'UNAUTHENTICATED');
    expectProblem(await api('POST', '/invitations/accept', guest.accessToken, {}), 400, 'VALIDATION_FAILED');
    const org2 = await createOrg(t, w.owner.accessToken);
    const guest2 = await newUser(t);
    await invite(org2.id, w.owner, guest2.email);
    await t.drain();
    expect((await api('DELETE', `/orgs/${org2.id}`, w.owner.accessToken)).statusCode).toBe(204);
    expectProblem(await accept(guest2, lastMailToken(t, guest2.email)), 400, 'ORG.INVITATION_INVALID');
    // The mismatch did not spend the invitation.
    expect((await accept(guest, token)).statusCode).toBe(200);
  });

  it("cannot narrow an org's only (inherited) owner", async () => {
    const w = await orgWithRoles(t);
    const dept = await createOrg(t, w.admin.accessToken, { parentId: w.orgId });
    await invite(dept.id, w.admin, w.owner.email, 'viewer');
    await t.drain();
    const token = lastMailToken(t, w.owner.email);
    // The dept's creator leaves: the company owner's inherited role is its only owner.
    expect((await api('DELETE', `/orgs/${dept.id}/members/${w.admin.userId}`, w.admin.accessToken)).statusCode).toBe(204);
    expectProblem(await accept(w.owner, token), 409, 'ORG.LAST_OWNER');
    expect(await orgsApi(t).roleOf(w.owner.userId, dept.id)).toBe('owner');
  });

  it('answers 409 to someone already a direct member', async () => {
    const w = await orgWithRoles(t);
    const dept = await createOrg(t, w.owner.accessToken, { parentId: w.orgId });
    // The viewer inherits a role in the dept: an invitation there adds a direct membership...
    await invite(dept.id, w.owner, w.viewer.email, 'admin');
    await t.drain();
    const token = lastMailToken(t, w.viewer.email);
    // ...unless an override made them a direct member meanwhile.
    expect((await api('PATCH', `/orgs/${dept.id}/members/${w.viewer.userId}`, w.owner.accessToken, { role: 'member' })).statusCode).toBe(200);
    expectProblem(await accept(w.viewer, token), 409, 'ORG.ALREADY_MEMBER');
    await api('DELETE', `/orgs/${dept.id}/members/${w.viewer.userId}`, w.owner.accessToken);
    const ok = await accept(w.viewer, token);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id: dept.id, role: 'admin', inherited: false });
  });
});
