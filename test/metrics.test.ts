// /metrics is for the operator's scraper, not for whoever can reach the API (decision 0022): on
// the API port only with METRICS_TOKEN, on a listener of its own with METRICS_PORT, else nowhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/core/config.ts';
import { bearer, createTestApp, expectProblem, scrapeMetrics, TEST_METRICS_TOKEN, type TestApp } from './harness.ts';
import { cleanupProcesses, freshStorage, startServer, stopGracefully, WAIT_MS } from './processes.ts';

let t: TestApp;
const others: TestApp[] = [];
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  for (const o of others) await o.app.close();
  await t?.close();
  await cleanupProcesses();
}, WAIT_MS);

/** Another app on the same database, with these settings. */
async function appWith(env: Record<string, string>): Promise<TestApp> {
  const app = await createTestApp({ database: t.database, env });
  others.push(app);
  return app;
}

async function problemOf(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await res.json();
  expect(body).toMatchObject({ status, code, requestId: expect.any(String) });
  return body;
}

describe('settings', () => {
  const base = { JWT_SECRET: 'a'.repeat(32), DATA_DIR: '/tmp/trellis-test-unused' };

  it('serve no metrics by default: no listener, no token, loopback when a port is given', () => {
    expect(loadConfig(base)).toMatchObject({ metricsPort: undefined, metricsHost: '127.0.0.1', metricsToken: undefined });
    expect(loadConfig({ ...base, METRICS_PORT: '9464', METRICS_TOKEN: 'm'.repeat(32) })).toMatchObject({ metricsPort: 9464, metricsToken: 'm'.repeat(32) });
  });

  it.each([
    ['METRICS_TOKEN', 'short-token'],
    ['METRICS_TOKEN', `${'m'.repeat(32)} with spaces`],
    ['METRICS_PORT', 'nine'],
    ['METRICS_PORT', '70000'],
    ['METRICS_PORT', '3000'],
  ])('%s=%s stops start-up with an error naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ ...base, [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
  });
});

describe('/metrics on the API port', () => {
  it('is not served without METRICS_TOKEN: 404 problem+json like any unknown route', async () => {
    const open = await appWith({ METRICS_TOKEN: '' });
    for (const headers of [{}, bearer(TEST_METRICS_TOKEN)]) {
      const res = await open.request({ method: 'GET', url: '/metrics', headers });
      const body = expectProblem(res, 404, 'NOT_FOUND');
      expect(res.body).not.toContain('http_requests_total');
      const unknown = expectProblem(await open.request({ method: 'GET', url: '/no-such-route' }), 404, 'NOT_FOUND');
      expect(Object.keys(body).sort()).toEqual(Object.keys(unknown).sort());
    }
  });

  it('answers 401 problem+json without the token, with a wrong one or another scheme', async () => {
    const wrong = TEST_METRICS_TOKEN.slice(0, -1) + (TEST_METRICS_TOKEN.endsWith('x') ? 'y' : 'x');
    for (const authorization of [undefined, `Bearer ${wrong}`, `Bearer ${TEST_METRICS_TOKEN}x`, `Bearer ${TEST_METRICS_TOKEN.slice(1)}`, `Basic ${TEST_METRICS_TOKEN}`, 'Bearer', TEST_METRICS_TOKEN]) {
      const res = await t.request({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
      expectProblem(res, 401, 'UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.body, String(authorization)).not.toContain('http_requests_total');
    }
  });

  it('answers 200 in the Prometheus format to the right token', async () => {
    const res = await scrapeMetrics(t);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^# TYPE http_requests_total counter/m);
    // The scheme is case-insensitive (RFC 9110).
    expect((await t.request({ method: 'GET', url: '/metrics', headers: { authorization: `bearer ${TEST_METRICS_TOKEN}` } })).statusCode).toBe(200);
  });
});

describe('the METRICS_PORT listener', () => {
  it('serves /metrics on a listener of its own, not on the API port, and closes with the app', async () => {
    const app = await appWith({ PORT: '0', METRICS_PORT: '0', METRICS_TOKEN: '' });
    const { port, metricsPort } = await app.app.listen();
    expect(metricsPort).toEqual(expect.any(Number));
    expect(metricsPort).not.toBe(port);
    await fetch(`http://127.0.0.1:${port}/health/live`);

    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
    // The registry of this app: the API request above is counted.
    expect(await scraped.text()).toMatch(/^http_requests_total\{method="GET",route="\/health\/live",status="200"\} [1-9]/m);

    await problemOf(await fetch(`http://127.0.0.1:${port}/metrics`), 404, 'NOT_FOUND');
    await problemOf(await fetch(`http://127.0.0.1:${metricsPort}/health/live`), 404, 'NOT_FOUND');

    await app.app.close();
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });

  it('requires the token there too when METRICS_TOKEN is set', async () => {
    const app = await appWith({ PORT: '0', METRICS_PORT: '0' });
    const { metricsPort } = await app.app.listen();
    await problemOf(await fetch(`http://127.0.0.1:${metricsPort}/metrics`), 401, 'UNAUTHENTICATED');
    await problemOf(await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: bearer('x'.repeat(40)) }), 401, 'UNAUTHENTICATED');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: bearer(TEST_METRICS_TOKEN) })).status).toBe(200);
  });

  it('is opened by the server process on loopback, logged with its port, and closed on SIGTERM', async () => {
    const storage = await freshStorage();
    const server = await startServer(storage.dataDir, { ...storage.env, METRICS_PORT: '0' });
    const ready = server.logs.find((l) => l.msg === 'trellis ready')!;
    expect(ready).toMatchObject({ port: server.port, metricsPort: expect.any(Number), metricsHost: '127.0.0.1' });
    expect((await fetch(`http://127.0.0.1:${ready.metricsPort}/metrics`)).status).toBe(200);
    expect((await fetch(`${server.base}/metrics`)).status).toBe(404);
    expect((await stopGracefully(server)).code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${ready.metricsPort}/metrics`)).rejects.toThrow();
  }, WAIT_MS);
});
