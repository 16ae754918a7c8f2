// The dispatcher's own life cycle (start, poll, stop) on a database of this file's own.
// Delivery semantics with the real app are in test/events.test.ts.
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../../test/harness.ts';
import type { Database } from '../db/database.ts';
import { createLogger } from '../log/logger.ts';
import { createDispatcher, type DispatcherOptions } from './dispatcher.ts';
import { createOutbox } from './outbox.ts';
import type { Subscriber } from './types.ts';

let database: Database;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ database, drop } = await createTestDatabase());
  // The template holds no pending events, but be sure: these dispatchers claim every type.
  await sql`UPDATE core.outbox SET status = 'delivered' WHERE status = 'pending'`.execute(database.db);
});
afterAll(() => drop?.());

const outbox = createOutbox();
const log = createLogger('silent');
let seq = 0;
const newType = () => `unit.thing_${++seq}_happened`;
const publish = (type: string) => database.db.transaction().execute((tx) => outbox.publish(tx, type as any, {} as any));
const status = async (id: string) =>
  (await sql<{ status: string; attempts: number; last_error: string | null }>`SELECT status, attempts, last_error FROM core.outbox WHERE id = ${id}`.execute(database.db)).rows[0];

function dispatcher(subscribers: Subscriber<any>[], opts: Partial<DispatcherOptions> = {}) {
  return createDispatcher({ database, subscribers, log, maxAttempts: 5, ...opts });
}
const sub = (name: string, event: string, handle: Subscriber<any>['handle']): Subscriber<any> => ({ name, event: event as any, handle });

describe('dispatcher', () => {
  it('refuses two subscribers with one name', () => {
    expect(() => dispatcher([sub('x.same', 'a.b', async () => {}), sub('x.same', 'c.d', async () => {})])).toThrow(/duplicate.*x\.same/);
  });

  it('reports running and its subscribers; start is idempotent', async () => {
    const d = dispatcher([sub('x.one', newType(), async () => {})], { pollIntervalMs: 60_000 });
    expect(d.subscriberNames).toEqual(['x.one']);
    expect(d.running).toBe(false);
    await d.start();
    await d.start();
    expect(d.running).toBe(true);
    await d.stop();
    expect(d.running).toBe(false);
    await d.stop();
  });

  it('picks up a retry that comes due by polling, without a notification', async () => {
    const type = newType();
    let calls = 0;
    const d = dispatcher(
      [
        sub('x.flaky', type, async () => {
          calls++;
          if (calls === 1) throw 'not an Error instance';
        }),
      ],
      { pollIntervalMs: 50, backoffBaseMs: 200 },
    );
    const id = await publish(type);
    await d.start();
    try {
      await vi.waitFor(async () => expect((await status(id)).attempts).toBe(1), { timeout: 2000, interval: 10 });
      expect((await status(id)).last_error).toBe('x.flaky: not an Error instance');
      await vi.waitFor(async () => expect((await status(id)).status).toBe('delivered'), { timeout: 3000, interval: 20 });
      expect(calls).toBe(2);
    } finally {
      await d.stop();
    }
  });

  it('stop() waits for the pass in progress and no longer delivers afterwards', async () => {
    const type = newType();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started = false;
    let finished = false;
    const d = dispatcher(
      [
        sub('x.slow', type, async () => {
          started = true;
          await gate;
          finished = true;
        }),
      ],
      { pollIntervalMs: 60_000 },
    );
    await d.start();
    const id = await publish(type);
    await vi.waitFor(() => expect(started).toBe(true), { timeout: 2000, interval: 5 });
    let stopped = false;
    const stopping = d.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    expect((await status(id)).status).toBe('delivered');

    // Stopped: a new event stays pending.
    const later = await publish(type);
    await new Promise((r) => setTimeout(r, 200));
    expect((await status(later)).status).toBe('pending');
    await sql`DELETE FROM core.outbox WHERE id = ${later}`.execute(database.db);
  });

  it('deletes delivered events and their deliveries after the retention period', async () => {
    const type = newType();
    const d = dispatcher([sub('x.kept', type, async () => {})], { retentionMs: 60_000 });
    const old = await publish(type);
    const recent = await publish(type);
    await d.drain();
    await sql`UPDATE core.outbox SET delivered_at = now() - interval '2 minutes' WHERE id = ${old}`.execute(database.db);
    // Cleanup runs on the first pass of a dispatcher, then at most hourly.
    await dispatcher([], { retentionMs: 60_000 }).drain();
    expect(await status(old)).toBeUndefined();
    expect((await status(recent)).status).toBe('delivered');
    const left = await sql<{ event_id: string }>`SELECT event_id FROM core.deliveries WHERE event_id IN (${old}, ${recent})`.execute(database.db);
    expect(left.rows.map((r) => r.event_id)).toEqual([recent]);
  });

  it('delivers a batch per subscriber in order, one transaction each, leaving out only the event that fails', async () => {
    const type = newType();
    const seen: string[] = [];
    const written: string[] = [];
    const calls = new Map<string, number>();
    let bad = '';
    const d = dispatcher([
      sub('x.writer', type, async (event, { db }) => {
        calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
        if (event.id === bad) throw new Error('this one is bad');
        // Written in the delivery's transaction: rolled back with it when a later event fails.
        await sql`SELECT ${event.id}::uuid`.execute(db);
        written.push(event.id);
      }),
      sub('x.reader', type, async (event) => {
        seen.push(event.id);
      }),
    ]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await publish(type));
    bad = ids[2];
    await d.drain();
    // The reader took all five in order, once each; the writer's bad event failed alone.
    expect(seen).toEqual(ids);
    expect((await Promise.all(ids.map(status))).map((r) => r.status)).toEqual(['delivered', 'delivered', 'pending', 'delivered', 'delivered']);
    expect((await status(bad)).last_error).toBe('x.writer: this one is bad');
    // The failing handler ran once in the pass; the events before it ran again after the rollback.
    expect(calls.get(bad)).toBe(1);
    expect(ids.filter((id) => id !== bad).every((id) => written.includes(id))).toBe(true);
    const recorded = await sql<{ event_id: string; subscriber: string }>`SELECT event_id, subscriber FROM core.deliveries WHERE event_id = ANY(${ids}::uuid[]) ORDER BY event_id, subscriber`.execute(database.db);
    expect(recorded.rows.filter((r) => r.subscriber === 'x.writer').map((r) => r.event_id)).toEqual(ids.filter((id) => id !== bad));
    expect(recorded.rows.filter((r) => r.subscriber === 'x.reader')).toHaveLength(5);
    await sql`UPDATE core.outbox SET status = 'delivered' WHERE id = ${bad}`.execute(database.db);
  });

  it('gives a subscriber with handleBatch the batch at once, and falls back to one event at a time when it fails', async () => {
    const type = newType();
    const batches: string[][] = [];
    const single: string[] = [];
    let bad = '';
    const batched: Subscriber<any> = {
      ...sub('x.batched', type, async (event) => {
        if (event.id === bad) throw new Error('this one is bad');
        single.push(event.id);
      }),
      handleBatch: async (events) => {
        batches.push(events.map((e) => e.id));
        if (events.some((e) => e.id === bad)) throw new Error('the batch has a bad event');
      },
    };
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await publish(type));
    await dispatcher([batched]).drain();
    // One call with the four events in order; handle() never ran.
    expect(batches).toEqual([ids]);
    expect(single).toEqual([]);

    const more: string[] = [];
    for (let i = 0; i < 3; i++) more.push(await publish(type));
    bad = more[1];
    await dispatcher([batched]).drain();
    // The batch failed as a whole, then each event went through handle() on its own: the bad one fails alone.
    expect(batches.at(-1)).toEqual(more);
    expect(single).toEqual([more[0], more[2]]);
    expect((await Promise.all(more.map(status))).map((r) => r.status)).toEqual(['delivered', 'pending', 'delivered']);
    expect((await status(bad)).last_error).toBe('x.batched: this one is bad');
    await sql`UPDATE core.outbox SET status = 'delivered' WHERE id = ${bad}`.execute(database.db);
  });

  it('delivers an event after a quiet spell at once, events that come on its heels together, and a fast flow without waiting', async () => {
    const type = newType();
    const batches: { ids: string[]; at: number }[] = [];
    const delivered = new Set<string>();
    let handled: string[] = [];
    const d = dispatcher(
      [
        sub('x.gathered', type, async (event) => {
          handled.push(event.id);
        }),
      ],
      {
        pollIntervalMs: 60_000,
        gatherMs: 400,
        onDelivered: () => {
          if (!handled.length) return;
          batches.push({ ids: handled, at: performance.now() });
          for (const id of handled) delivered.add(id);
          handled = [];
        },
      },
    );
    await d.start();
    try {
      // A quiet spell longer than the window since the start's pass.
      await new Promise((r) => setTimeout(r, 450));
      const quiet = performance.now();
      const first = await publish(type);
      await vi.waitFor(() => expect(delivered.has(first)).toBe(true), { timeout: 2000, interval: 5 });
      // Woken by its NOTIFY (the poll is a minute away), and not held for a window.
      expect(batches).toHaveLength(1);
      expect(batches[0].at - quiet).toBeLessThan(390);
      // Three more, each committed on its own while the window since that pass runs: one pass takes them all.
      const next = [await publish(type), await publish(type), await publish(type)];
      await vi.waitFor(() => expect(next.every((id) => delivered.has(id))).toBe(true), { timeout: 3000, interval: 5 });
      expect(batches.map((b) => b.ids)).toEqual([[first], next]);
      expect(batches[1].at - batches[0].at).toBeGreaterThanOrEqual(390);

      // A flow worth its passes is not held: after a pass of 16 events, the next event goes at once.
      await new Promise((r) => setTimeout(r, 450));
      const many = await database.db.transaction().execute((tx) => outbox.publishAll(tx, Array.from({ length: 16 }, () => ({ type: type as never, payload: {} as never }))));
      await vi.waitFor(() => expect(many.every((id) => delivered.has(id))).toBe(true), { timeout: 3000, interval: 5 });
      const after = performance.now();
      const last = await publish(type);
      await vi.waitFor(() => expect(delivered.has(last)).toBe(true), { timeout: 3000, interval: 5 });
      expect(batches.at(-1)!.ids).toEqual([last]);
      expect(batches.at(-1)!.at - after).toBeLessThan(350);
    } finally {
      await d.stop();
    }
  });

  it('drains a backlog of several batches in one pass, each subscriber getting the events in order', async () => {
    const type = newType();
    const seen: string[] = [];
    const batchSizes: number[] = [];
    const d = dispatcher(
      [
        sub('x.ordered', type, async (event) => {
          seen.push(event.id);
        }),
        {
          ...sub('x.sizes', type, async () => {
            batchSizes.push(1);
          }),
          handleBatch: async (events) => {
            batchSizes.push(events.length);
          },
        },
      ],
      { batchSize: 4 },
    );
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await publish(type));
    // The next batch is claimed while one is delivered, and a batch is marked while the next is:
    // the order still holds, every event is delivered once, no lease is left behind.
    expect(await d.drain()).toBe(10);
    expect(seen).toEqual(ids);
    expect(batchSizes).toEqual([4, 4, 2]);
    const rows = (await Promise.all(ids.map(status))).map((r) => r.status);
    expect(rows.every((r) => r === 'delivered')).toBe(true);
    const leased = await sql<{ n: number }>`SELECT count(*)::int AS n FROM core.outbox WHERE id = ANY(${ids}::uuid[]) AND locked_until IS NOT NULL`.execute(database.db);
    expect(leased.rows[0].n).toBe(0);
  });

  it("claims due events by the ordered scan, which marks delivered events' index entries dead for every later claim", async () => {
    const type = newType();
    // Nothing vacuums the table meanwhile: each delivered event keeps its entry in outbox_due_idx
    // until a scan that passes it marks it dead (an index scan does; a bitmap scan never does).
    await sql`ALTER TABLE core.outbox SET (autovacuum_enabled = false)`.execute(database.db);
    try {
      await sql`INSERT INTO core.outbox (id, type, payload) SELECT gen_random_uuid(), ${type}, '{}' FROM generate_series(1, 3000)`.execute(database.db);
      const d = dispatcher([{ ...sub('x.bulk', type, async () => {}), handleBatch: async () => {} }], { batchSize: 5000 });
      expect(await d.drain()).toBe(3000);
      // The buffers a bitmap scan of the due index reads: the index, and the table page behind
      // each entry not marked dead (such a scan skips those, and marks none itself).
      const unmarked = () =>
        database.db.transaction().execute(async (tx) => {
          await sql`SET LOCAL enable_indexscan = off`.execute(tx);
          await sql`SET LOCAL enable_indexonlyscan = off`.execute(tx);
          await sql`SET LOCAL enable_seqscan = off`.execute(tx);
          const { rows } = await sql<{ 'QUERY PLAN': [{ Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }] }>`
            EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT count(*) FROM core.outbox WHERE status = 'pending' AND next_attempt_at <= now()`.execute(tx);
          const plan = rows[0]['QUERY PLAN'][0].Plan;
          return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
        });
      // An entry can be marked once no transaction of the cluster may still see its row: the
      // dispatcher's next passes (claims that find nothing) mark them as soon as that holds.
      // The bitmap claim of before never did: 127 buffers here, however many passes, against 30–35.
      let read = await unmarked();
      for (let pass = 0; pass < 100 && read >= 60; pass++) {
        await new Promise((r) => setTimeout(r, 100));
        await d.drain();
        read = await unmarked();
      }
      expect(read).toBeLessThan(60);
    } finally {
      await sql`ALTER TABLE core.outbox RESET (autovacuum_enabled)`.execute(database.db);
    }
  });

  it("runs one module's subscribers in event order, so what one commits the next one sees", async () => {
    const created = newType();
    const promoted = newType();
    await sql`CREATE TABLE IF NOT EXISTS public.dispatcher_order_test (id text PRIMARY KEY, role text NOT NULL)`.execute(database.db);
    const key = `k${seq}`;
    const updated: number[] = [];
    const every: number[] = [];
    const d = dispatcher([
      // Slow on purpose: run side by side with the update, it would commit after it.
      sub('mx.create', created, async (_event, { db }) => {
        await new Promise((r) => setTimeout(r, 100));
        await sql`INSERT INTO public.dispatcher_order_test (id, role) VALUES (${key}, 'user')`.execute(db);
      }),
      sub('mx.promote', promoted, async (_event, { db }) => {
        const r = await sql`UPDATE public.dispatcher_order_test SET role = 'admin' WHERE id = ${key}`.execute(db);
        updated.push(Number(r.numAffectedRows ?? 0));
      }),
      // Another module's subscriber to every event runs beside them, and gets the batch whole.
      { ...sub('other.every', created, async () => {}), event: '*' as any, handleBatch: async (events) => void every.push(events.length) },
    ]);
    const other = newType();
    await publish(other);
    await publish(created);
    await publish(promoted);
    await publish(other);
    await d.drain();
    expect(updated).toEqual([1]);
    // The subscriber to every event took the four, of three types, at once.
    expect(every).toEqual([4]);
    const row = await sql<{ role: string }>`SELECT role FROM public.dispatcher_order_test WHERE id = ${key}`.execute(database.db);
    expect(row.rows[0].role).toBe('admin');
  });

  it('logs the database going away once for the batch, not a line per event, and retries every event', async () => {
    const type = newType();
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    let calls = 0;
    const d = dispatcher(
      [
        sub('x.gone', type, async () => {
          calls++;
          // What pg throws when the server went away mid-batch.
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        }),
      ],
      { log: createLogger('info', sink) },
    );
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await publish(type));
    await d.drain();
    expect(lines.map((l) => l.msg)).toEqual(['event dispatcher pass failed']);
    // Every event waits for its retry, with the reason recorded.
    expect((await Promise.all(ids.map(status))).map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ['pending', 1]));
    expect((await status(ids[0])).last_error).toMatch(/ECONNREFUSED/);
    // The batch failed on its first event; the others were not tried one by one against a database that is away.
    expect(calls).toBe(1);
    await sql`UPDATE core.outbox SET status = 'delivered' WHERE id = ANY(${ids}::uuid[])`.execute(database.db);
  });
});
