// Issue #14's "done when", as a client that reads only /openapi.json: every call below is found
// by its operationId in the document, and its URL is the document's server URL and path. Two
// instances on one database (and one Redis when TEST_REDIS_URL is set), the scripted
// OpenAI-compatible model and the scripted Tavily search. An org admin signs up, creates an
// assistant with web search and data tools, asks it a question: the model searches the web,
// queries the workspace source and writes a long answer, which the client drops on instance A and
// resumes on instance B with Last-Event-ID (no gap, no duplicate). A second answer is stopped
// from B (the provider's request is aborted). An org budget just above what was spent refuses the
// next question before anything streams. The conversation is exported as a PDF and read back.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, createTestApp, STRONG_PASSWORD, type TestApp, uniqueEmail } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { renderPdfPages } from './pdf-pages.ts';
import { openSse, type SseClient, type SseEvent, textOf } from './sse.ts';
import { startTavilyServer, type TavilyServer } from './tavily-server.ts';
import { uniqueSlug } from './workspace.ts';

type Operation = { operationId: string; responses?: Record<string, { content?: Record<string, unknown> }> };
type Doc = { servers: { url: string }[]; paths: Record<string, Record<string, Operation>> };

let llm: LlmServer;
let tavily: TavilyServer;
let a: TestApp;
let b: TestApp;
/** Each instance's origin over a real socket: the streams are read as they arrive. */
let originA: string;
let originB: string;
let doc: Doc;
let token: string;
let orgId: string;

const QUESTION = 'Is Rust 2026 out yet, and how many hours did we log per project?';
const URLS = ['https://blog.rust.example/2026/launch', 'https://news.rust.example/editions'];
/** The long last step: ~1,100 characters at 4 a chunk every 30 ms, ~8 s of writing, so it is still being written when B takes over. */
const ANSWER = `According to the Rust blog (${URLS[0]}) and the editions news (${URLS[1]}), Rust 2026 is out. From your workspace: Atlas has 2.5 hours and Borealis 1 hour. ${Array.from({ length: 150 }, (_, i) => `detail${i}`).join(' ')} That is all.`;
const INTRO = 'Let me search the web first. ';

const listen = async (t: TestApp) => {
  await t.app.http.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.http.server.address() as AddressInfo).port}`;
};

/** The operation named `id` in the document: its method, and its URL with `params` filled in (orgId by default). */
function operation(id: string, params: Record<string, string> = {}, query?: Record<string, string>) {
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.operationId !== id) continue;
      const search = query ? `?${new URLSearchParams(query)}` : '';
      const url = `${doc.servers[0].url}${path.replace(/\{(\w+)\}/g, (_, k) => params[k] ?? orgId)}${search}`;
      return { method: method.toUpperCase() as 'GET' | 'POST', url, op };
    }
  }
  throw new Error(`no operation ${id} in /openapi.json`);
}

/** Calls an operation on instance `on` (A by default) as the admin. */
async function call(id: string, opts: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown; on?: TestApp; anonymous?: boolean } = {}) {
  const { method, url } = operation(id, opts.params, opts.query);
  const headers = opts.anonymous ? {} : bearer(token);
  return (opts.on ?? a).request({ method, url, headers, ...(opts.body !== undefined ? { payload: opts.body as never } : {}) });
}
/** The same, expecting `status`; answers the JSON body. */
async function ok(id: string, opts: Parameters<typeof call>[1] = {}, status = 200) {
  const res = await call(id, opts);
  expect(res.statusCode, `${id}: ${res.body}`).toBe(status);
  return res.json();
}
/** Opens an operation that answers Server-Sent Events, on the instance at `origin`. */
function stream(origin: string, id: string, params: Record<string, string>, init: { body?: unknown; headers?: Record<string, string> } = {}) {
  const { method, url } = operation(id, params);
  return openSse(`${origin}${url}`, { method, headers: { ...bearer(token), ...init.headers }, body: init.body });
}

const waitFor = (fn: () => unknown, timeout = 15_000) => vi.waitFor(fn, { timeout, interval: 10 });
const seqs = (events: SseEvent[]) => events.map((e) => Number(e.id));
const of = (events: SseEvent[], kind: string) => events.filter((e) => e.event === kind);

beforeAll(async () => {
  llm = await startLlmServer();
  tavily = await startTavilyServer();
  const env = llmEnv(llm, { TAVILY_API_KEY: tavily.apiKey, TAVILY_BASE_URL: tavily.url });
  a = await createTestApp({ env });
  // A second instance on the same database: its own broker, its own answers in flight.
  b = await createTestApp({ env, database: a.database });
  [originA, originB] = [await listen(a), await listen(b)];
  doc = (await a.request({ method: 'GET', url: '/openapi.json' })).json();
}, 60_000);
afterAll(async () => {
  // fetch (undici) may keep a spare socket the server counts as busy: every client here is done.
  for (const t of [a, b]) t?.app.http.server.closeAllConnections();
  await b?.app.close();
  await a?.close();
  await llm?.close();
  await tavily?.close();
});

describe('an org admin who reads only /openapi.json', () => {
  let sourceId: string;
  let assistantId: string;
  let conversationId: string;
  let firstAnswer: SseEvent[];
  let stoppedText: string;

  it('signs up, makes an org with some logged time and a workspace source, and an assistant with web search and data tools', async () => {
    // The answer streams are declared as Server-Sent Events, the export as a PDF.
    for (const id of ['sendChatMessage', 'streamChatMessage']) expect(Object.keys(operation(id, { conversationId: 'x', messageId: 'x' }).op.responses?.['200']?.content ?? {})).toContain('text/event-stream');
    expect(Object.keys(operation('exportConversation', { conversationId: 'x' }).op.responses?.['200']?.content ?? {})).toContain('application/pdf');

    const email = uniqueEmail('chat-acc');
    const registered = await call('registerAccount', { anonymous: true, body: { email, password: STRONG_PASSWORD, displayName: 'Ada Admin' } });
    expect(registered.statusCode, registered.body).toBe(201);
    await a.drain(); // the events a background dispatcher would deliver (profile, verification mail)
    const login = await call('logIn', { anonymous: true, body: { email, password: STRONG_PASSWORD } });
    expect(login.statusCode, login.body).toBe(200);
    token = login.json().accessToken;
    orgId = (await ok('createOrganization', { body: { name: 'Chat Acceptance Ltd', slug: uniqueSlug('chat-acc') } }, 201)).id;

    const atlas = await ok('createProject', { body: { name: 'Atlas', key: 'ATLAS' } }, 201);
    const borealis = await ok('createProject', { body: { name: 'Borealis', key: 'BOREAL' } }, 201);
    await ok('createTimeEntry', { body: { projectId: atlas.id, start: '2026-03-02T09:00:00Z', durationSeconds: 9000 } }, 201);
    await ok('createTimeEntry', { body: { projectId: borealis.id, start: '2026-03-03T09:00:00Z', durationSeconds: 3600 } }, 201);
    sourceId = (await ok('createDataSource', { body: { name: 'Our work', kind: 'workspace' } }, 201)).id;

    const assistant = await ok(
      'createAssistant',
      {
        body: {
          name: 'Research helper',
          instructions: 'You answer with sources: search the web, query our workspace, cite every URL you use.',
          tools: ['web_tools.web_search', 'analytics.ask_data'],
          visibility: 'org',
        },
      },
      201,
    );
    expect(assistant).toMatchObject({ tools: ['web_tools.web_search', 'analytics.ask_data'], visibility: 'org' });
    assistantId = assistant.id;
  });

  it('asks it a question: the model searches the web and queries the workspace source, and the answer streams', async () => {
    conversationId = (await ok('createConversation', { body: { assistantId } }, 201)).id;
    const sql = 'SELECT p.name AS project, sum(e.hours) AS hours FROM time_entries e JOIN projects p ON p.id = e.project_id GROUP BY p.name ORDER BY p.name';
    tavily.script({ results: URLS.map((url, i) => ({ title: `Rust 2026 (${i + 1})`, url, content: 'Rust 2026 is out.', score: 0.9 - i / 10 })) });
    llm.script(
      { text: INTRO, chunkDelayMs: 10, toolCalls: [{ name: 'web_tools__web_search', input: { query: 'Rust 2026 release' } }] },
      { toolCalls: [{ name: 'analytics__ask_data', input: { dataSourceId: sourceId, sql } }] },
      { text: ANSWER, chunkDelayMs: 30, usage: { input: 900, output: 300 } },
    );
    const first = await stream(originA, 'sendChatMessage', { conversationId }, { body: { content: QUESTION } });
    expect(first.status, JSON.stringify(first.problem)).toBe(200);

    // Both tools have run and the last step is writing: the client drops, mid-answer.
    await waitFor(() => {
      const kinds = first.events.map((e) => e.event);
      expect(kinds.filter((k) => k === 'tool-result')).toHaveLength(2);
      expect(kinds.slice(kinds.lastIndexOf('tool-result')).filter((k) => k === 'text').length).toBeGreaterThanOrEqual(2);
    });
    first.close();
    await first.ended;
    const writing = llm.requests[2];
    let modelDone = false;
    void writing.ended.then(() => (modelDone = true));
    expect(first.events.some((e) => e.event === 'done')).toBe(false);
    const messageId = first.events[0].data.messageId as string;
    const lastId = first.events.at(-1)!.id!;

    // Instance B, from the last event the client saw.
    const rest: SseClient = await stream(originB, 'streamChatMessage', { conversationId, messageId }, { headers: { 'last-event-id': lastId } });
    expect(rest.status).toBe(200);
    await waitFor(() => expect(rest.events.length).toBeGreaterThan(0));
    // The model was still writing when B took over: what follows was written after the drop.
    expect(modelDone).toBe(false);
    await rest.ended;
    firstAnswer = [...first.events, ...rest.events];

    // No gap, no duplicate: ids 1, 2, 3… across both connections, B starting right after the last one seen.
    expect(seqs(firstAnswer)).toEqual(firstAnswer.map((_, i) => i + 1));
    expect(rest.events[0].id).toBe(String(Number(lastId) + 1));
    expect(textOf(firstAnswer)).toBe(INTRO + ANSWER);
    expect(firstAnswer[0]).toMatchObject({ event: 'start', data: { conversationId, messageId } });
    expect(firstAnswer.at(-1)).toMatchObject({ event: 'done', data: { status: 'done', error: null } });
    expect(await writing.ended).toBe('completed');

    // The tool calls and their results, in order, in the stream.
    const calls = of(firstAnswer, 'tool-call');
    const results = of(firstAnswer, 'tool-result');
    expect(calls.map((e) => e.data.tool)).toEqual(['web_tools.web_search', 'analytics.ask_data']);
    expect(calls.map((e) => e.data.step)).toEqual([calls[0].data.step, calls[0].data.step + 1]);
    expect(results[0].data).toMatchObject({ tool: 'web_tools.web_search', output: { results: URLS.map((url) => expect.objectContaining({ url })) } });
    expect(results[1].data).toMatchObject({
      tool: 'analytics.ask_data',
      output: {
        rows: [
          ['Atlas', 2.5],
          ['Borealis', 1],
        ],
      },
    });
    // A usage per model call, with the scripted figures of the last.
    const usage = of(firstAnswer, 'usage').map((e) => e.data);
    expect(usage).toHaveLength(3);
    expect(usage[2]).toEqual({ inputTokens: 900, outputTokens: 300 });

    // What the providers were asked: only the assistant's tools; Tavily with the server's key and
    // the model's query; each result handed back to the model in the next step.
    expect([...llm.requests[0].tools].sort()).toEqual(['analytics__ask_data', 'web_tools__web_search']);
    expect(llm.requests[0].prompt).toContain('cite every URL you use');
    expect(tavily.requests).toHaveLength(1);
    expect(tavily.requests[0]).toMatchObject({ apiKey: tavily.apiKey, body: { query: 'Rust 2026 release' } });
    expect(llm.requests[1].prompt).toContain(URLS[0]);
    expect(llm.requests[2].prompt).toContain('Borealis');

    // The stored answer is what was streamed, read on the instance that did not write it.
    const stored = await ok('getChatMessage', { params: { conversationId, messageId }, on: b });
    expect(stored).toMatchObject({
      role: 'assistant',
      status: 'done',
      content: INTRO + ANSWER,
      usage: { inputTokens: usage.reduce((s, u) => s + u.inputTokens, 0), outputTokens: usage.reduce((s, u) => s + u.outputTokens, 0) },
      toolCalls: [
        { id: calls[0].data.toolCallId, tool: 'web_tools.web_search', input: { query: 'Rust 2026 release' }, output: results[0].data.output },
        { id: calls[1].data.toolCallId, tool: 'analytics.ask_data', input: { dataSourceId: sourceId, sql }, output: results[1].data.output },
      ],
    });
  }, 60_000);

  it('stops a second answer from the other instance: the stream ends, the provider request is aborted, the text so far is kept', async () => {
    llm.reset();
    llm.script({ text: 'Counting slowly: one, two, three, four, five, six, seven, eight, nine, ten.', chunkDelayMs: 40, stallAfterChunks: 8 });
    const second = await stream(originA, 'sendChatMessage', { conversationId }, { body: { content: 'Now count to ten, slowly.' } });
    expect(second.status, JSON.stringify(second.problem)).toBe(200);
    await waitFor(() => expect(second.events.some((e) => e.event === 'text')).toBe(true));
    const messageId = second.events[0].data.messageId as string;

    const stop = await call('stopChatMessage', { params: { conversationId, messageId }, on: b });
    expect(stop.statusCode, stop.body).toBe(202);
    expect(stop.json()).toMatchObject({ status: 'streaming', stopRequested: true });
    await second.ended;
    expect(await llm.requests[0].ended).toBe('aborted');
    expect(second.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'stopped', error: null } });

    stoppedText = textOf(second.events);
    expect(stoppedText).toMatch(/^Coun/);
    expect(stoppedText.length).toBeLessThan('Counting slowly: one, two, three, four, five, six, seven, eight, nine, ten.'.length);
    expect(await ok('getChatMessage', { params: { conversationId, messageId } })).toMatchObject({ status: 'stopped', content: stoppedText });
  }, 30_000);

  it('hits the org budget: a clear 429 refusal before anything streams, no provider call, nothing stored', async () => {
    llm.reset();
    // Spent counts calls in flight too: wait until the stopped call's reservation is gone, i.e.
    // spent is the usage recorded, so the limit below leaves exactly 50 tokens.
    let before!: { org: { spentTokens: number } };
    await waitFor(async () => {
      before = await ok('getLlmBudgets');
      const recorded = (await ok('getLlmUsage')).rows.reduce((s: number, r: { inputTokens: number; outputTokens: number }) => s + r.inputTokens + r.outputTokens, 0);
      expect(before.org.spentTokens).toBe(recorded);
    });
    expect(before.org.spentTokens).toBeGreaterThan(1200);
    // Just above what was spent: a question, whose worst case is thousands of tokens, cannot fit.
    await ok('setLlmOrgBudget', { body: { monthlyTokens: before.org.spentTokens + 50, monthlyCostMinor: null } });
    const messagesBefore = (await ok('listConversationMessages', { params: { conversationId } })).data.length;

    const refused = await stream(originB, 'sendChatMessage', { conversationId }, { body: { content: 'One more question?' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.problem).toMatchObject({ status: 429, code: 'LLM.BUDGET_EXCEEDED', budget: 'organization', unit: 'tokens', remaining: 50 });
    expect(refused.problem.detail).toMatch(/organization's budget/);
    expect(refused.problem.detail).toMatch(/50 tokens left/);
    expect(refused.events).toEqual([]);
    expect(llm.requests).toHaveLength(0);
    expect((await ok('listConversationMessages', { params: { conversationId } })).data).toHaveLength(messagesBefore);
  });

  it('exports the conversation as a PDF with the question, the answer and the URLs it cites', async () => {
    const res = await call('exportConversation', { params: { conversationId }, query: { format: 'pdf' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=".+\.pdf"$/);
    const pages = await renderPdfPages(res.rawPayload);
    for (const page of pages) expect(page.inked).toBeGreaterThan(0);
    // pdf.js gives a page's text as pieces joined by spaces, wrapped lines apart: compare words.
    const words = (s: string) => s.split(/\s+/).filter(Boolean).join(' ');
    const text = words(pages.map((p) => p.text.replace(/Page \d+ of \d+/g, '')).join(' '));
    expect(text).toContain(words(QUESTION));
    expect(text).toContain(words(INTRO + ANSWER));
    for (const url of URLS) expect(text).toContain(url);
    // Each tool call summarized on a line: the web search's result with the first URL it found.
    expect(text).toContain('Tool web_tools.web_search - input {"query":"Rust 2026 release"}');
    expect(text).toContain(`"url":"${URLS[0]}"`);
    expect(text).toContain('Tool analytics.ask_data - input');
    expect(text).toContain('[["Atlas",2.5],["Borealis",1]]');
    // The stopped answer, marked.
    expect(text).toMatch(/Now count to ten, slowly\. Assistant \([^)]*stopped\)/);
    expect(text).toContain(words(stoppedText));
  });
});
