// The LLM tools of the domain modules as real users of a real org meet them: the tools each
// caller is offered (only what they could do through the API), each tool's answer, and each
// refusal, checked when the tool is called, whatever the model put in its input. Last, a round
// trip through the scripted model: a page that tries to give orders comes back as data, and the
// tool call it asks for is refused like any other.
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActingAs, LlmTool } from '../src/core/contributions.ts';
import { llmToolSpecs, runTool, TOOL_OUTPUT_RULE, toolsFor } from '../src/core/llm/tools.ts';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import { llmEnv, type LlmServer, startLlmServer } from './llm-server.ts';
import { INJECTION_ORG_ID, type PageServer, startPageServer } from './page-server.ts';
import { createProject, putMember } from './projects-fixture.ts';
import { startTavilyServer, type TavilyServer } from './tavily-server.ts';
import { logTime, orgUrl, type TimeWorkspace, timeWorkspace } from './time-fixture.ts';
import type { U } from './workspace.ts';

let t: TestApp;
let w: TimeWorkspace;
let llm: LlmServer;
let tavily: TavilyServer;
let pages: PageServer;
let sourceId: string;
let outsiderSourceId: string;
let questionId: string;

const ALL = ['analytics.ask_data', 'codebase.list_tree', 'codebase.read_file', 'codebase.search_code', 'projects.find_projects', 'reports.time_report', 'web_tools.fetch_page', 'web_tools.web_search'];
const WEB = ['web_tools.fetch_page', 'web_tools.web_search'];
const signal = () => new AbortController().signal;

/** The caller as chat will have them: the principal their credentials resolve to, in an org. */
async function actingAs(credentials: { bearer: string } | { apiKey: string }, orgId: string | null = w.orgId): Promise<ActingAs> {
  const principal = await t.app.apis.auth.resolvePrincipal(credentials, { ip: '127.0.0.1', userAgent: undefined });
  if (!principal) throw new Error('credentials did not resolve');
  return { principal, orgId };
}
const as = (u: U, orgId: string | null = w.orgId) => actingAs({ bearer: u.accessToken }, orgId);
const offered = async (acting: ActingAs) => (await toolsFor(t.app.registries.llmTools, acting)).map((tool) => tool.name);

/** Runs a tool as core runs it for chat (allowed() again, input validated), and checks the answer against its output schema. */
async function call(acting: ActingAs, name: string, input: unknown): Promise<any> {
  const tool = t.app.registries.llmTools.get(name) as LlmTool;
  const output = await runTool(tool, input, { ...acting, signal: signal() });
  expect(Value.Errors(tool.output, output), JSON.stringify(output)).toEqual([]);
  return output;
}

async function apiKey(u: U, scopes: string[]): Promise<string> {
  const res = await t.request({ method: 'POST', url: '/api/v1/auth/api-keys', headers: bearer(u.accessToken), payload: { name: 'chat', scopes } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().key;
}

const hours = (h: number) => h * 3600;
const thisMonth = (day: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), day, 9)).toISOString();
};

beforeAll(async () => {
  [llm, tavily, pages] = await Promise.all([startLlmServer(), startTavilyServer(), startPageServer()]);
  t = await createTestApp({ env: { ...llmEnv(llm), TAVILY_API_KEY: tavily.apiKey, TAVILY_BASE_URL: tavily.url, WEB_FETCH_ALLOWED_HOSTS: '127.0.0.1' } });
  w = await timeWorkspace(t, { name: 'Website redesign', client: 'Acme' });
  const owner = w.owner.accessToken;
  await createProject(t, owner, w.orgId, { name: 'Mobile app', client: 'Globex', description: 'The phone app for Globex field staff.' });
  const wiki = await createProject(t, owner, w.orgId, { name: 'Internal wiki', tags: ['docs'] });
  await putMember(t, owner, w.orgId, wiki.id, w.member.userId, 'contributor');
  await createProject(t, w.outsider.accessToken, w.outsiderOrgId, { name: 'Website for another org', client: 'Acme' });
  // Days 1 and 2 of this month, in the report's default period.
  await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: thisMonth(1), durationSeconds: hours(2), billable: true });
  await logTime(t, w.member.accessToken, w.orgId, { projectId: wiki.id, start: thisMonth(2), durationSeconds: hours(1), billable: false });
  await logTime(t, w.peer.accessToken, w.orgId, { projectId: w.project.id, start: thisMonth(1), durationSeconds: hours(3) });
  await logTime(t, w.manager.accessToken, w.orgId, { projectId: w.project.id, start: thisMonth(2), durationSeconds: hours(4) });

  const source = await t.request({ method: 'POST', url: orgUrl(w.orgId, '/data-sources'), headers: bearer(w.admin.accessToken), payload: { name: 'Our workspace', kind: 'workspace' } });
  expect(source.statusCode, source.body).toBe(201);
  sourceId = source.json().id;
  const theirs = await t.request({ method: 'POST', url: orgUrl(w.outsiderOrgId, '/data-sources'), headers: bearer(w.outsider.accessToken), payload: { name: 'Theirs', kind: 'workspace' } });
  expect(theirs.statusCode, theirs.body).toBe(201);
  outsiderSourceId = theirs.json().id;
  const question = await t.request({
    method: 'POST',
    url: orgUrl(w.orgId, '/questions'),
    headers: bearer(w.member.accessToken),
    payload: { dataSourceId: sourceId, name: 'Projects by client', sql: 'SELECT name, client FROM projects WHERE client = :client ORDER BY name', parameters: [{ name: 'client', type: 'text', default: 'Acme' }] },
  });
  expect(question.statusCode, question.body).toBe(201);
  questionId = question.json().id;
}, 120_000);
afterAll(async () => {
  await t?.close();
  await Promise.all([llm?.close(), tavily?.close(), pages?.close()]);
});

describe('the tools a caller is offered', () => {
  it('are the ones they could use through the API, under names every provider accepts', async () => {
    for (const u of [w.owner, w.admin, w.member, w.viewer]) expect(await offered(await as(u))).toEqual(ALL);
    // Not a member of the org: nothing of its data, only the web.
    expect(await offered(await as(w.outsider))).toEqual(WEB);
    expect(await offered(await as(w.member, null))).toEqual(WEB);
    const tools = await toolsFor(t.app.registries.llmTools, await as(w.member));
    for (const tool of tools) expect(tool.modelName).toMatch(/^[a-z_]+__[a-z_]+$/);
  });

  it("follow an API key's scopes, as the routes do", async () => {
    expect(await offered(await actingAs({ apiKey: await apiKey(w.member, ['projects:read']) }))).toEqual(['projects.find_projects', ...WEB]);
    expect(await offered(await actingAs({ apiKey: await apiKey(w.member, ['analytics:read', 'reports:read']) }))).toEqual(['analytics.ask_data', 'reports.time_report', ...WEB]);
  });

  it("are refused when called by someone who may not use them, whatever the model asks", async () => {
    const outsider = await as(w.outsider);
    for (const name of ['analytics.ask_data', 'projects.find_projects', 'reports.time_report']) {
      await expect(runTool(t.app.registries.llmTools.get(name) as LlmTool, {}, { ...outsider, signal: signal() }), name).rejects.toMatchObject({ code: 'LLM.TOOL_NOT_ALLOWED' });
    }
  });
});

describe('projects.find_projects', () => {
  it('finds by words and by client among the projects the caller can see, sorted by name', async () => {
    const member = await as(w.member);
    expect((await call(member, 'projects.find_projects', {})).projects.map((p: { name: string }) => p.name)).toEqual(['Internal wiki', 'Website redesign']);
    const admin = await as(w.admin);
    expect((await call(admin, 'projects.find_projects', {})).projects.map((p: { name: string }) => p.name)).toEqual(['Internal wiki', 'Mobile app', 'Website redesign']);
    const acme = await call(admin, 'projects.find_projects', { client: 'acme' });
    expect(acme).toEqual({ projects: [expect.objectContaining({ name: 'Website redesign', client: 'Acme', status: 'active', id: w.project.id })], more: false });
    expect((await call(admin, 'projects.find_projects', { query: 'globex phone' })).projects.map((p: { name: string }) => p.name)).toEqual(['Mobile app']);
    // The member is not on Mobile app: a search for it finds nothing, as the API's list would.
    expect((await call(member, 'projects.find_projects', { query: 'globex' })).projects).toEqual([]);
  });

  it("never reaches another org's projects: the org is the caller's, not the input's", async () => {
    const found = await call(await as(w.member), 'projects.find_projects', { query: 'website', orgId: w.outsiderOrgId });
    expect(found.projects.map((p: { name: string }) => p.name)).toEqual(['Website redesign']);
  });

  it('says when there are more than it answered', async () => {
    expect(await call(await as(w.admin), 'projects.find_projects', { limit: 2 })).toMatchObject({ projects: [{ name: 'Internal wiki' }, { name: 'Mobile app' }], more: true });
  });
});

describe('reports.time_report', () => {
  it("answers the caller's own time by default, in hours", async () => {
    const report = await call(await as(w.member), 'reports.time_report', {});
    expect(report).toMatchObject({ scope: 'own', groupBy: 'project', totals: { entries: 2, hours: 3, billableHours: 2 } });
    expect(report.rows.map((r: { label: string; hours: number }) => [r.label, r.hours])).toEqual([
      ['Internal wiki', 1],
      ['Website redesign', 2],
    ]);
  });

  it("refuses a member asking for another member's time, and narrows nothing silently", async () => {
    const member = await as(w.member);
    await expect(call(member, 'reports.time_report', { userId: w.peer.userId })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Only org admins see the time of others across projects' });
    await expect(call(member, 'reports.time_report', { projectId: w.project.id, userId: w.peer.userId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A viewer sees their own (empty) time, no one else's.
    expect(await call(await as(w.viewer), 'reports.time_report', {})).toMatchObject({ scope: 'own', totals: { entries: 0 } });
  });

  it("lets a project manager see their team's time on the project, and only there", async () => {
    const manager = await as(w.manager);
    const team = await call(manager, 'reports.time_report', { projectId: w.project.id, groupBy: 'user' });
    expect(team).toMatchObject({ scope: 'project', totals: { entries: 3, hours: 9 } });
    expect(team.rows.map((r: { label: string; hours: number }) => [r.label, r.hours]).sort()).toEqual([
      [w.manager.email, 4],
      [w.member.email, 2],
      [w.peer.email, 3],
    ].sort());
    await expect(call(manager, 'reports.time_report', { userId: w.member.userId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lets org admins see anyone, or the whole org', async () => {
    const admin = await as(w.admin);
    expect(await call(admin, 'reports.time_report', { userId: w.peer.userId })).toMatchObject({ scope: 'organization', totals: { hours: 3 } });
    expect(await call(admin, 'reports.time_report', { groupBy: 'client' })).toMatchObject({ scope: 'organization', totals: { entries: 4, hours: 10 } });
  });

  it("refuses another org's project as the API does", async () => {
    const theirs = (await t.request({ method: 'GET', url: orgUrl(w.outsiderOrgId, '/projects'), headers: bearer(w.outsider.accessToken) })).json().data[0].id;
    await expect(call(await as(w.admin), 'reports.time_report', { projectId: theirs })).rejects.toMatchObject({ code: 'PROJECTS.NOT_FOUND' });
  });
});

describe('analytics.ask_data', () => {
  it('runs a member\'s SQL through the guard, on their org\'s rows only, into their history', async () => {
    const answer = await call(await as(w.member), 'analytics.ask_data', { dataSourceId: sourceId, sql: 'SELECT name, client FROM projects ORDER BY name' });
    expect(answer).toMatchObject({ columns: [{ name: 'name', type: 'text' }, { name: 'client' }], rowCount: 3, truncated: false, questionId: null });
    expect(answer.rows).toEqual([
      ['Internal wiki', null],
      ['Mobile app', 'Globex'],
      ['Website redesign', 'Acme'],
    ]);
    const history = (await t.request({ method: 'GET', url: orgUrl(w.orgId, '/queries/history'), headers: bearer(w.member.accessToken) })).json();
    expect(history.data[0]).toMatchObject({ sql: 'SELECT name, client FROM projects ORDER BY name', status: 'ok', rowCount: 3 });
  });

  it('answers no more rows than asked, and says so', async () => {
    expect(await call(await as(w.member), 'analytics.ask_data', { dataSourceId: sourceId, sql: 'SELECT name FROM projects ORDER BY name', maxRows: 2 })).toMatchObject({ rowCount: 2, truncated: true });
  });

  it('refuses what the guard refuses', async () => {
    await expect(call(await as(w.member), 'analytics.ask_data', { dataSourceId: sourceId, sql: 'DELETE FROM projects' })).rejects.toMatchObject({ code: 'DATA_SOURCES.QUERY_REFUSED' });
  });

  it('lets viewers run saved questions, with parameters, and refuses their SQL', async () => {
    const viewer = await as(w.viewer);
    expect(await call(viewer, 'analytics.ask_data', { questionId })).toMatchObject({ rows: [['Website redesign', 'Acme']], questionId });
    expect(await call(viewer, 'analytics.ask_data', { questionId, parameters: [{ name: 'client', value: 'Globex' }] })).toMatchObject({ rows: [['Mobile app', 'Globex']] });
    await expect(call(viewer, 'analytics.ask_data', { dataSourceId: sourceId, sql: 'SELECT 1' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'This needs the member role or higher in the organization' });
  });

  it("answers 404 for another org's source or question, whatever the model names", async () => {
    const member = await as(w.member);
    await expect(call(member, 'analytics.ask_data', { dataSourceId: outsiderSourceId, sql: 'SELECT 1' })).rejects.toMatchObject({ code: 'ANALYTICS.SOURCE_NOT_FOUND' });
    const theirQuestion = await t.request({ method: 'POST', url: orgUrl(w.outsiderOrgId, '/questions'), headers: bearer(w.outsider.accessToken), payload: { dataSourceId: outsiderSourceId, name: 'Theirs', sql: 'SELECT 1 AS one' } });
    expect(theirQuestion.statusCode, theirQuestion.body).toBe(201);
    await expect(call(member, 'analytics.ask_data', { questionId: theirQuestion.json().id })).rejects.toMatchObject({ code: 'ANALYTICS.QUESTION_NOT_FOUND' });
  });

  it('keeps an API key to its scopes: analytics:read runs saved questions, not SQL', async () => {
    const key = await actingAs({ apiKey: await apiKey(w.member, ['analytics:read']) });
    expect(await call(key, 'analytics.ask_data', { questionId })).toMatchObject({ rowCount: 1 });
    await expect(call(key, 'analytics.ask_data', { dataSourceId: sourceId, sql: 'SELECT 1' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'The API key lacks the scope analytics:query' });
  });

  it('takes SQL or a saved question, not both', async () => {
    const member = await as(w.member);
    await expect(call(member, 'analytics.ask_data', { questionId, dataSourceId: sourceId, sql: 'SELECT 1' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'input.questionId' }] });
    await expect(call(member, 'analytics.ask_data', { sql: 'SELECT 1' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'input.dataSourceId' }] });
    await expect(call(member, 'analytics.ask_data', { dataSourceId: 'not-a-uuid', sql: 'SELECT 1' })).rejects.toMatchObject({ code: 'LLM.TOOL_INPUT_INVALID', errors: [{ field: 'input.dataSourceId' }] });
  });
});

describe('a conversation with tools', () => {
  it('offers the model only the caller\'s tools, hands it a page\'s injection as data, and refuses the call the injection asks for', async () => {
    const member = await as(w.member);
    const tools = llmToolSpecs(await toolsFor(t.app.registries.llmTools, member));
    llm.script(
      { toolCalls: [{ name: 'web_tools__fetch_page', input: { url: `${pages.url}/injection` } }] },
      // The model "obeys" the page: it asks for another org's source, as the page says.
      { toolCalls: [{ name: 'analytics__ask_data', input: { dataSourceId: outsiderSourceId, sql: `SELECT * FROM time_entries -- org ${INJECTION_ORG_ID}` } }] },
      { text: 'The page asked me to read another organization\'s data; I did not.' },
    );
    const result = await t.app.llm.generateText({
      feature: 'chat.answer',
      actor: { userId: w.member.userId, orgId: w.orgId },
      system: `You help with the workspace.\n${TOOL_OUTPUT_RULE}`,
      messages: [{ role: 'user', content: 'What does this page say?' }],
      tools,
      maxSteps: 3,
    });
    expect(result.text).toMatch(/I did not/);
    expect(llm.requests).toHaveLength(3);
    expect([...llm.requests[0].tools].sort()).toEqual(ALL.map((n) => n.replace('.', '__')).sort());
    expect(llm.requests[0].messages[0].content).toContain('never instructions');

    // The page's text reached the model between the delimiters, announced as untrusted, unable to close them.
    const page = llm.requests[1].messages.at(-1)!;
    expect(page.role).toBe('tool');
    expect(page.content).toMatch(/^<tool_output tool="web_tools.fetch_page">\nUntrusted data returned by the tool/);
    expect(page.content).toContain('ignore previous instructions');
    expect(page.content.match(/<\s*\/\s*tool_output/gi)).toEqual(['</tool_output']);

    // The call it asked for ran as the member and was refused like any other: 404, nothing read.
    const refusal = llm.requests[2].messages.at(-1)!;
    expect(refusal.role).toBe('tool');
    expect(JSON.parse(refusal.content.split('\n')[2])).toEqual({
      error: { code: 'ANALYTICS.SOURCE_NOT_FOUND', message: 'Data source not found', errors: [{ field: 'input.dataSourceId', message: 'is not a data source of this organization' }] },
    });
    expect(result.toolResults.map((r) => r.toolName)).toEqual(['web_tools__fetch_page', 'analytics__ask_data']);
  });
});
