// The codebase journey in the console, end to end in Chromium (issue #16): upload a ZIP in
// resumable parts with a progress bar, parts dropped on the way and the upload resumed from the
// parts already stored (with the button, then after a reload); the indexing job's progress; the
// file tree and the code highlighted; a search with its matches marked, a hit opening the file at its line; a chat about the code
// (the scripted model) whose `path:line` citation opens the file at that line; documentation
// generated as a job and downloaded. axe on every page, screenshots, the phone width, the dark theme.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from '../codebase-archives.ts';
import { type LlmServer, llmEnv, startLlmServer } from '../llm-server.ts';
import { startS3Server, type TestS3Server } from '../s3-server.ts';
import { api, cleanupProcesses, PASSWORD } from '../processes.ts';
import { type ConsoleRun, expectAccessible, expectNoSidewaysScroll, newContext, SCREENSHOTS, screenshot, startConsoleRun } from './browser.ts';

const email = `codebase-${process.pid}-${Date.now()}@example.test`;
/** Parts of 256 KiB (the server's cap, which the console follows): the archive goes in 4 parts. */
const PART_BYTES = 256 * 1024;
const X_TS = "export function total(items: number[]): number {\n  // Adds the prices up.\n  return items.reduce((sum, n) => sum + n, 0);\n}\n";

let run: ConsoleRun;
let llm: LlmServer;
let s3: TestS3Server;
let page: Page;
let errors: string[];
let orgId: string;
let projectId: string;
let archive: string;
/** The bar after part 1 alone: the share of the archive's bytes one part holds. */
let onePart: string;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  llm = await startLlmServer();
  // Files go to an S3-compatible server (s3rver), as a deployment keeps them: the parts, the
  // packs and the generated documents are read back from there.
  s3 = await startS3Server();
  run = await startConsoleRun({ ...llmEnv(llm), ...s3.env, CODEBASE_UPLOAD_PART_MAX_BYTES: String(PART_BYTES) });
  ({ page, errors } = await newContext(run));
  const registered = await api(run.server, 'POST', '/auth/register', { email, password: PASSWORD, displayName: 'Cody Base' });
  expect(registered.status, registered.text).toBe(201);
  const token = (await api(run.server, 'POST', '/auth/login', { email, password: PASSWORD })).body.accessToken;
  const org = await api(run.server, 'POST', '/orgs', { name: 'Code garden', slug: `code-${process.pid}-${Date.now() % 100000}` }, token);
  expect(org.status, org.text).toBe(201);
  orgId = org.body.id;
  const project = await api(run.server, 'POST', `/orgs/${orgId}/projects`, { name: 'Shop', key: 'SHOP' }, token);
  expect(project.status, project.text).toBe(201);
  projectId = project.body.id;
  // About 900 KB stored as is: a few small source files and one large text file.
  const big = Array.from({ length: 16_000 }, (_, i) => `line ${String(i).padStart(5, '0')} of the seed catalogue: tomatoes, beans, squash`).join('\n');
  const zip = await zipOf([
    { name: 'src/x.ts', data: X_TS, compress: false },
    { name: 'src/util/format.ts', data: "export const price = (n: number) => n.toFixed(2) + ' EUR';\n", compress: false },
    { name: 'README.md', data: '# Shop\n\nA small shop.\n', compress: false },
    { name: 'data/catalogue.txt', data: big, compress: false },
  ]);
  expect(zip.length).toBeGreaterThan(3 * PART_BYTES);
  onePart = String(Math.round((PART_BYTES / zip.length) * 100));
  archive = join(tmpdir(), `shop-${process.pid}.zip`);
  writeFileSync(archive, zip);
}, 180_000);
afterAll(async () => {
  await run?.browser.close();
  await llm?.close();
  await cleanupProcesses();
  await s3?.close();
});

/** Waits for a value (the machine may be busy: expect.poll's own default is one second). */
const poll = <T>(probe: () => T | Promise<T>, timeout = 20_000) => expect.poll(probe, { timeout, interval: 100 });
const heading = () => page.getByRole('heading', { level: 1 });
const tab = (name: string) => page.getByRole('navigation', { name: 'Code workspace' }).getByRole('link', { name, exact: true });
const noStyleElements = () => page.evaluate(() => (globalThis as any).document.querySelectorAll('style').length);

describe('the codebase journey', { timeout: 90_000 }, () => {
  it('signs in and opens the project from the Code area', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => heading().textContent()).toBe('Welcome');
    await page.goto(`/orgs/${orgId}/codebase`);
    await poll(() => heading().textContent()).toBe('Code');
    await expectAccessible(page, 'code projects');
    await screenshot(page, 'codebase-projects');
    await page.getByRole('list', { name: 'Projects' }).getByRole('link', { name: 'Shop' }).click();
    await poll(() => heading().textContent()).toBe('Files · Shop');
    await poll(() => page.getByText('No code yet.').count()).toBe(1);
  });

  it('uploads a ZIP in parts with a progress bar; dropped parts are resumed, after a reload too, without sending the stored ones again', async () => {
    await tab('Upload').click();
    await poll(() => heading().textContent()).toBe('Upload code · Shop');
    // Without a file, the page says so next to the field.
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await poll(() => page.getByLabel('Archive').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'upload');

    const puts = new Map<number, number>();
    page.on('request', (req) => {
      const part = /\/parts\/(\d+)$/.exec(req.url());
      if (part && req.method() === 'PUT') puts.set(Number(part[1]), (puts.get(Number(part[1])) ?? 0) + 1);
    });
    // The connection drops while part 2 is sent, and later while part 3 is, once each.
    await page.route('**/upload-sessions/*/parts/2', (route) => route.abort('connectionreset'), { times: 1 });
    await page.route('**/upload-sessions/*/parts/3', (route) => route.abort('connectionreset'), { times: 1 });
    await page.getByLabel('Archive').setInputFiles(archive);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain('The server could not be reached');
    const bar = page.getByRole('progressbar', { name: /Sent/ });
    expect(await bar.getAttribute('value')).toBe(onePart);
    expect(await page.getByText(new RegExp(`Sent: ${onePart}% of .* in 4 parts`)).count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('session')).toMatch(/^[0-9a-f-]{36}$/);
    await expectAccessible(page, 'upload, interrupted');
    await screenshot(page, 'codebase-upload-interrupted');

    // Resume: part 2 goes, then part 3 drops too.
    await page.getByRole('button', { name: 'Resume the upload' }).click();
    await poll(() => puts.get(3)).toBe(1);
    await poll(() => page.getByRole('alert').textContent()).toContain('The server could not be reached');
    expect(Object.fromEntries(puts)).toEqual({ 1: 1, 2: 2, 3: 1 });

    // The page is reloaded (a crash, a closed laptop): the address keeps the session; the same
    // file picked again sends only parts 3 and 4.
    await page.reload();
    const notice = page.getByRole('status').filter({ hasText: 'was interrupted' });
    await poll(() => notice.textContent()).toContain(`The upload of shop-${process.pid}.zip was interrupted with 2 parts (512.0 KiB) stored.`);
    await expectAccessible(page, 'upload, after a reload');
    await page.getByLabel('Archive').setInputFiles(archive);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await poll(() => page.getByRole('status').filter({ hasText: 'is stored' }).textContent(), 30_000).toContain('Version 1 is stored: 4 files.');
    expect(await page.getByText('Resumed: 2 parts already stored were not sent again.').count()).toBe(1);
    expect(Object.fromEntries(puts)).toEqual({ 1: 1, 2: 2, 3: 2, 4: 1 });
    expect(await bar.getAttribute('value')).toBe('100');
    expect(new URL(page.url()).searchParams.get('session')).toBeNull();
    // Chromium logs each dropped request; those are the ones this test caused.
    for (let i = errors.length - 1; i >= 0; i--) if (/net::ERR_CONNECTION_RESET/.test(errors[i])) errors.splice(i, 1);
  });

  it('follows the indexing job to its end', async () => {
    await poll(() => page.getByText('Version 1 is indexed').count(), 60_000).toBe(1);
    await poll(() => page.getByText('Indexing: done').count()).toBe(1);
    expect(await page.getByRole('progressbar', { name: /Indexing/ }).getAttribute('value')).toBe('100');
    // The snapshot's contents are in the bucket, not in the server's data folder.
    expect(await s3.objectCount()).toBeGreaterThan(0);
    expect(existsSync(join(run.dataDir, 'files'))).toBe(false);
    await expectAccessible(page, 'upload, indexed');
    await screenshot(page, 'codebase-upload-indexed');
  });

  it('browses the tree and shows a file highlighted, with no <style> element in the page', async () => {
    await page.getByRole('link', { name: 'browse its files' }).click();
    await poll(() => heading().textContent()).toBe('Files · Shop');
    const tree = page.getByRole('navigation', { name: 'Files' });
    // Folders open from the keyboard too.
    await tree.getByRole('button', { name: 'data/' }).focus();
    await page.keyboard.press('Enter');
    await poll(() => tree.getByRole('button', { name: 'data/' }).getAttribute('aria-expanded')).toBe('true');
    await poll(() => tree.getByRole('link', { name: 'catalogue.txt' }).count()).toBe(1);
    await tree.getByRole('button', { name: 'src/' }).click();
    expect(await tree.getByRole('button', { name: 'src/' }).getAttribute('aria-expanded')).toBe('true');
    await tree.getByRole('link', { name: 'x.ts' }).click();
    await poll(() => page.getByRole('heading', { level: 2, name: 'src/x.ts' }).count()).toBe(1);
    const code = page.getByRole('list', { name: /src\/x\.ts, 4 lines/ });
    await poll(() => code.locator('li').count()).toBe(4);
    expect(await code.locator('li').first().textContent()).toBe('export function total(items: number[]): number {');
    expect(await code.locator('.hljs-keyword').first().textContent()).toBe('export');
    expect(await code.locator('.hljs-comment').textContent()).toBe('// Adds the prices up.');
    expect(await noStyleElements()).toBe(0);
    await expectAccessible(page, 'files');
    await screenshot(page, 'codebase-files');
    // The highlighting's dark colours keep their contrast, and a phone scrolls the code, not the page.
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expectAccessible(page, 'files, dark');
    await screenshot(page, 'codebase-files-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoSidewaysScroll(page);
    await screenshot(page, 'codebase-files-390px-dark');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Dark theme' }).click();
  });

  it('searches: a query with no word is refused under the field; hits are marked and open the file at their line', async () => {
    await tab('Search').click();
    await poll(() => heading().textContent()).toBe('Search the code · Shop');
    const query = page.getByLabel('Words or identifiers');
    await query.fill('!!!');
    await query.press('Enter');
    await poll(() => query.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field-error').textContent()).toBe('holds no letter or digit');
    await query.fill('reduce');
    await query.press('Enter');
    const hits = page.getByRole('list', { name: 'Matches' });
    await poll(() => hits.getByRole('link', { name: 'src/x.ts:3' }).count()).toBe(1);
    expect(await hits.locator('mark').first().textContent()).toBe('reduce');
    expect(await page.getByRole('status').filter({ hasText: 'match' }).textContent()).toBe('1 match in version 1');
    await expectAccessible(page, 'search');
    await screenshot(page, 'codebase-search');
    await hits.getByRole('link', { name: 'src/x.ts:3' }).click();
    await poll(() => page.locator('li#L3[aria-current="true"]').count()).toBe(1);
    expect(await page.locator('li#L3').textContent()).toContain('return items.reduce');
    expect(new URL(page.url()).searchParams.get('line')).toBe('3');
  });

  it('asks about the code: the answer streams, and its path:line citation opens the file at that line', async () => {
    llm.script({ text: 'The total is computed in src/x.ts:3, which adds the prices with reduce.', chunkSize: 6, chunkDelayMs: 120 });
    await tab('Ask about the code').click();
    await poll(() => heading().textContent()).toBe('Ask about the code · Shop');
    // Records the answer's length at each change of the page: a streamed answer grows in steps.
    await page.evaluate(() => {
      const g = globalThis as any; // runs in the page
      g.answerLengths = [];
      new g.MutationObserver(() => {
        const answer = g.document.querySelector('[aria-label="Conversation"] li');
        if (answer) g.answerLengths.push(answer.textContent.length);
      }).observe(g.document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByLabel('Your question').fill('Where is the total computed?');
    await page.getByRole('button', { name: 'Ask' }).click();
    const log = page.getByRole('list', { name: 'Conversation' });
    await poll(() => log.getByRole('link', { name: 'src/x.ts:3' }).count(), 30_000).toBe(1);
    await poll(() => page.getByRole('status').filter({ hasText: 'The answer is complete.' }).count()).toBe(1);
    expect(await log.textContent()).toContain('The total is computed in src/x.ts:3, which adds the prices with reduce.');
    // "Thinking…", at least one part of the answer, the whole answer.
    expect(await page.evaluate(() => new Set((globalThis as any).answerLengths).size)).toBeGreaterThanOrEqual(3);
    // The model was told which project the conversation is about.
    expect(llm.requests.at(-1)?.prompt).toContain(projectId);
    await expectAccessible(page, 'chat');
    await screenshot(page, 'codebase-chat');
    await log.getByRole('link', { name: 'src/x.ts:3' }).click();
    await poll(() => page.locator('li#L3[aria-current="true"]').count()).toBe(1);
    expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe('src/x.ts');
  });

  it('generates the documentation as a job and downloads it; no format is refused next to the formats', async () => {
    await tab('Documentation').click();
    await poll(() => heading().textContent()).toBe('Documentation · Shop');
    const markdown = page.getByRole('checkbox', { name: /Markdown/ });
    await markdown.uncheck();
    await page.getByRole('button', { name: 'Generate the documentation' }).click();
    await poll(() => page.locator('#formats-error').count()).toBe(1);
    await poll(() => page.getByRole('alert').textContent()).toContain('Some fields need attention.');
    await markdown.check();
    await page.getByRole('button', { name: 'Generate the documentation' }).click();
    await poll(() => page.getByText('Generating: done').count(), 60_000).toBe(1);
    const download = page.getByRole('button', { name: /Download MD/ });
    await poll(() => download.count()).toBe(1);
    await expectAccessible(page, 'documentation');
    await screenshot(page, 'codebase-docs');
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/\.zip$/);
    const saved = join(tmpdir(), `docs-${process.pid}.zip`);
    await file.saveAs(saved);
    expect(readFileSync(saved).subarray(0, 2).toString()).toBe('PK');
  });

  it('logged no console error and no refused script or style', () => {
    expect(errors).toEqual([]);
  });
});
