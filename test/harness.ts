// Builds the real app for a test file on a database of its own, a copy of the migrated
// template on the run's PostgreSQL server (test/global-setup.ts). Mail goes to memory.
import type { LightMyRequestResponse } from 'fastify';
import { expect, inject } from 'vitest';
import { type App, type AppOverrides, buildApp, loadAppConfig } from '../src/app.ts';
import type { Config } from '../src/core/config.ts';
import { type Database, type DatabaseTimeouts, openDatabase } from '../src/core/db/database.ts';
import { createLogger } from '../src/core/log/logger.ts';
import { MemoryMailer } from '../src/core/mail/index.ts';
import { createPasswordHasher } from '../src/core/security/passwords.ts';
import { checkedInject } from './contract.ts';
import { createDatabase, dropDatabase } from './test-server.ts';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';
/** Test apps serve /metrics on their API behind this token (without one it is not served there). */
export const TEST_METRICS_TOKEN = 'test-metrics-token-test-metrics-token-0123';

export const TEST_TIMEOUTS = { statementMs: 30_000, lockMs: 15_000, idleInTransactionMs: 60_000, poolWaitMs: 20_000 };

/** A fresh migrated database for one test file. */
export async function createTestDatabase(opts: { poolSize?: number; timeouts?: Partial<DatabaseTimeouts> } = {}): Promise<{ database: Database; url: string; drop(): Promise<void> }> {
  const name = `trellis_t_${inject('runId')}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = await createDatabase(name, inject('templateDatabase'));
  // Wider bounds than production's: two suites share two cores, and a lock or a connection
  // that takes a second longer there is the machine, not a bug. The bounds themselves are
  // tested with the production values (test/db-timeouts.test.ts).
  const database = await openDatabase({ url, poolSize: opts.poolSize ?? 5, timeouts: opts.timeouts ?? TEST_TIMEOUTS });
  return {
    database,
    url,
    async drop() {
      await database.close();
      await dropDatabase(name);
    },
  };
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadAppConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    DATA_DIR: '/tmp/trellis-test-unused',
    PUBLIC_URL: 'http://localhost:3000',
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
    ...env,
  });
}

export interface TestApp {
  app: App;
  mailer: MemoryMailer;
  database: Database;
  /** Delivers every due event now. */
  drain(): Promise<number>;
  /** Runs every due background job now. */
  runJobs(): Promise<number>;
  /** Sends a request; its answer must match the app's /openapi.json (test/contract.ts). */
  request: App['http']['inject'];
  /**
   * Sends a request whose answer is not checked against the document: only for answers that
   * cannot match it by design (a row no valid request could have stored); say why where used.
   */
  requestUnchecked: App['http']['inject'];
  close(): Promise<void>;
}

/**
 * The dispatcher does not run in the background: tests call drain() so delivery is
 * deterministic. Hashing uses light argon2 parameters (the real ones are tested apart).
 */
export async function createTestApp(opts: { env?: Record<string, string>; overrides?: AppOverrides; database?: Database } = {}): Promise<TestApp> {
  const owned = opts.database ? null : await createTestDatabase();
  const database = opts.database ?? owned!.database;
  const mailer = new MemoryMailer();
  const app = await buildApp(testConfig({ MIGRATE_ON_START: 'false', ...opts.env }), {
    database,
    mailer,
    log: createLogger('silent'),
    passwords: createPasswordHasher({ memoryCost: 1024, timeCost: 1 }),
    startDispatcher: false,
    startJobs: false,
    dispatcher: { backoffBaseMs: 1 },
    // Counters in Redis are per app, so files running at once never throttle each other.
    rateLimitNamespace: `trellis:test:${process.pid}:${Math.random().toString(36).slice(2)}:`,
    ...opts.overrides,
  });
  // The app opens the job queue in the background; a test's first request must not race it: on a
  // pool of one connection, a delivery transaction that enqueues would wait for the queue to
  // open, which waits for that connection (test/facade-executors.test.ts).
  await app.jobs.prepare();
  return {
    app,
    mailer,
    database,
    drain: () => app.dispatcher.drain(),
    runJobs: () => app.jobs.drain(),
    // Every answer is checked against the app's own /openapi.json (test/contract.ts).
    request: checkedInject(app.http.inject.bind(app.http) as never, () => app.http.swagger()) as unknown as App['http']['inject'],
    requestUnchecked: app.http.inject.bind(app.http) as App['http']['inject'],
    async close() {
      await app.close();
      await owned?.drop();
    },
  };
}

let counter = 0;
/** A unique email per call, so tests sharing an app never collide. */
export function uniqueEmail(tag = 'user'): string {
  counter++;
  return `${tag}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 7)}@example.test`;
}

export const STRONG_PASSWORD = 'Tr3llis-vine-climbs-high';

/** Registers, delivers events (profile, verification mail) and signs in. */
export async function signUp(t: TestApp, opts: { email?: string; password?: string; displayName?: string; verify?: boolean } = {}) {
  const email = opts.email ?? uniqueEmail();
  const password = opts.password ?? STRONG_PASSWORD;
  const reg = await t.request({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password, displayName: opts.displayName ?? 'Test User' } });
  if (reg.statusCode !== 201) throw new Error(`register failed: ${reg.statusCode} ${reg.body}`);
  await t.drain();
  if (opts.verify) {
    const token = lastMailToken(t, email);
    const v = await t.request({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } });
    if (v.statusCode !== 204) throw new Error(`verify failed: ${v.statusCode} ${v.body}`);
  }
  const login = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  const body = login.json();
  return { email, password, userId: body.user.id as string, accessToken: body.accessToken as string, refreshToken: body.refreshToken as string };
}

/** The token in the newest mail to `to` (links carry `?token=`). */
export function lastMailToken(t: TestApp, to: string): string {
  const mail = [...t.mailer.sent].reverse().find((m) => m.to === to);
  if (!mail) throw new Error(`no mail to ${to}`);
  const match = /token=([A-Za-z0-9_%-]+)/.exec(mail.text);
  if (!match) throw new Error(`no token in mail to ${to}`);
  return decodeURIComponent(match[1]);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** GET /metrics on the app's API, as a scraper with the metrics token does. */
export const scrapeMetrics = (t: Pick<TestApp, 'request'>, headers: Record<string, string> = {}) =>
  t.request({ method: 'GET', url: '/metrics', headers: { ...bearer(TEST_METRICS_TOKEN), ...headers } });

/** Makes a user admin through the public API of auth (as the CLI does). */
export async function makeAdmin(t: TestApp, userId: string) {
  await t.app.apis.auth.setRole(userId, userId, 'admin');
  await t.drain();
}

/**
 * Sends this app's requests from an address of their own (198.18.0.0/15, reserved for
 * benchmarks), so tests that count per-IP limits or read session IPs see only their own.
 * Returns the address.
 */
export function fromOwnAddress(app: TestApp): string {
  const address = `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
  const inject = app.request;
  app.request = ((opts: any) => inject({ ...opts, remoteAddress: opts.remoteAddress ?? address })) as TestApp['request'];
  return address;
}

/** Asserts an RFC 9457 problem with this status and code; returns its body. */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ type: expect.stringMatching(/^https:\/\//), title: expect.any(String), status, code, detail: expect.any(String), requestId: expect.any(String) });
  return body;
}
