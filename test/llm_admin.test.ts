// The llm_admin module over HTTP and through its façade, with two scripted model servers
// (test/llm-server.ts): an organization's providers (keys sealed, never returned, base URLs
// through the SSRF guard), the catalog and its role rules, calls made in an organization (its
// own provider, the fallback, cancellation through the guarded fetch), budgets (refusal, and
// two calls at once that only one fits), usage reports as JSON and CSV, and tenant isolation.
import { sql } from 'kysely';
import { Type } from 'typebox';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../src/core/context/actor.ts';
import { AppError } from '../src/core/errors.ts';
import { toProblem } from '../src/core/http/problem.ts';
import type { LlmStreamPart } from '../src/core/llm/index.ts';
import { createSecrets } from '../src/core/security/secrets.ts';
import { bearer, createTestApp, expectProblem, makeAdmin, TEST_JWT_SECRET, type TestApp } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

const API = '/api/v1';
const ORG_KEY = 'sk-org-own-key-0123456789abcdef';

let t: TestApp;
let a: LlmServer;
let b: LlmServer;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let env: Record<string, string>;

beforeAll(async () => {
  [a, b] = await Promise.all([startLlmServer(), startLlmServer()]);
  const backup = [{ name: 'backup', provider: 'openai-compatible', baseUrl: b.baseUrl, models: [{ name: 'backup-model', contextWindow: 32000, inputPrice: 100, outputPrice: 400 }] }];
  env = llmEnv(a, { LLM_PROVIDERS: JSON.stringify(backup), LLM_FALLBACK: 'backup/backup-model', LLM_ORG_ALLOWED_HOSTS: '127.0.0.1', LLM_MAX_OUTPUT_TOKENS: '500' });
  t = await createTestApp({ env });
  w = await orgWithRoles(t);
});
afterAll(async () => {
  await t?.close();
  await Promise.all([a?.close(), b?.close()]);
});
beforeEach(() => {
  a.reset();
  b.reset();
});

const llmApi = () => t.app.apis.llm_admin;
const req = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, user: U, payload?: Record<string, unknown>) =>
  t.request({ method, url: `${API}${url}`, headers: bearer(user.accessToken), ...(payload === undefined ? {} : { payload }) });
const actorOf = (u: U): Actor => ({
  principal: { userId: u.userId, email: u.email, role: 'user', emailVerified: true, sessionId: null, apiKeyId: null, scopes: null },
  requestId: null,
  ip: null,
  userAgent: null,
});
const ask = (text: string, extra: Record<string, unknown> = {}) => ({ feature: 'test.ask', messages: [{ role: 'user' as const, content: text }], ...extra });

async function problemOf(p: Promise<unknown>) {
  const err = await p.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return toProblem(err, 'req').problem as Record<string, unknown> & { status: number; code: string; detail: string };
}

async function addProvider(orgId: string, owner: U, body: Record<string, unknown> = {}) {
  const res = await req('POST', `/orgs/${orgId}/llm/providers`, owner, { name: `own-${Math.random().toString(36).slice(2, 8)}`, kind: 'openai', baseUrl: a.baseUrl, apiKey: ORG_KEY, ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function addModel(orgId: string, owner: U, body: Record<string, unknown>) {
  const res = await req('POST', `/orgs/${orgId}/llm/models`, owner, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function modelsOf(orgId: string, user: U) {
  const res = await req('GET', `/orgs/${orgId}/llm/models`, user);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as { id: string; provider: string; model: string; allowed: boolean; isDefault: boolean; minimumRole: string; inputPrice: number | null }[];
}

describe('providers of an organization', () => {
  it('seals the key at rest and never returns it: not in the answers, the list, the events or the database in clear', async () => {
    const created = await addProvider(w.orgId, w.owner, { name: 'acme-openai' });
    expect(created).toMatchObject({ name: 'acme-openai', kind: 'openai', baseUrl: a.baseUrl, hasKey: true, keyLast4: 'cdef' });
    const list = await req('GET', `/orgs/${w.orgId}/llm/providers`, w.admin);
    const one = await req('GET', `/orgs/${w.orgId}/llm/providers/${created.id}`, w.owner);
    for (const body of [JSON.stringify(created), list.body, one.body]) expect(body).not.toContain(ORG_KEY.slice(0, 12));
    expect(list.json().data.map((p: { id: string }) => p.id)).toContain(created.id);

    const row = await sql<{ key_sealed: string; key_last4: string }>`SELECT key_sealed, key_last4 FROM llm_admin.providers WHERE id = ${created.id}`.execute(t.database.db);
    expect(row.rows[0].key_sealed).not.toContain(ORG_KEY);
    expect(row.rows[0].key_sealed.startsWith('v1.')).toBe(true);
    // Sealed with the key derived from the app's secret: only the server opens it.
    expect(createSecrets({ algorithm: 'HS256', secret: TEST_JWT_SECRET }).open(row.rows[0].key_sealed)).toBe(ORG_KEY);

    const renamed = await req('PATCH', `/orgs/${w.orgId}/llm/providers/${created.id}`, w.owner, { name: 'acme-2', apiKey: 'sk-replaced-key-987654321' });
    expect(renamed.json()).toMatchObject({ name: 'acme-2', hasKey: true, keyLast4: '4321' });
    const events = await sql<{ type: string; payload: Record<string, unknown> }>`SELECT type, payload FROM core.outbox WHERE payload->>'providerId' = ${created.id} ORDER BY id`.execute(t.database.db);
    expect(events.rows.map((e) => [e.type, e.payload.change, e.payload.keyChanged])).toEqual([
      ['llm_admin.provider_changed', 'created', true],
      ['llm_admin.provider_changed', 'updated', true],
    ]);
    expect(JSON.stringify(events.rows)).not.toContain('sk-');
    const compatible = await addProvider(w.orgId, w.owner, { kind: 'openai-compatible' });
    expect((await req('PATCH', `/orgs/${w.orgId}/llm/providers/${compatible.id}`, w.owner, { apiKey: null })).json()).toMatchObject({ hasKey: false, keyLast4: null });
  });

  it('refuses a base URL on a private, loopback or metadata address the operator has not allowed, and bad fields', async () => {
    for (const baseUrl of ['http://10.0.0.7/v1', 'http://169.254.169.254/latest', 'http://localhost:11434/v1', 'http://[::1]:8000/v1', 'http://user:pw@example.com/v1']) {
      const res = await req('POST', `/orgs/${w.orgId}/llm/providers`, w.owner, { name: 'internal', kind: 'openai-compatible', baseUrl });
      expectProblem(res, 400, 'LLM_ADMIN.URL_NOT_ALLOWED');
      expect(res.json().errors[0].field).toBe('body.baseUrl');
    }
    const existing = await addProvider(w.orgId, w.owner);
    expectProblem(await req('PATCH', `/orgs/${w.orgId}/llm/providers/${existing.id}`, w.owner, { baseUrl: 'http://192.168.1.20/v1' }), 400, 'LLM_ADMIN.URL_NOT_ALLOWED');
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM llm_admin.providers WHERE name = 'internal'`.execute(t.database.db)).rows[0].n).toBe(0);

    expectProblem(await req('POST', `/orgs/${w.orgId}/llm/providers`, w.owner, { name: 'nourl', kind: 'openai-compatible' }), 400, 'LLM_ADMIN.PROVIDER_INVALID');
    expectProblem(await req('POST', `/orgs/${w.orgId}/llm/providers`, w.owner, { name: 'nokey', kind: 'anthropic' }), 400, 'LLM_ADMIN.PROVIDER_INVALID');
    // Usage reports name providers: an instance provider's name is taken.
    expectProblem(await req('POST', `/orgs/${w.orgId}/llm/providers`, w.owner, { name: 'backup', kind: 'openai', apiKey: ORG_KEY }), 409, 'LLM_ADMIN.PROVIDER_NAME_TAKEN');
  });

  it('is for admins; another organization gets 404', async () => {
    const mine = await addProvider(w.orgId, w.owner);
    expectProblem(await req('GET', `/orgs/${w.orgId}/llm/providers`, w.member), 403, 'FORBIDDEN');
    expectProblem(await req('POST', `/orgs/${w.orgId}/llm/providers`, w.member, { name: 'x', kind: 'openai', apiKey: ORG_KEY }), 403, 'FORBIDDEN');
    expectProblem(await req('GET', `/orgs/${w.orgId}/llm/providers/${mine.id}`, w.outsider), 404, 'ORG.NOT_FOUND');
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      expectProblem(await req(method, `/orgs/${w.outsiderOrgId}/llm/providers/${mine.id}`, w.outsider, method === 'PATCH' ? { name: 'stolen' } : undefined), 404, 'LLM_ADMIN.PROVIDER_NOT_FOUND');
    }
    expectProblem(await req('POST', `/orgs/${w.outsiderOrgId}/llm/models`, w.outsider, { providerId: mine.id, model: 'gpt' }), 404, 'LLM_ADMIN.PROVIDER_NOT_FOUND');
    expect((await req('GET', `/orgs/${w.orgId}/llm/providers/${mine.id}`, w.owner)).json().name).toBe(mine.name);
  });
});

describe('the catalog and who may use which model', () => {
  it('lists the instance models and the org\'s own, with prices, and which the caller may use', async () => {
    const provider = await addProvider(w.orgId, w.owner);
    const own = await addModel(w.orgId, w.owner, { providerId: provider.id, model: 'gpt-own', contextWindow: 128000, inputPrice: 15, outputPrice: 60, minimumRole: 'admin' });
    expect(own).toMatchObject({ scope: 'org', provider: provider.name, model: 'gpt-own', inputPrice: 15, outputPrice: 60, currency: 'USD', supportsTools: true, enabled: true, minimumRole: 'admin' });
    const asMember = await modelsOf(w.orgId, w.member);
    expect(asMember.find((m) => m.isDefault)).toMatchObject({ provider: 'default', model: 'scripted-model', allowed: true, minimumRole: 'member' });
    expect(asMember.find((m) => m.provider === 'backup')).toMatchObject({ model: 'backup-model', inputPrice: 100, allowed: true });
    expect(asMember.find((m) => m.id === own.id)).toMatchObject({ allowed: false });
    expect((await modelsOf(w.orgId, w.viewer)).find((m) => m.isDefault)?.allowed).toBe(false);
    expect((await modelsOf(w.orgId, w.admin)).find((m) => m.id === own.id)?.allowed).toBe(true);
    expectProblem(await req('POST', `/orgs/${w.orgId}/llm/models`, w.owner, { providerId: provider.id, model: 'gpt-own' }), 409, 'LLM_ADMIN.MODEL_TAKEN');
    expectProblem(await req('POST', `/orgs/${w.orgId}/llm/models`, w.owner, { providerId: provider.id, model: 'half-priced', inputPrice: 1 }), 400, 'LLM_ADMIN.MODEL_INVALID');
  });

  it('refuses a call with a model the caller\'s role may not use: 403 LLM.MODEL_NOT_ALLOWED, nothing sent', async () => {
    const provider = await addProvider(w.orgId, w.owner);
    const own = await addModel(w.orgId, w.owner, { providerId: provider.id, model: 'admins-only', minimumRole: 'admin' });
    const refused = await problemOf(llmApi().generateText(actorOf(w.member), w.orgId, ask('hi', { modelId: own.id })));
    expect(refused).toMatchObject({ status: 403, code: 'LLM.MODEL_NOT_ALLOWED' });
    expect(refused.detail).toContain('admin');
    // The viewer may not use the default model (minimum role member).
    expect(await problemOf(llmApi().generateText(actorOf(w.viewer), w.orgId, ask('hi')))).toMatchObject({ status: 403, code: 'LLM.MODEL_NOT_ALLOWED' });
    expect(a.requests).toHaveLength(0);

    // An org rule opens the default model to viewers in this org only.
    const [instanceDefault] = (await modelsOf(w.orgId, w.owner)).filter((m) => m.isDefault);
    expect((await req('PATCH', `/orgs/${w.orgId}/llm/models/${instanceDefault.id}`, w.owner, { minimumRole: 'viewer' })).json()).toMatchObject({ minimumRole: 'viewer' });
    a.script({ text: 'hello viewer' });
    expect((await llmApi().generateText(actorOf(w.viewer), w.orgId, ask('hi'))).text).toBe('hello viewer');
    expectProblem(await req('PATCH', `/orgs/${w.orgId}/llm/models/${instanceDefault.id}`, w.owner, { inputPrice: 1, outputPrice: 1 }), 400, 'LLM_ADMIN.MODEL_INVALID');
    expectProblem(await req('DELETE', `/orgs/${w.orgId}/llm/models/${instanceDefault.id}`, w.owner), 409, 'LLM_ADMIN.INSTANCE_MODEL');
    // Disabled for the org: refused for everyone there.
    await req('PATCH', `/orgs/${w.orgId}/llm/models/${instanceDefault.id}`, w.owner, { enabled: false, minimumRole: 'member' });
    expect(await problemOf(llmApi().generateText(actorOf(w.owner), w.orgId, ask('hi')))).toMatchObject({ status: 403, code: 'LLM.MODEL_NOT_ALLOWED' });
    await req('PATCH', `/orgs/${w.orgId}/llm/models/${instanceDefault.id}`, w.owner, { enabled: true });
    const events = await sql<{ type: string }>`SELECT type FROM core.outbox WHERE payload->>'modelId' = ${instanceDefault.id} AND org_id = ${w.orgId}`.execute(t.database.db);
    expect(events.rows.length).toBe(3);
  });

  it('lets instance administrators price an instance model for every organization', async () => {
    const [backup] = (await modelsOf(w.orgId, w.owner)).filter((m) => m.provider === 'backup');
    expectProblem(await req('PATCH', `/llm/models/${backup.id}`, w.owner, { inputPrice: 1, outputPrice: 2 }), 403, 'FORBIDDEN');
    const operator = await addMember(t, w.owner.accessToken, w.orgId, 'member');
    await makeAdmin(t, operator.userId);
    const relogin = await t.request({ method: 'POST', url: `${API}/auth/login`, payload: { email: operator.email, password: 'Tr3llis-vine-climbs-high' } });
    const admin = { ...operator, accessToken: relogin.json().accessToken };
    const changed = await req('PATCH', `/llm/models/${backup.id}`, admin, { inputPrice: 120, outputPrice: 480, contextWindow: 64000 });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ inputPrice: 120, outputPrice: 480, contextWindow: 64000 });
    expect((await modelsOf(w.orgId, w.member)).find((m) => m.id === backup.id)).toMatchObject({ inputPrice: 120 });
    expect((await req('GET', '/llm/models', admin)).json().data.map((m: { model: string }) => m.model)).toEqual(['scripted-model', 'backup-model']);
    // Back to the settings' prices.
    expect((await req('PATCH', `/llm/models/${backup.id}`, admin, { inputPrice: null, outputPrice: null })).json()).toMatchObject({ inputPrice: 100, outputPrice: 400, contextWindow: 64000 });
  });
});

describe('calls made in an organization', () => {
  it('calls the org\'s own provider with its key through the guarded fetch, priced from its catalog entry', async () => {
    const provider = await addProvider(w.orgId, w.owner, { kind: 'openai-compatible' });
    const own = await addModel(w.orgId, w.owner, { providerId: provider.id, model: 'own-model', inputPrice: 1000, outputPrice: 2000 });
    a.script({ text: 'from our own key', usage: { input: 300, output: 100 } });
    const r = await llmApi().generateText(actorOf(w.member), w.orgId, ask('hi', { modelId: own.id, maxOutputTokens: 100 }));
    expect(r).toMatchObject({ text: 'from our own key', answered: { provider: provider.name, model: 'own-model' }, costMicros: 500_000 });
    expect(a.requests[0].headers.authorization).toBe(`Bearer ${ORG_KEY}`);
    expect(a.requests[0].body.max_tokens).toBe(100);
    const row = await sql<Record<string, unknown>>`SELECT * FROM core.llm_usage WHERE org_id = ${w.orgId} AND model = 'own-model'`.execute(t.database.db);
    expect(row.rows[0]).toMatchObject({ user_id: w.member.userId, provider_name: provider.name, cost_micros: 500_000, outcome: 'ok' });
  });

  it('streams with tools, falls back to the instance backup when the default is down, and cancels through to the provider', async () => {
    a.script({ status: 503 });
    b.script({ toolCalls: [{ name: 'lookup', input: { word: 'vine' } }] });
    const lookup = { description: 'Looks a word up', inputSchema: Type.Object({ word: Type.String() }) };
    const stream = await llmApi().streamText(actorOf(w.member), w.orgId, ask('vine?', { tools: { lookup } }));
    const parts: LlmStreamPart[] = [];
    for await (const part of stream) parts.push(part);
    expect(parts.find((p) => p.type === 'tool-call')).toMatchObject({ toolName: 'lookup', input: { word: 'vine' } });
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls', answered: { provider: 'backup', model: 'backup-model', fallbackFrom: ['default/scripted-model'] } });
    // The default's 500 max_tokens went to the backup too.
    expect(b.requests[0].body.max_tokens).toBe(500);

    const provider = await addProvider(w.orgId, w.owner, { kind: 'openai-compatible' });
    const own = await addModel(w.orgId, w.owner, { providerId: provider.id, model: 'slow-model' });
    a.reset();
    a.script({ text: 'a long answer cut short by the user', chunkDelayMs: 40 });
    const ac = new AbortController();
    const cancelled = await llmApi().streamText(actorOf(w.member), w.orgId, ask('go', { modelId: own.id, signal: ac.signal }));
    let texts = 0;
    await expect(
      (async () => {
        for await (const part of cancelled) if (part.type === 'text' && ++texts === 2) ac.abort(new Error('user stopped it'));
      })(),
    ).rejects.toThrow('user stopped it');
    expect(await a.requests[0].ended).toBe('aborted');
  });

  it('answers 404 LLM.MODEL_NOT_FOUND for another organization\'s model, and tools on a model without them', async () => {
    const provider = await addProvider(w.orgId, w.owner);
    const own = await addModel(w.orgId, w.owner, { providerId: provider.id, model: 'private-model', minimumRole: 'viewer', supportsTools: false });
    expect(await problemOf(llmApi().generateText(actorOf(w.outsider), w.outsiderOrgId, ask('hi', { modelId: own.id })))).toMatchObject({ status: 404, code: 'LLM.MODEL_NOT_FOUND' });
    expect(await problemOf(llmApi().generateText(actorOf(w.outsider), w.orgId, ask('hi', { modelId: own.id })))).toMatchObject({ status: 404, code: 'ORG.NOT_FOUND' });
    const lookup = { description: 'x', inputSchema: Type.Object({}) };
    expect(await problemOf(llmApi().generateText(actorOf(w.member), w.orgId, ask('hi', { modelId: own.id, tools: { lookup } })))).toMatchObject({ status: 422, code: 'LLM.TOOLS_UNSUPPORTED' });
    expect(a.requests).toHaveLength(0);
  });
});

describe('budgets', () => {
  it('refuses a call whose worst case would cross the org\'s monthly tokens: 429 LLM.BUDGET_EXCEEDED, saying what is left', async () => {
    const o = await orgWithRoles(t);
    const set = await req('PUT', `/orgs/${o.orgId}/llm/budgets/org`, o.owner, { monthlyTokens: 1000, monthlyCostMinor: null });
    expect(set.statusCode, set.body).toBe(200);
    a.script({ text: 'ok', usage: { input: 300, output: 200 } });
    // Worst case: a few prompt tokens and 400 out.
    await llmApi().generateText(actorOf(o.member), o.orgId, ask('hi', { maxOutputTokens: 400 }));
    const refused = await problemOf(llmApi().generateText(actorOf(o.member), o.orgId, ask('hi', { maxOutputTokens: 600 })));
    expect(refused).toMatchObject({ status: 429, code: 'LLM.BUDGET_EXCEEDED', budget: 'organization', unit: 'tokens', limit: 1000, remaining: 500 });
    expect(refused.requested).toBeGreaterThan(600);
    expect(refused.detail).toContain('500 tokens left');
    expect(a.requests).toHaveLength(1);
    const view = (await req('GET', `/orgs/${o.orgId}/llm/budgets`, o.admin)).json();
    expect(view).toMatchObject({ currency: 'USD', org: { monthlyTokens: 1000, monthlyCostMinor: null, spentTokens: 500 }, eachUser: { monthlyTokens: null } });
    const events = await sql<{ type: string }>`SELECT type FROM core.outbox WHERE org_id = ${o.orgId} AND type = 'llm_admin.budget_changed'`.execute(t.database.db);
    expect(events.rows).toHaveLength(1);
  });

  it('two calls at once that only one fits: one is made, the other refused', async () => {
    const o = await orgWithRoles(t);
    await req('PUT', `/orgs/${o.orgId}/llm/budgets/org`, o.owner, { monthlyTokens: 900, monthlyCostMinor: null });
    a.script({ text: 'the one that fit', delayMs: 300, usage: { input: 10, output: 10 } }, { text: 'never asked' });
    const calls = await Promise.allSettled([0, 1].map(() => llmApi().generateText(actorOf(o.member), o.orgId, ask('hi', { maxOutputTokens: 600 }))));
    expect(calls.map((c) => c.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = calls.find((c) => c.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'LLM.BUDGET_EXCEEDED' });
    expect(a.requests).toHaveLength(1);
    // Settled: the reservation is gone, what was used counts.
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM llm_admin.reservations WHERE org_id = ${o.orgId}`.execute(t.database.db)).rows[0].n).toBe(0);
    expect((await req('GET', `/orgs/${o.orgId}/llm/budgets`, o.owner)).json().org.spentTokens).toBe(20);
  });

  it('checks money with the dearest model of the chain, and each member\'s budget, their own over the default', async () => {
    const o = await orgWithRoles(t);
    // The fallback (backup) costs 100 in and 400 out per million: 500 tokens out cost 0.2 of a cent at worst.
    await req('PUT', `/orgs/${o.orgId}/llm/budgets/each-user`, o.owner, { monthlyTokens: null, monthlyCostMinor: 0 });
    const refused = await problemOf(llmApi().generateText(actorOf(o.member), o.orgId, ask('hi')));
    expect(refused).toMatchObject({ status: 429, code: 'LLM.BUDGET_EXCEEDED', budget: 'user', unit: 'money', limit: 0 });
    expect(refused.detail).toContain('0.00 USD');
    expectProblem(await req('PUT', `/orgs/${o.orgId}/llm/budgets/users/${w.member.userId}`, o.owner, { monthlyTokens: 10, monthlyCostMinor: null }), 404, 'ORG.MEMBER_NOT_FOUND');
    await req('PUT', `/orgs/${o.orgId}/llm/budgets/users/${o.member.userId}`, o.owner, { monthlyTokens: null, monthlyCostMinor: 100 });
    a.script({ text: 'allowed now' });
    expect((await llmApi().generateText(actorOf(o.member), o.orgId, ask('hi'))).text).toBe('allowed now');
    expect(await problemOf(llmApi().generateText(actorOf(o.admin), o.orgId, ask('hi')))).toMatchObject({ code: 'LLM.BUDGET_EXCEEDED', budget: 'user' });
    const view = (await req('GET', `/orgs/${o.orgId}/llm/budgets`, o.owner)).json();
    expect(view.users).toEqual([{ userId: o.member.userId, monthlyTokens: null, monthlyCostMinor: 100, spentTokens: expect.any(Number), spentCostMinor: 0 }]);
    // Both null: removed.
    expect((await req('PUT', `/orgs/${o.orgId}/llm/budgets/users/${o.member.userId}`, o.owner, { monthlyTokens: null, monthlyCostMinor: null })).json().users).toEqual([]);
    expectProblem(await req('PUT', `/orgs/${o.orgId}/llm/budgets/org`, o.member, { monthlyTokens: 1, monthlyCostMinor: null }), 403, 'FORBIDDEN');
  });
});

describe('usage reports', () => {
  it('sums the org\'s calls per day, member and model, as JSON and CSV', async () => {
    const o = await orgWithRoles(t);
    a.script({ text: 'a', usage: { input: 10, output: 5 } }, { text: 'b', usage: { input: 20, output: 5 } });
    b.script({ text: 'c', usage: { input: 1_000_000, output: 10_000 } });
    await llmApi().generateText(actorOf(o.member), o.orgId, ask('1'));
    await llmApi().generateText(actorOf(o.admin), o.orgId, ask('2'));
    const [backup] = (await modelsOf(o.orgId, o.owner)).filter((m) => m.provider === 'backup');
    await llmApi().generateText(actorOf(o.member), o.orgId, ask('3', { modelId: backup.id }));
    const day = new Date().toISOString().slice(0, 10);

    const json = await req('GET', `/orgs/${o.orgId}/llm/usage?groupBy=day,user,model`, o.admin);
    expect(json.statusCode, json.body).toBe(200);
    const report = json.json();
    expect(report).toMatchObject({ currency: 'USD', timeZone: 'UTC', groupBy: ['day', 'user', 'model'], to: day });
    expect(report.rows).toHaveLength(3);
    expect(report.rows).toContainEqual({ day, userId: o.member.userId, provider: 'backup', model: 'backup-model', calls: 1, inputTokens: 1_000_000, outputTokens: 10_000, costMinor: 104 });
    expect(report.rows).toContainEqual({ day, userId: o.admin.userId, provider: 'default', model: 'scripted-model', calls: 1, inputTokens: 20, outputTokens: 5, costMinor: 0 });
    expect(report.totals).toEqual({ calls: 3, inputTokens: 1_000_030, outputTokens: 10_010, costMinor: 104 });
    const perModel = (await req('GET', `/orgs/${o.orgId}/llm/usage?groupBy=model&userId=${o.member.userId}`, o.owner)).json();
    expect(perModel.rows.map((r: { model: string; calls: number }) => [r.model, r.calls])).toEqual([
      ['backup-model', 1],
      ['scripted-model', 1],
    ]);

    const csv = await req('GET', `/orgs/${o.orgId}/llm/usage?groupBy=user,model&format=csv`, o.admin);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="llm-usage-\d{4}-\d\d-01-\d{4}-\d\d-\d\d\.csv"$/);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('user_id,provider,model,calls,input_tokens,output_tokens,cost_minor,currency');
    expect(lines).toContain(`${o.member.userId},backup,backup-model,1,1000000,10000,104,USD`);
    expect(lines).toHaveLength(4);

    expectProblem(await req('GET', `/orgs/${o.orgId}/llm/usage`, o.member), 403, 'FORBIDDEN');
    expectProblem(await req('GET', `/orgs/${o.orgId}/llm/usage?from=2026-03-01&to=2026-02-01`, o.admin), 400, 'VALIDATION_FAILED');
    expectProblem(await req('GET', `/orgs/${o.orgId}/llm/usage?groupBy=provider`, o.admin), 400, 'VALIDATION_FAILED');
    expectProblem(await req('GET', `/orgs/${o.orgId}/llm/usage`, w.outsider), 404, 'ORG.NOT_FOUND');
  });
});

describe('the catalog and budgets a call reads, kept per org on each instance', () => {
  it('a change on one instance reaches the calls of another at once (NOTIFY), not after the cache\'s lifetime', async () => {
    const other = await createTestApp({ env, database: t.database });
    try {
      const o = await orgWithRoles(t);
      const otherApi = () => other.app.apis.llm_admin;
      const [instanceDefault] = (await modelsOf(o.orgId, o.owner)).filter((m) => m.isDefault);
      // The other instance keeps the org's catalog (viewers may not use the default model) and its budgets (none).
      expect(await problemOf(otherApi().generateText(actorOf(o.viewer), o.orgId, ask('hi')))).toMatchObject({ code: 'LLM.MODEL_NOT_ALLOWED' });
      a.script({ text: 'no budget yet' });
      expect((await otherApi().generateText(actorOf(o.member), o.orgId, ask('hi', { maxOutputTokens: 100 }))).text).toBe('no budget yet');

      // The rule changes here: the other instance's next calls see it.
      expect((await req('PATCH', `/orgs/${o.orgId}/llm/models/${instanceDefault.id}`, o.owner, { minimumRole: 'viewer' })).statusCode).toBe(200);
      a.script({ text: 'hello viewer' });
      await vi.waitFor(async () => expect((await otherApi().generateText(actorOf(o.viewer), o.orgId, ask('hi'))).text).toBe('hello viewer'), { timeout: 3000, interval: 20 });

      // A budget set here: the other instance refuses what it does not fit.
      expect((await req('PUT', `/orgs/${o.orgId}/llm/budgets/org`, o.owner, { monthlyTokens: 50, monthlyCostMinor: null })).statusCode).toBe(200);
      await vi.waitFor(async () => expect(await problemOf(otherApi().generateText(actorOf(o.member), o.orgId, ask('hi', { maxOutputTokens: 100 })))).toMatchObject({ code: 'LLM.BUDGET_EXCEEDED' }), { timeout: 3000, interval: 20 });
    } finally {
      await other.app.close();
    }
  });
});
