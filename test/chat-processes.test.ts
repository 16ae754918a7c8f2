// Two real server processes (`node src/main.ts`, test/processes.ts) on one database (and one
// Redis when TEST_REDIS_URL is set), the model scripted in this process (test/llm-server.ts): an
// answer streaming from process A goes on after its client drops, and the client resumes it from
// process B with Last-Event-ID, with no gap and no duplicate; a stop asked of B reaches the
// answer A writes and aborts the provider's request. The in-process pair of instances covers the
// details (test/chat-stream.test.ts); this is the same promise across processes, where nothing
// is shared but the database and the broker.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { api, cleanupProcesses, diagnostics, freshStorage, PASSWORD, type Server, startServer, until, WAIT_MS } from './processes.ts';
import { openSse, textOf } from './sse.ts';

let llm: LlmServer;
let a: Server;
let b: Server;
let token: string;
let orgId: string;

beforeAll(async () => {
  llm = await startLlmServer();
  const storage = await freshStorage();
  const env = {
    ...storage.env,
    ...llmEnv(llm),
    JOBS_ENABLED: 'false',
    ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
  };
  a = await startServer(storage.dataDir, env);
  b = await startServer(storage.dataDir, { ...env, MIGRATE_ON_START: 'false' });

  const email = `chat-${randomBytes(4).toString('hex')}@example.test`;
  const registered = await api(a, 'POST', '/auth/register', { email, password: PASSWORD, displayName: 'Chat' });
  expect(registered.status, registered.text).toBe(201);
  const login = await api(b, 'POST', '/auth/login', { email, password: PASSWORD });
  expect(login.status, login.text).toBe(200);
  token = login.body.accessToken;
  const org = await api(a, 'POST', '/orgs', { name: 'Two processes', slug: `two-${randomBytes(3).toString('hex')}` }, token);
  expect(org.status, org.text).toBe(201);
  orgId = org.body.id;
}, 2 * WAIT_MS);

afterAll(async () => {
  await cleanupProcesses();
  await llm?.close();
}, WAIT_MS);

const auth = () => ({ authorization: `Bearer ${token}` });
const conversation = async () => {
  const res = await api(a, 'POST', `/orgs/${orgId}/conversations`, {}, token);
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
};
const url = (server: Server, conversationId: string, rest: string) => `${server.base}/api/v1/orgs/${orgId}/conversations/${conversationId}${rest}`;

describe('an answer across two processes', () => {
  it('goes on in A after its client drops, and the client resumes it from B with Last-Event-ID', { timeout: WAIT_MS }, async () => {
    const conv = await conversation();
    const text = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    llm.script({ text, chunkDelayMs: 30 });
    const first = await openSse(url(a, conv, '/messages'), { method: 'POST', headers: auth(), body: { content: 'Say a hundred and twenty words.' } });
    expect(first.status, JSON.stringify(first.problem)).toBe(200);
    await until('the first words', () => (first.events.filter((e) => e.event === 'text').length >= 2 ? true : undefined), 20_000);
    first.close();
    await first.ended;
    const lastId = first.events.at(-1)!.id!;
    const messageId = first.events[0].data.messageId as string;

    const rest = await openSse(url(b, conv, `/messages/${messageId}/stream`), { headers: { ...auth(), 'last-event-id': lastId } });
    expect(rest.status).toBe(200);
    await rest.ended;
    const all = [...first.events, ...rest.events];
    expect(all.map((e) => Number(e.id)), diagnostics(b)).toEqual(all.map((_, i) => i + 1));
    expect(all.at(-1)).toMatchObject({ event: 'done', data: { status: 'done' } });
    expect(textOf(all)).toBe(text);
    // The provider's request was never cut, and B stores the whole answer A wrote.
    expect(await llm.requests[0].ended).toBe('completed');
    const stored = await api(b, 'GET', `/orgs/${orgId}/conversations/${conv}/messages/${messageId}`, undefined, token);
    expect(stored.body).toMatchObject({ status: 'done', content: text });
  });

  it('is stopped by asking B: A aborts the provider request and keeps the text so far', { timeout: WAIT_MS }, async () => {
    llm.reset();
    const conv = await conversation();
    llm.script({ text: 'Counting slowly: one, two, three, four, five, six, seven, eight.', chunkDelayMs: 40, stallAfterChunks: 6 });
    const client = await openSse(url(a, conv, '/messages'), { method: 'POST', headers: auth(), body: { content: 'Count.' } });
    await until('the first words', () => (client.events.some((e) => e.event === 'text') ? true : undefined), 20_000);
    const messageId = client.events[0].data.messageId as string;

    const stop = await api(b, 'POST', `/orgs/${orgId}/conversations/${conv}/messages/${messageId}/stop`, undefined, token);
    expect(stop.status, stop.text).toBe(202);
    await client.ended;
    expect(await llm.requests[0].ended).toBe('aborted');
    expect(client.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'stopped' } });
    const stored = await api(b, 'GET', `/orgs/${orgId}/conversations/${conv}/messages/${messageId}`, undefined, token);
    expect(stored.body).toMatchObject({ status: 'stopped', content: textOf(client.events) });
  });
});
