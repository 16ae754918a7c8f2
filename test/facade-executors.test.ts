// Façades read in the caller's transaction (decision 0033). The app runs on a pool of ONE
// connection, as PGlite's single connection was: a use case or a subscriber that asked a peer
// on the pool while its own transaction holds that connection would wait for itself until the
// pool-wait bound (503 DB.TIMEOUT, or a failed delivery). So every answer below proves the
// peer reads ran on the transaction's connection. The façade tests also read what only the
// transaction can see (its uncommitted writes), and check that such reads never reach the
// shared role and principal caches.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../src/core/events/dispatcher.ts';
import { createOutbox } from '../src/core/events/outbox.ts';
import { subscriber } from '../src/core/events/types.ts';
import { createLogger } from '../src/core/log/logger.ts';
import { createTestApp, createTestDatabase, TEST_TIMEOUTS, type TestApp } from './harness.ts';
import { createProject, putMember } from './projects-fixture.ts';
import { call, orgUrl } from './time-fixture.ts';
import { addMember, createOrg, newUser, type U } from './workspace.ts';

let t: TestApp;
let owned: Awaited<ReturnType<typeof createTestDatabase>>;
let owner: U;
let member: U;
let orgId: string;
let projectId: string;
let otherProjectId: string;

beforeAll(async () => {
  // A request that waited for a second connection would fail after 3 s instead of 20.
  owned = await createTestDatabase({ poolSize: 1, timeouts: { ...TEST_TIMEOUTS, poolWaitMs: 3000 } });
  t = await createTestApp({ database: owned.database, env: { AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' } });
  expect(t.database.poolStats().total).toBeLessThanOrEqual(1);
  owner = await newUser(t);
  orgId = (await createOrg(t, owner.accessToken)).id;
  member = await addMember(t, owner.accessToken, orgId, 'member');
  // A budget, so every write also runs the budget check (project, org and rounding in the transaction).
  projectId = (await createProject(t, owner.accessToken, orgId, { budgetHours: 1, hourlyRateMinor: 5000, currency: 'EUR' })).id;
  otherProjectId = (await createProject(t, owner.accessToken, orgId, { hourlyRateMinor: 7000 })).id;
  const rate = await call(t, owner.accessToken, 'PUT', `/api/v1/orgs/${orgId}/projects/${projectId}/members/${member.userId}`, { role: 'contributor', hourlyRateMinor: 6100 });
  expect(rate.statusCode, rate.body).toBe(201);
  await putMember(t, owner.accessToken, orgId, otherProjectId, member.userId, 'contributor');
}, 120_000);
afterAll(async () => {
  await t?.close();
  await owned?.drop();
});

describe('use cases that ask their peers inside their transaction finish on one connection', () => {
  it('time entries and timers: organization, project rate and budget read under the user lock', async () => {
    const created = await call(t, member.accessToken, 'POST', orgUrl(orgId, '/time-entries'), { projectId, start: '2026-03-02T09:00:00Z', durationSeconds: 5400 });
    expect(created.statusCode, created.body).toBe(201);
    // The project member's own rate, asked of the projects façade in the writing transaction.
    expect(created.json()).toMatchObject({ hourlyRateMinor: 6100, currency: 'EUR' });
    // 1.5 h of a 1 h budget: both thresholds, found by the check inside that transaction.
    const alerts = await t.database.db.selectFrom('core.outbox').select('payload').where('type', '=', 'time.budget_threshold_reached').where('org_id', '=', orgId).execute();
    expect(alerts.map((a: any) => (typeof a.payload === 'string' ? JSON.parse(a.payload) : a.payload).threshold).sort()).toEqual([100, 80]);

    // Moving it to another project takes that project's rate, read in the update's transaction.
    const moved = await call(t, member.accessToken, 'PATCH', orgUrl(orgId, `/time-entries/${created.json().id}`), { projectId: otherProjectId });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ projectId: otherProjectId, hourlyRateMinor: 7000 });

    const started = await call(t, member.accessToken, 'POST', orgUrl(orgId, '/timer/start'), { projectId });
    expect(started.statusCode, started.body).toBe(201);
    const stopped = await call(t, member.accessToken, 'POST', orgUrl(orgId, '/timer/stop'));
    expect(stopped.statusCode, stopped.body).toBe(200);

    const removed = await call(t, member.accessToken, 'DELETE', orgUrl(orgId, `/time-entries/${created.json().id}`));
    expect(removed.statusCode, removed.body).toBe(204);
    const submitted = await call(t, member.accessToken, 'POST', orgUrl(orgId, '/timesheets/2026-W10/submit'));
    expect(submitted.statusCode, submitted.body).toBe(200);
  });

  it("removing a project member asks the member's org role under the project's lock", async () => {
    const other = await addMember(t, owner.accessToken, orgId, 'member');
    await putMember(t, owner.accessToken, orgId, projectId, other.userId, 'contributor');
    const task = await call(t, owner.accessToken, 'POST', `/api/v1/orgs/${orgId}/projects/${projectId}/tasks`, { name: 'Theirs', assigneeId: other.userId });
    expect(task.statusCode, task.body).toBe(201);
    const res = await call(t, owner.accessToken, 'DELETE', `/api/v1/orgs/${orgId}/projects/${projectId}/members/${other.userId}`);
    expect(res.statusCode, res.body).toBe(204);
    // Not an org admin: their assignment went with the membership.
    const after = await call(t, owner.accessToken, 'GET', `/api/v1/orgs/${orgId}/projects/${projectId}/tasks/${task.json().id}`);
    expect(after.json().assigneeId).toBeNull();
  });
});

describe('façades read in the transaction they are handed', () => {
  it('see its uncommitted writes, on its connection', async () => {
    const apis = t.app.apis;
    await t.database.db
      .transaction()
      .execute(async (tx) => {
        await sql`UPDATE projects.members SET hourly_rate_minor = 9900 WHERE project_id = ${projectId} AND user_id = ${member.userId}`.execute(tx);
        expect(await apis.projects.memberRate(orgId, projectId, member.userId, tx)).toBe(9900);
        await sql`UPDATE organizations.orgs SET name = 'Renamed in tx' WHERE id = ${orgId}`.execute(tx);
        expect((await apis.organizations.getOrganization(orgId, tx))?.name).toBe('Renamed in tx');
        expect(await apis.time.settings(orgId, tx)).toMatchObject({ currency: 'EUR' });
        throw new Error('roll back');
      })
      .catch((err: Error) => expect(err.message).toBe('roll back'));
    expect(await apis.projects.memberRate(orgId, projectId, member.userId)).toBe(6100);
  });

  it("assistants: an assistant (its role, project and file checks too) and a template's render", async () => {
    const apis = t.app.apis;
    const file = await t.app.storage.save({ orgId, scope: 'tests', fileName: 'notes.md', contentType: 'text/markdown', body: Buffer.from('notes'), userId: member.userId });
    const made = await call(t, member.accessToken, 'POST', orgUrl(orgId, '/assistants'), { name: 'Helper', instructions: 'Before', knowledge: { projectIds: [projectId], fileIds: [file.id] } });
    expect(made.statusCode, made.body).toBe(201);
    const template = await call(t, member.accessToken, 'POST', orgUrl(orgId, '/prompt-templates'), { name: 'T', body: 'Before {{x}}', variables: [{ name: 'x' }] });
    expect(template.statusCode, template.body).toBe(201);
    const actor = { principal: { userId: member.userId, email: member.email, role: 'user', emailVerified: true, sessionId: null, apiKeyId: null, scopes: null }, requestId: null, ip: null, userAgent: null } as const;
    await t.database.db
      .transaction()
      .execute(async (tx) => {
        await sql`UPDATE assistants.assistants SET instructions = 'In tx' WHERE id = ${made.json().id}`.execute(tx);
        expect(await apis.assistants.getAssistant(actor, orgId, made.json().id, tx)).toMatchObject({ instructions: 'In tx', knowledge: { projectIds: [projectId], fileIds: [file.id] } });
        await sql`UPDATE assistants.prompt_templates SET body = 'In tx {{x}}' WHERE id = ${template.json().id}`.execute(tx);
        expect(await apis.assistants.renderTemplate(actor, orgId, template.json().id, { x: '!' }, undefined, tx)).toMatchObject({ text: 'In tx !' });
        throw new Error('roll back');
      })
      .catch((err: Error) => expect(err.message).toBe('roll back'));
  });

  it('a role read in a transaction that rolls back does not stay in the role cache', async () => {
    const apis = t.app.apis;
    const stranger = await newUser(t);
    await t.database.db
      .transaction()
      .execute(async (tx) => {
        await sql`INSERT INTO organizations.memberships (org_id, user_id, email, role) VALUES (${orgId}, ${stranger.userId}, ${stranger.email}, 'admin')`.execute(tx);
        expect(await apis.organizations.roleOf(stranger.userId, orgId, tx)).toBe('admin');
        expect(await apis.organizations.assertRole({ userId: stranger.userId } as never, orgId, 'admin', tx)).toBe('admin');
        throw new Error('roll back');
      })
      .catch((err: Error) => expect(err.message).toBe('roll back'));
    // Had the transaction's answer been cached, the stranger would be an admin for 30 s.
    expect(await apis.organizations.roleOf(stranger.userId, orgId)).toBeNull();
    const res = await call(t, stranger.accessToken, 'GET', orgUrl(orgId, ''));
    expect(res.statusCode).toBe(404);
  });

  it('a principal read in a transaction that rolls back does not stay in the principal cache', async () => {
    const apis = t.app.apis;
    const fresh = await newUser(t); // signed in, never used: its session is not cached yet
    const sessionId = JSON.parse(Buffer.from(fresh.accessToken.split('.')[1], 'base64url').toString()).sid;
    const info = { ip: '192.0.2.1', userAgent: undefined };
    await t.database.db
      .transaction()
      .execute(async (tx) => {
        await sql`UPDATE auth.sessions SET revoked_at = now() WHERE id = ${sessionId}`.execute(tx);
        expect(await apis.auth.resolvePrincipal({ bearer: fresh.accessToken }, info, tx)).toBeNull();
        throw new Error('roll back');
      })
      .catch((err: Error) => expect(err.message).toBe('roll back'));
    // A cached "revoked" would answer 401 to a session that was never revoked.
    expect(await apis.auth.resolvePrincipal({ bearer: fresh.accessToken }, info)).toMatchObject({ userId: fresh.userId, sessionId });
    expect((await call(t, fresh.accessToken, 'GET', '/api/v1/users/me')).statusCode).toBe(200);
  });
});

describe('a subscriber reads a peer façade in its delivery transaction (one connection)', () => {
  it('gets the organization, its members, the project, the account and the time totals, and is delivered at the first try', async () => {
    await t.drain(); // the app's own events first: this dispatcher has only the subscriber below
    const type = 'test.facade_read_happened';
    const seen: unknown[] = [];
    const reader = subscriber(type as never, type as never, async (event, { db }) => {
      const { orgId: org, projectId: project } = event.payload as unknown as { orgId: string; projectId: string };
      const apis = t.app.apis;
      seen.push({
        org: (await apis.organizations.getOrganization(org, db))?.id,
        project: (await apis.projects.getProject(org, project, db))?.id,
        role: await apis.organizations.roleOf(event.actorId!, org, db),
        owners: (await apis.organizations.listMembers(org, db)).filter((m) => m.role === 'owner').map((m) => m.userId),
        account: (await apis.auth.getAccount(event.actorId!, db))?.id,
        user: ((await apis.users.getUser(event.actorId!, db)) as { id: string }).id,
        totals: (await apis.time.aggregate({ orgId: org, from: new Date(0), to: new Date('2100-01-01'), groupBy: 'project', timeZone: 'UTC' }, db)).totals.entries,
      });
    });
    const id = await t.database.db.transaction().execute((tx) => createOutbox().publish(tx, type as never, { orgId, projectId } as never, { actorId: owner.userId, orgId }));
    const dispatcher = createDispatcher({ database: t.database, subscribers: [reader], log: createLogger('silent'), maxAttempts: 3, backoffBaseMs: 60_000 });
    await dispatcher.drain();
    expect(seen).toEqual([{ org: orgId, project: projectId, role: 'owner', owners: [owner.userId], account: owner.userId, user: owner.userId, totals: expect.any(Number) }]);
    // No failed attempt: a read on the pool would have waited for the delivery's own connection.
    const row = await t.database.db.selectFrom('core.outbox').select(['status', 'attempts', 'last_error']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'delivered', attempts: 0, last_error: null });
  });
});
