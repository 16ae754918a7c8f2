// The outbox and the dispatcher end to end, on the real app's database. Tests publish
// their own event types and deliver them with dispatchers built here over the same
// database, with subscribers that record what they receive.
//
// A dispatcher claims every due event, whatever its type, and marks an event without a
// subscriber of its own as delivered. So the app's events are drained before each test,
// and each test uses an event type of its own.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../src/core/context/actor.ts';
import { type Database, openDatabase } from '../src/core/db/database.ts';
import { createDispatcher, type DispatcherOptions } from '../src/core/events/dispatcher.ts';
import { createOutbox } from '../src/core/events/outbox.ts';
import type { DomainEvent, EventMeta, Subscriber } from '../src/core/events/types.ts';
import { createLogger } from '../src/core/log/logger.ts';
import { bearer, createTestApp, createTestDatabase, makeAdmin, signUp, type TestApp } from './harness.ts';

let t: TestApp;
let owned: Awaited<ReturnType<typeof createTestDatabase>>;
let adminToken: string;
let userToken: string;
const outbox = createOutbox();
const silent = createLogger('silent');
const ACTOR = '01900000-0000-7000-8000-0000000000aa';

beforeAll(async () => {
  owned = await createTestDatabase();
  // On the server, rate-limit counters are shared by every test file through Redis.
  t = await createTestApp({ database: owned.database, env: { AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' } });
  const admin = await signUp(t);
  await makeAdmin(t, admin.userId);
  adminToken = admin.accessToken;
  userToken = (await signUp(t)).accessToken;
});
afterAll(async () => {
  await t?.close();
  await owned?.drop();
});

beforeEach(async () => {
  // Deliver the app's own events (logins, role changes) with the app's subscribers first.
  await t.drain();
});
afterEach(async () => {
  // Events a test left waiting for a retry must not reach the next test's dispatcher.
  await sql`DELETE FROM core.outbox WHERE type LIKE 'test.%' AND status = 'pending'`.execute(t.database.db);
});

let typeSeq = 0;
const newType = () => `test.thing_${++typeSeq}_happened`;

interface Recorder {
  sub: Subscriber<any>;
  /** Every call, including failed ones. */
  calls: DomainEvent<any>[];
  ids(): string[];
}

/** A subscriber that records each event; `fail` decides (per call) whether it throws. */
function recorder(name: string, type: string, opts: { fail?: (n: number) => boolean; delayMs?: number } = {}): Recorder {
  const calls: DomainEvent<any>[] = [];
  return {
    calls,
    ids: () => calls.map((e) => e.id),
    sub: {
      name,
      event: type as any,
      async handle(event) {
        calls.push(event);
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
        if (opts.fail?.(calls.length)) throw new Error(`boom ${calls.length}`);
      },
    },
  };
}

function dispatcher(subscribers: Subscriber<any>[], opts: Partial<DispatcherOptions> = {}) {
  return createDispatcher({ database: t.database, subscribers, log: silent, maxAttempts: 3, backoffBaseMs: 60_000, ...opts });
}

/** Publishes in a transaction of its own that commits. */
function publish(type: string, payload: Record<string, unknown> = { n: 1 }, db: Database = t.database): Promise<string> {
  return db.db.transaction().execute((tx) => outbox.publish(tx, type as any, payload as any, { actorId: ACTOR, requestId: 'req-events-test' }));
}

interface Row {
  status: string;
  attempts: number;
  last_error: string | null;
  delivered_at: Date | null;
  /** Seconds from the database's now() to next_attempt_at. */
  due_in: number;
}
async function row(id: string): Promise<Row | undefined> {
  const r = await sql<Row>`SELECT status, attempts, last_error, delivered_at,
                             extract(epoch FROM next_attempt_at - now())::float8 AS due_in
                           FROM core.outbox WHERE id = ${id}`.execute(t.database.db);
  return r.rows[0];
}
async function deliveries(id: string): Promise<string[]> {
  const r = await sql<{ subscriber: string }>`SELECT subscriber FROM core.deliveries WHERE event_id = ${id} ORDER BY subscriber`.execute(t.database.db);
  return r.rows.map((x) => x.subscriber);
}
const makeDue = (id: string) => sql`UPDATE core.outbox SET next_attempt_at = now() WHERE id = ${id}`.execute(t.database.db);

describe('outbox', () => {
  it('never delivers an event whose transaction rolled back', async () => {
    const type = newType();
    const r = recorder('test.rollback', type);
    let rolledBack: string | undefined;
    await expect(
      t.database.db.transaction().execute(async (tx) => {
        rolledBack = await outbox.publish(tx, type as any, { n: 1 } as any);
        throw new Error('use case failed');
      }),
    ).rejects.toThrow('use case failed');
    expect(rolledBack).toBeDefined();
    const committed = await publish(type, { n: 2 });

    const d = dispatcher([r.sub]);
    expect(await d.drain()).toBe(1);
    expect(r.ids()).toEqual([committed]);
    expect(await row(rolledBack!)).toBeUndefined();
  });

  it("stamps the actor a use case was handed: user, API key, request id, address, user agent; explicit fields win", async () => {
    const actor: Actor = {
      principal: { userId: ACTOR, email: 'a@example.test', role: 'user', emailVerified: true, sessionId: null, apiKeyId: '01900000-0000-7000-8000-0000000000bb', scopes: ['projects:write'] },
      requestId: 'req-actor',
      ip: '192.0.2.7',
      userAgent: 'actor-test/1',
    };
    const stamped = async (meta: EventMeta) => {
      const id = await t.database.db.transaction().execute((tx) => outbox.publish(tx, newType() as any, {} as any, meta));
      const r = await sql<Record<string, unknown>>`SELECT actor_id, api_key_id, org_id, request_id, ip, user_agent FROM core.outbox WHERE id = ${id}`.execute(t.database.db);
      return r.rows[0];
    };
    // Outside any request: only the actor knows who acted.
    expect(await stamped({ actor, orgId: null })).toEqual({
      actor_id: ACTOR,
      api_key_id: actor.principal.apiKeyId,
      org_id: null,
      request_id: 'req-actor',
      ip: '192.0.2.7',
      user_agent: 'actor-test/1',
    });
    // A subscriber's derived event keeps its cause's request id; background work names no one.
    expect(await stamped({ actor, actorId: null, requestId: 'req-cause' })).toMatchObject({ actor_id: null, request_id: 'req-cause', ip: '192.0.2.7' });
    expect(await stamped({})).toEqual({ actor_id: null, api_key_id: null, org_id: null, request_id: null, ip: null, user_agent: null });
  });

  it('delivers a committed event once to each subscriber, however often drain runs', async () => {
    const type = newType();
    const a = recorder('test.a', type);
    const b = recorder('test.b', type);
    const id = await publish(type, { n: 7, nested: { ok: true } });

    const d = dispatcher([a.sub, b.sub]);
    expect(await d.drain()).toBe(1);
    expect(await d.drain()).toBe(0);
    // A second instance finds nothing either.
    expect(await dispatcher([a.sub, b.sub]).drain()).toBe(0);

    expect(a.ids()).toEqual([id]);
    expect(b.ids()).toEqual([id]);
    expect(a.calls[0]).toMatchObject({ id, type, version: 1, actorId: ACTOR, orgId: null, requestId: 'req-events-test', payload: { n: 7, nested: { ok: true } } });
    expect(a.calls[0].occurredAt).toBeInstanceOf(Date);
    expect(await row(id)).toMatchObject({ status: 'delivered', attempts: 0, last_error: null });
    expect((await row(id))!.delivered_at).toBeInstanceOf(Date);
    expect(await deliveries(id)).toEqual(['test.a', 'test.b']);
  });

  it('delivers in the order events were published', async () => {
    const type = newType();
    const r = recorder('test.order', type);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await publish(type, { i }));
    await dispatcher([r.sub], { batchSize: 2 }).drain();
    expect(r.ids()).toEqual(ids);
  });

  it('skips subscribers that already committed when an event is claimed again (lease expiry, crash)', async () => {
    const type = newType();
    const a = recorder('test.once_a', type);
    const id = await publish(type);
    await dispatcher([a.sub]).drain();
    // As if the instance died after the handler committed but before the event was marked delivered.
    await sql`UPDATE core.outbox SET status = 'pending', delivered_at = NULL, locked_until = NULL WHERE id = ${id}`.execute(t.database.db);
    const b = recorder('test.once_b', type);
    expect(await dispatcher([a.sub, b.sub]).drain()).toBe(1);
    expect(a.ids()).toEqual([id]);
    expect(b.ids()).toEqual([id]);
    expect(await row(id)).toMatchObject({ status: 'delivered' });
  });

  it('does not claim an event leased by another instance until the lease runs out', async () => {
    const type = newType();
    const r = recorder('test.leased', type);
    const id = await publish(type);
    await sql`UPDATE core.outbox SET locked_until = now() + interval '1 minute' WHERE id = ${id}`.execute(t.database.db);
    expect(await dispatcher([r.sub]).drain()).toBe(0);
    await sql`UPDATE core.outbox SET locked_until = now() - interval '1 second' WHERE id = ${id}`.execute(t.database.db);
    expect(await dispatcher([r.sub]).drain()).toBe(1);
    expect(r.ids()).toEqual([id]);
  });

  it('two dispatchers draining at once deliver each event once to each subscriber', async () => {
    const type = newType();
    const N = 40;
    const a = recorder('test.concurrent_a', type, { delayMs: 3 });
    const b = recorder('test.concurrent_b', type, { delayMs: 3 });
    const ids = new Set<string>();
    for (let i = 0; i < N; i++) ids.add(await publish(type, { i }));

    // Each dispatcher has its own pool, as two instances would.
    const [db1, db2] = [await openDatabase({ url: owned.url, poolSize: 3 }), await openDatabase({ url: owned.url, poolSize: 3 })];
    try {
      const d1 = dispatcher([a.sub, b.sub], { database: db1, batchSize: 5 });
      const d2 = dispatcher([a.sub, b.sub], { database: db2, batchSize: 5 });
      const [n1, n2] = await Promise.all([d1.drain(), d2.drain()]);
      // No event was claimed by both.
      expect(n1 + n2).toBe(N);
      // SKIP LOCKED let both work at the same time instead of one waiting for the other.
      expect(n1).toBeGreaterThan(0);
      expect(n2).toBeGreaterThan(0);
    } finally {
      for (const db of [db1, db2]) await db.close();
    }
    for (const r of [a, b]) {
      expect(r.calls).toHaveLength(N);
      expect(new Set(r.ids())).toEqual(ids);
    }
    const counts = await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM core.outbox WHERE type = ${type} GROUP BY status`.execute(
      t.database.db,
    );
    expect(counts.rows).toEqual([{ status: 'delivered', n: N }]);
    const d = await sql<{ n: number }>`SELECT count(*)::int AS n FROM core.deliveries d JOIN core.outbox o ON o.id = d.event_id WHERE o.type = ${type}`.execute(
      t.database.db,
    );
    expect(d.rows[0].n).toBe(2 * N);
  });
});

describe('retries and dead letters', () => {
  it('retries a failing subscriber with growing backoff, never re-running the ones that succeeded, then dead-letters it', async () => {
    const type = newType();
    const ok = recorder('test.retry_ok', type);
    const bad = recorder('test.retry_bad', type, { fail: () => true });
    const id = await publish(type);
    const d = dispatcher([ok.sub, bad.sub], { maxAttempts: 3, backoffBaseMs: 60_000 });

    expect(await d.drain()).toBe(1);
    let r = (await row(id))!;
    expect(r).toMatchObject({ status: 'pending', attempts: 1 });
    expect(r.last_error).toContain('test.retry_bad: boom 1');
    // First retry after the base delay, with jitter of ±25 %.
    expect(r.due_in).toBeGreaterThan(40);
    expect(r.due_in).toBeLessThan(80);
    expect(await deliveries(id)).toEqual(['test.retry_ok']);

    // Not due yet: nothing happens.
    expect(await d.drain()).toBe(0);
    expect(bad.calls).toHaveLength(1);

    await makeDue(id);
    expect(await d.drain()).toBe(1);
    r = (await row(id))!;
    expect(r).toMatchObject({ status: 'pending', attempts: 2 });
    expect(r.last_error).toContain('boom 2');
    // The delay doubled.
    expect(r.due_in).toBeGreaterThan(85);
    expect(r.due_in).toBeLessThan(155);
    expect(ok.calls).toHaveLength(1);
    expect(bad.calls).toHaveLength(2);

    await makeDue(id);
    expect(await d.drain()).toBe(1);
    r = (await row(id))!;
    expect(r).toMatchObject({ status: 'dead', attempts: 3 });
    expect(r.last_error).toContain('test.retry_bad: boom 3');
    expect(r.delivered_at).toBeNull();

    // A dead event is not claimed again, even when due.
    await makeDue(id);
    expect(await d.drain()).toBe(0);
    expect(ok.calls).toHaveLength(1);
    expect(bad.calls).toHaveLength(3);
    expect(await deliveries(id)).toEqual(['test.retry_ok']);
  });

  it('a failing subscriber rolls back its own writes, and only its own', async () => {
    const type = newType();
    await sql`CREATE TABLE IF NOT EXISTS public.test_effects (subscriber text NOT NULL, event_id uuid NOT NULL)`.execute(t.database.db);
    const writer = (name: string, fail: boolean): Subscriber<any> => ({
      name,
      event: type as any,
      async handle(event, { db }) {
        await sql`INSERT INTO public.test_effects VALUES (${name}, ${event.id})`.execute(db);
        if (fail) throw new Error('after writing');
      },
    });
    const id = await publish(type);
    await dispatcher([writer('test.write_ok', false), writer('test.write_bad', true)], { maxAttempts: 1 }).drain();
    const effects = await sql<{ subscriber: string }>`SELECT subscriber FROM public.test_effects WHERE event_id = ${id}`.execute(t.database.db);
    expect(effects.rows.map((e) => e.subscriber)).toEqual(['test.write_ok']);
    expect(await row(id)).toMatchObject({ status: 'dead', attempts: 1 });
  });
});

describe('admin events API', () => {
  const list = (query: string, token?: string) =>
    t.request({ method: 'GET', url: `/api/v1/admin/events?${query}`, headers: token ? bearer(token) : {} });
  const retry = (id: string, token?: string) =>
    t.request({ method: 'POST', url: `/api/v1/admin/events/${id}/retry`, headers: token ? bearer(token) : {} });

  it('lists dead events for admins, retries one, and delivers it once the subscriber succeeds', async () => {
    const type = newType();
    let failing = true;
    const ok = recorder('test.admin_ok', type);
    const flaky = recorder('test.admin_flaky', type, { fail: () => failing });
    const id = await publish(type, { order: 42 });
    const d = dispatcher([ok.sub, flaky.sub], { maxAttempts: 1 });
    await d.drain();
    expect(await row(id)).toMatchObject({ status: 'dead' });

    const res = await list(`status=dead&type=${type}`, adminToken);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.page).toEqual({ nextCursor: null, limit: 20 });
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      id,
      type,
      version: 1,
      status: 'dead',
      attempts: 1,
      lastError: expect.stringContaining('test.admin_flaky: boom 1'),
      actorId: ACTOR,
      orgId: null,
      requestId: 'req-events-test',
      payload: { order: 42 },
    });
    expect(new Date(body.data[0].occurredAt).toString()).not.toBe('Invalid Date');
    // status=dead is the default, and the unfiltered list contains it too.
    expect((await list('limit=100', adminToken)).json().data.map((e: { id: string }) => e.id)).toContain(id);

    failing = false;
    const r = await retry(id, adminToken);
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ id, status: 'pending', attempts: 0 });
    expect(await d.drain()).toBe(1);
    // Only the subscriber that had failed runs again.
    expect(ok.calls).toHaveLength(1);
    expect(flaky.calls).toHaveLength(2);
    expect(await row(id)).toMatchObject({ status: 'delivered', last_error: null });
    expect(await deliveries(id)).toEqual(['test.admin_flaky', 'test.admin_ok']);
    expect((await list(`status=delivered&type=${type}`, adminToken)).json().data).toMatchObject([{ id, status: 'delivered' }]);
    expect((await list(`status=dead&type=${type}`, adminToken)).json().data).toEqual([]);

    // A delivered event cannot be retried.
    const again = await retry(id, adminToken);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('EVENTS.ALREADY_DELIVERED');
  });

  it('pages through dead events newest first', async () => {
    const type = newType();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await publish(type, { i }));
    await dispatcher([recorder('test.page', type, { fail: () => true }).sub], { maxAttempts: 1 }).drain();
    const first = (await list(`status=dead&type=${type}&limit=2`, adminToken)).json();
    expect(first.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    expect(first.page.nextCursor).toEqual(expect.any(String));
    const second = (await list(`status=dead&type=${type}&limit=2&cursor=${first.page.nextCursor}`, adminToken)).json();
    expect(second.data.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
    expect(second.page.nextCursor).toBeNull();
  });

  it('refuses non-admins (403) and anonymous callers (401)', async () => {
    const forUser = await list('status=dead', userToken);
    expect(forUser.statusCode).toBe(403);
    expect(forUser.json().code).toBe('FORBIDDEN');
    const anonymous = await list('status=dead');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('UNAUTHENTICATED');
    const id = '01900000-0000-7000-8000-000000000001';
    expect((await retry(id, userToken)).statusCode).toBe(403);
    expect((await retry(id)).statusCode).toBe(401);
  });

  it('answers 404 for an unknown event, 400 for a malformed id, status or cursor', async () => {
    const res = await retry('01900000-0000-7000-8000-00000000dead', adminToken);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const bad = await retry('not-a-uuid', adminToken);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');
    expect((await list('status=lost', adminToken)).statusCode).toBe(400);
    // A cursor this API never issued is a 400, not a database error.
    for (const key of [['not-a-uuid'], [{}], [], 'not-an-array']) {
      const cursor = Buffer.from(JSON.stringify(key)).toString('base64url');
      const res = await list(`status=dead&cursor=${cursor}`, adminToken);
      expect(res.statusCode, JSON.stringify(key)).toBe(400);
      expect(res.json().errors).toEqual([{ field: 'query.cursor', message: expect.any(String) }]);
    }
  });
});

describe('wake-up', () => {
  it('LISTEN/NOTIFY wakes a started dispatcher without waiting for the poll interval', async () => {
    const type = newType();
    const r = recorder('test.notify', type);
    const d = dispatcher([r.sub], { pollIntervalMs: 60_000 });
    await d.start();
    try {
      // drain() waits for the first pass that start() scheduled; after it the next poll is a minute away.
      await d.drain();
      await new Promise((res) => setTimeout(res, 100));
      const id = await publish(type);
      const started = Date.now();
      await vi.waitFor(() => expect(r.ids()).toEqual([id]), { timeout: 1500, interval: 10 });
      expect(Date.now() - started).toBeLessThan(1500);
      // A second event wakes it again.
      const id2 = await publish(type);
      await vi.waitFor(() => expect(r.ids()).toEqual([id, id2]), { timeout: 1500, interval: 10 });
    } finally {
      await d.stop();
    }
    expect(d.running).toBe(false);
  });

  it('a retried dead event wakes a started dispatcher', async () => {
    const type = newType();
    let failing = true;
    const r = recorder('test.notify_retry', type, { fail: () => failing });
    const id = await publish(type);
    await dispatcher([r.sub], { maxAttempts: 1 }).drain();
    expect(await row(id)).toMatchObject({ status: 'dead' });
    failing = false;
    const d = dispatcher([r.sub], { pollIntervalMs: 60_000 });
    await d.start();
    try {
      await d.drain();
      expect((await retry(id)).statusCode).toBe(202);
      await vi.waitFor(async () => expect(await row(id)).toMatchObject({ status: 'delivered' }), { timeout: 1500, interval: 20 });
      expect(r.calls).toHaveLength(2);
    } finally {
      await d.stop();
    }
  });
  const retry = (id: string) => t.request({ method: 'POST', url: `/api/v1/admin/events/${id}/retry`, headers: bearer(adminToken) });
});
