// Assistants and prompt templates over HTTP and through the façade chat reads: an assistant's
// references checked with the rights of whoever sets them (a model of the org's catalog open to
// their role, tools of the server, projects they see, files of the org), visibility (private:
// its creator alone; org: every member reads it, its creator or an admin changes it), search and
// pages, tenant isolation, the events in the outbox; templates whose variables must match their
// placeholders, versions that never change, renders that insert values literally.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/context/actor.ts';
import { AppError } from '../src/core/errors.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { llmEnv } from './llm-server.ts';
import { createProject, outbox, putMember } from './projects-fixture.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

// The catalog is all these tests need of the models: nothing is ever sent to this address.
const NOWHERE = 'http://127.0.0.1:9/v1';

let t: TestApp;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let member2: U;
let models: { scripted: string; adminsOnly: string; noTools: string };
let memberProject: string;
let hiddenProject: string;
let foreignProject: string;
let fileId: string;
let foreignFileId: string;
let adminFileId: string;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const send = (user: U, method: Method, url: string, payload?: unknown) =>
  t.request({ method, url: `/api/v1${url}`, headers: bearer(user.accessToken), ...(payload === undefined ? {} : { payload: payload as never }) });
const assistantsUrl = (orgId: string, rest = '') => `/orgs/${orgId}/assistants${rest}`;
const templatesUrl = (orgId: string, rest = '') => `/orgs/${orgId}/prompt-templates${rest}`;
const actorOf = (u: U): Actor => ({
  principal: { userId: u.userId, email: u.email, role: 'user', emailVerified: true, sessionId: null, apiKeyId: null, scopes: null },
  requestId: null,
  ip: null,
  userAgent: null,
});
const api = () => t.app.apis.assistants;

async function create(user: U, body: Record<string, unknown>, orgId = w.orgId) {
  const res = await send(user, 'POST', assistantsUrl(orgId), { name: 'Helper', instructions: 'Be brief.', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

beforeAll(async () => {
  const providers = [{ name: 'local', provider: 'openai-compatible', baseUrl: NOWHERE, models: [{ name: 'big' }, { name: 'plain', tools: false }] }];
  t = await createTestApp({ env: llmEnv({ baseUrl: NOWHERE }, { LLM_PROVIDERS: JSON.stringify(providers) }) });
  w = await orgWithRoles(t);
  member2 = await addMember(t, w.owner.accessToken, w.orgId, 'member');

  const catalog = (await send(w.owner, 'GET', `/orgs/${w.orgId}/llm/models`)).json().data as { id: string; provider: string; model: string }[];
  const idOf = (provider: string, model: string) => catalog.find((m) => m.provider === provider && m.model === model)!.id;
  models = { scripted: idOf('default', 'scripted-model'), adminsOnly: idOf('local', 'big'), noTools: idOf('local', 'plain') };
  const raised = await send(w.owner, 'PATCH', `/orgs/${w.orgId}/llm/models/${models.adminsOnly}`, { minimumRole: 'admin' });
  expect(raised.statusCode, raised.body).toBe(200);

  memberProject = (await createProject(t, w.owner.accessToken, w.orgId, { name: 'Garden' })).id;
  await putMember(t, w.owner.accessToken, w.orgId, memberProject, w.member.userId, 'contributor');
  hiddenProject = (await createProject(t, w.owner.accessToken, w.orgId, { name: 'Vault' })).id;
  foreignProject = (await createProject(t, w.outsider.accessToken, w.outsiderOrgId, { name: 'Elsewhere' })).id;
  const save = (orgId: string, userId: string | null) => t.app.storage.save({ orgId, scope: 'tests', fileName: 'handbook.md', contentType: 'text/markdown', body: Buffer.from('# Handbook'), userId });
  fileId = (await save(w.orgId, w.member.userId)).id;
  foreignFileId = (await save(w.outsiderOrgId, w.outsider.userId)).id;
  adminFileId = (await save(w.orgId, null)).id;
}, 60_000);
afterAll(async () => t?.close());

describe('assistants', () => {
  it('are created by members with their references, read by every member when shared, changed by their creator or an admin, with events', async () => {
    const assistant = await create(w.member, {
      name: '  Garden   guide ',
      description: 'Answers about the garden project',
      instructions: 'You answer questions about the Garden project.\nCite sources.',
      modelId: models.scripted,
      temperature: 0.3,
      tools: ['projects.find_projects', 'web_tools.fetch_page', 'projects.find_projects'],
      knowledge: { projectIds: [memberProject, memberProject], fileIds: [fileId] },
      visibility: 'org',
    });
    expect(assistant).toMatchObject({
      orgId: w.orgId,
      name: 'Garden guide',
      description: 'Answers about the garden project',
      modelId: models.scripted,
      temperature: 0.3,
      tools: ['projects.find_projects', 'web_tools.fetch_page'],
      knowledge: { projectIds: [memberProject], fileIds: [fileId] },
      visibility: 'org',
      createdBy: w.member.userId,
    });

    expect((await send(w.viewer, 'GET', assistantsUrl(w.orgId, `/${assistant.id}`))).json()).toEqual(assistant);
    expect((await send(member2, 'GET', assistantsUrl(w.orgId))).json().data.map((a: { id: string }) => a.id)).toContain(assistant.id);

    const renamed = await send(w.member, 'PATCH', assistantsUrl(w.orgId, `/${assistant.id}`), { instructions: 'Shorter.', temperature: null });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ instructions: 'Shorter.', temperature: null, tools: assistant.tools });
    // Nothing changed: no event.
    expect((await send(w.member, 'PATCH', assistantsUrl(w.orgId, `/${assistant.id}`), { instructions: 'Shorter.', knowledge: {} })).statusCode).toBe(200);
    expectProblem(await send(member2, 'PATCH', assistantsUrl(w.orgId, `/${assistant.id}`), { name: 'Mine now' }), 403, 'ASSISTANTS.NOT_YOURS');
    expectProblem(await send(member2, 'DELETE', assistantsUrl(w.orgId, `/${assistant.id}`)), 403, 'ASSISTANTS.NOT_YOURS');
    expectProblem(await send(w.viewer, 'PATCH', assistantsUrl(w.orgId, `/${assistant.id}`), { name: 'Mine now' }), 403, 'FORBIDDEN');
    const byAdmin = await send(w.admin, 'PATCH', assistantsUrl(w.orgId, `/${assistant.id}`), { visibility: 'private', knowledge: { fileIds: [] } });
    expect(byAdmin.statusCode, byAdmin.body).toBe(200);
    expect(byAdmin.json()).toMatchObject({ visibility: 'private', knowledge: { projectIds: [memberProject], fileIds: [] }, createdBy: w.member.userId });
    // Private now: the admin who made it so no longer sees it; its creator does and deletes it.
    expectProblem(await send(w.admin, 'GET', assistantsUrl(w.orgId, `/${assistant.id}`)), 404, 'ASSISTANTS.NOT_FOUND');
    expect((await send(w.member, 'DELETE', assistantsUrl(w.orgId, `/${assistant.id}`))).statusCode).toBe(204);
    expectProblem(await send(w.member, 'GET', assistantsUrl(w.orgId, `/${assistant.id}`)), 404, 'ASSISTANTS.NOT_FOUND');

    const events = (await Promise.all(['assistants.created', 'assistants.updated', 'assistants.deleted'].map((type) => outbox(t, type, w.orgId))))
      .flat()
      .filter((e) => e.payload.assistantId === assistant.id);
    expect(events.map((e) => [e.type, e.actor_id, e.payload.fields ?? null])).toEqual([
      ['assistants.created', w.member.userId, null],
      ['assistants.updated', w.member.userId, ['instructions', 'temperature']],
      ['assistants.updated', w.admin.userId, ['knowledge', 'visibility']],
      ['assistants.deleted', w.member.userId, null],
    ]);
    expect(events[0].payload).toEqual({ orgId: w.orgId, assistantId: assistant.id, visibility: 'org' });
    // Ids and what changed, never the words.
    expect(JSON.stringify(events)).not.toContain('Garden');
  });

  it('refuses a tool the server does not have, naming it', async () => {
    const res = await send(w.member, 'POST', assistantsUrl(w.orgId), { name: 'x', instructions: '', tools: ['web_tools.fetch_page', 'web_tools.launch_rockets'] });
    expect(expectProblem(res, 400, 'ASSISTANTS.UNKNOWN_TOOL').errors).toEqual([{ field: 'body.tools.1', message: '"web_tools.launch_rockets" is not a tool of this server' }]);
    expectProblem(await send(w.member, 'POST', assistantsUrl(w.orgId), { name: 'x', instructions: '', tools: ['Web Search'] }), 400, 'VALIDATION_FAILED');
    const mine = await create(w.member, {});
    expect(expectProblem(await send(w.member, 'PATCH', assistantsUrl(w.orgId, `/${mine.id}`), { tools: ['nope.nothing'] }), 400, 'ASSISTANTS.UNKNOWN_TOOL').errors[0].field).toBe('body.tools.0');
  });

  it('refuses a model not in the catalog, one above the creator role, and tools on a model without tool support', async () => {
    const unknown = await send(w.member, 'POST', assistantsUrl(w.orgId), { name: 'x', instructions: '', modelId: randomUUID() });
    expect(expectProblem(unknown, 400, 'ASSISTANTS.MODEL_NOT_FOUND').errors).toEqual([{ field: 'body.modelId', message: 'is not a model of this organization' }]);

    const aboveRole = await send(w.member, 'POST', assistantsUrl(w.orgId), { name: 'x', instructions: '', modelId: models.adminsOnly });
    expect(expectProblem(aboveRole, 403, 'LLM.MODEL_NOT_ALLOWED').errors).toEqual([{ field: 'body.modelId', message: 'is for the role admin and above' }]);
    const forAdmins = await create(w.admin, { modelId: models.adminsOnly, visibility: 'org' });
    // The admin's assistant is the member's to read, not to move onto that model.
    const mine = await create(w.member, {});
    expectProblem(await send(w.member, 'PATCH', assistantsUrl(w.orgId, `/${mine.id}`), { modelId: models.adminsOnly }), 403, 'LLM.MODEL_NOT_ALLOWED');
    expect((await send(w.member, 'GET', assistantsUrl(w.orgId, `/${forAdmins.id}`))).json().modelId).toBe(models.adminsOnly);

    const withTools = await send(w.member, 'POST', assistantsUrl(w.orgId), { name: 'x', instructions: '', modelId: models.noTools, tools: ['web_tools.fetch_page'] });
    expect(expectProblem(withTools, 422, 'LLM.TOOLS_UNSUPPORTED').errors).toEqual([{ field: 'body.tools', message: 'must be empty for this model' }]);
    const plain = await create(w.member, { modelId: models.noTools });
    expectProblem(await send(w.member, 'PATCH', assistantsUrl(w.orgId, `/${plain.id}`), { tools: ['web_tools.fetch_page'] }), 422, 'LLM.TOOLS_UNSUPPORTED');
    expect((await send(w.member, 'PATCH', assistantsUrl(w.orgId, `/${plain.id}`), { modelId: null, tools: ['web_tools.fetch_page'] })).json()).toMatchObject({ modelId: null, tools: ['web_tools.fetch_page'] });
  });

  it("refuses knowledge the creator cannot see: another org's project, a project of theirs they are not on, another org's file", async () => {
    const res = await send(w.member, 'POST', assistantsUrl(w.orgId), {
      name: 'x',
      instructions: '',
      knowledge: { projectIds: [memberProject, foreignProject, hiddenProject], fileIds: [foreignFileId, fileId, randomUUID(), adminFileId] },
    });
    const notTheirs = 'is not a file of this organization you uploaded (or, for admins, any of its files)';
    expect(expectProblem(res, 400, 'ASSISTANTS.KNOWLEDGE_NOT_FOUND').errors).toEqual([
      { field: 'body.knowledge.projectIds.1', message: 'is not a project of this organization you can see' },
      { field: 'body.knowledge.projectIds.2', message: 'is not a project of this organization you can see' },
      { field: 'body.knowledge.fileIds.0', message: notTheirs },
      { field: 'body.knowledge.fileIds.2', message: notTheirs },
      // A file of the org someone else stored (a data source's upload, an export): not the member's to give.
      { field: 'body.knowledge.fileIds.3', message: notTheirs },
    ]);
    // An admin sees every project of the org, and may give any of its files.
    expect((await create(w.admin, { knowledge: { projectIds: [hiddenProject], fileIds: [adminFileId, fileId] } })).knowledge).toEqual({ projectIds: [hiddenProject], fileIds: [adminFileId, fileId] });
  });

  it('refuses a temperature outside 0–2 and instructions past their cap', async () => {
    for (const body of [{ temperature: 2.5 }, { temperature: -0.1 }, { instructions: 'x'.repeat(20_001) }, { visibility: 'public' }]) {
      expectProblem(await send(w.member, 'POST', assistantsUrl(w.orgId), { name: 'x', instructions: '', ...body }), 400, 'VALIDATION_FAILED');
    }
    expect((await create(w.member, { temperature: 2, instructions: 'x'.repeat(20_000) })).temperature).toBe(2);
  });

  it('keeps a private assistant to its creator: 404 to other members and admins, out of their lists', async () => {
    const secret = await create(w.member, { name: 'My private notes' });
    expect(secret.visibility).toBe('private');
    for (const other of [member2, w.admin, w.owner, w.viewer]) {
      expectProblem(await send(other, 'GET', assistantsUrl(w.orgId, `/${secret.id}`)), 404, 'ASSISTANTS.NOT_FOUND');
      expect((await send(other, 'GET', assistantsUrl(w.orgId, '?limit=100'))).json().data.map((a: { id: string }) => a.id)).not.toContain(secret.id);
    }
    expectProblem(await send(w.admin, 'PATCH', assistantsUrl(w.orgId, `/${secret.id}`), { name: 'Seen' }), 404, 'ASSISTANTS.NOT_FOUND');
    expectProblem(await send(w.owner, 'DELETE', assistantsUrl(w.orgId, `/${secret.id}`)), 404, 'ASSISTANTS.NOT_FOUND');
    expect((await send(w.member, 'GET', assistantsUrl(w.orgId, `/${secret.id}`))).statusCode).toBe(200);
  });

  it('lets a viewer read the ones shared with the org but not create one', async () => {
    const shared = await create(w.member, { visibility: 'org' });
    expect((await send(w.viewer, 'GET', assistantsUrl(w.orgId, `/${shared.id}`))).statusCode).toBe(200);
    expectProblem(await send(w.viewer, 'POST', assistantsUrl(w.orgId), { name: 'x', instructions: '' }), 403, 'FORBIDDEN');
    expectProblem(await send(w.viewer, 'DELETE', assistantsUrl(w.orgId, `/${shared.id}`)), 403, 'FORBIDDEN');
  });

  it('lists by name (any case, % and _ literal) and visibility, in cursor pages', async () => {
    const tag = `zq${Math.random().toString(36).slice(2, 8)}`;
    const a = await create(w.member, { name: `${tag} Alpha writer`, visibility: 'org' });
    const b = await create(w.member, { name: `${tag} alpha_reader` });
    const c = await create(member2, { name: `${tag} ALPHA critic`, visibility: 'org' });
    await create(member2, { name: `${tag} alpha private of another` });
    const names = async (user: U, query: string) => (await send(user, 'GET', assistantsUrl(w.orgId, `?${query}`))).json().data.map((x: { id: string }) => x.id);

    expect(await names(w.member, `q=${tag}%20alpha`)).toEqual([c.id, b.id, a.id]);
    expect(await names(w.member, `q=${tag}%20alpha&visibility=org`)).toEqual([c.id, a.id]);
    expect(await names(w.member, `q=${tag}%20alpha_`)).toEqual([b.id]);
    expect(await names(w.member, `q=${tag}%25`)).toEqual([]);

    const first = (await send(w.member, 'GET', assistantsUrl(w.orgId, `?q=${tag}&limit=2`))).json();
    expect(first.data.map((x: { id: string }) => x.id)).toEqual([c.id, b.id]);
    const second = (await send(w.member, 'GET', assistantsUrl(w.orgId, `?q=${tag}&limit=2&cursor=${first.page.nextCursor}`))).json();
    expect(second).toMatchObject({ data: [{ id: a.id }], page: { nextCursor: null, limit: 2 } });
    expectProblem(await send(w.member, 'GET', assistantsUrl(w.orgId, '?cursor=bm9wZQ')), 400, 'VALIDATION_FAILED');
  });

  it("answers 404 for another organization's assistants", async () => {
    const shared = await create(w.member, { visibility: 'org' });
    expectProblem(await send(w.outsider, 'GET', assistantsUrl(w.orgId, `/${shared.id}`)), 404, 'ORG.NOT_FOUND');
    expectProblem(await send(w.outsider, 'GET', assistantsUrl(w.outsiderOrgId, `/${shared.id}`)), 404, 'ASSISTANTS.NOT_FOUND');
    expectProblem(await send(w.outsider, 'PATCH', assistantsUrl(w.outsiderOrgId, `/${shared.id}`), { name: 'Taken' }), 404, 'ASSISTANTS.NOT_FOUND');
    expectProblem(await send(w.outsider, 'DELETE', assistantsUrl(w.outsiderOrgId, `/${shared.id}`)), 404, 'ASSISTANTS.NOT_FOUND');
    expect((await send(w.outsider, 'GET', assistantsUrl(w.outsiderOrgId))).json().data.map((a: { id: string }) => a.id)).not.toContain(shared.id);
    // Their own org's catalog, projects and files are theirs to use there, and ours are not.
    const theirs = await create(w.outsider, { knowledge: { projectIds: [foreignProject], fileIds: [foreignFileId] } }, w.outsiderOrgId);
    expectProblem(await send(w.member, 'GET', assistantsUrl(w.outsiderOrgId, `/${theirs.id}`)), 404, 'ORG.NOT_FOUND');
    expectProblem(await send(w.outsider, 'POST', assistantsUrl(w.outsiderOrgId), { name: 'x', instructions: '', knowledge: { projectIds: [memberProject] } }), 400, 'ASSISTANTS.KNOWLEDGE_NOT_FOUND');
  });
});

describe('prompt templates', () => {
  const body = 'Write to {{name}} in a {{ tone }} tone.';
  const variables = [{ name: 'name', description: 'Who the mail is for' }, { name: 'tone', default: 'friendly' }];

  async function template(user: U, extra: Record<string, unknown> = {}) {
    const res = await send(user, 'POST', templatesUrl(w.orgId), { name: 'Mail', body, variables, ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  it('refuses variables that do not match the placeholders, naming each', async () => {
    const res = await send(w.member, 'POST', templatesUrl(w.orgId), { name: 'x', body: 'Hi {{name}} from {{city}}', variables: [{ name: 'name' }, { name: 'zip' }] });
    expect(expectProblem(res, 400, 'ASSISTANTS.TEMPLATE_VARIABLES_MISMATCH').errors).toEqual([
      { field: 'body.body', message: 'uses {{city}}, which is not a declared variable' },
      { field: 'body.variables.1.name', message: '"zip" is not used by the body' },
    ]);
    expectProblem(await send(w.member, 'POST', templatesUrl(w.orgId), { name: 'x', body: 'Hi', variables: [{ name: 'bad-name' }] }), 400, 'VALIDATION_FAILED');
    const mine = await template(w.member);
    expectProblem(await send(w.member, 'PATCH', templatesUrl(w.orgId, `/${mine.id}`), { body: 'Only {{name}}' }), 400, 'ASSISTANTS.TEMPLATE_VARIABLES_MISMATCH');
    expect((await send(w.member, 'GET', templatesUrl(w.orgId, `/${mine.id}`))).json()).toMatchObject({ body, version: 1 });
  });

  it('writes a new immutable version for every change of content, and renders any of them', async () => {
    const created = await template(w.member, { visibility: 'org' });
    expect(created).toMatchObject({ name: 'Mail', body, variables, version: 1, visibility: 'org', createdBy: w.member.userId });

    const v2Content = { body: 'Dear {{name}}, in a {{tone}} tone, about {{topic}}.', variables: [...variables, { name: 'topic' }] };
    const v2 = await send(w.member, 'PATCH', templatesUrl(w.orgId, `/${created.id}`), v2Content);
    expect(v2.statusCode, v2.body).toBe(200);
    expect(v2.json().version).toBe(2);
    // Visibility is who sees it, not what it says: no version.
    expect((await send(w.member, 'PATCH', templatesUrl(w.orgId, `/${created.id}`), { visibility: 'private' })).json()).toMatchObject({ version: 2, visibility: 'private' });
    expect((await send(w.member, 'PATCH', templatesUrl(w.orgId, `/${created.id}`), { visibility: 'org', name: 'Mail v3' })).json()).toMatchObject({ version: 3, name: 'Mail v3' });
    // The same content again: nothing written.
    expect((await send(w.member, 'PATCH', templatesUrl(w.orgId, `/${created.id}`), { name: 'Mail v3', ...v2Content })).json().version).toBe(3);

    const versions = (await send(w.viewer, 'GET', templatesUrl(w.orgId, `/${created.id}/versions?limit=2`))).json();
    expect(versions.data.map((v: { version: number }) => v.version)).toEqual([3, 2]);
    const rest = (await send(w.viewer, 'GET', templatesUrl(w.orgId, `/${created.id}/versions?limit=2&cursor=${versions.page.nextCursor}`))).json();
    expect(rest.data.map((v: { version: number }) => v.version)).toEqual([1]);
    expect((await send(w.viewer, 'GET', templatesUrl(w.orgId, `/${created.id}/versions/1`))).json()).toMatchObject({ templateId: created.id, version: 1, name: 'Mail', body, variables, createdBy: w.member.userId });
    expectProblem(await send(w.viewer, 'GET', templatesUrl(w.orgId, `/${created.id}/versions/9`)), 404, 'ASSISTANTS.TEMPLATE_VERSION_NOT_FOUND');

    const render = (payload: unknown, user: U = w.viewer) => send(user, 'POST', templatesUrl(w.orgId, `/${created.id}/render`), payload);
    expect((await render({ values: { name: 'Ada', topic: 'roses' } })).json()).toEqual({ templateId: created.id, version: 3, text: 'Dear Ada, in a friendly tone, about roses.' });
    expect((await render({ version: 1, values: { name: 'Ada', tone: 'dry' } })).json()).toEqual({ templateId: created.id, version: 1, text: 'Write to Ada in a dry tone.' });
    // A value is inserted as written: a placeholder inside it is never read again.
    expect((await render({ version: 1, values: { name: '{{tone}} and $& {{name}}' } })).json().text).toBe('Write to {{tone}} and $& {{name}} in a friendly tone.');

    const missing = await render({ values: { topic: 'roses', colour: 'red' } });
    expect(expectProblem(missing, 400, 'ASSISTANTS.TEMPLATE_VALUES_INVALID').errors).toEqual([
      { field: 'body.values.colour', message: 'is not a variable of this template version' },
      { field: 'body.values.name', message: 'is required: the variable has no default' },
    ]);
    // topic is a variable of version 2 on, not of version 1.
    expectProblem(await render({ version: 1, values: { name: 'Ada', topic: 'x' } }), 400, 'ASSISTANTS.TEMPLATE_VALUES_INVALID');
    expectProblem(await render({ version: 4, values: {} }), 404, 'ASSISTANTS.TEMPLATE_VERSION_NOT_FOUND');

    expectProblem(await send(member2, 'PATCH', templatesUrl(w.orgId, `/${created.id}`), { name: 'Mine' }), 403, 'ASSISTANTS.TEMPLATE_NOT_YOURS');
    expect((await send(w.admin, 'DELETE', templatesUrl(w.orgId, `/${created.id}`))).statusCode).toBe(204);
    expectProblem(await send(w.member, 'GET', templatesUrl(w.orgId, `/${created.id}/versions/1`)), 404, 'ASSISTANTS.TEMPLATE_NOT_FOUND');
    const left = await t.database.db.selectFrom('assistants.prompt_template_versions' as never).select(({ fn }: any) => fn.countAll().as('n')).where('template_id' as never, '=', created.id as never).executeTakeFirstOrThrow();
    expect(Number((left as { n: unknown }).n)).toBe(0);

    const events = (await outbox(t, 'assistants.template_changed', w.orgId)).filter((e) => e.payload.templateId === created.id);
    expect(events.map((e) => [e.payload.change, e.payload.version, e.payload.visibility, e.actor_id])).toEqual([
      ['created', 1, 'org', w.member.userId],
      ['updated', 2, 'org', w.member.userId],
      ['updated', 2, 'private', w.member.userId],
      ['updated', 3, 'org', w.member.userId],
      ['deleted', 3, 'org', w.admin.userId],
    ]);
  });

  it('keeps a private template to its creator, lists by name, and answers 404 across organizations', async () => {
    const tag = `tq${Math.random().toString(36).slice(2, 8)}`;
    const secret = await template(w.member, { name: `${tag} private` });
    const shared = await template(w.member, { name: `${tag} shared`, visibility: 'org' });
    for (const other of [member2, w.admin]) {
      expectProblem(await send(other, 'GET', templatesUrl(w.orgId, `/${secret.id}`)), 404, 'ASSISTANTS.TEMPLATE_NOT_FOUND');
      expectProblem(await send(other, 'POST', templatesUrl(w.orgId, `/${secret.id}/render`), { values: { name: 'x' } }), 404, 'ASSISTANTS.TEMPLATE_NOT_FOUND');
      expectProblem(await send(other, 'GET', templatesUrl(w.orgId, `/${secret.id}/versions`)), 404, 'ASSISTANTS.TEMPLATE_NOT_FOUND');
    }
    const list = async (user: U) => (await send(user, 'GET', templatesUrl(w.orgId, `?q=${tag}`))).json().data.map((x: { id: string }) => x.id);
    expect(await list(w.member)).toEqual([shared.id, secret.id]);
    expect(await list(member2)).toEqual([shared.id]);
    expectProblem(await send(w.viewer, 'POST', templatesUrl(w.orgId), { name: 'x', body: 'x' }), 403, 'FORBIDDEN');
    expectProblem(await send(w.outsider, 'GET', templatesUrl(w.outsiderOrgId, `/${shared.id}`)), 404, 'ASSISTANTS.TEMPLATE_NOT_FOUND');
    expectProblem(await send(w.outsider, 'POST', templatesUrl(w.outsiderOrgId, `/${shared.id}/render`), { values: { name: 'x' } }), 404, 'ASSISTANTS.TEMPLATE_NOT_FOUND');
    expectProblem(await send(w.outsider, 'GET', templatesUrl(w.orgId, `/${shared.id}`)), 404, 'ORG.NOT_FOUND');
  });
});

describe('the façade chat reads', () => {
  it('gives an assistant to whoever may use it, its knowledge narrowed to what they may read; null to anyone else', async () => {
    const shared = await create(w.member, { visibility: 'org', tools: ['web_tools.fetch_page'], knowledge: { projectIds: [memberProject], fileIds: [fileId] } });
    const secret = await create(w.member, {});

    expect(await api().getAssistant(actorOf(w.member), w.orgId, shared.id)).toEqual(shared);
    // member2 is not on the project: the assistant comes without it.
    expect(await api().getAssistant(actorOf(member2), w.orgId, shared.id)).toEqual({ ...shared, knowledge: { projectIds: [], fileIds: [fileId] } });
    expect((await api().getAssistant(actorOf(w.viewer), w.orgId, shared.id))?.id).toBe(shared.id);

    expect(await api().getAssistant(actorOf(member2), w.orgId, secret.id)).toBeNull();
    expect(await api().getAssistant(actorOf(w.outsider), w.orgId, shared.id)).toBeNull();
    expect(await api().getAssistant(actorOf(w.outsider), w.outsiderOrgId, shared.id)).toBeNull();
    expect(await api().getAssistant(actorOf(w.member), w.orgId, 'not-a-uuid')).toBeNull();
    expect(await api().getAssistant(actorOf(w.member), w.orgId, randomUUID())).toBeNull();

    // A file removed since is left out too.
    const doomed = await t.app.storage.save({ orgId: w.orgId, scope: 'tests', fileName: 'old.md', contentType: 'text/markdown', body: Buffer.from('old'), userId: w.member.userId });
    const withFile = await create(w.member, { knowledge: { projectIds: [], fileIds: [doomed.id, fileId] } });
    await t.app.storage.remove(doomed.key);
    expect((await api().getAssistant(actorOf(w.member), w.orgId, withFile.id))?.knowledge).toEqual({ projectIds: [], fileIds: [fileId] });
  });

  it('renders a template as the HTTP route does, refusing as it does', async () => {
    const created = (await send(w.member, 'POST', templatesUrl(w.orgId), { name: 'Brief', body: 'Summarise {{topic}} for {{who}}.', variables: [{ name: 'topic' }, { name: 'who', default: 'the team' }], visibility: 'org' })).json();
    expect(await api().renderTemplate(actorOf(member2), w.orgId, created.id, { topic: '{{who}}' })).toEqual({ templateId: created.id, version: 1, text: 'Summarise {{who}} for the team.' });
    expect((await api().renderTemplate(actorOf(w.member), w.orgId, created.id, { topic: 'x' }, 1)).version).toBe(1);

    const refusal = async (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);
    const missing = await refusal(api().renderTemplate(actorOf(member2), w.orgId, created.id, {}));
    expect(missing).toBeInstanceOf(AppError);
    expect(missing).toMatchObject({ code: 'ASSISTANTS.TEMPLATE_VALUES_INVALID', errors: [{ field: 'body.values.topic' }] });
    expect(await refusal(api().renderTemplate(actorOf(w.outsider), w.orgId, created.id, { topic: 'x' }))).toMatchObject({ code: 'ORG.NOT_FOUND' });
    expect(await refusal(api().renderTemplate(actorOf(w.member), w.orgId, created.id, { topic: 'x' }, 2))).toMatchObject({ code: 'ASSISTANTS.TEMPLATE_VERSION_NOT_FOUND' });
  });
});
