// A conversation bound to a project (decision 0048), answered by the scripted model
// (test/llm-server.ts): binding is checked with the caller's rights (another org's member, an org
// member not on the project: 404); the system prompt says what the conversation is about and how
// to cite; the codebase tools, called without `projectId`, work on the bound project and refuse
// another, even one the caller may read; a member taken off the project after binding gets the
// tools' refusals; agent/act in a bound conversation works the same.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { zipOf } from './codebase-archives.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { call, createProject, projectsUrl, putMember } from './projects-fixture.ts';
import { parseSse, type SseEvent } from './sse.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let llm: LlmServer;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let garden: string;
let orchard: string;
let notOnProject: U;

const conversationsUrl = (orgId: string, rest = '') => `/api/v1/orgs/${orgId}/conversations${rest}`;

async function upload(projectId: string, files: Record<string, string>) {
  const zip = await zipOf(Object.entries(files).map(([name, data]) => ({ name, data })));
  const res = await t.request({ method: 'POST', url: `${projectsUrl(w.orgId, `/${projectId}`)}/codebase/uploads?name=code.zip`, headers: { ...bearer(w.owner.accessToken), 'content-type': 'application/octet-stream' }, payload: zip });
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  llm = await startLlmServer();
  t = await createTestApp({ env: llmEnv(llm, { CHAT_MAX_STEPS: '4' }) });
  w = await orgWithRoles(t);
  garden = (await createProject(t, w.owner.accessToken, w.orgId, { name: 'Garden' })).id;
  orchard = (await createProject(t, w.owner.accessToken, w.orgId, { name: 'Orchard' })).id;
  await putMember(t, w.owner.accessToken, w.orgId, garden, w.member.userId, 'viewer');
  // On both: a call naming the other project is refused for the binding, not for a lack of rights.
  await putMember(t, w.owner.accessToken, w.orgId, orchard, w.member.userId, 'viewer');
  notOnProject = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  await upload(garden, { 'src/users.ts': "export function getUserName(id: string) {\n  return 'user-' + id;\n}\n" });
  await upload(orchard, { 'lib/trees.ts': 'export function getUserName() {\n  return "orchard";\n}\n' });
  await t.drain();
  await t.runJobs();
}, 60_000);
afterAll(async () => {
  await t?.close();
  await llm?.close();
});
beforeEach(() => llm.reset());

async function startConversation(user: U, body: Record<string, unknown>) {
  const res = await call(t, user.accessToken, 'POST', conversationsUrl(w.orgId), body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function ask(user: U, conversationId: string, content: string): Promise<SseEvent[]> {
  const res = await call(t, user.accessToken, 'POST', conversationsUrl(w.orgId, `/${conversationId}/messages`), { content });
  expect(res.statusCode, res.body).toBe(200);
  return parseSse(res.body).events;
}
const results = (events: SseEvent[]) => events.filter((e) => e.event === 'tool-result').map((e) => e.data);

describe('binding a conversation to a project', () => {
  it('binds one the caller may read, and shows it on the conversation', async () => {
    const conv = await startConversation(w.member, { projectId: garden });
    expect(conv.projectId).toBe(garden);
    expect((await call(t, w.member.accessToken, 'GET', conversationsUrl(w.orgId, `/${conv.id}`))).json().projectId).toBe(garden);
    expect((await startConversation(w.member, {})).projectId).toBeNull();
    // An org admin reads every project of the org, on it or not.
    expect((await startConversation(w.admin, { projectId: orchard })).projectId).toBe(orchard);
  });

  it("refuses a project the caller may not read: an org member not on it, another org's member, a project of another org", async () => {
    const body = { projectId: garden };
    const refused = expectProblem(await call(t, notOnProject.accessToken, 'POST', conversationsUrl(w.orgId), body), 404, 'CHAT.PROJECT_NOT_FOUND');
    expect(refused.errors).toEqual([{ field: 'body.projectId', message: expect.any(String) }]);
    expectProblem(await call(t, w.outsider.accessToken, 'POST', conversationsUrl(w.orgId), body), 404, 'ORG.NOT_FOUND');
    expectProblem(await call(t, w.outsider.accessToken, 'POST', conversationsUrl(w.outsiderOrgId), body), 404, 'CHAT.PROJECT_NOT_FOUND');
    expectProblem(await call(t, w.member.accessToken, 'POST', conversationsUrl(w.orgId), { projectId: '0190a1b2-0000-7000-8000-000000000000' }), 404, 'CHAT.PROJECT_NOT_FOUND');
  });

  it('changes or removes the binding, checked the same way', async () => {
    const conv = await startConversation(w.member, { projectId: garden });
    const patch = (user: U, body: unknown) => call(t, user.accessToken, 'PATCH', conversationsUrl(w.orgId, `/${conv.id}`), body);
    expect((await patch(w.member, { projectId: orchard })).json().projectId).toBe(orchard);
    expect((await patch(w.member, { title: 'Renamed' })).json()).toMatchObject({ title: 'Renamed', projectId: orchard });
    expect((await patch(w.member, { projectId: null })).json().projectId).toBeNull();
    const hidden = (await createProject(t, w.owner.accessToken, w.orgId, { name: 'Hidden' })).id;
    expectProblem(await patch(w.member, { projectId: hidden }), 404, 'CHAT.PROJECT_NOT_FOUND');
    expect((await call(t, w.member.accessToken, 'GET', conversationsUrl(w.orgId, `/${conv.id}`))).json().projectId).toBeNull();
  });
});

describe('answers in a bound conversation', () => {
  it('searches and reads the bound project without a projectId, says what it is about and how to cite', async () => {
    const conv = await startConversation(w.member, { projectId: garden });
    llm.script(
      { toolCalls: [{ name: 'codebase__search_code', input: { query: 'getUserName' } }] },
      { toolCalls: [{ name: 'codebase__read_file', input: { path: 'src/users.ts' } }] },
      { text: 'getUserName is defined in src/users.ts:1.' },
    );
    const events = await ask(w.member, conv.id, 'Where is getUserName defined?');
    expect(events.at(-1)!.data.status).toBe('done');

    const system = llm.requests[0].messages[0];
    expect(system.role).toBe('system');
    expect(system.content).toContain(`the project "Garden"`);
    expect(system.content).toContain(garden);
    expect(system.content).toContain('path:line');
    // The model is shown a projectId it may leave out.
    const search = llm.requests[0].body.tools.find((tool: { function: { name: string } }) => tool.function.name === 'codebase__search_code');
    expect(search.function.parameters.required ?? []).not.toContain('projectId');

    const [found, read] = results(events);
    expect(found.output.matches.map((m: { citation: string }) => m.citation)).toEqual(['src/users.ts:1']);
    expect(found.output.matches[0].link).toBe(`/api/v1/orgs/${w.orgId}/projects/${garden}/codebase/file?path=src%2Fusers.ts&snapshot=1#L1`);
    expect(read.output).toMatchObject({ path: 'src/users.ts', startLine: 1, link: `/api/v1/orgs/${w.orgId}/projects/${garden}/codebase/file?path=src%2Fusers.ts&snapshot=1#L1` });
    expect(JSON.stringify(events)).not.toContain('lib/trees.ts');
  });

  it('refuses a call naming another project, even one the caller may read, and accepts the bound one named', async () => {
    const conv = await startConversation(w.member, { projectId: garden });
    llm.script(
      { toolCalls: [{ name: 'codebase__search_code', input: { projectId: orchard, query: 'getUserName' } }, { name: 'codebase__list_tree', input: { projectId: garden } }] },
      { text: 'I may only look at the Garden project.' },
    );
    const [refused, tree] = results(await ask(w.member, conv.id, 'Search the orchard too'));
    expect(refused.error).toMatchObject({ code: 'LLM.TOOL_OUT_OF_SCOPE' });
    expect(JSON.stringify(refused)).not.toContain('lib/trees.ts');
    expect(tree.output.entries.map((e: { path: string }) => e.path)).toEqual(['src']);
    expect(llm.requests[1].prompt).toContain('LLM.TOOL_OUT_OF_SCOPE');
  });

  it('answers a member taken off the project after binding with refusals, never the code', async () => {
    const leaver = await addMember(t, w.owner.accessToken, w.orgId, 'member');
    await putMember(t, w.owner.accessToken, w.orgId, garden, leaver.userId, 'viewer');
    const conv = await startConversation(leaver, { projectId: garden });
    const removed = await call(t, w.owner.accessToken, 'DELETE', projectsUrl(w.orgId, `/${garden}/members/${leaver.userId}`));
    expect(removed.statusCode, removed.body).toBe(204);

    llm.script({ toolCalls: [{ name: 'codebase__read_file', input: { path: 'src/users.ts' } }] }, { text: 'I can no longer read that project.' });
    const events = await ask(leaver, conv.id, 'Show me src/users.ts');
    const [refused] = results(events);
    expect(refused.error).toMatchObject({ code: 'PROJECTS.NOT_FOUND' });
    expect(JSON.stringify(events)).not.toContain("'user-' + id");
    // The prompt names the project by its id alone now: not its name, which the member may no longer see.
    expect(llm.requests[0].messages[0].content).toContain('can no longer read');
    expect(llm.requests[0].messages[0].content).not.toContain('Garden');
  });

  it('refuses a call without projectId in a conversation bound to none', async () => {
    const conv = await startConversation(w.member, {});
    llm.script({ toolCalls: [{ name: 'codebase__search_code', input: { query: 'getUserName' } }] }, { text: 'Which project?' });
    const [refused] = results(await ask(w.member, conv.id, 'Where is getUserName?'));
    expect(refused.error).toMatchObject({ code: 'LLM.TOOL_INPUT_INVALID' });
    expect(llm.requests[0].messages[0].content).not.toContain('This conversation is about the project');
  });

  it('runs agent/act in a bound conversation the same way', async () => {
    const conv = await startConversation(w.member, { projectId: garden });
    llm.script({ toolCalls: [{ name: 'codebase__search_code', input: { query: 'getUserName' } }] }, { text: 'Found it at src/users.ts:1.' });
    const res = await call(t, w.member.accessToken, 'POST', `/api/v1/orgs/${w.orgId}/agent/act`, { instruction: 'Find getUserName', conversationId: conv.id });
    expect(res.statusCode, res.body).toBe(200);
    const { message } = res.json();
    expect(message.status).toBe('done');
    expect(message.toolTrace[0]).toMatchObject({ tool: 'codebase.search_code', output: { matches: [{ citation: 'src/users.ts:1', link: expect.stringContaining(`/projects/${garden}/`) }] } });
    expect(llm.requests[0].messages[0].content).toContain(`the project "Garden"`);
  });

  it('binds the new conversation of agent/act to projectId, checked like a create; refuses another project for an existing one', async () => {
    const act = (user: U, body: Record<string, unknown>) => call(t, user.accessToken, 'POST', `/api/v1/orgs/${w.orgId}/agent/act`, body);
    llm.script({ toolCalls: [{ name: 'codebase__list_tree', input: {} }] }, { text: 'The orchard has lib/.' });
    const res = await act(w.member, { instruction: 'What is at the top?', projectId: orchard });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().message.toolTrace[0].output.entries.map((e: { path: string }) => e.path)).toEqual(['lib']);
    const created = (await call(t, w.member.accessToken, 'GET', conversationsUrl(w.orgId, `/${res.json().conversationId}`))).json();
    expect(created.projectId).toBe(orchard);

    expectProblem(await act(notOnProject, { instruction: 'x', projectId: garden }), 404, 'CHAT.PROJECT_NOT_FOUND');
    const other = expectProblem(await act(w.member, { instruction: 'x', conversationId: created.id, projectId: garden }), 400, 'VALIDATION_FAILED');
    expect(other.errors).toEqual([{ field: 'body.projectId', message: expect.any(String) }]);
    expect(llm.requests).toHaveLength(2);
  });
});

describe('the code prompt templates the codebase module ships', () => {
  const templatesUrl = (rest = '', orgId = w.orgId) => `/api/v1/orgs/${orgId}/prompt-templates${rest}`;
  const BUILTINS = ['codebase.explain', 'codebase.find', 'codebase.review', 'codebase.write_test'];

  it('lists them first, marked built-in, to every member of every organization, then the org\'s own newest first', async () => {
    const mine = [];
    for (const name of ['Mine A', 'Mine B']) {
      const res = await call(t, w.member.accessToken, 'POST', templatesUrl(), { name, body: 'Say {{x}}', variables: [{ name: 'x' }], visibility: 'org' });
      expect(res.statusCode, res.body).toBe(201);
      mine.push(res.json().id);
    }
    const first = (await call(t, w.viewer.accessToken, 'GET', templatesUrl('?limit=3'))).json();
    expect(first.data.map((x: { id: string }) => x.id)).toEqual(BUILTINS.slice(0, 3));
    expect(first.data[0]).toMatchObject({ orgId: w.orgId, name: 'Explain code', builtin: true, visibility: 'org', version: 1, createdBy: null, createdAt: null, updatedAt: null });
    const second = (await call(t, w.viewer.accessToken, 'GET', templatesUrl(`?limit=3&cursor=${first.page.nextCursor}`))).json();
    expect(second.data.map((x: { id: string }) => x.id)).toEqual(['codebase.write_test', mine[1], mine[0]]);
    expect(second.data[1]).toMatchObject({ builtin: false, createdBy: w.member.userId });

    const ids = async (query: string, user: U = w.viewer, orgId = w.orgId) => (await call(t, user.accessToken, 'GET', templatesUrl(query, orgId))).json().data.map((x: { id: string }) => x.id);
    expect(await ids('?builtin=true')).toEqual(BUILTINS);
    expect(await ids('?builtin=false')).toEqual([mine[1], mine[0]]);
    expect(await ids('?q=review')).toEqual(['codebase.review']);
    expect(await ids('?visibility=private')).toEqual([]);
    expect(await ids('?builtin=true', w.outsider, w.outsiderOrgId)).toEqual(BUILTINS);
    expectProblem(await call(t, w.outsider.accessToken, 'GET', templatesUrl('/codebase.explain')), 404, 'ORG.NOT_FOUND');
  });

  it('reads and renders one like any template, at its one version', async () => {
    const explain = (await call(t, w.viewer.accessToken, 'GET', templatesUrl('/codebase.explain'))).json();
    expect(explain.variables.map((v: { name: string }) => v.name)).toEqual(['path', 'symbol']);
    expect(explain.body).toContain('path:line');
    const render = (id: string, body: unknown) => call(t, w.viewer.accessToken, 'POST', templatesUrl(`/${id}/render`), body);
    const rendered = await render('codebase.explain', { values: { path: 'src/users.ts' } });
    expect(rendered.statusCode, rendered.body).toBe(200);
    expect(rendered.json()).toMatchObject({ templateId: 'codebase.explain', version: 1 });
    expect(rendered.json().text).toMatch(/^Explain the whole file in src\/users\.ts of this project\./);
    expect((await render('codebase.write_test', { values: { path: 'src/users.ts', symbol: 'getUserName' } })).json().text).toContain('Write a test for getUserName in src/users.ts');
    expect(expectProblem(await render('codebase.find', { values: {} }), 400, 'ASSISTANTS.TEMPLATE_VALUES_INVALID').errors).toEqual([{ field: 'body.values.question', message: expect.any(String) }]);
    expectProblem(await render('codebase.find', { version: 2, values: { question: 'x' } }), 404, 'ASSISTANTS.TEMPLATE_VERSION_NOT_FOUND');
    expectProblem(await render('codebase.nope', { values: {} }), 404, 'ASSISTANTS.TEMPLATE_NOT_FOUND');

    const versions = (await call(t, w.viewer.accessToken, 'GET', templatesUrl('/codebase.review/versions'))).json();
    expect(versions.data).toEqual([expect.objectContaining({ templateId: 'codebase.review', version: 1, createdBy: null, createdAt: null })]);
    expect((await call(t, w.viewer.accessToken, 'GET', templatesUrl('/codebase.review/versions/1'))).json()).toMatchObject({ version: 1, name: 'Review a file' });
    expectProblem(await call(t, w.viewer.accessToken, 'GET', templatesUrl('/codebase.review/versions/2')), 404, 'ASSISTANTS.TEMPLATE_VERSION_NOT_FOUND');
    // Through the façade other modules call, as through the route.
    const actor = { principal: { userId: w.member.userId, email: w.member.email, role: 'user' as const, emailVerified: true, sessionId: null, apiKeyId: null, scopes: null }, requestId: null, ip: null, userAgent: null };
    expect((await t.app.apis.assistants.renderTemplate(actor, w.orgId, 'codebase.find', { question: 'where are users named?' })).text).toMatch(/^Where in this project does this happen: where are users named\?/);
  });

  it('refuses to change or delete one, even for an org owner', async () => {
    expectProblem(await call(t, w.owner.accessToken, 'PATCH', templatesUrl('/codebase.explain'), { name: 'Mine now' }), 403, 'ASSISTANTS.TEMPLATE_BUILT_IN');
    expectProblem(await call(t, w.owner.accessToken, 'DELETE', templatesUrl('/codebase.explain')), 403, 'ASSISTANTS.TEMPLATE_BUILT_IN');
    expectProblem(await call(t, w.owner.accessToken, 'DELETE', templatesUrl('/codebase.nope')), 404, 'ASSISTANTS.TEMPLATE_NOT_FOUND');
    expectProblem(await call(t, w.owner.accessToken, 'GET', templatesUrl('/Not-an-id')), 400, 'VALIDATION_FAILED');
    expect((await call(t, w.owner.accessToken, 'GET', templatesUrl('/codebase.explain'))).json().name).toBe('Explain code');
  });

  it('sends a rendered template as the question of a bound conversation', async () => {
    const conv = await startConversation(w.member, { projectId: garden });
    const { text } = (await call(t, w.member.accessToken, 'POST', templatesUrl('/codebase.explain/render'), { values: { path: 'src/users.ts', symbol: 'getUserName' } })).json();
    llm.script({ toolCalls: [{ name: 'codebase__read_file', input: { path: 'src/users.ts' } }] }, { text: 'getUserName (src/users.ts:1) prefixes the id with user-.' });
    const [read] = results(await ask(w.member, conv.id, text));
    expect(read.output.text).toContain("1\texport function getUserName(id: string) {");
    expect(llm.requests[0].prompt).toContain('Explain getUserName in src/users.ts of this project.');
  });
});
