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
import { movableClock, setOrgZone } from './time-fixture.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let llm: LlmServer;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
const clock = movableClock();

beforeAll(async () => {
  llm = await startLlmServer();
  t = await createTestApp({ overrides: { clock }, env: llmEnv(llm) });
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

    await setOrgZone(t, w.owner.accessToken, w.orgId, 'Asia/Tokyo');
    const pdf = await call('GET', `${base()}/${c.id}/export?format=pdf`, u);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const read = await pdfText(pdf.rawPayload);
    expect(read).toContain('Garden plans: spring/summer');
    expect(read).toContain('Genovese basil.');
    // The generation time in the org's zone.
    expect(read).toContain('(Asia/Tokyo)');

    expectProblem(await call('GET', `${base()}/${c.id}/export?format=md&messageId=${w.orgId}`, u), 404, 'CHAT.MESSAGE_NOT_FOUND');
    expectProblem(await call('GET', `${base()}/${c.id}/export?format=md`, w.admin), 404, 'CHAT.CONVERSATION_NOT_FOUND');
    expectProblem(await call('GET', `${base()}/${c.id}/export?format=md`, w.outsider), 404, 'ORG.NOT_FOUND');
  });

  it('summarizes tool calls (tool, input, result cut), and wraps and pages a long answer in the PDF', async () => {
    const u = w.member;
    // Enough projects that the tool's output passes the 2,000 characters an export keeps.
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const made = await call('POST', `/api/v1/orgs/${w.orgId}/projects`, u, { name: `Greenhouse build ${n}`, key: `GRN${n}`, description: 'x'.repeat(3000) });
      expect(made.statusCode, made.body).toBe(201);
    }
    const conv = (await call('POST', base(), u, { title: 'Projects' })).json();
    const long = Array.from({ length: 900 }, (_, i) => `Sentence number ${i} about the greenhouse.`).join(' ');
    llm.script({ toolCalls: [{ name: 'projects__find_projects', input: { query: 'greenhouse' } }] }, { text: `${long} The end.` });
    const res = await call('POST', `${base()}/${conv.id}/messages`, u, { content: 'Which greenhouse projects exist?' });
    expect(res.statusCode, res.body).toBe(200);

    const json = JSON.parse((await call('GET', `${base()}/${conv.id}/export?format=json`, u)).body);
    const [tool] = json.messages[1].toolCalls;
    expect(tool).toMatchObject({ tool: 'projects.find_projects', input: { query: 'greenhouse' }, error: null });
    expect(tool.result).toContain('GRN1');
    expect(tool.truncated).toBe(true);
    expect(tool.result.length).toBe(2001);
    const md = (await call('GET', `${base()}/${conv.id}/export?format=md`, u)).body;
    expect(md).toContain('Tool `projects.find_projects`');
    expect(md).toContain('{"query":"greenhouse"}');

    const pdf = (await call('GET', `${base()}/${conv.id}/export?format=pdf`, u)).rawPayload;
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), standardFontDataUrl: `${process.cwd()}/node_modules/pdfjs-dist/standard_fonts/`, verbosity: 0 }).promise;
    expect(doc.numPages).toBeGreaterThan(3);
    const text = await pdfText(pdf);
    expect(text).toContain('projects.find_projects');
    expect(text).toContain('The end.');
    expect(text).toContain(`Page ${doc.numPages} of ${doc.numPages}`);
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

describe('share links', () => {
  const anonymous = (url: string) => t.request({ method: 'GET', url });
  const shareOf = async (user: U, conversationId: string, body: Record<string, unknown> = {}) => {
    const res = await call('POST', `${base()}/${conversationId}/shares`, user, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; token: string; url: string; expiresAt: string };
  };

  it('open the conversation anonymously as it is now, until revoked; a tampered or unknown token is 404', async () => {
    const u = w.member;
    const c = await conversationWithTwoBranches(u);
    const share = await shareOf(u, c.id);
    expect(share.url).toBe(`/api/v1/shared-conversations/${share.token}`);

    const opened = await anonymous(share.url);
    expect(opened.statusCode, opened.body).toBe(200);
    expect(opened.json().messages.map((m: { id: string }) => m.id)).toEqual(c.activePath);
    expect(opened.body).not.toContain(u.email);
    // As of now: a new answer shows.
    await ask(u, c.id, 'Sun or shade?', 'Full sun.');
    expect((await anonymous(share.url)).json().messages.at(-1).content).toBe('Full sun.');

    const listed = (await call('GET', `${base()}/${c.id}/shares`, u)).json();
    expect(listed.data.map((s: { id: string }) => s.id)).toEqual([share.id]);
    expectProblem(await call('GET', `${base()}/${c.id}/shares`, w.admin), 404, 'CHAT.CONVERSATION_NOT_FOUND');
    expectProblem(await call('POST', `${base()}/${c.id}/shares`, w.admin, {}), 404, 'CHAT.CONVERSATION_NOT_FOUND');

    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expectProblem(await anonymous(`/api/v1/shared-conversations/${flip(share.token, 5)}`), 404, 'CHAT.SHARE_NOT_FOUND');
    expectProblem(await anonymous(`/api/v1/shared-conversations/${flip(share.token, 40)}`), 404, 'CHAT.SHARE_NOT_FOUND');
    expectProblem(await anonymous('/api/v1/shared-conversations/nonsense'), 404, 'CHAT.SHARE_NOT_FOUND');

    expect((await call('DELETE', `${base()}/${c.id}/shares/${share.id}`, u)).statusCode).toBe(204);
    expectProblem(await anonymous(share.url), 404, 'CHAT.SHARE_NOT_FOUND');
    expectProblem(await call('DELETE', `${base()}/${c.id}/shares/${share.id}`, u), 404, 'CHAT.SHARE_NOT_FOUND');
    expect((await call('GET', `${base()}/${c.id}/shares`, u)).json().data[0].revokedAt).not.toBeNull();

    // Deleting the conversation ends its links.
    const again = await shareOf(u, c.id);
    expect((await anonymous(again.url)).statusCode).toBe(200);
    expect((await call('DELETE', `${base()}/${c.id}`, u)).statusCode).toBe(204);
    expectProblem(await anonymous(again.url), 404, 'CHAT.SHARE_NOT_FOUND');

    // Events name the share, never the token or the content.
    const kinds = await sql<{ type: string; payload: unknown }>`SELECT type, payload FROM core.outbox WHERE type IN ('chat.conversation_shared', 'chat.share_revoked')`.execute(t.database.db);
    expect(kinds.rows.map((r) => r.type)).toEqual(expect.arrayContaining(['chat.conversation_shared', 'chat.share_revoked']));
    expect(JSON.stringify(kinds.rows)).not.toContain(share.token);
  });

  it('stop working when their creator leaves the org', async () => {
    const leaver = await addMember(t, w.owner.accessToken, w.orgId, 'member');
    const c = await conversationWithTwoBranches(leaver);
    const share = await shareOf(leaver, c.id);
    expect((await anonymous(share.url)).statusCode).toBe(200);
    expect((await call('DELETE', `/api/v1/orgs/${w.orgId}/members/${leaver.userId}`, w.owner)).statusCode).toBe(204);
    expectProblem(await anonymous(share.url), 404, 'CHAT.SHARE_NOT_FOUND');
  });

  // Last: it moves the clock past an hour.
  it('expire', async () => {
    const c = await conversationWithTwoBranches(w.member);
    const share = await shareOf(w.member, c.id, { expiresInHours: 1 });
    expect((await anonymous(share.url)).statusCode).toBe(200);
    clock.advance(3_601_000);
    expectProblem(await anonymous(share.url), 404, 'CHAT.SHARE_NOT_FOUND');
  });
});
