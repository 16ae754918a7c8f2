// The web console served by the API (decision 0050): the page and its hashed files with their
// caching, the fallback for the console's routes, and the paths it must never shadow.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const PAGE = '<!doctype html><html lang="en"><title>Trellis</title><script type="module" src="/assets/index-Ab12Cd34.js"></script></html>';

let dir: string;
let t: TestApp;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), PAGE);
  writeFileSync(join(dir, 'assets/index-Ab12Cd34.js'), 'console.log("console");');
  t = await createTestApp({ overrides: { consoleDir: dir } });
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

// Unchecked by the contract (t.request checks answers against /openapi.json): the console's
// answers are not API operations and deliberately not in the document.
const get = (url: string, headers: Record<string, string> = HTML) => t.app.http.inject({ method: 'GET', url, headers });

function expectPage(res: Awaited<ReturnType<typeof get>>) {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.body).toBe(PAGE);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-cache');
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
}

describe('the console page', () => {
  it('is served at / with no-cache and a policy of its own scripts only', async () => {
    expectPage(await get('/'));
  });

  it('is the answer to any GET of a console route that accepts HTML (a mailed link, a reload)', async () => {
    expectPage(await get('/verify-email?token=abc'));
    expectPage(await get('/account/sessions'));
    expectPage(await get('/invitations/accept?token=x'));
  });

  it('does not upgrade requests to https when served over plain HTTP (the page would not load)', async () => {
    expect(String((await get('/')).headers['content-security-policy'])).not.toContain('upgrade-insecure-requests');
  });

  it('is not listed in the OpenAPI document', async () => {
    const doc = (await get('/openapi.json', {})).json();
    expect(Object.keys(doc.paths)).not.toContain('/');
  });
});

describe('hashed files', () => {
  it('are cached for a year, immutable', async () => {
    const res = await get('/assets/index-Ab12Cd34.js', {});
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('console');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answer 404 when missing, never the page (a stale chunk must fail, not parse HTML)', async () => {
    expectProblem(await get('/assets/index-gone.js'), 404, 'NOT_FOUND');
  });
});

describe('what the console never shadows', () => {
  it('leaves the API, the probes, the document and the docs as they are', async () => {
    expectProblem(await get('/api/v1/no-such-route'), 404, 'NOT_FOUND');
    expectProblem(await get('/api/v1/users/me'), 401, 'UNAUTHENTICATED');
    expect((await get('/health/live')).headers['content-type']).toMatch(/json/);
    expect((await get('/openapi.json')).json().openapi).toBe('3.1.0');
    expect((await get('/docs/')).headers['content-type']).toMatch(/html/);
    expectProblem(await get('/healthz'), 404, 'NOT_FOUND');
    expectProblem(await get('/api'), 404, 'NOT_FOUND');
  });

  it('answers requests that do not ask for HTML, and other methods, as before', async () => {
    expectProblem(await get('/account/sessions', { accept: 'application/json' }), 404, 'NOT_FOUND');
    expectProblem(await t.request({ method: 'POST', url: '/sign-in', headers: HTML }), 404, 'NOT_FOUND');
  });
});

describe('without a built console', () => {
  it('the API answers / with 404 as before', async () => {
    const plain = await createTestApp();
    try {
      expectProblem(await plain.request({ method: 'GET', url: '/', headers: HTML }), 404, 'NOT_FOUND');
    } finally {
      await plain.close();
    }
  });
});
