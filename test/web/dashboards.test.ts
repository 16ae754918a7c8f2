// The dashboards journey in the console, end to end in Chromium (issue #16). Set up through the
// API: a person, an org, a PostgreSQL table with a data source over it (127.0.0.1 allowed by
// DATA_SOURCE_ALLOWED_HOSTS, as the API's acceptance tests do), saved questions taking the
// period as two dates, and charts over them. In the browser the person builds the dashboard:
// a filter, widgets mapped to it, charts drawn by vega in the page under its CSP, drag and
// resize on the grid, a layout the API refuses shown next to the widget, filters applied, a
// share link opened in a fresh profile without signing in (then revoked), the PDF export followed
// as a job and downloaded, subscriptions and alerts with their refusals; the mailed path opens
// the dashboard; axe on every page, screenshots, the phone width.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, cleanupProcesses, PASSWORD } from '../processes.ts';
import { type ConsoleRun, expectAccessible, expectNoSidewaysScroll, newContext, SCREENSHOTS, screenshot, startConsoleRun } from './browser.ts';

const PG_URL = process.env.TEST_DATABASE_URL ?? inject('serverUrl');
const tcp = /^(\w+):\/\/([^:@/]*)(?::([^@/]*))?@([^:/?]+)(?::(\d+))?\/([^?]*)/.exec(PG_URL);
const suffix = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const TABLE = `console_sales_${suffix}`;
const email = `dash-${suffix}@example.test`;
const SALES = [
  { day: '2026-01-10', region: 'North', revenue: 300 },
  { day: '2026-02-11', region: 'South', revenue: 520 },
  { day: '2026-03-12', region: 'North', revenue: 410 },
  { day: '2026-04-13', region: 'East', revenue: 150 },
];

let run: ConsoleRun;
let page: Page;
let errors: string[];
let token: string;
let orgId: string;
let dashboardId: string;
let shareLink: string;

async function pgQuery(sql: string, values: unknown[] = []) {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql, values);
  } finally {
    await c.end();
  }
}
async function ok(method: string, path: string, body?: unknown) {
  const res = await api(run.server, method, path, body, token);
  expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
  return res.body;
}

/** Waits for a value as long as a busy machine may need (expect.poll's default is one second). */
const poll = <T>(probe: () => Promise<T> | T) => expect.poll(probe, { timeout: 20_000 });
const heading = () => page.getByRole('heading', { level: 1 });
const widget = (p: Page, title: string) => p.getByRole('article', { name: title });

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  run = await startConsoleRun({ DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1,localhost' });
  ({ page, errors } = await newContext(run));
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: run.base });

  expect((await api(run.server, 'POST', '/auth/register', { email, password: PASSWORD, displayName: 'Dana Board' })).status).toBe(201);
  token = (await api(run.server, 'POST', '/auth/login', { email, password: PASSWORD })).body.accessToken;
  orgId = (await ok('POST', '/orgs', { name: 'Board Ltd', slug: `board-${suffix}` })).id;

  await pgQuery(`CREATE TABLE ${TABLE} (day date, region text, revenue int)`);
  for (const s of SALES) await pgQuery(`INSERT INTO ${TABLE} VALUES ($1, $2, $3)`, [s.day, s.region, s.revenue]);
  const [, , user, password, host, port, database] = tcp ?? [];
  const source = await ok('POST', `/orgs/${orgId}/data-sources`, {
    name: 'Shop',
    kind: 'postgres',
    connection: { host, port: Number(port ?? 5432), database, user, password: decodeURIComponent(password ?? '') },
  });
  const period = [
    { name: 'since', type: 'date', default: '2000-01-01' },
    { name: 'until', type: 'date', default: '2999-12-31' },
  ];
  const question = async (name: string, sql: string) => (await ok('POST', `/orgs/${orgId}/questions`, { dataSourceId: source.id, name, sql, parameters: period })).id as string;
  const perRegion = await question('Revenue by region', `SELECT region, sum(revenue) AS revenue FROM public.${TABLE} WHERE day BETWEEN :since AND :until GROUP BY region ORDER BY region`);
  const perDay = await question('Revenue by day', `SELECT day, revenue FROM public.${TABLE} WHERE day BETWEEN :since AND :until ORDER BY day`);
  await question('Sales rows', `SELECT day::text AS day, region, revenue FROM public.${TABLE} WHERE day BETWEEN :since AND :until ORDER BY day`);
  await ok('POST', `/orgs/${orgId}/charts`, { questionId: perRegion, type: 'bar', encoding: { x: 'region', y: 'revenue' }, options: { title: 'Revenue per region' } });
  await ok('POST', `/orgs/${orgId}/charts`, { questionId: perDay, type: 'line', encoding: { x: 'day', y: 'revenue' }, options: { title: 'Revenue per day' } });
}, 180_000);

afterAll(async () => {
  await run?.browser.close();
  await cleanupProcesses();
  if (tcp) await pgQuery(`DROP TABLE IF EXISTS ${TABLE}`);
});

/** Adds a widget through the builder's form, mapping the Period filter to since/until. */
async function addWidget(source: string, opts: { width?: number; title: string }) {
  await page.getByLabel('Chart or question').selectOption({ label: source });
  if (opts.width) await page.getByLabel('Width (columns of 12)').fill(String(opts.width));
  await page.getByLabel('Period (from) sets').selectOption('since');
  await page.getByLabel('Period (to) sets').selectOption('until');
  await page.getByRole('button', { name: 'Add the widget' }).click();
  await widget(page, opts.title).waitFor();
}

/** The place of a widget as the API has it. */
async function savedPlace(id: string) {
  const board = await ok('GET', `/orgs/${orgId}/dashboards/${dashboardId}`);
  const w = board.widgets.find((x: { title: string }) => x.title === id);
  return { x: w.x, y: w.y, w: w.w, h: w.h };
}

describe.runIf(tcp)('the dashboards journey', { timeout: 120_000 }, () => {
  it('signs in and creates a dashboard from the list', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => heading().textContent()).toBe('Welcome');
    await page.goto(`/orgs/${orgId}/dashboards`);
    await poll(() => heading().textContent()).toBe('Dashboards');
    await page.getByText('No dashboards yet.').waitFor();
    await expectAccessible(page, 'dashboards');
    await screenshot(page, 'dashboards');
    await page.getByLabel('Name').fill('Sales board');
    await page.getByRole('button', { name: 'Create the dashboard' }).click();
    await poll(() => heading().textContent()).toBe('Sales board');
    dashboardId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    expect(page.url()).toContain(`/orgs/${orgId}/dashboards/`);
  });

  it('adds a filter and widgets mapped to it; the charts are drawn in the page from their Vega-Lite specs', async () => {
    await page.getByLabel('Filter label').fill('Period');
    await page.getByRole('button', { name: 'Add the filter' }).click();
    await poll(() => page.getByRole('status').first().textContent()).toContain('The filter “Period” is added');
    await addWidget('Revenue per region', { title: 'Revenue per region' });
    await addWidget('Revenue per day', { title: 'Revenue per day' });
    await addWidget('Sales rows', { width: 12, title: 'Sales rows' });
    // vega's SVG renderer, in the page: bars labelled with the regions.
    const bars = widget(page, 'Revenue per region').locator('svg');
    await bars.waitFor();
    await poll(() => bars.textContent()).toContain('North');
    expect(await bars.textContent()).toContain('South');
    await widget(page, 'Revenue per day').locator('svg').waitFor();
    await poll(() => widget(page, 'Sales rows').getByRole('row').count()).toBe(SALES.length + 1);
    expect(await savedPlace('Revenue per day')).toEqual({ x: 0, y: 4, w: 6, h: 4 });
    await expectAccessible(page, 'the dashboard builder');
    await screenshot(page, 'dashboard-builder');
    // The dark theme: the charts are drawn again with the theme's text colour.
    const axisText = () => widget(page, 'Revenue per region').locator('svg text').first().getAttribute('fill');
    const lightInk = await axisText();
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await poll(axisText).not.toBe(lightInk);
    expect(await widget(page, 'Revenue per region').locator('svg').textContent()).toContain('North');
    await expectAccessible(page, 'the dashboard builder, dark');
    await screenshot(page, 'dashboard-builder-dark');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await poll(axisText).toBe(lightInk);
  });

  it('moves a widget by dragging and resizes another from its corner, then saves the layout', async () => {
    // Tall enough for the whole grid: a pointer drags only within the window.
    await page.setViewportSize({ width: 1280, height: 1600 });
    await page.locator('.react-grid-layout').scrollIntoViewIfNeeded();
    const grid = await page.locator('.react-grid-layout').boundingBox();
    if (!grid) throw new Error('no grid');
    const column = (grid.width - 12) / 12; // a column and its margin (12 px)
    const row = 80 + 12;
    const handle = widget(page, 'Revenue per day').locator('.drag-handle');
    const from = await handle.boundingBox();
    if (!from) throw new Error('no handle');
    await page.mouse.move(from.x + 4, from.y + 4);
    await page.mouse.down();
    await page.mouse.move(from.x + 4 + column * 3, from.y + 4 - row * 2, { steps: 5 });
    await page.mouse.move(from.x + 4 + column * 6, from.y + 4 - row * 4, { steps: 5 });
    await page.mouse.up();

    const corner = page.locator('[data-widget="revenue-per-region"] .react-resizable-handle');
    const at = await corner.boundingBox();
    if (!at) throw new Error('no resize handle');
    await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2);
    await page.mouse.down();
    await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2 + row / 2, { steps: 4 });
    await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2 + row, { steps: 4 });
    await page.mouse.up();

    await page.getByRole('button', { name: 'Save the layout' }).click();
    await poll(() => page.getByText('The layout is saved.').count()).toBe(1);
    expect(await savedPlace('Revenue per day')).toEqual({ x: 6, y: 0, w: 6, h: 4 });
    expect(await savedPlace('Revenue per region')).toEqual({ x: 0, y: 0, w: 6, h: 5 });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows the API refusal of a layout past the 12 columns next to the widget', async () => {
    await page.getByLabel('Width of Revenue per day').fill('9');
    await page.getByRole('button', { name: 'Save the layout' }).click();
    const row = page.getByRole('rowheader', { name: /Revenue per day/ });
    await poll(() => row.textContent()).toContain('ends past column 12');
    await poll(() => widget(page, 'Revenue per day').getByRole('alert').textContent()).toContain('ends past column 12');
    expect(await page.getByLabel('Width of Revenue per day').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'the dashboard with a refused layout');
    await screenshot(page, 'dashboard-refused-layout');
    await page.getByRole('button', { name: 'Undo the changes' }).click();
    await poll(() => page.getByText('ends past column 12').count()).toBe(0);
    expect(await savedPlace('Revenue per day')).toEqual({ x: 6, y: 0, w: 6, h: 4 });
  });

  it('applies the filters: every widget computed again for the period', async () => {
    const filters = page.getByRole('form', { name: 'Filters' });
    await filters.getByLabel('From').fill('2026-02-01');
    await filters.getByLabel('To').fill('2026-03-31');
    await filters.getByRole('button', { name: 'Apply the filters' }).click();
    await poll(() => widget(page, 'Sales rows').getByRole('row').count()).toBe(3);
    expect(await widget(page, 'Sales rows').textContent()).not.toContain('East');
    await poll(() => widget(page, 'Revenue per region').locator('svg').textContent()).not.toContain('East');
    expect(await filters.textContent()).toContain('2026-02-01 – 2026-03-31');
  });

  it('opens at the path subscription mails link to, and fits a phone', async () => {
    await page.goto(`/orgs/${orgId}/dashboards/${dashboardId}`);
    await poll(() => heading().textContent()).toBe('Sales board');
    await widget(page, 'Revenue per region').locator('svg').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await widget(page, 'Sales rows').waitFor();
    await poll(() => page.locator('.react-grid-layout').count()).toBe(0);
    await expectNoSidewaysScroll(page);
    await expectAccessible(page, 'the dashboard on a phone');
    await screenshot(page, 'dashboard-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator('.react-grid-layout').waitFor();
  });

  it('shares a link, copied, that shows the dashboard read-only without signing in, until revoked', async () => {
    await page.getByRole('button', { name: 'Create a share link' }).click();
    const link = page.getByRole('list', { name: 'Share links' }).getByRole('link');
    await link.waitFor();
    shareLink = (await link.getAttribute('href')) ?? '';
    expect(shareLink).toMatch(new RegExp(`^${run.base}/shared/dashboards/`));
    await page.getByRole('button', { name: 'Copy the link' }).click();
    await poll(() => page.getByText('The link is copied.').count()).toBe(1);
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(shareLink);

    const outsider = await newContext(run);
    await outsider.page.goto(shareLink);
    await outsider.page.getByRole('heading', { level: 1 }).waitFor();
    await outsider.page.getByText('A shared dashboard, read-only.').or(outsider.page.getByRole('alert')).first().waitFor();
    expect(await outsider.page.locator('main').textContent()).toContain('read-only');
    await poll(() => outsider.page.getByRole('heading', { level: 1 }).textContent()).toBe('Sales board');
    await outsider.page.getByText('A shared dashboard, read-only.').waitFor();
    const chart = widget(outsider.page, 'Revenue per region').locator('svg');
    await chart.waitFor();
    await poll(() => chart.textContent()).toContain('North');
    await poll(() => widget(outsider.page, 'Sales rows').getByRole('row').count()).toBe(SALES.length + 1);
    // Read-only: nothing to drag, arrange, add or share.
    expect(await outsider.page.locator('.drag-handle').count()).toBe(0);
    expect(await outsider.page.getByRole('button', { name: 'Add the widget' }).count()).toBe(0);
    expect(await outsider.page.getByRole('heading', { name: 'Arrange' }).count()).toBe(0);
    await expectAccessible(outsider.page, 'the shared dashboard');
    await screenshot(outsider.page, 'dashboard-shared');

    await page.getByRole('button', { name: 'Revoke the link' }).click();
    await page.getByText('No active link.').waitFor();
    await outsider.page.reload();
    await poll(() => outsider.page.getByRole('alert').textContent()).toContain('revoked or has expired');
    expect(outsider.errors).toEqual([]);
    await outsider.context.close();
  });

  it('exports a PDF as a job followed live, and downloads it', async () => {
    await page.getByRole('button', { name: 'Export as PDF' }).click();
    await page.getByRole('progressbar').or(page.getByText('PDF export: starting…')).first().waitFor();
    const download = page.getByRole('link', { name: /^Download / });
    await download.waitFor({ timeout: 90_000 });
    expect(await page.getByText('PDF export: done').count()).toBe(1);
    const href = (await download.getAttribute('href')) ?? '';
    const file = await page.request.get(href);
    expect(file.status()).toBe(200);
    expect((await file.body()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('subscribes members, the refused schedule shown under its field, and deletes the subscription', async () => {
    const form = page.getByRole('form', { name: 'Create a subscription' });
    await form.getByLabel(email).check();
    await form.getByLabel('Schedule').fill('every monday');
    await form.getByRole('button', { name: 'Create the subscription' }).click();
    await poll(() => form.locator('.field-error').first().textContent()).toContain('five-field cron');
    expect(await form.getByLabel('Schedule').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'the subscription form with a refusal');
    await form.getByLabel('Schedule').fill('0 8 * * 1');
    await form.getByLabel('The dashboard as a PDF').check();
    await form.getByRole('button', { name: 'Create the subscription' }).click();
    const list = page.getByRole('list', { name: 'Subscriptions' });
    await poll(() => list.textContent()).toContain('0 8 * * 1');
    expect(await list.textContent()).toContain(email);
    await list.getByRole('button', { name: /^Delete/ }).click();
    await page.getByText('No subscription yet.').waitFor();
  });

  it('sets an alert on a question, the refusal shown inline, and deletes it', async () => {
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await poll(() => heading().textContent()).toBe('Alerts');
    await page.getByText('No alerts yet.').waitFor();
    await page.getByLabel('Question').selectOption({ label: 'Revenue by region' });
    await page.getByLabel('Name').fill('Revenue high');
    await page.getByLabel('Threshold').fill('1000');
    await page.getByLabel('Schedule').fill('at nine');
    await page.getByRole('button', { name: 'Create the alert' }).click();
    await poll(() => page.locator('.field-error').first().textContent()).toContain('five-field cron');
    expect(await page.getByLabel('Schedule').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'alerts with a refusal');
    await page.getByLabel('Schedule').fill('0 9 * * *');
    await page.getByRole('button', { name: 'Create the alert' }).click();
    const list = page.getByRole('list', { name: 'Alerts' });
    await poll(() => list.textContent()).toContain('Revenue high');
    expect(await list.textContent()).toContain('above 1000');
    await expectAccessible(page, 'alerts');
    await screenshot(page, 'alerts');
    await list.getByRole('button', { name: 'Delete the alert Revenue high' }).click();
    await page.getByText('No alerts yet.').waitFor();
  });

  it('met no console error on the way (no script or style the CSP refused)', () => {
    expect(errors).toEqual([]);
  });
});
