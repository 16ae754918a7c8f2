// The data journey in the console, end to end in Chromium (issue #16): connect a PostgreSQL
// database (the machine's, a database this file creates with a 12,000-row table; a host the
// SSRF guard refuses is said under its field), test it, read its schema, browse tables and
// columns, profile a table, write SQL with a parameter and scroll a 10,000-row result (the
// figure: frames dropped while scrolling, rows in the page), ask in plain language (the scripted
// model writes the SQL, shown and edited before it runs again), save the question, list, open
// (the path mails link to), edit and delete it; axe on every page, screenshots, the phone width.
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { llmEnv, type LlmServer, startLlmServer } from '../llm-server.ts';
import { api, cleanupProcesses, PASSWORD } from '../processes.ts';
import { createDatabase, dropDatabase } from '../test-server.ts';
import { type ConsoleRun, expectAccessible, expectNoSidewaysScroll, newContext, SCREENSHOTS, screenshot, startConsoleRun } from './browser.ts';

const ROWS = 12_000;
const email = `data-${process.pid}-${Date.now()}@example.test`;
const dbName = `console_data_${process.pid}_${Date.now().toString(36)}`;

let run: ConsoleRun;
let llm: LlmServer;
let page: Page;
let errors: string[];
let orgId: string;
let connection: { host: string; port: string; user: string; password: string; database: string };
let questionId: string;

// The source is dialled over TCP: the machine's PostgreSQL (TEST_DATABASE_URL, as .ci/run sets
// it). The embedded server the suite starts without it listens on a socket only: skipped then.
const overTcp = /^postgres(?:ql)?:\/\/[^@/]*@[^/:?]+/.test(process.env.TEST_DATABASE_URL ?? inject('serverUrl'));

beforeAll(async () => {
  if (!overTcp) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The database people connect: one of this file's own on the machine's PostgreSQL.
  const url = new URL(await createDatabase(dbName));
  connection = { host: url.hostname, port: url.port || '5432', user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: dbName };
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  await c.query('CREATE TABLE visits (id int PRIMARY KEY, city text NOT NULL, visitors int NOT NULL, day date)');
  await c.query(
    `INSERT INTO visits SELECT g, (ARRAY['Oslo','Bergen','Lyon','Nice'])[g % 4 + 1], g % 500, DATE '2026-01-01' + (g % 365) FROM generate_series(1, ${ROWS}) g`,
  );
  await c.query('ANALYZE visits');
  await c.end();

  llm = await startLlmServer();
  // The SSRF guard lets the server reach this machine's PostgreSQL, as docs/data.md says.
  run = await startConsoleRun({ ...llmEnv(llm), DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1,localhost' });
  expect((await api(run.server, 'POST', '/auth/register', { email, password: PASSWORD, displayName: 'Dana Data' })).status).toBe(201);
  const token = (await api(run.server, 'POST', '/auth/login', { email, password: PASSWORD })).body.accessToken;
  const org = await api(run.server, 'POST', '/orgs', { name: 'Data Co', slug: `data-${process.pid}-${Date.now()}` }, token);
  expect(org.status, org.text).toBe(201);
  orgId = org.body.id;
  ({ page, errors } = await newContext(run));
}, 180_000);

afterAll(async () => {
  await run?.browser.close();
  await cleanupProcesses();
  await llm?.close();
  if (overTcp) await dropDatabase(dbName);
});

const heading = () => page.getByRole('heading', { level: 1 });
const nav = (name: string) => page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name, exact: true });
const status = (text: string | RegExp) => page.getByRole('status').filter({ hasText: text });

describe.runIf(overTcp)('the data journey', { timeout: 90_000 }, () => {
  it('signs in and opens the data area from the header', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => heading().textContent()).toBe('Welcome');
    await page.goto(`/orgs/${orgId}/data`);
    await expect.poll(() => heading().textContent()).toBe('Data sources');
    await nav('Questions').click();
    await expect.poll(() => heading().textContent()).toBe('Saved questions');
    await nav('Data').click();
    await expect.poll(() => heading().textContent()).toBe('Data sources');
    await expect.poll(() => page.getByText('No data source yet').count()).toBe(1);
  });

  it('connects PostgreSQL: a host the server may not reach is refused under its field', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Visits');
    await page.getByLabel('Kind').selectOption('postgres');
    const host = page.getByLabel('Host', { exact: true });
    await host.fill('10.0.0.5');
    await page.getByLabel('Port').fill(connection.port);
    await page.getByLabel('Database').fill(connection.database);
    await page.getByLabel('User').fill(connection.user);
    await page.getByLabel('Password').fill(connection.password);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => host.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').textContent()).toContain('This server may not connect to that host');
    await expectAccessible(page, 'data sources with a refusal');
    await screenshot(page, 'data-sources-refused');
    await host.fill(connection.host);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => heading().textContent()).toBe('Visits');
    expect(await status('The source is connected').count()).toBe(1);
  });

  it('tests the connection, reads the schema and browses tables and columns', async () => {
    await page.getByRole('button', { name: 'Test the connection' }).click();
    await expect.poll(() => status(/^Connected: /).count()).toBe(1);
    await page.getByRole('button', { name: 'Read the schema' }).click();
    const tables = page.getByRole('list', { name: 'Tables' }).getByRole('listitem');
    await expect.poll(() => tables.count(), { timeout: 60_000 }).toBe(1);
    expect(await page.getByText('Reading the schema: done').count()).toBe(1);
    const visits = tables.filter({ hasText: 'public.visits' });
    expect(await visits.textContent()).toMatch(/about 12,000 rows, 4 columns/);
    await visits.locator('summary').click();
    const columns = visits.getByRole('table', { name: 'Columns of visits' }).getByRole('row');
    await expect.poll(() => columns.count()).toBe(5);
    expect(await columns.nth(1).textContent()).toMatch(/^idkey/);
    await expectAccessible(page, 'data source');
    await screenshot(page, 'data-source');
  });

  it('profiles a table', async () => {
    await page.getByRole('button', { name: 'Profile public.visits' }).click();
    await expect.poll(() => status('12,000 rows, 4 columns.').count(), { timeout: 30_000 }).toBe(1);
    const profile = page.getByRole('table', { name: 'Profile of public.visits: statistics per column' });
    const visitors = profile.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'visitors' }) });
    // visitors = id mod 500: 0 to 499, mean 249.5.
    expect(await visitors.textContent()).toMatch(/12,000.*500.*0.*499.*249\.5/);
    expect(await page.getByRole('img', { name: /^Histogram of visitors: 20 bins from 0 to / }).count()).toBe(1);
    await expectAccessible(page, 'table profile');
    await screenshot(page, 'data-profile');
  });

  it('runs SQL with a parameter; the guard refuses a change; 10,000 rows scroll without dropping frames', async () => {
    await page.getByRole('link', { name: 'Query this source' }).click();
    await expect.poll(() => heading().textContent()).toBe('Query');
    const sql = page.getByRole('textbox', { name: 'SQL' });
    await sql.fill('DELETE FROM visits');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/SELECT/);
    await sql.fill('SELECT id, city, visitors, day FROM public.visits WHERE visitors >= :least ORDER BY id');
    await page.getByLabel('Type of :least').selectOption('integer');
    await page.getByLabel('Value of :least').fill('0');
    // Ctrl+Enter runs from the editor.
    await sql.press('Control+Enter');
    await expect.poll(() => page.getByRole('status').filter({ hasText: /^10,000 rows \(cut/ }).count(), { timeout: 30_000 }).toBe(1);
    const table = page.getByRole('table', { name: 'Result' });
    expect(await table.getAttribute('aria-rowcount')).toBe('10001');
    await expectAccessible(page, 'query with 10,000 rows');
    await screenshot(page, 'data-query');

    // Scroll the result container over its full height in ~2 s, a step per animation frame,
    // counting frames that came late (> 2 × 16.7 ms) and the rows in the page at each frame;
    // first the same count for 1 s without scrolling: what the shared machine drops anyway.
    // `pace` (px per ms), when given, scrolls at that speed from where the result is instead.
    const frames = (scroll: boolean, ms: number, pace?: number) =>
      page.evaluate(
        ({ scroll, ms, pace }) =>
          new Promise<{ frames: number; dropped: number; worstMs: number; maxRows: number; atEnd: boolean }>((done) => {
            const w = globalThis as any; // runs in the page
            const el = w.document.querySelector('.result-scroll');
            const max = el.scrollHeight - el.clientHeight;
            const from = el.scrollTop;
            let start: number | undefined;
            let last = 0;
            let count = 0;
            let dropped = 0;
            let worstMs = 0;
            let maxRows = 0;
            const step = (t: number) => {
              if (start === undefined) start = t;
              else {
                const gap = t - last;
                count++;
                worstMs = Math.max(worstMs, gap);
                if (gap > 2 * (1000 / 60)) dropped++;
              }
              last = t;
              maxRows = Math.max(maxRows, el.querySelectorAll('tbody tr').length);
              const p = Math.min(1, (t - start) / ms);
              if (scroll) el.scrollTop = pace === undefined ? p * max : Math.min(max, from + (t - start) * pace);
              if (p < 1) w.requestAnimationFrame(step);
              else done({ frames: count, dropped, worstMs: Math.round(worstMs), maxRows, atEnd: el.scrollTop >= max - 1 });
            };
            w.requestAnimationFrame(step);
          }),
        { scroll, ms, pace },
      );
    const idle = await frames(false, 1000);
    // A person's fast scroll: 6,000 px a second (100 px, three rows, a frame) for 3 s.
    const paced = await frames(true, 3000, 6);
    console.log(
      `[bench] data scroll at a person's pace (6,000 px/s for 3 s): ${paced.frames} frames, ${paced.dropped} dropped (> 33.3 ms), worst ${paced.worstMs} ms, at most ${paced.maxRows} rows in the page; machine load ${loadavg()[0].toFixed(1)}`,
    );
    await page.evaluate(() => {
      (globalThis as any).document.querySelector('.result-scroll').scrollTop = 0; // runs in the page
    });
    const bench = await frames(true, 2000);
    console.log(
      `[bench] data scroll: 10,000 rows over ~2 s: ${bench.frames} frames, ${bench.dropped} dropped (> 33.3 ms), worst ${bench.worstMs} ms, at most ${bench.maxRows} rows in the page; idle 1 s before: ${idle.frames} frames, ${idle.dropped} dropped, worst ${idle.worstMs} ms; machine load ${loadavg()[0].toFixed(1)}`,
    );
    expect(bench.atEnd).toBe(true);
    expect(paced.maxRows).toBeLessThan(100);
    expect(bench.maxRows).toBeGreaterThan(5);
    expect(bench.maxRows).toBeLessThan(100);
    // The machine is shared (two cores, several browsers): a loose bound, looser still when it
    // is loaded more than twice over (then only that scrolling went on); the figures are what is reported.
    const busy = loadavg()[0] > 2 * availableParallelism();
    expect(bench.dropped).toBeLessThanOrEqual(busy ? bench.frames - 1 : Math.floor(bench.frames / 4));
    expect(paced.dropped).toBeLessThanOrEqual(busy ? paced.frames - 1 : Math.floor(paced.frames / 10));
    // The last row was reached and drawn.
    await expect.poll(() => table.locator('tbody tr[aria-rowindex="10001"]').textContent()).toMatch(/^10000Oslo/);
  });

  it('fits a phone: the result scrolls inside its own container', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoSidewaysScroll(page);
    await screenshot(page, 'data-query-390px');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expectAccessible(page, 'query, dark, 390 px');
    await screenshot(page, 'data-query-390px-dark');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('asks in plain language: the SQL written is shown, edited and run again', async () => {
    const written = 'SELECT city, sum(visitors) AS visitors FROM public.visits GROUP BY city ORDER BY city';
    llm.script({ text: JSON.stringify({ sql: written, explanation: 'Visitors summed per city.' }) });
    await page.getByRole('textbox', { name: 'Question' }).fill('How many visitors per city?');
    await page.getByRole('button', { name: 'Ask' }).click();
    const sql = page.getByRole('textbox', { name: 'SQL' });
    await expect.poll(() => sql.inputValue(), { timeout: 30_000 }).toBe(written);
    expect(await status('Visitors summed per city.').count()).toBe(1);
    await expect.poll(() => status(/^4 rows/).count()).toBe(1);
    expect(llm.requests.at(-1)!.prompt).toContain('visits');
    await expectAccessible(page, 'asked in plain language');
    await screenshot(page, 'data-ask');
    // The person narrows what the model wrote, with a parameter, and runs it.
    await sql.fill("SELECT city, sum(visitors) AS visitors FROM public.visits WHERE city <> :skip GROUP BY city ORDER BY city");
    await page.getByLabel('Value of :skip').fill('Nice');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => status(/^3 rows/).count()).toBe(1);
    const rows = page.getByRole('table', { name: 'Result' }).locator('tbody tr');
    expect(await rows.allTextContents()).toEqual(['Bergen747000', 'Lyon750000', 'Oslo744000']);
  });

  it('saves the question, lists it, and opens it at the path mails link to', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Visitors per city');
    await page.getByRole('button', { name: 'Save the question' }).click();
    await expect.poll(() => heading().textContent()).toBe('Visitors per city');
    expect(await status('The question is saved.').count()).toBe(1);
    questionId = new URL(page.url()).pathname.split('/').at(-1)!;
    await nav('Questions').click();
    await expect.poll(() => heading().textContent()).toBe('Saved questions');
    const items = page.getByRole('list', { name: 'Saved questions' }).getByRole('listitem');
    await expect.poll(() => items.count()).toBe(1);
    expect(await items.textContent()).toContain('On Visits · parameters :skip');
    await expectAccessible(page, 'saved questions');
    await screenshot(page, 'data-questions');
    // A mail's link, opened in a fresh load.
    await page.goto(`/orgs/${orgId}/questions/${questionId}`);
    await expect.poll(() => heading().textContent()).toBe('Visitors per city');
    expect(await page.getByLabel('Value of :skip').inputValue()).toBe('Nice');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => status(/^3 rows/).count()).toBe(1);
    await expectAccessible(page, 'saved question');
    await screenshot(page, 'data-question');
    // The same link opened signed out (another browser): sign in, then the question.
    const other = await newContext(run);
    await other.page.goto(`/orgs/${orgId}/questions/${questionId}`);
    await expect.poll(() => other.page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    await other.page.getByLabel('Email').fill(email);
    await other.page.getByLabel('Password').fill(PASSWORD);
    await other.page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => other.page.getByRole('heading', { level: 1 }).textContent()).toBe('Visitors per city');
    expect(other.errors).toEqual([]);
    await other.context.close();
  });

  it('edits the question (a refused SQL is said, nothing is saved), then deletes it', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Visitors per city, Oslo left out');
    const sql = page.getByRole('textbox', { name: 'SQL' });
    await sql.fill('SELECT city, sum(visitors) AS visitors FROM public.visits WHERE city <> :skip GROUP BY city ORDER BY city; DROP TABLE visits');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('alert').count()).toBe(1);
    await sql.fill('SELECT city, sum(visitors) AS visitors FROM public.visits WHERE city <> :skip GROUP BY city ORDER BY city');
    await page.getByLabel('Value of :skip').fill('Oslo');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => status('Your changes are saved.').count()).toBe(1);
    await expect.poll(() => heading().textContent()).toBe('Visitors per city, Oslo left out');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => status(/^3 rows/).count()).toBe(1);
    expect(await page.getByRole('table', { name: 'Result' }).locator('tbody tr').allTextContents()).toEqual(['Bergen747000', 'Lyon750000', 'Nice753000']);

    await page.getByRole('button', { name: 'Delete this question…' }).click();
    await page.getByRole('button', { name: 'Delete “Visitors per city, Oslo left out”' }).click();
    await expect.poll(() => heading().textContent()).toBe('Saved questions');
    await expect.poll(() => page.getByText('No saved question yet').count()).toBe(1);
    const gone = await page.goto(`/orgs/${orgId}/questions/${questionId}`);
    expect(gone?.status()).toBe(200);
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not found/i);
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
