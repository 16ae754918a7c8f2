// Webhook endpoints over HTTP: create (secret shown once, stored sealed), read, update,
// delete, the SSRF guard at creation, validation, API key scopes and the isolation matrix.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call } from './projects-fixture.ts';
import { createHook, getHook, hooksUrl, outboxEvents, type Receiver, startReceiver } from './webhooks-fixture.ts';
import { createOrg, newUser, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let rx: Receiver;
let orgId: string;
let outsiderOrgId: string;
let users: { owner: U; admin: U; member: U; viewer: U; outsider: U };

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
  const w = await orgWithRoles(t);
  orgId = w.orgId;
  outsiderOrgId = w.outsiderOrgId;
  users = { owner: w.owner, admin: w.admin, member: w.member, viewer: w.viewer, outsider: w.outsider };
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});

describe('endpoints', () => {
  it('creates an endpoint and shows its secret only in the answer; the database holds it sealed', async () => {
    const res = await call(t, users.admin.accessToken, 'POST', hooksUrl(orgId), {
      url: rx.url('/a'),
      events: ['time.entry_created', 'projects.*', 'projects.task_created', 'time.entry_created'],
      description: '  CRM sync  ',
      unknownField: 'dropped',
    });
    expect(res.statusCode, res.body).toBe(201);
    const hook = res.json();
    expect(hook).toMatchObject({
      orgId,
      url: rx.url('/a'),
      description: 'CRM sync',
      events: ['projects.*', 'time.entry_created'],
      enabled: true,
      disabledReason: null,
      consecutiveFailures: 0,
      createdBy: users.admin.userId,
    });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(hook).not.toHaveProperty('unknownField');

    const read = await getHook(t, users.admin.accessToken, orgId, hook.id);
    expect(read).not.toHaveProperty('secret');
    const { secret: _, ...withoutSecret } = hook;
    expect(read).toEqual(withoutSecret);
    const list = await call(t, users.admin.accessToken, 'GET', hooksUrl(orgId));
    expect(list.json().data.find((e: any) => e.id === hook.id)).not.toHaveProperty('secret');

    const row = await sql<{ secret_sealed: string }>`SELECT secret_sealed FROM webhooks.endpoints WHERE id = ${hook.id}`.execute(t.database.db);
    expect(row.rows[0].secret_sealed).toMatch(/^v1\./);
    expect(row.rows[0].secret_sealed).not.toContain(hook.secret.slice('whsec_'.length, 20));

    const [event] = (await outboxEvents(t, 'webhooks.endpoint_created')).filter((e) => e.payload.endpointId === hook.id);
    expect(event.payload).toEqual({ orgId, endpointId: hook.id, url: rx.url('/a'), events: ['projects.*', 'time.entry_created'] });
    expect(event.actor_id).toBe(users.admin.userId);
    expect(JSON.stringify(event.payload)).not.toContain(hook.secret);
  });

  it('lists endpoints in creation order with cursor pages', async () => {
    const { orgId: own, owner } = await ownOrg();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createHook(t, owner.accessToken, own, { url: rx.url(`/list${i}`), events: ['*'] })).id);
    const first = (await call(t, owner.accessToken, 'GET', `${hooksUrl(own)}?limit=2`)).json();
    expect(first.data.map((e: any) => e.id)).toEqual(ids.slice(0, 2));
    const second = (await call(t, owner.accessToken, 'GET', `${hooksUrl(own)}?limit=2&cursor=${first.page.nextCursor}`)).json();
    expect(second.data.map((e: any) => e.id)).toEqual(ids.slice(2));
    expect(second.page.nextCursor).toBeNull();
  });

  it('updates url, events, description and enabled, publishing the fields that changed', async () => {
    const hook = await createHook(t, users.owner.accessToken, orgId, { url: rx.url('/b'), events: ['*'] });
    const res = await call(t, users.admin.accessToken, 'PATCH', hooksUrl(orgId, `/${hook.id}`), { url: rx.url('/b2'), events: ['projects.project_created'], description: 'x', enabled: false });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ url: rx.url('/b2'), events: ['projects.project_created'], description: 'x', enabled: false, disabledReason: null, disabledAt: expect.any(String) });
    const same = await call(t, users.admin.accessToken, 'PATCH', hooksUrl(orgId, `/${hook.id}`), { url: rx.url('/b2'), description: 'x' });
    expect(same.statusCode).toBe(200);
    const updates = (await outboxEvents(t, 'webhooks.endpoint_updated')).filter((e) => e.payload.endpointId === hook.id);
    expect(updates.map((e) => e.payload.fields.sort())).toEqual([['description', 'enabled', 'events', 'url']]);
  });

  it('deletes an endpoint: 204, then 404', async () => {
    const hook = await createHook(t, users.owner.accessToken, orgId, { url: rx.url('/c'), events: ['*'] });
    const del = await call(t, users.admin.accessToken, 'DELETE', hooksUrl(orgId, `/${hook.id}`));
    expect(del.statusCode).toBe(204);
    expectProblem(await call(t, users.admin.accessToken, 'GET', hooksUrl(orgId, `/${hook.id}`)), 404, 'WEBHOOKS.NOT_FOUND');
    expectProblem(await call(t, users.admin.accessToken, 'DELETE', hooksUrl(orgId, `/${hook.id}`)), 404, 'WEBHOOKS.NOT_FOUND');
    expect((await outboxEvents(t, 'webhooks.endpoint_deleted')).filter((e) => e.payload.endpointId === hook.id)).toHaveLength(1);
  });

  it('refuses invalid bodies with field errors', async () => {
    const post = (payload: unknown) => call(t, users.admin.accessToken, 'POST', hooksUrl(orgId), payload);
    for (const payload of [
      { events: ['*'] },
      { url: rx.url('/v') },
      { url: rx.url('/v'), events: [] },
      { url: rx.url('/v'), events: ['projects'] },
      { url: rx.url('/v'), events: ['*.created'] },
      { url: rx.url('/v'), events: ['*'], enabled: 'yes' },
      { url: '', events: ['*'] },
    ]) {
      const body = expectProblem(await post(payload), 400, 'VALIDATION_FAILED');
      expect(body.errors.length, JSON.stringify(payload)).toBeGreaterThan(0);
    }
    expectProblem(await call(t, users.admin.accessToken, 'GET', hooksUrl(orgId, '/not-a-uuid')), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, users.admin.accessToken, 'GET', `${hooksUrl(orgId)}?cursor=garbage`), 400, 'VALIDATION_FAILED');
  });
});

describe('SSRF guard at creation and update', () => {
  const refused = async (token: string, org: string, url: string, reason: string, app = t) => {
    const body = expectProblem(await call(app, token, 'POST', hooksUrl(org), { url, events: ['*'] }), 400, 'WEBHOOKS.URL_NOT_ALLOWED');
    expect(body.errors[0].field).toBe('body.url');
    expect(body.reason, url).toBe(reason);
  };

  it('refuses metadata, private, loopback-by-name and non-http URLs even with 127.0.0.1 allowed', async () => {
    const token = users.admin.accessToken;
    await refused(token, orgId, 'http://169.254.169.254/latest/meta-data/', 'not_public');
    await refused(token, orgId, 'http://[::ffff:169.254.169.254]/', 'not_public');
    await refused(token, orgId, 'http://10.0.0.1/hook', 'not_public');
    await refused(token, orgId, 'http://127.0.0.2/hook', 'not_public');
    await refused(token, orgId, 'http://[::1]/hook', 'not_public');
    await refused(token, orgId, 'http://localhost/hook', 'not_public');
    await refused(token, orgId, 'http://metadata.google.internal/computeMetadata/v1/', 'not_public');
    await refused(token, orgId, 'ftp://127.0.0.1/hook', 'scheme');
    await refused(token, orgId, 'file:///etc/passwd', 'scheme');
    await refused(token, orgId, 'http://user:secret@127.0.0.1/hook', 'credentials');
    await refused(token, orgId, 'not a url', 'invalid');
  });

  it('refuses a PATCH to a refused URL and keeps the old one', async () => {
    const hook = await createHook(t, users.admin.accessToken, orgId, { url: rx.url('/patch'), events: ['*'] });
    expectProblem(await call(t, users.admin.accessToken, 'PATCH', hooksUrl(orgId, `/${hook.id}`), { url: 'http://169.254.169.254/' }), 400, 'WEBHOOKS.URL_NOT_ALLOWED');
    expect((await getHook(t, users.admin.accessToken, orgId, hook.id)).url).toBe(rx.url('/patch'));
  });

  it('refuses 127.0.0.1 without the allow list, and allows the metadata address only when listed', async () => {
    const strict = await createTestApp({ database: t.database });
    try {
      await refused(users.owner.accessToken, orgId, rx.url('/strict'), 'not_public', strict);
      await refused(users.owner.accessToken, orgId, 'http://169.254.169.254/', 'not_public', strict);
    } finally {
      await strict.app.close();
    }
    const lax = await createTestApp({ database: t.database, env: { WEBHOOK_ALLOWED_HOSTS: '169.254.169.254/32' } });
    try {
      const res = await call(lax, users.owner.accessToken, 'POST', hooksUrl(orgId), { url: 'http://169.254.169.254/', events: ['*'], enabled: false });
      expect(res.statusCode, res.body).toBe(201);
      await call(lax, users.owner.accessToken, 'DELETE', hooksUrl(orgId, `/${res.json().id}`));
    } finally {
      await lax.app.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents every webhooks route with its scope', async () => {
    const doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
    const paths = Object.keys(doc.paths).filter((p) => p.includes('/webhooks'));
    expect(paths.sort()).toEqual([
      '/orgs/{orgId}/webhooks',
      '/orgs/{orgId}/webhooks/{webhookId}',
      '/orgs/{orgId}/webhooks/{webhookId}/deliveries',
      '/orgs/{orgId}/webhooks/{webhookId}/deliveries/{deliveryId}',
      '/orgs/{orgId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver',
      '/orgs/{orgId}/webhooks/{webhookId}/rotate-secret',
      '/orgs/{orgId}/webhooks/{webhookId}/test',
    ]);
    expect(doc.paths['/orgs/{orgId}/webhooks'].post.description).toContain('webhooks:write');
  });
});

describe('API keys', () => {
  it('webhooks:read reads, webhooks:write writes, other scopes do neither', async () => {
    const mint = async (scopes: string[]) => {
      const res = await t.request({ method: 'POST', url: '/api/v1/auth/api-keys', headers: bearer(users.admin.accessToken), payload: { name: scopes.join(' '), scopes } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().key as string;
    };
    const reader = await mint(['webhooks:read']);
    const writer = await mint(['webhooks:write']);
    const other = await mint(['projects:read', 'projects:write']);
    expect((await call(t, reader, 'GET', hooksUrl(orgId))).statusCode).toBe(200);
    expectProblem(await call(t, reader, 'POST', hooksUrl(orgId), { url: rx.url('/k'), events: ['*'] }), 403, 'FORBIDDEN');
    expect((await call(t, writer, 'POST', hooksUrl(orgId), { url: rx.url('/k'), events: ['*'] })).statusCode).toBe(201);
    expectProblem(await call(t, other, 'GET', hooksUrl(orgId)), 403, 'FORBIDDEN');
  });
});

/** An org of its own, for tests that list all of its endpoints. */
async function ownOrg() {
  const owner = await newUser(t);
  const org = await createOrg(t, owner.accessToken);
  return { orgId: org.id, owner };
}

describe('isolation matrix', () => {
  type Who = 'owner' | 'admin' | 'member' | 'viewer' | 'outsider' | 'anonymous';
  const WHO: Who[] = ['owner', 'admin', 'member', 'viewer', 'outsider', 'anonymous'];
  const token = (who: Who) => (who === 'anonymous' ? null : users[who].accessToken);
  const denied = { member: [403, 'FORBIDDEN'], viewer: [403, 'FORBIDDEN'], outsider: [404, 'ORG.NOT_FOUND'], anonymous: [401, 'UNAUTHENTICATED'] } as const;

  let hookId: string;
  let deliveryId: string;
  beforeAll(async () => {
    hookId = (await createHook(t, users.owner.accessToken, orgId, { url: rx.url('/iso'), events: ['webhooks.*'] })).id;
    const sent = await call(t, users.owner.accessToken, 'POST', hooksUrl(orgId, `/${hookId}/test`));
    deliveryId = sent.json().id;
    await t.runJobs();
  });

  const ROUTES: { name: string; send: (who: Who) => ReturnType<typeof call>; ok: number }[] = [
    { name: 'GET list', send: (who) => call(t, token(who), 'GET', hooksUrl(orgId)), ok: 200 },
    { name: 'POST create', send: (who) => call(t, token(who), 'POST', hooksUrl(orgId), { url: rx.url(`/iso-${who}`), events: ['*'], enabled: false }), ok: 201 },
    { name: 'GET one', send: (who) => call(t, token(who), 'GET', hooksUrl(orgId, `/${hookId}`)), ok: 200 },
    { name: 'PATCH', send: (who) => call(t, token(who), 'PATCH', hooksUrl(orgId, `/${hookId}`), { description: `by ${who}` }), ok: 200 },
    { name: 'POST rotate-secret', send: (who) => call(t, token(who), 'POST', hooksUrl(orgId, `/${hookId}/rotate-secret`)), ok: 200 },
    { name: 'POST test', send: (who) => call(t, token(who), 'POST', hooksUrl(orgId, `/${hookId}/test`)), ok: 202 },
    { name: 'GET deliveries', send: (who) => call(t, token(who), 'GET', hooksUrl(orgId, `/${hookId}/deliveries`)), ok: 200 },
    { name: 'GET one delivery', send: (who) => call(t, token(who), 'GET', hooksUrl(orgId, `/${hookId}/deliveries/${deliveryId}`)), ok: 200 },
  ];

  for (const route of ROUTES) {
    for (const who of WHO) {
      it(`${route.name} as ${who}`, async () => {
        const res = await route.send(who);
        if (who === 'owner' || who === 'admin') expect(res.statusCode, res.body).toBe(route.ok);
        else expectProblem(res, denied[who][0], denied[who][1]);
      });
    }
  }

  it('an endpoint of another org is not found through one’s own org', async () => {
    const outsider = users.outsider.accessToken;
    for (const [method, rest] of [
      ['GET', `/${hookId}`],
      ['PATCH', `/${hookId}`],
      ['DELETE', `/${hookId}`],
      ['POST', `/${hookId}/rotate-secret`],
      ['POST', `/${hookId}/test`],
      ['GET', `/${hookId}/deliveries`],
      ['GET', `/${hookId}/deliveries/${deliveryId}`],
      ['POST', `/${hookId}/deliveries/${deliveryId}/redeliver`],
    ] as const) {
      const res = await call(t, outsider, method, hooksUrl(outsiderOrgId, rest), method === 'PATCH' ? { description: 'stolen' } : undefined);
      expectProblem(res, 404, 'WEBHOOKS.NOT_FOUND');
    }
    expect((await getHook(t, users.owner.accessToken, orgId, hookId)).description).not.toBe('stolen');
  });

  it('DELETE and redeliver as a member, viewer, outsider or anonymous are refused', async () => {
    for (const who of ['member', 'viewer', 'outsider', 'anonymous'] as const) {
      expectProblem(await call(t, token(who), 'DELETE', hooksUrl(orgId, `/${hookId}`)), denied[who][0], denied[who][1]);
      expectProblem(await call(t, token(who), 'POST', hooksUrl(orgId, `/${hookId}/deliveries/${deliveryId}/redeliver`)), denied[who][0], denied[who][1]);
    }
    expect((await getHook(t, users.owner.accessToken, orgId, hookId)).id).toBe(hookId);
  });
});
