// The audit log through HTTP: real actions of a workspace (register, sign in, create an org,
// invite, create projects, use an API key), delivered by the dispatcher, then read back by
// org admins and global admins: who, where, what, filters, pages, CSV, and who may read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectProblem, lastMailToken, makeAdmin, STRONG_PASSWORD, type TestApp, createTestApp, uniqueEmail } from './harness.ts';
import { parseCsv } from './reports-files.ts';
import { addMember, newUser, orgWithRoles, type U, uniqueSlug } from './workspace.ts';

const API = '/api/v1';
const UA = 'AuditSuite/1.0 (login)';
const IP = '203.0.113.77';

let t: TestApp;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let globalAdmin: U;
/** A user who signs up, signs in, creates an org and acts in it with a user agent and address of their own. */
let actor: { userId: string; email: string; accessToken: string; refreshToken: string };
let orgId: string;
let createOrgRequestId: string;
let projectId: string;
let inviteToken: string;
let apiKey: { id: string; key: string };
let keyProjectId: string;

const get = (token: string | null, url: string, headers: Record<string, string> = {}) =>
  t.request({ method: 'GET', url: `${API}${url}`, headers: { ...(token ? bearer(token) : {}), ...headers } });

async function records(token: string, url: string) {
  const res = await get(token, url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as any[];
}

beforeAll(async () => {
  t = await createTestApp();
  const as = { 'user-agent': UA };
  const email = uniqueEmail('audit');
  const reg = await t.request({ method: 'POST', url: `${API}/auth/register`, remoteAddress: IP, headers: as, payload: { email, password: STRONG_PASSWORD, displayName: 'Auditor' } });
  expect(reg.statusCode, reg.body).toBe(201);
  const login = await t.request({ method: 'POST', url: `${API}/auth/login`, remoteAddress: IP, headers: as, payload: { email, password: STRONG_PASSWORD } });
  expect(login.statusCode, login.body).toBe(200);
  actor = { userId: login.json().user.id, email, accessToken: login.json().accessToken, refreshToken: login.json().refreshToken };
  const auth = { ...as, ...bearer(actor.accessToken) };

  const org = await t.request({ method: 'POST', url: `${API}/orgs`, remoteAddress: IP, headers: auth, payload: { name: 'Audited', slug: uniqueSlug('audit') } });
  expect(org.statusCode, org.body).toBe(201);
  orgId = org.json().id;
  createOrgRequestId = String(org.headers['x-request-id']);

  const invitee = uniqueEmail('invitee');
  const invite = await t.request({ method: 'POST', url: `${API}/orgs/${orgId}/invitations`, remoteAddress: IP, headers: auth, payload: { email: invitee, role: 'member' } });
  expect(invite.statusCode, invite.body).toBe(201);
  const project = await t.request({ method: 'POST', url: `${API}/orgs/${orgId}/projects`, remoteAddress: IP, headers: auth, payload: { name: 'Website', key: 'WEB' } });
  expect(project.statusCode, project.body).toBe(201);
  projectId = project.json().id;
  const task = await t.request({ method: 'POST', url: `${API}/orgs/${orgId}/projects/${projectId}/tasks`, remoteAddress: IP, headers: auth, payload: { name: 'Design' } });
  expect(task.statusCode, task.body).toBe(201);
  // A client-controlled header that a spreadsheet would run as a formula.
  const patch = await t.request({
    method: 'PATCH',
    url: `${API}/orgs/${orgId}/projects/${projectId}`,
    remoteAddress: IP,
    headers: { ...bearer(actor.accessToken), 'user-agent': '=HYPERLINK("http://evil.example","x")' },
    payload: { description: 'Relaunch' },
  });
  expect(patch.statusCode, patch.body).toBe(200);

  const key = await t.request({ method: 'POST', url: `${API}/auth/api-keys`, headers: bearer(actor.accessToken), payload: { name: 'ci', scopes: ['audit:read', 'projects:write'] } });
  expect(key.statusCode, key.body).toBe(201);
  apiKey = { id: key.json().id, key: key.json().key };
  const viaKey = await t.request({ method: 'POST', url: `${API}/orgs/${orgId}/projects`, headers: { 'x-api-key': apiKey.key }, payload: { name: 'Automation', key: 'BOT' } });
  expect(viaKey.statusCode, viaKey.body).toBe(201);
  keyProjectId = viaKey.json().id;

  await t.drain();
  inviteToken = lastMailToken(t, invitee);

  w = await orgWithRoles(t);
  globalAdmin = await newUser(t);
  await makeAdmin(t, globalAdmin.userId);
  await t.drain();
});
afterAll(() => t?.close());

describe('what the log records', () => {
  it('an org action: who, from where, what, in which org, with the request id', async () => {
    const [created] = await records(actor.accessToken, `/orgs/${orgId}/audit?type=organizations.created`);
    expect(created).toMatchObject({
      type: 'organizations.created',
      actorId: actor.userId,
      apiKeyId: null,
      orgId,
      targetType: 'organization',
      targetId: orgId,
      ip: IP,
      userAgent: UA,
      requestId: createOrgRequestId,
      payload: { orgId, name: 'Audited', ownerId: actor.userId },
    });
    expect(Date.parse(created.occurredAt)).toBeGreaterThan(Date.now() - 600_000);
  });

  it('the most specific target of each event', async () => {
    const all = await records(actor.accessToken, `/orgs/${orgId}/audit?limit=100`);
    const byType = (type: string) => all.filter((r) => r.type === type);
    expect(byType('projects.project_created').map((r) => [r.targetType, r.targetId])).toEqual(
      expect.arrayContaining([
        ['project', projectId],
        ['project', keyProjectId],
      ]),
    );
    expect(byType('projects.task_created')[0]).toMatchObject({ targetType: 'task', payload: { projectId } });
    expect(byType('organizations.invitation_sent')[0]).toMatchObject({ targetType: 'invitation', payload: { role: 'member' } });
    expect(byType('organizations.member_added')[0]).toMatchObject({ targetType: 'user', targetId: actor.userId });
    // Project keys are facts, not key material.
    expect(byType('projects.project_created').map((r) => r.payload.key)).toEqual(expect.arrayContaining(['WEB', 'BOT']));
  });

  it('an action taken with an API key names the key and its owner', async () => {
    const [r] = await records(actor.accessToken, `/orgs/${orgId}/audit?type=projects.project_created&target=${keyProjectId}`);
    expect(r).toMatchObject({ actorId: actor.userId, apiKeyId: apiKey.id, targetId: keyProjectId });
  });

  it('events of no org (sign-up, sign-in, API keys) only in the global log, with the sign-in client', async () => {
    const mine = await records(globalAdmin.accessToken, `/admin/audit?actor=${actor.userId}&limit=100`);
    const login = mine.find((r) => r.type === 'auth.logged_in');
    expect(login).toMatchObject({ orgId: null, ip: IP, userAgent: UA, targetType: 'session', payload: { userId: actor.userId, method: 'password' } });
    expect(mine.find((r) => r.type === 'auth.user_registered')).toMatchObject({ targetType: 'user', targetId: actor.userId, ip: IP, userAgent: UA });
    expect(mine.find((r) => r.type === 'auth.api_key_created')).toMatchObject({ targetType: 'api_key', targetId: apiKey.id, payload: { apiKeyId: apiKey.id } });
    const orgLog = await records(actor.accessToken, `/orgs/${orgId}/audit?type=auth.*`);
    expect(orgLog).toEqual([]);
  });

  it('never holds a secret: no password, token, API key or invitation token anywhere', async () => {
    const rows = await t.database.db.selectFrom('audit.events').selectAll().execute();
    const text = JSON.stringify(rows);
    for (const secret of [STRONG_PASSWORD, actor.accessToken, actor.refreshToken, apiKey.key, inviteToken, decodeURIComponent(inviteToken)]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('filters and pages', () => {
  it('actor, exact type, type prefix, target, from and to', async () => {
    const base = `/orgs/${orgId}/audit?limit=100`;
    const everything = await records(actor.accessToken, base);
    expect(everything.length).toBeGreaterThanOrEqual(8);
    expect(everything.every((r) => r.orgId === orgId)).toBe(true);

    const projectsOnly = await records(actor.accessToken, `${base}&type=projects.*`);
    expect(projectsOnly.length).toBeGreaterThan(0);
    expect(projectsOnly.every((r) => r.type.startsWith('projects.'))).toBe(true);
    expect(projectsOnly.length).toBe(everything.filter((r) => r.type.startsWith('projects.')).length);

    // `_` in a prefix is a character, not a LIKE wildcard.
    const memberEvents = await records(actor.accessToken, `${base}&type=organizations.member_*`);
    expect(memberEvents.map((r) => r.type)).toEqual(everything.filter((r) => r.type.startsWith('organizations.member_')).map((r) => r.type));
    // As a wildcard, `organizations_` would match `organizations.` and so every org event.
    expect(await records(actor.accessToken, `${base}&type=organizations_*`)).toEqual([]);

    const exact = await records(actor.accessToken, `${base}&type=projects.task_created`);
    expect(exact.map((r) => r.type)).toEqual(['projects.task_created']);

    const byKey = await records(actor.accessToken, `${base}&actor=${actor.userId}&type=projects.project_created`);
    expect(byKey).toHaveLength(2);
    expect(await records(actor.accessToken, `${base}&actor=${w.owner.userId}`)).toEqual([]);

    const history = await records(actor.accessToken, `${base}&target=${projectId}`);
    expect(new Set(history.map((r) => r.type))).toEqual(new Set(['projects.project_created', 'projects.project_updated', 'projects.member_added']));

    const oldest = everything[everything.length - 1];
    const newest = everything[0];
    const fromNewest = await records(actor.accessToken, `${base}&from=${encodeURIComponent(newest.occurredAt)}`);
    expect(fromNewest.map((r) => r.id)).toContain(newest.id);
    expect(fromNewest.every((r) => r.occurredAt >= newest.occurredAt)).toBe(true);
    const beforeNewest = await records(actor.accessToken, `${base}&to=${encodeURIComponent(newest.occurredAt)}`);
    expect(beforeNewest.map((r) => r.id)).not.toContain(newest.id);
    expect(beforeNewest.map((r) => r.id)).toContain(oldest.id);
  });

  it('cursor pages, newest first, that add up to the whole list', async () => {
    const whole = await records(actor.accessToken, `/orgs/${orgId}/audit?limit=100`);
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(actor.accessToken, `/orgs/${orgId}/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.page.limit).toBe(3);
      expect(body.data.length).toBeLessThanOrEqual(3);
      seen.push(...body.data);
      cursor = body.page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(seen.map((r) => r.id)).toEqual(whole.map((r) => r.id));
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]];
      expect(a.occurredAt > b.occurredAt || (a.occurredAt === b.occurredAt && a.id > b.id)).toBe(true);
    }
  });

  it.each([
    ['type=Projects.*', 'query.type'],
    ['type=*', 'query.type'],
    ['actor=someone', 'query.actor'],
    ['from=yesterday', 'query.from'],
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['cursor=bm90LWEtY3Vyc29y', 'query.cursor'],
    ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.to'],
  ])('refuses %s', async (query, field) => {
    const body = expectProblem(await get(actor.accessToken, `/orgs/${orgId}/audit?${query}`), 400, 'VALIDATION_FAILED');
    expect(body.errors.map((e: any) => e.field)).toContain(field);
  });
});

describe('CSV export', () => {
  it('the filtered list as CSV that parses back, formulas defused, and the download on record', async () => {
    const list = await records(actor.accessToken, `/orgs/${orgId}/audit?type=projects.*&limit=100`);
    const res = await get(actor.accessToken, `/orgs/${orgId}/audit/export.csv?type=projects.*`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="audit-${orgId}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    const [header, ...rows] = parseCsv(res.body);
    expect(header).toEqual(['id', 'occurred_at', 'type', 'actor_id', 'api_key_id', 'org_id', 'target_type', 'target_id', 'ip', 'user_agent', 'request_id', 'payload']);
    expect(rows.map((r) => r[0])).toEqual(list.map((r) => r.id));
    const col = (name: string) => header.indexOf(name);
    const byId = new Map(rows.map((r) => [r[0], r]));
    for (const record of list) {
      const row = byId.get(record.id)!;
      expect(row[col('occurred_at')]).toBe(record.occurredAt);
      expect(row[col('type')]).toBe(record.type);
      expect(JSON.parse(row[col('payload')])).toEqual(record.payload);
      expect(row[col('api_key_id')]).toBe(record.apiKeyId ?? '');
    }
    const updated = rows.find((r) => r[col('type')] === 'projects.project_updated')!;
    expect(updated[col('user_agent')]).toBe(`'=HYPERLINK("http://evil.example","x")`);

    await t.drain();
    const [exported] = await records(actor.accessToken, `/orgs/${orgId}/audit?type=audit.exported`);
    expect(exported).toMatchObject({ actorId: actor.userId, orgId, payload: { orgId, filters: { type: 'projects.*' } } });
  });

  it('global admins export everything, or one org', async () => {
    const res = await get(globalAdmin.accessToken, `/admin/audit/export.csv?org=${orgId}&type=organizations.created`);
    expect(res.statusCode, res.body).toBe(200);
    const [, ...rows] = parseCsv(res.body);
    expect(rows).toHaveLength(1);
    expect(rows[0][2]).toBe('organizations.created');
    const all = await get(globalAdmin.accessToken, '/admin/audit/export.csv?type=auth.user_registered');
    expect(all.statusCode).toBe(200);
    expect(parseCsv(all.body).length - 1).toBeGreaterThanOrEqual(7);
  });
});

describe('who may read', () => {
  type Who = 'owner' | 'admin' | 'member' | 'viewer' | 'outsider' | 'anonymous' | 'globalAdmin';
  const token = (who: Who) => (who === 'anonymous' ? null : who === 'globalAdmin' ? globalAdmin.accessToken : w[who].accessToken);
  const ORG_EXPECT: Record<Who, [number, string?]> = {
    owner: [200],
    admin: [200],
    member: [403, 'FORBIDDEN'],
    viewer: [403, 'FORBIDDEN'],
    outsider: [404, 'ORG.NOT_FOUND'],
    anonymous: [401, 'UNAUTHENTICATED'],
    // A global admin reads org logs through /admin/audit, not as a member.
    globalAdmin: [404, 'ORG.NOT_FOUND'],
  };
  const ADMIN_EXPECT: Record<Who, [number, string?]> = {
    owner: [403, 'FORBIDDEN'],
    admin: [403, 'FORBIDDEN'],
    member: [403, 'FORBIDDEN'],
    viewer: [403, 'FORBIDDEN'],
    outsider: [403, 'FORBIDDEN'],
    anonymous: [401, 'UNAUTHENTICATED'],
    globalAdmin: [200],
  };
  const WHO = Object.keys(ORG_EXPECT) as Who[];

  for (const suffix of ['', '/export.csv']) {
    it.each(WHO)(`GET /orgs/{orgId}/audit${suffix} as %s`, async (who) => {
      const res = await get(token(who), `/orgs/${w.orgId}/audit${suffix}`);
      const [status, code] = ORG_EXPECT[who];
      if (code) expectProblem(res, status, code);
      else expect(res.statusCode, res.body).toBe(status);
    });
    it.each(WHO)(`GET /admin/audit${suffix} as %s`, async (who) => {
      const res = await get(token(who), `/admin/audit${suffix}`);
      const [status, code] = ADMIN_EXPECT[who];
      if (code) expectProblem(res, status, code);
      else expect(res.statusCode, res.body).toBe(status);
    });
  }

  it("an org's log holds only that org's records", async () => {
    const mine = await records(w.admin.accessToken, `/orgs/${w.orgId}/audit?limit=100`);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.orgId === w.orgId)).toBe(true);
    const theirs = await records(w.outsider.accessToken, `/orgs/${w.outsiderOrgId}/audit?limit=100`);
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((r) => r.orgId === w.outsiderOrgId)).toBe(true);
    // Another org's record ids as a target filter find nothing here.
    expect(await records(w.outsider.accessToken, `/orgs/${w.outsiderOrgId}/audit?target=${w.orgId}`)).toEqual([]);
  });

  it('an org member promoted to admin reads the log from the next request', async () => {
    const promoted = await addMember(t, w.owner.accessToken, w.orgId, 'member');
    expectProblem(await get(promoted.accessToken, `/orgs/${w.orgId}/audit`), 403, 'FORBIDDEN');
    const patch = await t.request({ method: 'PATCH', url: `${API}/orgs/${w.orgId}/members/${promoted.userId}`, headers: bearer(w.owner.accessToken), payload: { role: 'admin' } });
    expect(patch.statusCode, patch.body).toBe(200);
    expect((await get(promoted.accessToken, `/orgs/${w.orgId}/audit`)).statusCode).toBe(200);
  });

  it('API keys need audit:read', async () => {
    expect((await get(null, `/orgs/${orgId}/audit`, { 'x-api-key': apiKey.key })).statusCode).toBe(200);
    const res = await t.request({ method: 'POST', url: `${API}/auth/api-keys`, headers: bearer(actor.accessToken), payload: { name: 'read projects', scopes: ['projects:read'] } });
    const other = res.json().key as string;
    expectProblem(await get(null, `/orgs/${orgId}/audit`, { 'x-api-key': other }), 403, 'FORBIDDEN');
    // The key's owner is no global admin: the scope alone does not open /admin/audit.
    expectProblem(await get(null, '/admin/audit', { 'x-api-key': apiKey.key }), 403, 'FORBIDDEN');
  });

  it('no route changes a record', async () => {
    const doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
    const auditPaths = Object.entries(doc.paths as Record<string, Record<string, unknown>>).filter(([path]) => path.includes('/audit'));
    expect(auditPaths.map(([path]) => path).sort()).toEqual(
      ['/admin/audit', '/admin/audit/export.csv', '/orgs/{orgId}/audit', '/orgs/{orgId}/audit/export.csv'].sort(),
    );
    for (const [, methods] of auditPaths) expect(Object.keys(methods).filter((m) => m !== 'parameters')).toEqual(['get']);
  });
});
