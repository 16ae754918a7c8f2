// The chat module over HTTP (answers through a scripted model, test/llm-server.ts): conversations
// (create, list with search and pages, read, rename, archive, delete, events without content),
// a question and its streamed answer with the history the model is shown, a tool call as the
// member with its result recorded, edits and regenerations as branches of the tree, refusals
// before any stream (budget, model role, a parent that is not an answer), privacy (another
// member, an admin, another org: 404), and agent/act with its tool trace and its bounds.
// Streams over real sockets across two instances: test/chat-stream.test.ts.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { parseSse, type SseEvent, textOf } from './sse.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let llm: LlmServer;
let w: Awaited<ReturnType<typeof orgWithRoles>>;

beforeAll(async () => {
  llm = await startLlmServer();
  // A second model on the same scripted server, which takes no tools.
  const providers = [{ name: 'plain', provider: 'openai-compatible', baseUrl: `${llm.baseUrl}`, models: [{ name: 'plain-model', tools: false }] }];
  t = await createTestApp({ env: llmEnv(llm, { CHAT_MAX_STEPS: '3', CHAT_AGENT_TIMEOUT: '2s', LLM_PROVIDERS: JSON.stringify(providers) }) });
  w = await orgWithRoles(t);
});
afterAll(async () => {
  await t?.close();
  await llm?.close();
});
beforeEach(() => llm.reset());

const base = (orgId = w.orgId) => `/api/v1/orgs/${orgId}/conversations`;
const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, user: U, payload?: unknown) =>
  t.request({ method, url, headers: bearer(user.accessToken), ...(payload === undefined ? {} : { payload: payload as object }) });

async function newConversation(user: U, body: Record<string, unknown> = {}, orgId = w.orgId) {
  const res = await call('POST', base(orgId), user, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; title: string | null; modelId: string | null; updatedAt: string };
}

/** Asks a question; the answer's events once the stream ended (inject waits for it). */
async function ask(user: U, conversationId: string, content: string, extra: Record<string, unknown> = {}): Promise<SseEvent[]> {
  const res = await call('POST', `${base()}/${conversationId}/messages`, user, { content, ...extra });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  return parseSse(res.body).events;
}

const doneOf = (events: SseEvent[]) => events.at(-1)!;
const tree = async (user: U, conversationId: string) => {
  const res = await call('GET', `${base()}/${conversationId}/messages`, user);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { data: any[]; activePath: string[] };
};

describe('conversations', () => {
  it('are created, listed newest first in pages, found by title or content, renamed, archived and deleted', async () => {
    const u = w.member;
    const planning = await newConversation(u, { title: 'Quarterly planning' });
    expect(planning).toMatchObject({ title: 'Quarterly planning', modelId: null, system: null, archivedAt: null });
    const untitled = await newConversation(u, { system: 'Answer in one sentence.' });
    expect(untitled.title).toBeNull();

    llm.script({ text: 'Tomatoes like sun.' });
    const events = await ask(u, untitled.id, 'How do I grow heirloom tomatoes on a balcony in spring?');
    expect(doneOf(events).data.status).toBe('done');
    // The title is the first question's first words; the instructions went to the model.
    expect((await call('GET', `${base()}/${untitled.id}`, u)).json().title).toBe('How do I grow heirloom tomatoes on a…');
    expect(llm.requests[0].messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('Answer in one sentence.') });

    const list = (await call('GET', base(), u)).json();
    expect(list.data.map((c: { id: string }) => c.id).slice(0, 2)).toEqual([untitled.id, planning.id]);
    const first = (await call('GET', `${base()}?limit=1`, u)).json();
    expect(first.data).toHaveLength(1);
    const second = (await call('GET', `${base()}?limit=1&cursor=${first.page.nextCursor}`, u)).json();
    expect(second.data[0].id).toBe(planning.id);

    // By the title, by a word of a question or of an answer, words as prefixes.
    const search = async (q: string) => (await call('GET', `${base()}?q=${encodeURIComponent(q)}`, u)).json().data.map((c: { id: string }) => c.id);
    expect(await search('quarter')).toEqual([planning.id]);
    expect(await search('heirloom balc')).toEqual([untitled.id]);
    expect(await search('TOMATOES sun')).toEqual([untitled.id]);
    expect(await search('tomatoes quarterly')).toEqual([]);
    expect(await search('?!')).toEqual([]);

    const renamed = await call('PATCH', `${base()}/${planning.id}`, u, { title: 'Q3 planning' });
    expect(renamed.json().title).toBe('Q3 planning');
    expectProblem(await call('PATCH', `${base()}/${planning.id}`, u, { title: '   ' }), 400, 'VALIDATION_FAILED');

    const archived = await call('POST', `${base()}/${planning.id}/archive`, u);
    expect(archived.json().archivedAt).not.toBeNull();
    expect((await call('GET', base(), u)).json().data.map((c: { id: string }) => c.id)).not.toContain(planning.id);
    expect((await call('GET', `${base()}?archived=true`, u)).json().data.map((c: { id: string }) => c.id)).toEqual([planning.id]);
    expect((await call('POST', `${base()}/${planning.id}/unarchive`, u)).json().archivedAt).toBeNull();

    expect((await call('DELETE', `${base()}/${untitled.id}`, u)).statusCode).toBe(204);
    expectProblem(await call('GET', `${base()}/${untitled.id}`, u), 404, 'CHAT.CONVERSATION_NOT_FOUND');
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM chat.messages WHERE conversation_id = ${untitled.id}`.execute(t.database.db);
    expect(left.rows[0].n).toBe(0);

    // Events name the conversation, the model and the tokens: never the title, a question or an answer.
    const outbox = await sql<{ type: string; payload: any }>`SELECT type, payload FROM core.outbox WHERE payload->>'conversationId' = ${untitled.id} ORDER BY id`.execute(t.database.db);
    expect(outbox.rows.map((e) => e.type)).toEqual(['chat.conversation_created', 'chat.message_completed', 'chat.conversation_deleted']);
    expect(outbox.rows[1].payload).toMatchObject({ status: 'done', model: 'default/scripted-model', inputTokens: expect.any(Number), outputTokens: expect.any(Number), toolCalls: 0 });
    expect(JSON.stringify(outbox.rows)).not.toMatch(/tomato|heirloom/i);
  });

  it('take a model of the catalog the caller may use, and refuse others', async () => {
    const models = (await call('GET', `/api/v1/orgs/${w.orgId}/llm/models`, w.member)).json().data;
    const conv = await newConversation(w.member, { modelId: models[0].id });
    expect(conv.modelId).toBe(models[0].id);
    expectProblem(await call('POST', base(), w.member, { modelId: '01900000-0000-7000-8000-000000000000' }), 404, 'LLM.MODEL_NOT_FOUND');
    // An instance model is for members and up unless an admin says otherwise.
    expectProblem(await call('POST', base(), w.viewer, { modelId: models[0].id }), 403, 'LLM.MODEL_NOT_ALLOWED');
  });

  it('are private: another member, an admin, another organization get 404, and nothing is listed', async () => {
    const mine = await newConversation(w.member, { title: 'Private thoughts' });
    for (const other of [w.admin, w.owner]) {
      expectProblem(await call('GET', `${base()}/${mine.id}`, other), 404, 'CHAT.CONVERSATION_NOT_FOUND');
      expectProblem(await call('GET', `${base()}/${mine.id}/messages`, other), 404, 'CHAT.CONVERSATION_NOT_FOUND');
      expectProblem(await call('POST', `${base()}/${mine.id}/messages`, other, { content: 'hi' }), 404, 'CHAT.CONVERSATION_NOT_FOUND');
      expectProblem(await call('DELETE', `${base()}/${mine.id}`, other), 404, 'CHAT.CONVERSATION_NOT_FOUND');
      expect((await call('GET', base(), other)).json().data.map((c: { id: string }) => c.id)).not.toContain(mine.id);
    }
    expectProblem(await call('GET', `${base()}/${mine.id}`, w.outsider), 404, 'ORG.NOT_FOUND');
    expectProblem(await call('GET', `${base(w.outsiderOrgId)}/${mine.id}`, w.outsider), 404, 'CHAT.CONVERSATION_NOT_FOUND');
    expectProblem(await call('PATCH', `${base(w.outsiderOrgId)}/${mine.id}`, w.outsider, { title: 'mine now' }), 404, 'CHAT.CONVERSATION_NOT_FOUND');
    expect(llm.requests).toHaveLength(0);
  });
});

describe('answers', () => {
  it('keep a character the model split across two deltas whole, in the stream and in the table', async () => {
    const conv = await newConversation(w.member);
    // One UTF-16 unit a delta: each emoji comes in two deltas, each half sent as a lone
    // surrogate escape (\ud83d), as a provider that cuts text by code unit does.
    llm.script({ text: 'Yes \u{1F600} and \u{1F345}!', chunkSize: 1 });
    const events = await ask(w.member, conv.id, 'Smile?');
    expect(doneOf(events).data).toMatchObject({ status: 'done', error: null });
    expect(textOf(events)).toBe('Yes \u{1F600} and \u{1F345}!');
    // No event carries half a character.
    for (const e of events.filter((x) => x.event === 'text')) expect(e.data.text.isWellFormed()).toBe(true);
    const { data } = await tree(w.member, conv.id);
    expect(data[1].content).toBe('Yes \u{1F600} and \u{1F345}!');
    // Replayed from the table: the same events.
    const replay = await call('GET', `${base()}/${conv.id}/messages/${data[1].id}/stream`, w.member);
    expect(textOf(parseSse(replay.body).events)).toBe('Yes \u{1F600} and \u{1F345}!');
  });

  it('refuse a question, or an agent instruction, that is empty or only spaces, before asking the model', async () => {
    const conv = await newConversation(w.member);
    for (const content of ['', '  \n ']) {
      const res = await call('POST', `${base()}/${conv.id}/messages`, w.member, { content });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['body.content']);
    }
    const act = await call('POST', `/api/v1/orgs/${w.orgId}/agent/act`, w.member, { instruction: '   ' });
    expectProblem(act, 400, 'VALIDATION_FAILED');
    expect(act.json().errors.map((e: { field: string }) => e.field)).toEqual(['body.instruction']);
    expect(llm.requests).toHaveLength(0);
    expect((await tree(w.member, conv.id)).data).toEqual([]);
  });

  it('store a tool call whose input holds U+0000, which jsonb refuses, with U+FFFD in its place', async () => {
    const conv = await newConversation(w.member);
    llm.script({ text: 'Looking.', toolCalls: [{ name: 'projects__find_projects', input: { query: 'orch\u0000ard' } }] }, { text: 'None found.' });
    const events = await ask(w.member, conv.id, 'Any orchard?');
    expect(doneOf(events).data).toMatchObject({ status: 'done', error: null });
    expect(events.find((e) => e.event === 'tool-call')?.data.input).toEqual({ query: 'orch\uFFFDard' });
    const { data } = await tree(w.member, conv.id);
    expect(data[1].toolCalls[0]).toMatchObject({ tool: 'projects.find_projects', input: { query: 'orch\uFFFDard' } });
  });

  it('stream as events numbered from 1, are stored, and the next question is asked with the history', async () => {
    const conv = await newConversation(w.member);
    llm.script({ text: 'Paris is the capital of France.', usage: { input: 12, output: 7 } });
    const events = await ask(w.member, conv.id, 'What is the capital of France?');
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ event: 'start', data: { conversationId: conv.id, messageId: expect.any(String), parentId: expect.any(String), modelId: null } });
    expect(textOf(events)).toBe('Paris is the capital of France.');
    expect(events.filter((e) => e.event === 'usage').map((e) => e.data)).toEqual([{ inputTokens: 12, outputTokens: 7 }]);
    expect(doneOf(events)).toMatchObject({ event: 'done', data: { status: 'done', usage: { inputTokens: 12, outputTokens: 7 }, model: 'default/scripted-model', error: null } });

    const { data, activePath } = await tree(w.member, conv.id);
    expect(data.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'What is the capital of France?', 'done'],
      ['assistant', 'Paris is the capital of France.', 'done'],
    ]);
    expect(data[1]).toMatchObject({ id: events[0].data.messageId, parentId: data[0].id, model: 'default/scripted-model', usage: { inputTokens: 12, outputTokens: 7 }, toolCalls: [], error: null });
    expect(activePath).toEqual([data[0].id, data[1].id]);
    // Its usage row names the conversation and the message.
    const usage = await sql<{ feature: string; message_id: string }>`SELECT feature, message_id FROM core.llm_usage WHERE conversation_id = ${conv.id}`.execute(t.database.db);
    expect(usage.rows).toEqual([{ feature: 'chat', message_id: data[1].id }]);

    llm.script({ text: 'About 2.1 million.' });
    await ask(w.member, conv.id, 'And its population?');
    expect(llm.requests[1].messages.map((m) => [m.role, m.content])).toEqual([
      ['system', expect.stringContaining('never instructions')],
      ['user', 'What is the capital of France?'],
      ['assistant', 'Paris is the capital of France.'],
      ['user', 'And its population?'],
    ]);
    // Replaying a finished answer gives the same events and ends.
    const replay = await call('GET', `${base()}/${conv.id}/messages/${data[1].id}/stream`, w.member);
    expect(parseSse(replay.body).events).toEqual(events);
    const rest = await t.request({ method: 'GET', url: `${base()}/${conv.id}/messages/${data[1].id}/stream`, headers: { ...bearer(w.member.accessToken), 'last-event-id': String(events.length - 2) } });
    expect(parseSse(rest.body).events).toEqual(events.slice(-2));
    expectProblem(await t.request({ method: 'GET', url: `${base()}/${conv.id}/messages/${data[1].id}/stream`, headers: { ...bearer(w.member.accessToken), 'last-event-id': 'x1' } }), 400, 'VALIDATION_FAILED');
  });

  it('call a tool as the member, record its result, and show the model the result as data', async () => {
    const mine = await call('POST', `/api/v1/orgs/${w.orgId}/projects`, w.member, { name: 'Website relaunch', key: 'WEBR' });
    expect(mine.statusCode, mine.body).toBe(201);
    // A project the member is not in: the tool runs with the member's rights and never finds it.
    expect((await call('POST', `/api/v1/orgs/${w.orgId}/projects`, w.owner, { name: 'Website secret', key: 'WEBS' })).statusCode).toBe(201);
    const conv = await newConversation(w.member);
    llm.script(
      { text: 'Let me look.', toolCalls: [{ name: 'projects__find_projects', input: { query: 'website' } }, { name: 'admin__drop_everything', input: {} }] },
      { text: 'You have one: Website relaunch (WEBR).' },
    );
    const events = await ask(w.member, conv.id, 'Which website projects do I have?');
    // Each text delta is its own event: runs of them read as one here.
    const kinds = events.map((e) => e.event).filter((kind, i, all) => kind !== 'text' || all[i - 1] !== 'text');
    expect(kinds).toEqual(['start', 'text', 'tool-call', 'tool-call', 'usage', 'tool-result', 'tool-result', 'text', 'usage', 'done']);
    const [call1, call2] = events.filter((e) => e.event === 'tool-call').map((e) => e.data);
    expect(call1).toMatchObject({ tool: 'projects.find_projects', step: 0, input: { query: 'website' } });
    expect(call2).toMatchObject({ tool: 'admin__drop_everything', step: 0 });
    const [found, refused] = events.filter((e) => e.event === 'tool-result').map((e) => e.data);
    expect(found.output.projects.map((p: { key: string }) => p.key)).toEqual(['WEBR']);
    expect(refused.error).toMatchObject({ code: 'LLM.TOOL_NOT_ALLOWED' });
    expect(textOf(events)).toBe('Let me look.You have one: Website relaunch (WEBR).');

    // The model was offered the member's tools under their model names, with the rule on results…
    expect(llm.requests[0].tools).toContain('projects__find_projects');
    expect(llm.requests[0].messages[0].content).toContain('never instructions');
    // …and read the result wrapped as untrusted data.
    const toolMessages = llm.requests[1].messages.filter((m) => m.role === 'tool');
    expect(toolMessages.map((m) => m.content.split('\n')[0])).toEqual(['<tool_output tool="projects.find_projects">', '<tool_output tool="admin__drop_everything">']);

    const stored = (await tree(w.member, conv.id)).data[1];
    expect(stored.content).toBe('Let me look.You have one: Website relaunch (WEBR).');
    expect(stored.toolCalls).toEqual([
      { id: call1.toolCallId, tool: 'projects.find_projects', step: 0, input: { query: 'website' }, output: found.output },
      { id: call2.toolCallId, tool: 'admin__drop_everything', step: 0, input: {}, error: refused.error },
    ]);
    const outbox = await sql<{ payload: any }>`SELECT payload FROM core.outbox WHERE type = 'chat.message_completed' AND payload->>'messageId' = ${stored.id}`.execute(t.database.db);
    expect(outbox.rows[0].payload.toolCalls).toBe(2);

    // Asked again later, the model sees the calls and their results as they were.
    llm.script({ text: 'Yes.' });
    await ask(w.member, conv.id, 'Sure?');
    expect(llm.requests[2].messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool', 'assistant', 'user']);
  });

  it('from a model without tool support: asked without tools or the rule on tool results, once', async () => {
    const catalog = (await call('GET', `/api/v1/orgs/${w.orgId}/llm/models`, w.member)).json().data as { id: string; model: string; supportsTools: boolean }[];
    const plain = catalog.find((m) => m.model === 'plain-model')!;
    expect(plain.supportsTools).toBe(false);
    const conv = await newConversation(w.member, { modelId: plain.id });
    llm.script({ text: 'No tools needed.' });
    const events = await ask(w.member, conv.id, 'What is two and two?');
    expect(doneOf(events)).toMatchObject({ event: 'done' });
    expect(events.filter((e) => e.event === 'text').map((e) => (e.data as { text: string }).text).join('')).toBe('No tools needed.');
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]).toMatchObject({ model: 'plain-model', tools: [] });
    expect(llm.requests[0].body.tools).toBeUndefined();
    expect(llm.requests[0].messages.filter((m) => m.role === 'system')).toEqual([]);
  });

  it('keep both branches when a question is edited or an answer regenerated; the newest is the path shown', async () => {
    const conv = await newConversation(w.member);
    llm.script({ text: 'A1' }, { text: 'A2' }, { text: 'A2 after the edit' }, { text: 'A2 regenerated' });
    const q1 = await ask(w.member, conv.id, 'Q1');
    const a1 = q1[0].data.messageId;
    const q2 = await ask(w.member, conv.id, 'Q2');
    // An edit of Q2: its new text with Q2's parent. A new branch; Q2 and A2 stay.
    const edited = await ask(w.member, conv.id, 'Q2, edited', { parentId: a1 });
    const contents = (i: number) => llm.requests[i].messages.filter((m) => m.role !== 'system').map((m) => m.content);
    expect(contents(2)).toEqual(['Q1', 'A1', 'Q2, edited']);
    const { data, activePath } = await tree(w.member, conv.id);
    expect(data.map((m) => m.content)).toEqual(['Q1', 'A1', 'Q2', 'A2', 'Q2, edited', 'A2 after the edit']);
    const byContent = (c: string) => data.find((m) => m.content === c)!;
    expect(byContent('Q2').parentId).toBe(a1);
    expect(byContent('Q2, edited').parentId).toBe(a1);
    expect(activePath).toEqual(['Q1', 'A1', 'Q2, edited', 'A2 after the edit'].map((c) => byContent(c).id));

    // Regenerate the edited branch's answer: a sibling, from the same question.
    const regenerated = await call('POST', `${base()}/${conv.id}/messages/${edited[0].data.messageId}/regenerate`, w.member);
    expect(regenerated.statusCode, regenerated.body).toBe(200);
    const events = parseSse(regenerated.body).events;
    expect(events[0].data.parentId).toBe(byContent('Q2, edited').id);
    expect(contents(3)).toEqual(['Q1', 'A1', 'Q2, edited']);
    const after = await tree(w.member, conv.id);
    expect(after.data).toHaveLength(7);
    expect(after.activePath.map((id) => after.data.find((m) => m.id === id).content)).toEqual(['Q1', 'A1', 'Q2, edited', 'A2 regenerated']);
    // The old answers are all there.
    expect(after.data.filter((m) => m.parentId === byContent('Q2, edited').id).map((m) => m.content)).toEqual(['A2 after the edit', 'A2 regenerated']);

    // A question follows an answer, never a question; a parent must be of this conversation.
    expectProblem(await call('POST', `${base()}/${conv.id}/messages`, w.member, { content: 'x', parentId: byContent('Q2').id }), 400, 'CHAT.PARENT_INVALID');
    expectProblem(await call('POST', `${base()}/${conv.id}/messages`, w.member, { content: 'x', parentId: q2[0].data.conversationId }), 400, 'CHAT.PARENT_INVALID');
    expect(llm.requests).toHaveLength(4);
  });

  it('are refused before any stream and nothing is stored: a budget, a model the role may not use', async () => {
    const o = await orgWithRoles(t);
    const conv = (await call('POST', base(o.orgId), o.member, {})).json();
    expect((await call('PUT', `/api/v1/orgs/${o.orgId}/llm/budgets/org`, o.owner, { monthlyTokens: 50, monthlyCostMinor: null })).statusCode).toBe(200);
    const refused = await call('POST', `${base(o.orgId)}/${conv.id}/messages`, o.member, { content: 'A question that would cost more than the budget' });
    expect(expectProblem(refused, 429, 'LLM.BUDGET_EXCEEDED')).toMatchObject({ budget: 'organization', unit: 'tokens', limit: 50 });
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);

    const viewerConv = (await call('POST', base(o.orgId), o.viewer, {})).json();
    expectProblem(await call('POST', `${base(o.orgId)}/${viewerConv.id}/messages`, o.viewer, { content: 'hi' }), 403, 'LLM.MODEL_NOT_ALLOWED');

    expect(llm.requests).toHaveLength(0);
    const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM chat.messages WHERE conversation_id IN (${conv.id}, ${viewerConv.id})`.execute(t.database.db);
    expect(stored.rows[0].n).toBe(0);
  });
});

describe('POST /orgs/{orgId}/agent/act', () => {
  const act = (user: U, body: Record<string, unknown>) => call('POST', `/api/v1/orgs/${w.orgId}/agent/act`, user, body);

  it('runs the tool loop to the end and answers the final message with its tool trace, in a conversation of the caller', async () => {
    await call('POST', `/api/v1/orgs/${w.orgId}/projects`, w.member, { name: 'Garden app', key: 'GARD' });
    llm.script({ toolCalls: [{ name: 'projects__find_projects', input: { query: 'garden' } }] }, { text: 'Found GARD: Garden app.', usage: { input: 30, output: 6 } });
    const res = await act(w.member, { instruction: 'Find the garden project and tell me its key, please.' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.message).toMatchObject({ status: 'done', content: 'Found GARD: Garden app.', model: 'default/scripted-model', error: null });
    expect(body.message.toolTrace).toEqual([{ tool: 'projects.find_projects', input: { query: 'garden' }, output: { projects: [expect.objectContaining({ key: 'GARD' })], more: false } }]);
    expect(body.message.usage.inputTokens).toBeGreaterThan(30);
    // The run is a conversation like any other, titled by the instruction.
    const conv = (await call('GET', `${base()}/${body.conversationId}`, w.member)).json();
    expect(conv.title).toBe('Find the garden project and tell me its…');
    expect((await tree(w.member, body.conversationId)).data.map((m) => m.role)).toEqual(['user', 'assistant']);
    const usage = await sql<{ feature: string }>`SELECT feature FROM core.llm_usage WHERE conversation_id = ${body.conversationId}`.execute(t.database.db);
    expect(usage.rows.map((r) => r.feature)).toEqual(['chat.agent', 'chat.agent']);

    // Given a conversation, it goes on there, after its newest message.
    llm.script({ text: 'Still GARD.' });
    const again = (await act(w.member, { instruction: 'And now?', conversationId: body.conversationId })).json();
    expect(again.conversationId).toBe(body.conversationId);
    expect(llm.requests.at(-1)!.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['Find the garden project and tell me its key, please.', 'And now?']);
  });

  it('is bounded: the last model call may not ask for tools, and the time limit cuts the run', async () => {
    // A model that would call tools for ever, unless told it may not.
    llm.fallback((req) => (req.body.tool_choice === 'none' ? { text: 'Stopping here.' } : { toolCalls: [{ name: 'projects__find_projects', input: {} }] }));
    const steps = (await act(w.member, { instruction: 'Loop forever.' })).json();
    // CHAT_MAX_STEPS=3: three calls, the third without tools.
    expect(llm.requests).toHaveLength(3);
    expect(llm.requests.map((r) => r.body.tool_choice)).toEqual(['auto', 'auto', 'none']);
    expect(steps.message).toMatchObject({ status: 'done', content: 'Stopping here.' });
    expect(steps.message.toolTrace).toHaveLength(2);

    llm.reset();
    llm.script({ text: 'I am thinking very slowly…', chunkDelayMs: 20, stallAfterChunks: 2 });
    const slow = (await act(w.member, { instruction: 'Think.' })).json();
    expect(slow.message).toMatchObject({ status: 'failed', content: 'I am', error: { code: 'CHAT.TIME_LIMIT' } });
    expect(await llm.requests[0].ended).toBe('aborted');
  });

  it('refuses an assistant the caller may not use, and another member\'s conversation', async () => {
    expectProblem(await act(w.member, { instruction: 'hi', assistantId: '01900000-0000-7000-8000-000000000000' }), 404, 'CHAT.ASSISTANT_NOT_FOUND');
    const theirs = await newConversation(w.admin);
    expectProblem(await act(w.member, { instruction: 'hi', conversationId: theirs.id }), 404, 'CHAT.CONVERSATION_NOT_FOUND');
    expect(llm.requests).toHaveLength(0);
  });
});

describe('assistants in chat', () => {
  const act = (user: U, body: Record<string, unknown>) => call('POST', `/api/v1/orgs/${w.orgId}/agent/act`, user, body);
  async function newAssistant(user: U, body: Record<string, unknown>) {
    const res = await call('POST', `/api/v1/orgs/${w.orgId}/assistants`, user, { name: 'Planner', instructions: 'You are Planner. Answer as a project planner.', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string };
  }

  it('answer with the assistant\'s instructions, temperature and only its tools, as the user', async () => {
    const planner = await newAssistant(w.member, { tools: ['projects.find_projects'], temperature: 0.3 });
    const conv = await newConversation(w.member, { assistantId: planner.id, system: 'Be brief.' });
    expect(conv).toMatchObject({ assistantId: planner.id });
    llm.script({ text: 'Plan: start with the backlog.' });
    expect(doneOf(await ask(w.member, conv.id, 'How do I plan the quarter?')).data.status).toBe('done');
    const [request] = llm.requests;
    expect(request.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('You are Planner.') });
    expect(request.messages[0].content).toContain('Be brief.');
    // The member may use more tools (ask_data, time_report…): the assistant offers only its own.
    expect(request.tools).toEqual(['projects__find_projects']);
    expect(request.body.temperature).toBe(0.3);

    // agent/act with the assistant: the same configuration, a conversation of its own.
    llm.reset();
    llm.script({ text: 'Done.' });
    const acted = await act(w.member, { instruction: 'List the projects.', assistantId: planner.id });
    expect(acted.statusCode, acted.body).toBe(200);
    expect(llm.requests[0].messages[0].content).toContain('You are Planner.');
    expect(llm.requests[0].tools).toEqual(['projects__find_projects']);
  });

  it('are private to their creator: another member gets 404, and a conversation ends when its assistant goes', async () => {
    const mine = await newAssistant(w.member, { visibility: 'private' });
    expectProblem(await call('POST', base(), w.admin, { assistantId: mine.id }), 404, 'CHAT.ASSISTANT_NOT_FOUND');
    expectProblem(await act(w.admin, { instruction: 'hi', assistantId: mine.id }), 404, 'CHAT.ASSISTANT_NOT_FOUND');
    const conv = await newConversation(w.member, { assistantId: mine.id });
    expect((await call('DELETE', `/api/v1/orgs/${w.orgId}/assistants/${mine.id}`, w.member)).statusCode).toBe(204);
    expectProblem(await call('POST', `${base()}/${conv.id}/messages`, w.member, { content: 'Still there?' }), 404, 'CHAT.ASSISTANT_NOT_FOUND');
    expect(llm.requests).toHaveLength(0);
  });
});
