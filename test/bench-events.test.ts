// The event and realtime benchmarks (`npm run bench -- events`), each part run tiny so they
// cannot rot between runs: the outbox's throughput and lag through the real dispatcher process
// (bench/events-worker.ts) on a database of this file's own, and the SSE fan-out to a few
// streams of a test app listening on 127.0.0.1. What they report must add up: every event in
// every read model once, a lag sample per (event, read model), an arrival per (stream, wave).
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OutboxBenchContext, outboxDrain, outboxLag, outboxThroughput, publishAll, type SubscriberVariant, WORKER_APP_NAME } from '../bench/lib/events/outbox.ts';
import { prepareReadModels, resetReadModels } from '../bench/lib/events/read-models.ts';
import { eventsTargets, type EventsResult } from '../bench/lib/events/report.ts';
import { signUpStreamUsers, sseFanOut } from '../bench/lib/events/sse.ts';
import { startProcess, stopProcess } from '../bench/lib/proc.ts';
import { START_FLAGS } from '../bench/lib/server.ts';
import type { Database } from '../src/core/db/database.ts';
import { openDatabase } from '../src/core/db/database.ts';
import { createTestApp, createTestDatabase, type TestApp } from './harness.ts';

const quiet = () => {};

describe('outbox benchmarks', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let publisher: Database;
  let logDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    await prepareReadModels(db.database.db);
    publisher = await openDatabase({ url: db.url, poolSize: 4 });
    logDir = mkdtempSync(join(tmpdir(), 'bench-events-test-'));
  });
  afterAll(async () => {
    await publisher?.close();
    await db?.drop();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  async function withWorker<T>(variant: SubscriberVariant, measure: (ctx: OutboxBenchContext) => Promise<T>, before?: () => Promise<void>): Promise<T> {
    await resetReadModels(db.database.db);
    await before?.();
    const worker = await startProcess({
      script: 'bench/events-worker.ts',
      nodeFlags: START_FLAGS,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', EVENTS_DATABASE_URL: `${db.url}${db.url.includes('?') ? '&' : '?'}application_name=${WORKER_APP_NAME}`, EVENTS_SUBSCRIBERS: variant },
      logDir,
      name: `worker-${variant}`,
      isReady: (l) => l.msg === 'events worker ready',
      timeoutMs: 30_000,
    });
    const admin = { query: (text: string, values?: unknown[]) => db.database.runSql(text, values) };
    try {
      return await measure({ publisher, admin, workerPid: worker.pid, log: quiet });
    } finally {
      await stopProcess(worker.child);
    }
  }

  it('counts every event through the dispatcher to the three read models, with and without handleBatch', { timeout: 60_000 }, async () => {
    for (const variant of ['batch', 'each'] as const) {
      const r = await withWorker(variant, (ctx) => outboxThroughput(ctx, { variant, events: 45, perTransaction: 10, publishers: 2 }));
      expect(r.undelivered).toBe(0);
      expect(Object.values(r.rows)).toEqual([45, 45, 45]);
      expect(r.totalS).toBeGreaterThanOrEqual(r.publishS);
      expect(r.eventsPerSecond).toBeCloseTo(45 / r.totalS, 6);
    }
  });

  it('drains a backlog committed before the dispatcher started', { timeout: 30_000 }, async () => {
    const settings = { events: 60, perTransaction: 10, publishers: 2 };
    const r = await withWorker('batch', (ctx) => outboxDrain(ctx, settings.events), () => publishAll(publisher, settings));
    expect(r.undelivered).toBe(0);
    expect(r.drainS).toBeGreaterThan(0);
    expect(r.eventsPerSecond).toBeCloseTo(60 / r.drainS, 6);
  });

  it('measures the lag of each (event, read model) at a paced rate', { timeout: 60_000 }, async () => {
    const r = await withWorker('batch', (ctx) => outboxLag(ctx, { rate: 40, warmupS: 0.25, durationS: 1, publishers: 2 }));
    expect(r.undelivered).toBe(0);
    expect(r.published).toBeGreaterThanOrEqual(30);
    expect(r.published).toBeLessThanOrEqual(50);
    expect(r.handled.samples).toBe(3 * r.published);
    expect(r.fromCommit.samples).toBe(3 * r.published);
    expect(r.handled.p50).toBeGreaterThan(0);
    expect(r.handled.p50).toBeLessThanOrEqual(r.handled.p99);
    expect(r.handled.p99).toBeLessThanOrEqual(r.handled.max);
    // The COMMIT comes after occurred_at, the transaction's start.
    expect(r.fromCommit.p50).toBeLessThan(r.handled.p50);
    // Marked delivered after all three handled it.
    expect(r.delivered.max).toBeGreaterThanOrEqual(r.handled.max);
  });
});

describe('SSE fan-out benchmark', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.http.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    t?.app.http.server.closeAllConnections();
    await t?.close();
  });

  it('times a message per (stream, wave), and the targets read the result', { timeout: 30_000 }, async () => {
    const users = await signUpStreamUsers(base, 2, `t${process.pid}`, 2);
    const settings = { streams: 4, streamsPerUser: 2, waves: 3, warmupWaves: 1, publishers: 2 };
    const r = await sseFanOut({ base, database: t.database, users, log: quiet }, settings);
    expect(r.users).toBe(2);
    expect(r.missing).toBe(0);
    expect(r.ended).toBe(0);
    expect(r.latency.samples).toBe(4 * 3);
    expect(r.latency.p50).toBeGreaterThan(0);
    expect(r.latency.p99).toBeLessThanOrEqual(r.latency.max);

    const result = { outbox: [], drain: [], lag: [], sse: [r, { ...r, latency: { ...r.latency, p99: 1e6 } }] } as unknown as EventsResult;
    const [target] = eventsTargets(result);
    expect(target.name).toMatch(/SSE fan-out latency p99, 4 open streams/);
    expect(target.measured).toMatch(/1 of 2 rounds met it/);
    expect(target.pass).toBe(r.latency.p99 < 50);
  });
});
