// Questions in plain language over HTTP, with the scripted model (test/llm-server.ts): the model is
// grounded in the synced schema, descriptions, glossary and verified examples; what it writes is
// guarded, run and shown; a refusal goes back to it once; without a model the route says which
// setting to set and nothing else breaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { llmEnv, type LlmServer, startLlmServer } from './llm-server.ts';
import { createProject, putMember } from './projects-fixture.ts';
import { logTime, orgUrl, outbox } from './time-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let llm: LlmServer;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let sourceId: string;

const post = (token: string, url: string, payload: unknown = {}) => t.request({ method: 'POST', url, headers: bearer(token), payload: payload as never });
const answer = (sql: string, explanation = 'What it computes.') => ({ text: JSON.stringify({ sql, explanation }) });
const PER_CLIENT = 'SELECT p.client, sum(e.hours) AS hours FROM time_entries e JOIN projects p ON p.id = e.project_id GROUP BY p.client ORDER BY hours DESC';

beforeAll(async () => {
  llm = await startLlmServer();
  t = await createTestApp({ env: llmEnv(llm) });
  w = await orgWithRoles(t);
  const acme = await createProject(t, w.owner.accessToken, w.orgId, { client: 'Acme' });
  await putMember(t, w.owner.accessToken, w.orgId, acme.id, w.member.userId, 'contributor');
  await logTime(t, w.member.accessToken, w.orgId, { projectId: acme.id, start: '2026-07-06T09:00:00Z', durationSeconds: 7200 });
  sourceId = (await post(w.admin.accessToken, orgUrl(w.orgId, '/data-sources'), { name: 'Workspace', kind: 'workspace' })).json().id;
  await post(w.admin.accessToken, orgUrl(w.orgId, `/data-sources/${sourceId}/sync`));
  await t.runJobs();
  await post(w.admin.accessToken, orgUrl(w.orgId, `/data-sources/${sourceId}/glossary`), { term: 'Billable hours', definition: 'Hours of time entries with billable = true' });
  await post(w.admin.accessToken, orgUrl(w.orgId, '/questions'), { dataSourceId: sourceId, name: 'Hours per client', question: 'how many hours did each client take', sql: PER_CLIENT, verified: true });
  await post(w.admin.accessToken, orgUrl(w.orgId, '/questions'), { dataSourceId: sourceId, name: 'Members by role', question: 'list the members by role', sql: 'SELECT role, count(*) FROM members GROUP BY role', verified: true });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await llm?.close();
});

describe('asking in plain language', () => {
  it('answers with the SQL the model wrote, its explanation and the result, grounded in the schema, glossary and examples', async () => {
    llm.script(answer(PER_CLIENT, 'Hours per client, most first.'));
    const res = await post(w.member.accessToken, orgUrl(w.orgId, '/questions/ask'), { dataSourceId: sourceId, question: 'hours per client?' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ question: 'hours per client?', sql: PER_CLIENT, explanation: 'Hours per client, most first.', repaired: false, result: { rows: [['Acme', 2]], rowCount: 1 } });
    const prompt = llm.requests.at(-1)!.messages.map((m) => String(m.content)).join('\n');
    expect(prompt).toContain('time_entries');
    expect(prompt).toContain('hours numeric');
    expect(prompt).toContain('Duration in hours');
    expect(prompt).toContain('Billable hours: Hours of time entries with billable = true');
    // The verified example closest to the question, not the other one.
    expect(prompt).toContain('how many hours did each client take');
    expect(prompt).not.toContain('list the members by role');
    expect(llm.requests.at(-1)!.messages.at(-1)).toMatchObject({ role: 'user', content: 'hours per client?' });
    const events = await outbox(t, 'analytics.query_executed', w.orgId);
    expect(events.at(-1)!.payload).toMatchObject({ origin: 'ask', status: 'ok', rows: 1 });
  });

  it('sends a refusal back to the model once, and runs the repaired SQL', async () => {
    llm.script(answer('DELETE FROM time_entries'), answer('SELECT count(*) AS entries FROM time_entries'));
    const res = await post(w.member.accessToken, orgUrl(w.orgId, '/questions/ask'), { dataSourceId: sourceId, question: 'how many entries? also tidy up' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ sql: 'SELECT count(*) AS entries FROM time_entries', repaired: true, result: { rows: [[1]] } });
    const repair = llm.requests.at(-1)!.messages.map((m) => String(m.content)).join('\n');
    expect(repair).toContain('That query was refused and did not run');
    expect(repair).toMatch(/only|SELECT/);
  });

  it('gives up after one repair with 422 ANALYTICS.NOT_ANSWERABLE, showing the SQL that did not run', async () => {
    llm.script(answer("SELECT pg_sleep(30)"), answer('SELECT 1; DROP TABLE projects'));
    const started = Date.now();
    const res = await post(w.member.accessToken, orgUrl(w.orgId, '/questions/ask'), { dataSourceId: sourceId, question: 'wait a while' });
    expectProblem(res, 422, 'ANALYTICS.NOT_ANSWERABLE');
    expect(res.json().sql).toBe('SELECT 1; DROP TABLE projects');
    expect(res.json().reason).toContain('one statement');
    expect(Date.now() - started).toBeLessThan(5000);
    const count = await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: sourceId, sql: 'SELECT count(*) FROM projects', fresh: true });
    expect(count.json().rows).toEqual([[1]]);
  });

  it('is for members: viewers are refused before the model is called', async () => {
    const before = llm.requests.length;
    expectProblem(await post(w.viewer.accessToken, orgUrl(w.orgId, '/questions/ask'), { dataSourceId: sourceId, question: 'anything' }), 403, 'FORBIDDEN');
    expectProblem(await post(w.outsider.accessToken, orgUrl(w.orgId, '/questions/ask'), { dataSourceId: sourceId, question: 'anything' }), 404, 'ORG.NOT_FOUND');
    expect(llm.requests.length).toBe(before);
  });
});

describe('without a configured model', () => {
  it('answers 503 LLM.NOT_CONFIGURED naming the settings, and SQL still runs', async () => {
    const bare = await createTestApp();
    try {
      const v = await orgWithRoles(bare);
      const source = (await bare.request({ method: 'POST', url: orgUrl(v.orgId, '/data-sources'), headers: bearer(v.admin.accessToken), payload: { name: 'W', kind: 'workspace' } })).json();
      const res = await bare.request({ method: 'POST', url: orgUrl(v.orgId, '/questions/ask'), headers: bearer(v.member.accessToken), payload: { dataSourceId: source.id, question: 'hours?' } });
      expectProblem(res, 503, 'LLM.NOT_CONFIGURED');
      expect(res.json().detail).toContain('LLM_PROVIDER');
      const sql = await bare.request({ method: 'POST', url: orgUrl(v.orgId, '/queries'), headers: bearer(v.member.accessToken), payload: { dataSourceId: source.id, sql: 'SELECT count(*) FROM projects' } });
      expect(sql.json().rows).toEqual([[0]]);
    } finally {
      await bare.close();
    }
  });
});
