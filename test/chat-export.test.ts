// Exporting a conversation (Markdown, JSON against its schema, PDF read back with pdf.js), another
// branch by messageId, an answer still streaming marked as it stands, privacy (another member:
// 404), and share links: opened anonymously, revoked, tampered, expired, and dead once their
// creator leaves the org or the conversation is deleted. Answers from the scripted model.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConversationExport } from '../src/modules/chat/schemas.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let llm: LlmServer;
let w: Awaited<ReturnType<typeof orgWithRoles>>;

beforeAll(async () => {
  llm = await startLlmServer();
  t = await createTestApp({ env: llmEnv(llm) });
  w = await orgWithRoles(t);
});
afterAll(async () => {
  await t?.close();
  await llm?.close();
});
beforeEach(() => llm.reset());

const base = (orgId = w.orgId) => `/api/v1/orgs/${orgId}/conversations`;
const call = (method: 'GET' | 'POST' | 'DELETE', url: string, user: U, payload?: unknown) =>
  t.request({ method, url, headers: bearer(user.accessToken), ...(payload === undefined ? {} : { payload: payload as object }) });

async function ask(user: U, conversationId: string, content: string, answer: string, extra: Record<string, unknown> = {}) {
  llm.script({ text: answer });
  const res = await call('POST', `${base()}/${conversationId}/messages`, user, { content, ...extra });
  expect(res.statusCode, res.body).toBe(200);
}

async function conversationWithTwoBranches(user: U) {
  const res = await call('POST', base(), user, { title: 'Garden plans: spring/summer' });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  await ask(user, id, 'Which tomatoes grow on a balcony?', 'Cherry tomatoes grow well in pots.');
  await ask(user, id, 'And how often to water them?', 'Water them every morning.');
  const tree = (await call('GET', `${base()}/${id}/messages`, user)).json();
  const firstAnswer = tree.activePath[1] as string;
  // An edit of the second question: a second branch, now the active one.
  await ask(user, id, 'And which basil?', 'Genovese basil.', { parentId: firstAnswer });
  const after = (await call('GET', `${base()}/${id}/messages`, user)).json();
  const oldLeaf = tree.activePath[3] as string;
  return { id, oldLeaf, activePath: after.activePath as string[] };
}

async function pdfText(pdf: Buffer): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), standardFontDataUrl: `${process.cwd()}/node_modules/pdfjs-dist/standard_fonts/`, verbosity: 0 }).promise;
  let text = '';
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    text += `${content.items.map((i) => ('str' in i ? i.str : '')).join(' ')}\n`;
  }
  return text;
}

describe('export', () => {
  it('gives the active branch as Markdown, JSON and PDF, another branch by messageId, and 404 to anyone else', async () => {
    const u = w.member;
    const c = await conversationWithTwoBranches(u);

    const md = await call('GET', `${base()}/${c.id}/export?format=md`, u);
    expect(md.statusCode, md.body).toBe(200);
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.headers['content-disposition']).toMatch(/^attachment; filename="Garden-plans-spring-summer-\d{4}-\d{2}-\d{2}\.md"$/);
    const text = md.body;
    expect(text).toContain('# Garden plans: spring/summer');
    const order = ['Which tomatoes grow on a balcony?', 'Cherry tomatoes grow well in pots.', 'And which basil?', 'Genovese basil.'].map((s) => text.indexOf(s));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).not.toContain('how often to water');

    const json = await call('GET', `${base()}/${c.id}/export?format=json`, u);
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-disposition']).toMatch(/\.json"$/);
    const body = JSON.parse(json.body);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const valid = ajv.compile(ConversationExport);
    expect(valid(body), JSON.stringify(valid.errors)).toBe(true);
    expect(body.messages.map((m: { id: string }) => m.id)).toEqual(c.activePath);
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(JSON.stringify(body)).not.toContain(u.email);

    // The other branch, by its last message.
    const old = JSON.parse((await call('GET', `${base()}/${c.id}/export?format=json&messageId=${c.oldLeaf}`, u)).body);
    expect(old.messages.map((m: { content: string }) => m.content)).toEqual([
      'Which tomatoes grow on a balcony?',
      'Cherry tomatoes grow well in pots.',
      'And how often to water them?',
      'Water them every morning.',
    ]);

    const pdf = await call('GET', `${base()}/${c.id}/export?format=pdf`, u);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const read = await pdfText(pdf.rawPayload);
    expect(read).toContain('Garden plans: spring/summer');
    expect(read).toContain('Genovese basil.');
    expect(read).toMatch(/Generated .*\(/);

    expectProblem(await call('GET', `${base()}/${c.id}/export?format=md&messageId=${w.orgId}`, u), 404, 'CHAT.MESSAGE_NOT_FOUND');
    expectProblem(await call('GET', `${base()}/${c.id}/export?format=md`, w.admin), 404, 'CHAT.CONVERSATION_NOT_FOUND');
    expectProblem(await call('GET', `${base()}/${c.id}/export?format=md`, w.outsider), 404, 'ORG.NOT_FOUND');
  });

  it('exports an answer still being written as it stands, marked', async () => {
    const u = w.member;
    const c = await conversationWithTwoBranches(u);
    const leaf = c.activePath.at(-1) as string;
    await sql`UPDATE chat.messages SET status = 'streaming', content = 'Genovese', updated_at = now() WHERE id = ${leaf}`.execute(t.database.db);
    const md = (await call('GET', `${base()}/${c.id}/export?format=md`, u)).body;
    expect(md).toContain('still being written when exported');
    const json = JSON.parse((await call('GET', `${base()}/${c.id}/export?format=json`, u)).body);
    expect(json.messages.at(-1)).toMatchObject({ status: 'streaming', content: 'Genovese' });
    await sql`UPDATE chat.messages SET status = 'done' WHERE id = ${leaf}`.execute(t.database.db);
  });
});
