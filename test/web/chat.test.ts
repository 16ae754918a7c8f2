// The assistants and chat journey in the console, end to end in Chromium (issue #16), against the
// scripted LLM server over real HTTP (streamed): an assistant created (a refusal of an unknown
// tool shown under its field), edited, a conversation with it; an answer that streams in with a
// tool call shown (name, input, result); Stop; a reload mid-answer, after which the answer goes on;
// regenerate and edit, with versions to switch between; a file attached (and one refused); the
// usage, its cost and the budget, and a budget refusal; export (download) and a share link opened
// read-only in a fresh browser; the conversations list; axe on every page, screenshots, 390 px.
import { mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlmServer, llmEnv, startLlmServer } from '../llm-server.ts';
import { api, cleanupProcesses } from '../processes.ts';
import { type ConsoleRun, expectAccessible, expectNoSidewaysScroll, newContext, SCREENSHOTS, screenshot, startConsoleRun } from './browser.ts';

const PASSWORD = 'Tr3llis-vine-climbs-high';
const email = `chat-${process.pid}-${Date.now()}@example.test`;
const words = (n: number, w = 'word') => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');
/** Slow enough that a person (and the test) sees it being written: ~4 characters every 25-30 ms. */
const LONG_ANSWER = `Here is a long answer. ${words(180)} The end.`;
const STOPPED_ANSWER = `This answer will be stopped. ${words(300, 'more')}`;
const RESUMED_ANSWER = `This answer outlives a reload. ${words(220, 'still')} Finished.`;

let llm: LlmServer;
let run: ConsoleRun;
let page: Page;
let errors: string[];
let token: string;
let orgId: string;
let conversationUrl: string;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  llm = await startLlmServer();
  // A second provider serving the same scripted model with prices, so answers have a cost.
  const priced = JSON.stringify([{ name: 'priced', provider: 'openai-compatible', baseUrl: llm.baseUrl, models: [{ name: 'scripted-model', inputPrice: 250, outputPrice: 1000 }] }]);
  run = await startConsoleRun(llmEnv(llm, { LLM_TIMEOUT: '30s', LLM_PROVIDERS: priced }));
  ({ page, errors } = await newContext(run));
  expect((await api(run.server, 'POST', '/auth/register', { email, password: PASSWORD, displayName: 'Chad Chat' })).status).toBe(201);
  token = (await api(run.server, 'POST', '/auth/login', { email, password: PASSWORD })).body.accessToken;
  const org = await api(run.server, 'POST', '/orgs', { name: 'Orchard Co', slug: `orchard-${process.pid}-${Date.now()}` }, token);
  expect(org.status, org.text).toBe(201);
  orgId = org.body.id;
  expect((await api(run.server, 'POST', `/orgs/${orgId}/projects`, { name: 'Orchard planner', key: 'ORCH' }, token)).status).toBe(201);
  expect((await api(run.server, 'PUT', `/orgs/${orgId}/llm/budgets/org`, { monthlyTokens: 1_000_000, monthlyCostMinor: null }, token)).status).toBe(200);
}, 180_000);
afterAll(async () => {
  await run?.browser.close();
  await cleanupProcesses();
  await llm?.close();
});

/** Waits for what a person would wait for: pages load several things on a loaded machine. */
const poll = <T>(fn: () => T | Promise<T>, opts: { timeout: number } = { timeout: 15_000 }) => expect.poll(fn, opts);
const heading = () => page.getByRole('heading', { level: 1 });
const answers = () => page.locator('.message.assistant');
const lastAnswer = () => answers().last();
const composer = () => page.getByLabel('Your message');
async function ask(text: string) {
  await composer().fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

describe('assistants and chat', { timeout: 90_000 }, () => {
  it('creates an assistant (an unknown tool is refused under its field) and edits it', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => heading().textContent()).toBe('Welcome');

    await page.goto(`/orgs/${orgId}/assistants`);
    await poll(() => heading().textContent()).toBe('Assistants');
    await poll(() => page.getByText('No assistants yet.').count()).toBe(1);
    await page.getByLabel('Name').fill('Orchard guide');
    await page.getByLabel('Instructions').fill('You answer questions about the orchard projects.');
    await page.getByLabel('Model').selectOption({ label: 'priced/scripted-model' });
    await page.getByLabel('Tools').fill('projects.find_projects, nope.not_a_tool');
    await page.getByRole('button', { name: 'Create the assistant' }).click();
    const tools = page.getByLabel('Tools');
    await poll(() => tools.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field-error').textContent()).toContain('nope.not_a_tool');
    await expectAccessible(page, 'assistants with a refusal');
    await screenshot(page, 'chat-assistants');

    await tools.fill('projects.find_projects');
    await page.getByRole('button', { name: 'Create the assistant' }).click();
    await poll(() => heading().textContent()).toBe('Orchard guide');
    await page.getByLabel('Description').fill('Knows the orchard');
    await page.getByRole('button', { name: 'Save the assistant' }).click();
    await poll(() => page.getByRole('status').textContent()).toContain('The assistant is saved.');
    expect(await page.getByLabel('Description').inputValue()).toBe('Knows the orchard');
    await expectAccessible(page, 'assistant');
    await screenshot(page, 'chat-assistant');
    await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Assistants', exact: true }).click();
    await poll(() => page.getByRole('list', { name: 'Assistants' }).textContent()).toContain('Knows the orchard');
    await page.getByRole('link', { name: 'Orchard guide' }).click();
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    await poll(() => heading().textContent()).toBe('New conversation');
    conversationUrl = page.url();
  });

  it('streams an answer as it is written, with its tool call (name, input, result), usage and cost', async () => {
    llm.script(
      { text: 'Let me look through your projects. ', chunkDelayMs: 20, toolCalls: [{ name: 'projects__find_projects', input: { query: 'orchard' } }] },
      { text: LONG_ANSWER, chunkDelayMs: 25, usage: { input: 1200, output: 300 } },
    );
    // The keyboard: Enter sends.
    await composer().fill('Which projects are about the orchard?');
    await composer().press('Enter');
    // Text appears while the model is still writing.
    await poll(() => lastAnswer().locator('.content').textContent(), { timeout: 20_000 }).toContain('Here is a long answer.');
    expect(await lastAnswer().getByText('being written').count()).toBe(1);
    // The question is taken: the box is free again while the answer is written.
    expect(await composer().inputValue()).toBe('');
    expect(LONG_ANSWER.startsWith(((await lastAnswer().locator('.content').textContent()) ?? '').replace('Let me look through your projects. ', ''))).toBe(true);
    expect(await page.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);
    await expectAccessible(page, 'conversation while an answer streams');
    await poll(() => lastAnswer().locator('.content').textContent(), { timeout: 30_000 }).toBe(`Let me look through your projects. ${LONG_ANSWER}`);
    await poll(() => page.getByRole('button', { name: 'Stop' }).count()).toBe(0);

    const call = lastAnswer().getByRole('list', { name: 'Tool calls' }).getByRole('listitem');
    expect(await call.locator('summary').textContent()).toContain('projects.find_projects');
    await call.locator('summary').click();
    expect(await call.locator('pre').first().textContent()).toContain('"query": "orchard"');
    expect(await call.locator('pre').nth(1).textContent()).toContain('ORCH');
    // Usage per answer, with its cost at the priced model's prices, and the conversation's total and budget.
    expect(await lastAnswer().locator('.usage').textContent()).toMatch(/tokens in, .* out, \$0\.\d+ · priced\/scripted-model/);
    const usage = page.getByRole('region', { name: 'Usage' });
    await poll(() => usage.textContent()).toMatch(/of 1,000,000 tokens used, [\d,]+ left\./);
    await poll(() => usage.textContent()).toMatch(/This conversation[\d,]+ tokens \([\d,]+ in, [\d,]+ out\), \$0\.\d+/);
    await expectAccessible(page, 'conversation');
    await screenshot(page, 'chat-conversation');
  });

  it('stops an answer: the model call is aborted and the answer ends with its text so far', async () => {
    llm.script({ text: STOPPED_ANSWER, chunkDelayMs: 30 });
    await ask('Write a very long answer, please.');
    await poll(() => lastAnswer().locator('.content').textContent(), { timeout: 20_000 }).toContain('This answer will be stopped.');
    await page.getByRole('button', { name: 'Stop' }).click();
    await poll(() => lastAnswer().getByText('stopped', { exact: true }).count(), { timeout: 20_000 }).toBe(1);
    expect(await llm.requests.at(-1)!.ended).toBe('aborted');
    const kept = (await lastAnswer().locator('.content').textContent()) ?? '';
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.length).toBeLessThan(STOPPED_ANSWER.length);
  });

  it('goes on after a reload mid-answer: the page follows the answer again until it ends', async () => {
    llm.script({ text: RESUMED_ANSWER, chunkDelayMs: 30 });
    await ask('Keep writing through a reload.');
    await poll(() => lastAnswer().locator('.content').textContent(), { timeout: 20_000 }).toContain('still3');
    const writing = llm.requests.at(-1)!;
    let modelDone = false;
    void writing.ended.then(() => (modelDone = true));
    await page.reload();
    // Still being written after the reload, and growing.
    await poll(() => lastAnswer().getByText('being written').count(), { timeout: 20_000 }).toBe(1);
    const afterReload = ((await lastAnswer().locator('.content').textContent()) ?? '').length;
    expect(modelDone).toBe(false);
    await poll(() => lastAnswer().locator('.content').textContent(), { timeout: 30_000 }).toBe(RESUMED_ANSWER);
    expect(RESUMED_ANSWER.length).toBeGreaterThan(afterReload);
    expect(await writing.ended).toBe('completed');
    await poll(() => lastAnswer().getByText('being written').count()).toBe(0);
  });

  it('regenerates an answer and edits a question, switching between the versions', async () => {
    llm.script({ text: 'A second version of the answer.', chunkDelayMs: 10 });
    await lastAnswer().getByRole('button', { name: 'Regenerate the answer' }).click();
    await poll(() => lastAnswer().locator('.content').textContent(), { timeout: 20_000 }).toBe('A second version of the answer.');
    await poll(() => lastAnswer().getByText('Version 2 of 2').count()).toBe(1);
    await lastAnswer().getByRole('button', { name: 'Previous version of the answer' }).click();
    expect(await lastAnswer().locator('.content').textContent()).toBe(RESUMED_ANSWER);
    expect(await lastAnswer().getByText('Version 1 of 2').count()).toBe(1);
    await lastAnswer().getByRole('button', { name: 'Next version of the answer' }).click();
    expect(await lastAnswer().locator('.content').textContent()).toBe('A second version of the answer.');

    const first = page.locator('.message.user').first();
    await first.getByRole('button', { name: 'Edit the question' }).click();
    await first.getByLabel('Edited question').fill('Which projects are about apples?');
    llm.script({ text: 'Only the orchard one.', chunkDelayMs: 10 });
    await first.getByRole('button', { name: 'Ask the edited question' }).click();
    await poll(() => page.locator('.message').count(), { timeout: 20_000 }).toBe(2);
    await poll(() => lastAnswer().locator('.content').textContent(), { timeout: 20_000 }).toBe('Only the orchard one.');
    const question = page.locator('.message.user').first();
    expect(await question.locator('.content').textContent()).toBe('Which projects are about apples?');
    expect(await question.getByText('Version 2 of 2').count()).toBe(1);
    await question.getByRole('button', { name: 'Previous version of the question' }).click();
    await poll(() => page.locator('.message').count()).toBe(6);
    expect(await page.locator('.message.user').first().locator('.content').textContent()).toBe('Which projects are about the orchard?');
    await expectAccessible(page, 'conversation with versions');
    await page.locator('.message.user').first().getByRole('button', { name: 'Next version of the question' }).click();
    await poll(() => page.locator('.message').count()).toBe(2);
  });

  it('attaches a file the model reads with the question; a kind it cannot read is refused', async () => {
    const attach = page.getByLabel('Attach a file');
    await attach.setInputFiles({ name: 'picture.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
    await poll(() => page.getByRole('form', { name: 'Ask' }).getByRole('alert').textContent()).toContain('Attach a text');
    await attach.setInputFiles({ name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Orchard notes\n\nPlant the apple trees in March.\n') });
    await poll(() => page.getByRole('list', { name: 'Attached to the next question' }).textContent()).toContain('notes.md');
    llm.script({ text: 'Your notes say: plant in March.' });
    await ask('What do my notes say?');
    await poll(() => lastAnswer().locator('.content').textContent(), { timeout: 20_000 }).toBe('Your notes say: plant in March.');
    expect(llm.requests.at(-1)!.prompt).toContain('Plant the apple trees in March.');
    expect(await page.locator('.message.user').last().textContent()).toContain('Attached: notes.md');
    await poll(() => page.getByRole('list', { name: 'Attached to the next question' }).count()).toBe(0);
  });

  it('shows a budget refusal next to the question, and what is left', async () => {
    expect((await api(run.server, 'PUT', `/orgs/${orgId}/llm/budgets/org`, { monthlyTokens: 50, monthlyCostMinor: null }, token)).status).toBe(200);
    await page.reload();
    const usage = page.getByRole('region', { name: 'Usage' });
    await poll(() => usage.textContent()).toMatch(/of 50 tokens used, 0 left\./);
    await ask('One more question?');
    await poll(() => page.getByRole('form', { name: 'Ask' }).getByRole('alert').textContent()).toMatch(/budget/);
    // Refused before anything was stored: the question stays in the box to try again.
    expect(await composer().inputValue()).toBe('One more question?');
    await expectAccessible(page, 'conversation with a budget refusal');
    await screenshot(page, 'chat-budget-refused');
    expect((await api(run.server, 'PUT', `/orgs/${orgId}/llm/budgets/org`, { monthlyTokens: 1_000_000, monthlyCostMinor: null }, token)).status).toBe(200);
  });

  it('downloads the conversation, and shares it: the link opens read-only in a fresh browser', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Markdown' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.md$/);
    const markdown = readFileSync((await download.path())!, 'utf8');
    expect(markdown).toContain('What do my notes say?');
    expect(markdown).toContain('Your notes say: plant in March.');

    await page.getByRole('button', { name: 'Create a share link' }).click();
    const link = page.getByRole('list', { name: 'Share links' }).getByRole('link');
    await poll(() => link.count()).toBe(1);
    const href = (await link.getAttribute('href'))!;
    expect(href).toMatch(new RegExp(`^${run.base}/shared-conversations/`));
    const title = await heading().textContent();

    const stranger = await newContext(run);
    await stranger.page.goto(href);
    await poll(() => stranger.page.getByRole('heading', { level: 1 }).textContent()).toBe(title);
    await poll(() => stranger.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Your notes say: plant in March.');
    expect(await stranger.page.getByRole('textbox').count()).toBe(0);
    expect(await stranger.page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await expectAccessible(stranger.page, 'shared conversation');
    await screenshot(stranger.page, 'chat-shared');
    expect(stranger.errors).toEqual([]);

    // Revoked: the same link now says it is not found.
    await page.getByRole('button', { name: /^Revoke/ }).click();
    await poll(() => link.count()).toBe(0);
    await stranger.page.reload();
    await poll(() => stranger.page.getByRole('alert').count()).toBe(1);
    await stranger.context.close();
  });

  it('fits a phone, and lists the conversations', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoSidewaysScroll(page);
    await screenshot(page, 'chat-conversation-390px');
    // The dark theme's colours pass the same checks on the page with the most pieces.
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expectAccessible(page, 'conversation, dark, 390 px');
    await screenshot(page, 'chat-conversation-390px-dark');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Chat', exact: true }).click();
    await poll(() => heading().textContent()).toBe('Conversations');
    const list = page.getByRole('list', { name: 'Conversations' }).getByRole('listitem');
    await poll(() => list.count()).toBe(1);
    await expectAccessible(page, 'conversations');
    await screenshot(page, 'chat-conversations');
    await list.getByRole('link').click();
    await poll(() => page.url()).toBe(conversationUrl);
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
