// Answers over real sockets, read as Server-Sent Events as they arrive, with two instances on
// one database (and one Redis when TEST_REDIS_URL is set): an answer streams in batched pieces
// with a tool call in the middle; a client that drops resumes on the other instance with
// Last-Event-ID and gets the rest with no gap and no duplicate, the answer having gone on
// without it; a stop asked on one instance aborts the provider's request on the other and the
// answer ends `stopped` with its text so far; an answer whose instance died is closed from what
// it stored; one whose instance shuts down ends `failed`; a budget refusal comes before any stream.
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { createOutbox } from '../src/core/events/outbox.ts';
import { chunks, messages } from '../src/modules/chat/repository.ts';
import type { StoredChunk } from '../src/modules/chat/transcript.ts';
import { openSse, type SseClient, textOf } from './sse.ts';
import { orgWithRoles, type U } from './workspace.ts';

let llm: LlmServer;
let a: TestApp;
let b: TestApp;
let baseA: string;
let baseB: string;
let w: Awaited<ReturnType<typeof orgWithRoles>>;

const listen = async (t: TestApp) => {
  await t.app.http.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.http.server.address() as AddressInfo).port}/api/v1`;
};

beforeAll(async () => {
  llm = await startLlmServer();
  const env = llmEnv(llm, { CHAT_STALE_AFTER: '2s' });
  a = await createTestApp({ env });
  // A second instance on the same database: its own broker, its own answers in flight.
  b = await createTestApp({ env, database: a.database });
  [baseA, baseB] = [await listen(a), await listen(b)];
  w = await orgWithRoles(a);
});
afterAll(async () => {
  // fetch (undici) may keep a spare socket the server counts as busy: every client here is done.
  for (const t of [a, b]) t?.app.http.server.closeAllConnections();
  await b?.app.close();
  await a?.close();
  await llm?.close();
});
beforeEach(() => llm.reset());

const conversation = async (user: U) => {
  const res = await a.request({ method: 'POST', url: `/api/v1/orgs/${w.orgId}/conversations`, headers: bearer(user.accessToken), payload: {} });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
};
const path = (conversationId: string, rest = '') => `/orgs/${w.orgId}/conversations/${conversationId}${rest}`;
const ask = (base: string, user: U, conversationId: string, content: string) =>
  openSse(`${base}${path(conversationId, '/messages')}`, { method: 'POST', headers: bearer(user.accessToken), body: { content } });
const message = async (t: TestApp, user: U, conversationId: string, messageId: string) =>
  (await t.request({ method: 'GET', url: `/api/v1${path(conversationId, `/messages/${messageId}`)}`, headers: bearer(user.accessToken) })).json();
const ids = (c: Pick<SseClient, 'events'>) => c.events.map((e) => Number(e.id));
const waitFor = (fn: () => void) => vi.waitFor(fn, { timeout: 10_000, interval: 10 });

describe('an answer over a real socket', () => {
  it('streams as it is written, in batched pieces, with a tool call in the middle run as the member', async () => {
    await a.request({ method: 'POST', url: `/api/v1/orgs/${w.orgId}/projects`, headers: bearer(w.member.accessToken), payload: { name: 'Orchard planner', key: 'ORCH' } });
    const conv = await conversation(w.member);
    const intro = 'Let me search your projects for anything about an orchard, one moment please. ';
    const outro = 'You have one project about it: Orchard planner, whose key is ORCH. It is active and has no client.';
    llm.script(
      { text: intro, chunkDelayMs: 15, toolCalls: [{ name: 'projects__find_projects', input: { query: 'orchard' } }] },
      { text: outro, chunkDelayMs: 15 },
    );
    const client = await ask(baseA, w.member, conv, 'Do I have an orchard project?');
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.headers.get('cache-control')).toBe('no-cache, no-transform');

    // The first words arrive while the model is still writing.
    await waitFor(() => expect(client.events.some((e) => e.event === 'text')).toBe(true));
    expect(client.events.some((e) => e.event === 'done')).toBe(false);
    await client.ended;

    expect(client.retry).toBe(3000);
    expect(ids(client)).toEqual(client.events.map((_, i) => i + 1));
    const kinds = client.events.map((e) => e.event);
    expect(kinds[0]).toBe('start');
    expect(kinds.at(-1)).toBe('done');
    expect(kinds.indexOf('tool-call')).toBeGreaterThan(kinds.indexOf('text'));
    expect(kinds.lastIndexOf('text')).toBeGreaterThan(kinds.indexOf('tool-result'));
    expect(textOf(client.events)).toBe(intro + outro);
    // Each delta (4 characters every 15 ms) is its own event, sent as it comes; the table is
    // written a batch at a time (below, the replay from it is the same stream).
    const deltas = Math.ceil(intro.length / 4) + Math.ceil(outro.length / 4);
    expect(client.events.filter((e) => e.event === 'text').length).toBe(deltas);

    const result = client.events.find((e) => e.event === 'tool-result')!.data;
    expect(result).toMatchObject({ tool: 'projects.find_projects', output: { projects: [expect.objectContaining({ key: 'ORCH' })] } });
    // The table holds every event sent live, none left out: the tool call, its result and the
    // usage come while text is being written, and a replay from the start on B is the same stream.
    const messageId = client.events[0].data.messageId;
    const replay = await openSse(`${baseB}${path(conv, `/messages/${messageId}/stream`)}`, { headers: bearer(w.member.accessToken) });
    await replay.ended;
    expect(replay.events).toEqual(client.events);
    // A client that resumes after `done` (an EventSource reconnecting) gets an empty stream that ends.
    const afterDone = await openSse(`${baseB}${path(conv, `/messages/${messageId}/stream`)}`, { headers: { ...bearer(w.member.accessToken), 'last-event-id': client.events.at(-1)!.id! } });
    await afterDone.ended;
    expect(afterDone.events).toEqual([]);
    const stored = await message(b, w.member, conv, messageId);
    expect(stored).toMatchObject({ status: 'done', content: intro + outro, toolCalls: [{ tool: 'projects.find_projects', input: { query: 'orchard' }, output: result.output }] });
  });

  it('goes on without the client, which resumes on the other instance with Last-Event-ID: no gap, no duplicate', async () => {
    const conv = await conversation(w.member);
    // Long enough (about 6 s of deltas) that the model is still writing when B has opened and the
    // test has read the table, even on a loaded machine: 40 words once ended before that in CI.
    const text = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    llm.script({ text, chunkDelayMs: 30 });
    const first = await ask(baseA, w.member, conv, 'Say a hundred and twenty words.');
    let modelDone = false;
    void vi.waitUntil(() => llm.requests[0]).then((r) => r.ended.then(() => (modelDone = true)));
    await waitFor(() => expect(first.events.filter((e) => e.event === 'text').length).toBeGreaterThanOrEqual(2));
    first.close();
    await first.ended;
    const lastId = first.events.at(-1)!.id!;
    const messageId = first.events[0].data.messageId;
    // More is written while nobody listens.
    await new Promise((r) => setTimeout(r, 300));

    const rest = await openSse(`${baseB}${path(conv, `/messages/${messageId}/stream`)}`, { headers: { ...bearer(w.member.accessToken), 'last-event-id': lastId } });
    expect(rest.status).toBe(200);
    // The same resume on A, the instance writing it: what the table does not hold yet comes from the writer.
    const restOnA = await openSse(`${baseA}${path(conv, `/messages/${messageId}/stream`)}`, { headers: { ...bearer(w.member.accessToken), 'last-event-id': lastId } });
    // Chunks written after B read the table reach B live (realtime), while the model still writes;
    // B's own reading of the table comes only after 2 s without news, when the model is long done.
    const stored = await sql<{ seq: number }>`SELECT max(seq) AS seq FROM chat.message_chunks WHERE message_id = ${messageId}`.execute(a.database.db);
    await waitFor(() => expect(rest.events.some((e) => Number(e.id) > stored.rows[0].seq)).toBe(true));
    expect(modelDone).toBe(false);
    await rest.ended;
    await restOnA.ended;
    expect(restOnA.events).toEqual(rest.events);
    const all = [...first.events, ...rest.events];
    expect(all.map((e) => Number(e.id))).toEqual(all.map((_, i) => i + 1));
    expect(rest.events[0].id).toBe(String(Number(lastId) + 1));
    expect(all.at(-1)).toMatchObject({ event: 'done', data: { status: 'done' } });
    expect(textOf(all)).toBe(text);
    // The provider's request was never cut: the answer did not depend on the connection.
    expect(await llm.requests[0].ended).toBe('completed');
    expect((await message(b, w.member, conv, messageId)).content).toBe(text);

    // ?lastEventId= works as the header does, and an ended answer's stream ends at once.
    const again = await openSse(`${baseA}${path(conv, `/messages/${messageId}/stream`)}?lastEventId=${all.length - 1}`, { headers: bearer(w.member.accessToken) });
    await again.ended;
    expect(again.events).toEqual([all.at(-1)]);
  });

  it('is stopped from the other instance: the provider request is aborted and the answer keeps its text so far', async () => {
    const conv = await conversation(w.member);
    llm.script({ text: 'Counting slowly: one, two, three, four, five, six, seven, eight.', chunkDelayMs: 40, stallAfterChunks: 6 });
    const client = await ask(baseA, w.member, conv, 'Count.');
    await waitFor(() => expect(client.events.some((e) => e.event === 'text')).toBe(true));
    const messageId = client.events[0].data.messageId;

    const stop = await b.request({ method: 'POST', url: `/api/v1${path(conv, `/messages/${messageId}/stop`)}`, headers: bearer(w.member.accessToken) });
    expect(stop.statusCode, stop.body).toBe(202);
    expect(stop.json()).toMatchObject({ status: 'streaming', stopRequested: true });
    await client.ended;
    expect(await llm.requests[0].ended).toBe('aborted');
    expect(client.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'stopped', error: null } });

    const stored = await message(a, w.member, conv, messageId);
    expect(stored.status).toBe('stopped');
    expect(stored.content).toBe(textOf(client.events));
    expect(stored.content).toMatch(/^Coun/);
    // Stopping an ended answer changes nothing.
    const late = await b.request({ method: 'POST', url: `/api/v1${path(conv, `/messages/${messageId}/stop`)}`, headers: bearer(w.member.accessToken) });
    expect(late.statusCode).toBe(200);
    expect(late.json().status).toBe('stopped');
    const outbox = await sql<{ payload: { status: string } }>`SELECT payload FROM core.outbox WHERE type = 'chat.message_completed' AND payload->>'messageId' = ${messageId}`.execute(a.database.db);
    expect(outbox.rows.map((r) => r.payload.status)).toEqual(['stopped']);
  });

  it('ends when its conversation is deleted on the other instance: the provider request is aborted and nothing is left', async () => {
    const conv = await conversation(w.member);
    llm.script({ text: 'This answer is about to lose its conversation, word by word.', chunkDelayMs: 20, stallAfterChunks: 5 });
    const client = await ask(baseA, w.member, conv, 'Talk.');
    await waitFor(() => expect(client.events.some((e) => e.event === 'text')).toBe(true));
    const messageId = client.events[0].data.messageId;

    const deleted = await b.request({ method: 'DELETE', url: `/api/v1${path(conv)}`, headers: bearer(w.member.accessToken) });
    expect(deleted.statusCode).toBe(204);
    expect(await llm.requests[0].ended).toBe('aborted');
    // Its stream learns the answer is gone and ends, without a `done` for an answer that no longer exists.
    await client.ended;
    expect(client.events.some((e) => e.event === 'done')).toBe(false);
    const left = await sql<{ n: number }>`SELECT (SELECT count(*) FROM chat.messages WHERE id = ${messageId}) + (SELECT count(*) FROM chat.message_chunks WHERE message_id = ${messageId}) AS n`.execute(a.database.db);
    expect(Number(left.rows[0].n)).toBe(0);
    const completed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM core.outbox WHERE type = 'chat.message_completed' AND payload->>'messageId' = ${messageId}`.execute(a.database.db);
    expect(completed.rows[0].n).toBe(0);
  });

  const minuteAgo = () => new Date(Date.now() - 60_000);
  /**
   * What a process that died mid-answer leaves: a question and a streaming answer whose heart
   * stopped a minute ago, with its start chunk and `texts` stored; answers the answer's id.
   */
  const deadAnswer = async (conv: string, texts: string[]) => {
    const question = uuidv7();
    const answer = uuidv7();
    const long = minuteAgo();
    await sql`INSERT INTO chat.messages (id, conversation_id, parent_id, role, content, status, created_at, updated_at)
      VALUES (${question}, ${conv}, NULL, 'user', 'Tell me a story.', 'done', ${long}, ${long}),
             (${answer}, ${conv}, ${question}, 'assistant', '', 'streaming', ${long}, ${long})`.execute(a.database.db);
    const start = { seq: 1, kind: 'start', data: { conversationId: conv, messageId: answer, parentId: question, modelId: null } };
    for (const c of [start, ...texts.map((text, i) => ({ seq: i + 2, kind: 'text', data: { text } }))]) {
      await sql`INSERT INTO chat.message_chunks (message_id, seq, kind, data) VALUES (${answer}, ${c.seq}, ${c.kind}, ${JSON.stringify(c.data)}::jsonb)`.execute(a.database.db);
    }
    return answer;
  };

  it('whose instance died is closed from what it stored once its heartbeat is stale, and its followers get the end', async () => {
    const conv = await conversation(w.member);
    const answer = await deadAnswer(conv, ['Once upon a ', 'time']);

    const follower = await openSse(`${baseB}${path(conv, `/messages/${answer}/stream`)}?lastEventId=2`, { headers: bearer(w.member.accessToken) });
    await follower.ended;
    expect(follower.events.map((e) => e.event)).toEqual(['text', 'done']);
    expect(follower.events[1]).toMatchObject({ id: '4', data: { status: 'failed', error: { code: 'CHAT.ANSWER_LOST' } } });
    expect(await message(a, w.member, conv, answer)).toMatchObject({ status: 'failed', content: 'Once upon a time', error: { code: 'CHAT.ANSWER_LOST' } });

    // The conversation is free again.
    llm.script({ text: 'The end.' });
    const next = await ask(baseA, w.member, conv, 'Go on.');
    await next.ended;
    expect(next.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'done' } });
  });

  it('stores the pieces of several answers in one statement: only those still streaming, each told whether a stop was asked', async () => {
    const [c1, c2, c3] = [await conversation(w.member), await conversation(w.member), await conversation(w.member)];
    const [one, two, ended] = [await deadAnswer(c1, ['a']), await deadAnswer(c2, ['b']), await deadAnswer(c3, ['c'])];
    await sql`UPDATE chat.messages SET status = 'failed' WHERE id = ${ended}`.execute(a.database.db);
    await sql`UPDATE chat.messages SET stop_requested_at = now() WHERE id = ${two}`.execute(a.database.db);
    const text = (seq: number, t: string) => ({ seq, kind: 'text', data: { text: t } }) as StoredChunk;
    const at = new Date();
    const items = [
      { messageId: one, batch: [text(3, ' more'), text(4, ' still')] },
      { messageId: two, batch: [text(3, '!')] },
      { messageId: ended, batch: [text(3, 'too late')] },
    ];
    const pulses = await chunks.appendMany(a.database.db, items, at);
    expect(Object.fromEntries(pulses)).toEqual({ [one]: { streaming: true, stopRequested: false }, [two]: { streaming: true, stopRequested: true } });
    // Written again (a statement whose commit was not known): nothing twice.
    await chunks.appendMany(a.database.db, items.slice(0, 1), at);
    const stored = await sql<{ message_id: string; seq: number }>`SELECT message_id, seq FROM chat.message_chunks WHERE message_id IN (${one}, ${two}, ${ended}) AND seq >= 3 ORDER BY seq`.execute(a.database.db);
    expect(stored.rows.filter((r) => r.message_id === one).map((r) => r.seq)).toEqual([3, 4]);
    expect(stored.rows.filter((r) => r.message_id === two).map((r) => r.seq)).toEqual([3]);
    expect(stored.rows.filter((r) => r.message_id === ended)).toEqual([]);
    // Their hearts beat: not stale any more.
    const beaten = await sql<{ id: string; updated_at: Date }>`SELECT id, updated_at FROM chat.messages WHERE id IN (${one}, ${two})`.execute(a.database.db);
    expect(beaten.rows.map((r) => r.updated_at.getTime())).toEqual([at.getTime(), at.getTime()]);
    await sql`UPDATE chat.messages SET status = 'failed' WHERE id IN (${one}, ${two})`.execute(a.database.db);
  });

  it('starts in one statement (question, answer, first chunk, title, activity) and ends in one; a second start while one streams writes nothing', async () => {
    const conv = await conversation(w.member);
    const db = a.database.db;
    const at = new Date(Date.now() + 60_000);
    const [question, answer] = [uuidv7(), uuidv7()];
    const first: StoredChunk = { seq: 1, kind: 'start', data: { conversationId: conv, messageId: answer, parentId: question, modelId: null } };
    const rowsOf = async () => (await sql<{ id: string; role: string; status: string; parent_id: string | null }>`SELECT id, role, status, parent_id FROM chat.messages WHERE conversation_id = ${conv} ORDER BY id`.execute(db)).rows;
    const convRow = async () => (await sql<{ title: string | null; updated_at: Date }>`SELECT title, updated_at FROM chat.conversations WHERE id = ${conv}`.execute(db)).rows[0];
    await messages.start(db, { question: { id: question, parentId: null, content: 'Hello?', attachmentIds: [] }, answer: { id: answer, conversationId: conv, parentId: question, modelId: null }, first, title: 'Hello?', at });
    expect(await rowsOf()).toEqual([
      { id: question, role: 'user', status: 'done', parent_id: null },
      { id: answer, role: 'assistant', status: 'streaming', parent_id: question },
    ]);
    expect(await chunks.all(db, answer)).toEqual([first]);
    expect(await convRow()).toEqual({ title: 'Hello?', updated_at: at });

    // Another answer while this one streams: refused by the index, and its question is not left behind.
    const [q2, a2] = [uuidv7(), uuidv7()];
    const again = messages.start(db, { question: { id: q2, parentId: answer, content: 'And?', attachmentIds: [] }, answer: { id: a2, conversationId: conv, parentId: q2, modelId: null }, first: { ...first, data: { conversationId: conv, messageId: a2, parentId: q2, modelId: null } }, title: 'And?', at });
    await expect(again).rejects.toMatchObject({ code: '23505' });
    expect((await rowsOf()).map((r) => r.id)).toEqual([question, answer]);

    const later = new Date(at.getTime() + 1000);
    // The end stores what the writer had not (the text), then `done`, and the event, in the same statement.
    const rest: StoredChunk = { seq: 2, kind: 'text', data: { text: 'Hi.' } };
    const done: StoredChunk = { seq: 3, kind: 'done', data: { status: 'done', usage: { inputTokens: 1, outputTokens: 2 }, model: 'm', error: null } };
    const set = { status: 'done' as const, content: 'Hi.', tool_calls: [], model: 'm', input_tokens: 1, output_tokens: 2, error_code: null, error_message: null, updated_at: later };
    const outbox = createOutbox();
    const completed = (model: string) => (source: string) =>
      outbox.inserting(source, 'chat.message_completed', { orgId: w.orgId, conversationId: conv, messageId: answer, status: 'done', model, inputTokens: 1, outputTokens: 2, toolCalls: 0, errorCode: null }, { orgId: w.orgId });
    const eventsOf = async () =>
      (await sql<{ type: string; model: string; org_id: string }>`SELECT type, payload->>'model' AS model, org_id FROM core.outbox WHERE payload->>'messageId' = ${answer}`.execute(db)).rows;
    expect(await messages.finish(db, answer, set, [rest, done], completed('first'))).toMatchObject({ id: answer, status: 'done', content: 'Hi.', output_tokens: 2 });
    expect((await chunks.all(db, answer)).map((c) => c.kind)).toEqual(['start', 'text', 'done']);
    expect(await convRow()).toEqual({ title: 'Hello?', updated_at: later });
    expect(await eventsOf()).toEqual([{ type: 'chat.message_completed', model: 'first', org_id: w.orgId }]);
    // Ended already: nothing more is written, not even the event.
    expect(await messages.finish(db, answer, { ...set, content: 'Again.' }, [{ ...done, seq: 4 }], completed('again'))).toBeNull();
    expect((await chunks.all(db, answer)).map((c) => c.seq)).toEqual([1, 2, 3]);
    expect(await eventsOf()).toHaveLength(1);

    // Answered again (no new question): the title it has stays.
    const a3 = uuidv7();
    await messages.start(db, { question: null, answer: { id: a3, conversationId: conv, parentId: question, modelId: null }, first: { ...first, data: { conversationId: conv, messageId: a3, parentId: question, modelId: null } }, title: 'Other', at: later });
    expect((await rowsOf()).map((r) => r.id)).toEqual([question, answer, a3]);
    expect((await convRow()).title).toBe('Hello?');
    await sql`UPDATE chat.messages SET status = 'failed' WHERE id = ${a3}`.execute(db);
  });

  it('whose instance died is closed by the next question in its conversation, which is answered', async () => {
    const conv = await conversation(w.member);
    const answer = await deadAnswer(conv, ['Once']);
    // Alive a moment ago: the conversation is still busy.
    await sql`UPDATE chat.messages SET updated_at = now() WHERE id = ${answer}`.execute(a.database.db);
    const busy = await ask(baseA, w.member, conv, 'Go on.');
    expect(busy.status).toBe(409);
    await busy.ended;
    // Its heart stopped a minute ago: the next question closes it from what it stored, then is answered.
    await sql`UPDATE chat.messages SET updated_at = ${minuteAgo()} WHERE id = ${answer}`.execute(a.database.db);
    llm.script({ text: 'The end.' });
    const next = await ask(baseA, w.member, conv, 'Go on.');
    await next.ended;
    expect(next.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'done' } });
    expect(await message(a, w.member, conv, answer)).toMatchObject({ status: 'failed', content: 'Once', error: { code: 'CHAT.ANSWER_LOST' } });
  });

  it('whose instance shuts down ends failed with its text so far, and the other instance tells its follower', async () => {
    const c = await createTestApp({ env: llmEnv(llm, { CHAT_STALE_AFTER: '2s' }), database: a.database });
    const baseC = await listen(c);
    const conv = await conversation(w.member);
    llm.script({ text: 'A long answer that never ends because the model stalls here.', chunkDelayMs: 20, stallAfterChunks: 4 });
    const client = await ask(baseC, w.member, conv, 'Talk.');
    await waitFor(() => expect(client.events.some((e) => e.event === 'text')).toBe(true));
    const messageId = client.events[0].data.messageId;
    const follower = await openSse(`${baseA}${path(conv, `/messages/${messageId}/stream`)}`, { headers: bearer(w.member.accessToken) });
    await waitFor(() => expect(follower.events.some((e) => e.event === 'text')).toBe(true));

    c.app.http.server.closeAllConnections();
    await c.app.close();
    expect(await llm.requests[0].ended).toBe('aborted');
    await follower.ended;
    expect(follower.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'failed', error: { code: 'CHAT.INTERRUPTED' } } });
    expect(await message(a, w.member, conv, messageId)).toMatchObject({ status: 'failed', content: textOf(follower.events) });
  });

  it('is refused before any stream when the budget cannot cover it: 429 problem+json', async () => {
    const o = await orgWithRoles(a);
    await a.request({ method: 'PUT', url: `/api/v1/orgs/${o.orgId}/llm/budgets/org`, headers: bearer(o.owner.accessToken), payload: { monthlyTokens: 10, monthlyCostMinor: null } });
    const res = await a.request({ method: 'POST', url: `/api/v1/orgs/${o.orgId}/conversations`, headers: bearer(o.member.accessToken), payload: {} });
    const client = await openSse(`${baseB}/orgs/${o.orgId}/conversations/${res.json().id}/messages`, { method: 'POST', headers: bearer(o.member.accessToken), body: { content: 'hi' } });
    expect(client.status).toBe(429);
    expect(client.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(client.problem).toMatchObject({ code: 'LLM.BUDGET_EXCEEDED', budget: 'organization' });
    expect(llm.requests).toHaveLength(0);
  });
});
