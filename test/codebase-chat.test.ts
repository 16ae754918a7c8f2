// A conversation about a codebase, answered by the scripted model (test/llm-server.ts): it finds
// where a function is defined and used with codebase.search_code, reads around a match with
// codebase.read_file (numbered lines), lists a folder with codebase.list_tree, each as the member
// asking, and every citation is `path:line` with a link to the file view. A member who is not on
// the project gets the API's 404 from the tool, not the code.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { zipOf } from './codebase-archives.ts';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { createProject, projectsUrl, putMember } from './projects-fixture.ts';
import { parseSse, type SseEvent } from './sse.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let llm: LlmServer;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let projectId: string;
let outsiderOfProject: U;

const FILES = {
  'src/users.ts': "export function getUserName(id: string) {\n  return 'user-' + id;\n}\n",
  'src/greet.ts': "import { getUserName } from './users';\n\nexport const greet = (id: string) => 'hello ' + getUserName(id);\n",
  'README.md': '# Garden\n',
};

beforeAll(async () => {
  llm = await startLlmServer();
  t = await createTestApp({ env: llmEnv(llm, { CHAT_MAX_STEPS: '5' }) });
  w = await orgWithRoles(t);
  projectId = (await createProject(t, w.owner.accessToken, w.orgId)).id;
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.member.userId, 'viewer');
  outsiderOfProject = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  const zip = await zipOf(Object.entries(FILES).map(([name, data]) => ({ name, data })));
  const res = await t.request({ method: 'POST', url: `${projectsUrl(w.orgId, `/${projectId}`)}/codebase/uploads?name=garden.zip`, headers: { ...bearer(w.owner.accessToken), 'content-type': 'application/octet-stream' }, payload: zip });
  expect(res.statusCode, res.body).toBe(201);
  await t.drain();
  await t.runJobs();
}, 60_000);
afterAll(async () => {
  await t?.close();
  await llm?.close();
});
beforeEach(() => llm.reset());

async function ask(user: U, content: string): Promise<SseEvent[]> {
  const conv = await t.request({ method: 'POST', url: `/api/v1/orgs/${w.orgId}/conversations`, headers: bearer(user.accessToken), payload: {} });
  expect(conv.statusCode, conv.body).toBe(201);
  const res = await t.request({ method: 'POST', url: `/api/v1/orgs/${w.orgId}/conversations/${conv.json().id}/messages`, headers: bearer(user.accessToken), payload: { content } });
  expect(res.statusCode, res.body).toBe(200);
  return parseSse(res.body).events;
}
const results = (events: SseEvent[]) => events.filter((e) => e.event === 'tool-result').map((e) => e.data);

describe('a conversation about a codebase', () => {
  it('finds where a function is used, reads around it and lists a folder, citing path:line', async () => {
    llm.script(
      { toolCalls: [{ name: 'codebase__search_code', input: { projectId, query: 'getUserName' } }] },
      { toolCalls: [{ name: 'codebase__read_file', input: { projectId, path: 'src/greet.ts', startLine: 1, endLine: 3 } }, { name: 'codebase__list_tree', input: { projectId, path: 'src' } }] },
      { text: 'getUserName is defined in src/users.ts:1 and used in src/greet.ts:1 and src/greet.ts:3.' },
    );
    const events = await ask(w.member, 'Where is getUserName used?');
    expect(events.at(-1)!.data.status).toBe('done');
    expect(llm.requests[0].tools).toEqual(expect.arrayContaining(['codebase__search_code', 'codebase__read_file', 'codebase__list_tree']));

    const [found, read, tree] = results(events);
    expect(found.tool).toBe('codebase.search_code');
    const citations = found.output.matches.map((m: { citation: string }) => m.citation);
    expect(citations).toEqual(expect.arrayContaining(['src/users.ts:1', 'src/greet.ts:1', 'src/greet.ts:3']));
    expect(found.output.matches[0].link).toMatch(new RegExp(`^/api/v1/orgs/${w.orgId}/projects/${projectId}/codebase/file\\?path=src%2F`));

    expect(read.output).toMatchObject({ path: 'src/greet.ts', startLine: 1, endLine: 3, totalLines: 3, language: 'typescript' });
    expect(read.output.text.split('\n')).toEqual(["1\timport { getUserName } from './users';", '2\t', "3\texport const greet = (id: string) => 'hello ' + getUserName(id);"]);
    expect(tree.output.entries.map((e: { path: string }) => e.path).sort()).toEqual(['src/greet.ts', 'src/users.ts']);
    // The model read each result as untrusted data, in its next call.
    expect(llm.requests[1].prompt).toContain('src/greet.ts:3');
  });

  it("answers a member who is not on the project with the API's 404, never the code", async () => {
    llm.script({ toolCalls: [{ name: 'codebase__search_code', input: { projectId, query: 'getUserName' } }] }, { text: 'I cannot see that project.' });
    const events = await ask(outsiderOfProject, 'Where is getUserName used?');
    const [refused] = results(events);
    expect(refused.error).toMatchObject({ code: 'PROJECTS.NOT_FOUND' });
    expect(JSON.stringify(refused)).not.toContain('getUserName(id)');
  });
});
