// Conversation titles written by a small model after the first answer (CHAT_TITLE_MODEL): the
// first words first, the model's title once the job ran, never over a title the user gave or
// changed, only after the first answer, and the first words kept when the model is refused.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanTitle } from '../src/modules/chat/titles.ts';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let llm: LlmServer;
let w: Awaited<ReturnType<typeof orgWithRoles>>;

beforeAll(async () => {
  llm = await startLlmServer();
  t = await createTestApp({ env: llmEnv(llm, { CHAT_TITLE_MODEL: 'default/scripted-model' }) });
  w = await orgWithRoles(t);
});
afterAll(async () => {
  await t?.close();
  await llm?.close();
});
beforeEach(() => llm.reset());

const base = `/api/v1/orgs`;
const call = (method: 'GET' | 'POST' | 'PATCH', url: string, user: U, payload?: unknown) =>
  t.request({ method, url, headers: bearer(user.accessToken), ...(payload === undefined ? {} : { payload: payload as object }) });
async function conversation(user: U, body: Record<string, unknown> = {}) {
  const res = await call('POST', `${base}/${w.orgId}/conversations`, user, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}
async function ask(user: U, id: string, content: string) {
  const res = await call('POST', `${base}/${w.orgId}/conversations/${id}/messages`, user, { content });
  expect(res.statusCode, res.body).toBe(200);
}
const titleOf = async (user: U, id: string) => (await call('GET', `${base}/${w.orgId}/conversations/${id}`, user)).json().title as string | null;
async function settle() {
  for (let i = 0; i < 10; i++) if ((await t.drain()) === 0 && (await t.runJobs()) === 0) return;
  throw new Error('events or jobs keep coming');
}

describe('conversation titles', () => {
  it('are the first words, then the small model\'s title after the first answer, asked as the owner', async () => {
    const c = await conversation(w.member);
    llm.script({ text: 'Give them six hours of sun and water at the base.' });
    await ask(w.member, c.id, 'How do I grow heirloom tomatoes on a balcony in spring?');
    expect(await titleOf(w.member, c.id)).toBe('How do I grow heirloom tomatoes on a…');
    llm.script({ text: '"Balcony Tomato Growing."' });
    await settle();
    expect(await titleOf(w.member, c.id)).toBe('Balcony Tomato Growing');
    const titling = llm.requests[1];
    expect(titling.messages[0].content).toContain('Write a title');
    expect(titling.prompt).toContain('heirloom tomatoes');
    expect(titling.prompt).toContain('six hours of sun');

    // A second answer does not title again.
    llm.script({ text: 'Yes.' });
    await ask(w.member, c.id, 'Also basil?');
    await settle();
    expect(llm.requests).toHaveLength(3);
    expect(await titleOf(w.member, c.id)).toBe('Balcony Tomato Growing');
  });

  it('never replace a title the user gave or changed', async () => {
    const given = await conversation(w.member, { title: 'My garden' });
    llm.script({ text: 'Sure.' });
    await ask(w.member, given.id, 'Plan my garden');
    const renamed = await conversation(w.member);
    llm.script({ text: 'Sure.' });
    await ask(w.member, renamed.id, 'Plan my orchard');
    expect((await call('PATCH', `${base}/${w.orgId}/conversations/${renamed.id}`, w.member, { title: 'Orchard' })).statusCode).toBe(200);
    llm.script({ text: 'Should not be used' });
    await settle();
    expect(await titleOf(w.member, given.id)).toBe('My garden');
    expect(await titleOf(w.member, renamed.id)).toBe('Orchard');
    expect(llm.requests).toHaveLength(2);
  });

  it('keep the first words when the model answers nothing usable', async () => {
    const c = await conversation(w.member);
    llm.script({ text: 'Answer.' });
    await ask(w.member, c.id, 'Quarterly planning for the design team');
    llm.script({ text: '  ""  ' });
    await settle();
    expect(await titleOf(w.member, c.id)).toBe('Quarterly planning for the design team');
  });
});

describe('cleanTitle', () => {
  it('keeps one line without quotes, a label or a final dot, and caps the length', () => {
    expect(cleanTitle('Title: "Balcony tomatoes."\n')).toBe('Balcony tomatoes');
    expect(cleanTitle('  « Plan  de\n jardin »  ')).toBe('Plan de jardin');
    expect(cleanTitle('""')).toBeNull();
    expect(cleanTitle('x'.repeat(200))).toHaveLength(80);
  });
});
