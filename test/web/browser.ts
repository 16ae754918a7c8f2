// End-to-end runs of the web console (decision 0050): the console as `npm start` builds it,
// the real server process on a database of its own with mail written to files, and Debian's
// Chromium driven by playwright-core. One server and one browser per test file.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildServer } from '../../scripts/build.ts';
import { buildConsole } from '../../scripts/build-console.ts';
import { diagnostics, freshStorage, mailFiles, onCleanup, ROOT, type Server, startServer, until } from '../processes.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Where the screenshots of a run go (git-ignored; docs/console.md). */
export const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface ConsoleRun {
  server: Server;
  dataDir: string;
  base: string;
  browser: Browser;
}

/** A free TCP port on loopback: the server's PUBLIC_URL must name it before it starts. */
async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => ok(port));
    });
  });
}

/**
 * Builds what `npm start` builds (the server's bundle, and the console if web/ changed), starts
 * that bundle with PUBLIC_URL set to its own address (so mailed links open this console), and
 * launches Chromium.
 */
export async function startConsoleRun(env: Record<string, string> = {}): Promise<ConsoleRun> {
  if (!existsSync(CHROMIUM)) throw new Error(`the console's browser tests need Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run installs it)`);
  await buildConsole();
  // A bundle of this file's own (files run two at a time; dist/ is `npm start`'s), removed by
  // cleanupProcesses() once its server is gone.
  const outDir = join(ROOT, `.build-test-web-${process.pid}-${Date.now()}`);
  onCleanup(() => rmSync(outDir, { recursive: true, force: true }));
  const built = await buildServer(outDir);
  const storage = await freshStorage();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startServer(storage.dataDir, { ...storage.env, PORT: String(port), PUBLIC_URL: base, AUTH_RATE_LIMIT: '100000', ...env }, relative(ROOT, built.entry));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { server, dataDir: storage.dataDir, base, browser };
}

/** A fresh browser profile (no cookies) at a phone's or a desktop's size; console errors fail the test. */
export async function newContext(run: ConsoleRun, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await run.browser.newContext({ baseURL: run.base, viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  // A refused script, a blocked style (the page's CSP) or an uncaught error shows here.
  page.on('console', (msg) => {
    // Chromium logs every answer ≥ 400 as a failed resource: the refusals the journeys provoke
    // (a weak password, the start-up refresh without a cookie) are expected; anything else is not.
    if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  return { context, page, errors };
}

/** Runs axe-core in the page; serious or critical violations fail the test. */
export async function expectAccessible(page: Page, what: string) {
  // Evaluated through the DevTools protocol: the page's CSP (no inline scripts) does not apply.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const page = globalThis as any; // runs in the page: the DOM's globals
    const result = await page.axe.run(page.document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 5) }));
  });
  const blocking = violations.filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical');
  expect(blocking, `axe on ${what}`).toEqual([]);
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The page fits its viewport's width: nothing scrolls sideways. */
export async function expectNoSidewaysScroll(page: Page) {
  const { scroll, width } = await page.evaluate(() => {
    const { document, innerWidth } = globalThis as any; // runs in the page
    return { scroll: document.documentElement.scrollWidth as number, width: innerWidth as number };
  });
  expect(scroll).toBeLessThanOrEqual(width);
}

/** The link in a mail to `to` whose URL path is `path` (the .eml body is quoted-printable). */
export async function mailedLink(run: ConsoleRun, to: string, path: string): Promise<string> {
  const pattern = new RegExp(`${run.base.replaceAll('.', '\\.')}${path}\\?token=[A-Za-z0-9_%-]+`);
  const find = () => {
    for (const mail of mailFiles(run.dataDir).filter((m) => m.headers.includes(to))) {
      const raw = readFileSync(join(run.dataDir, 'mail', mail.name), 'utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
      const link = pattern.exec(raw)?.[0];
      if (link) return link;
    }
    return undefined;
  };
  // Within the test's own time limit, so a mail that never comes fails with what the server said.
  return until(`a mail to ${to} linking ${path}`, find, MAIL_WAIT_MS).catch((err: Error) => {
    throw new Error(`${err.message}\n${diagnostics(run.server)}`);
  });
}

/** How long a journey waits for a mail: less than a test may take (60 s), so the wait says why. */
const MAIL_WAIT_MS = 30_000;

/** JavaScript a first load of `path` fetched, gzipped, and its Largest Contentful Paint. */
export async function measureFirstLoad(run: ConsoleRun, path: string): Promise<{ jsGzipBytes: number; jsFiles: number; lcpMs: number }> {
  const { context, page } = await newContext(run);
  const scripts: Promise<number>[] = [];
  page.on('response', (res) => {
    if (res.request().resourceType() === 'script') scripts.push(res.body().then((b) => gzipSync(b).length));
  });
  await page.goto(path, { waitUntil: 'load' });
  await page.getByRole('heading', { level: 1 }).waitFor();
  const lcpMs = await page.evaluate(
    () =>
      new Promise<number>((done) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          done(entries[entries.length - 1].startTime);
        }).observe({ type: 'largest-contentful-paint' as never, buffered: true });
      }),
  );
  const sizes = await Promise.all(scripts);
  await context.close();
  return { jsGzipBytes: sizes.reduce((a, b) => a + b, 0), jsFiles: sizes.length, lcpMs };
}
