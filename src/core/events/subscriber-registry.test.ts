// Instances of two versions on one outbox (decision 0031): dispatchers with different subscribers
// over one database of this file's own, and the registry of every instance's subscribers.
// The two-process proof is test/rolling-deploy.test.ts.
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../../test/harness.ts';
import type { Database } from '../db/database.ts';
import { createLogger } from '../log/logger.ts';
import { createDispatcher, type DispatcherOptions } from './dispatcher.ts';
import { createOutbox } from './outbox.ts';
import { readSubscribers, reportSubscriptions, retireSubscriber } from './subscriber-registry.ts';
import type { Subscriber } from './types.ts';

let database: Database;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ database, drop } = await createTestDatabase());
  await sql`UPDATE core.outbox SET status = 'delivered' WHERE status = 'pending'`.execute(database.db);
});
afterAll(() => drop?.());
// Each test starts with an empty registry and no pending event: what one leaves must not make
// the next one's events wait.
afterEach(async () => {
  await sql`DELETE FROM core.event_subscribers`.execute(database.db);
  await sql`UPDATE core.outbox SET status = 'delivered', waiting_for = NULL WHERE status = 'pending'`.execute(database.db);
});

const outbox = createOutbox();
const silent = createLogger('silent');
let seq = 0;
const newType = () => `unit.rolling_${++seq}_happened`;
const publish = (type: string) => database.db.transaction().execute((tx) => outbox.publish(tx, type as any, {} as any));

interface Row {
  status: string;
  attempts: number;
  waiting_for: string[] | null;
  waits: boolean;
  due: boolean;
  last_error: string | null;
}
const row = async (id: string) =>
  (
    await sql<Row>`SELECT status, attempts, waiting_for, next_attempt_at = 'infinity' AS waits, next_attempt_at <= now() AS due, last_error
                   FROM core.outbox WHERE id = ${id}`.execute(database.db)
  ).rows[0];
const deliveries = async (id: string) =>
  (await sql<{ subscriber: string }>`SELECT subscriber FROM core.deliveries WHERE event_id = ${id} ORDER BY subscriber`.execute(database.db)).rows.map((r) => r.subscriber);

/** A subscriber that counts its calls; `fail` decides per call whether it throws. */
function counter(name: string, event: string, fail: (n: number) => boolean = () => false) {
  const seen: string[] = [];
  const sub: Subscriber<any> = {
    name,
    event: event as any,
    async handle(e) {
      seen.push(e.id);
      if (fail(seen.length)) throw new Error(`${name} failed`);
    },
  };
  return { sub, seen };
}

function dispatcher(subscribers: Subscriber<any>[], opts: Partial<DispatcherOptions> = {}) {
  return createDispatcher({ database, subscribers, log: silent, maxAttempts: 5, backoffBaseMs: 60_000, ...opts });
}

/** Another instance, which reported `subscriptions` (now, or `ago` ms back). */
async function elsewhere(subscriptions: { name: string; event: string }[], ago = 0) {
  await reportSubscriptions(database.db, subscriptions, 'other-host/1');
  if (ago) {
    await sql`UPDATE core.event_subscribers SET last_seen_at = now() - ${`${ago} milliseconds`}::interval
              WHERE name = ANY(${subscriptions.map((s) => s.name)}::text[])`.execute(database.db);
  }
}

describe('an outbox shared by instances with different subscribers', () => {
  it('never completes an event for a subscriber only another instance runs: it waits, and that instance completes it', async () => {
    const type = newType();
    await elsewhere([{ name: 'newer.extra', event: type }]);
    const oldShared = counter('both.shared', type);
    const older = dispatcher([oldShared.sub]);
    const id = await publish(type);

    expect(await older.drain()).toBe(1);
    expect(oldShared.seen).toEqual([id]);
    // Handled by everything here, and still pending: it waits for the other instance's subscriber.
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0, waiting_for: ['newer.extra'], waits: true });
    expect(await deliveries(id)).toEqual(['both.shared']);
    // Never due again here: another pass claims nothing.
    expect(await older.drain()).toBe(0);

    const newShared = counter('both.shared', type);
    const extra = counter('newer.extra', type);
    const newer = dispatcher([newShared.sub, extra.sub]);
    expect(await newer.drain()).toBe(1);
    expect(extra.seen).toEqual([id]);
    // What the first instance delivered is not delivered again.
    expect(newShared.seen).toEqual([]);
    expect(await row(id)).toMatchObject({ status: 'delivered', waiting_for: null });
    expect(await deliveries(id)).toEqual(['both.shared', 'newer.extra']);
  });

  it('keeps an event that only another instance subscribes to, even where nothing here takes it', async () => {
    const type = newType();
    const other = newType();
    await elsewhere([{ name: 'newer.only', event: type }]);
    const unrelated = counter('here.unrelated', other);
    const id = await publish(type);
    expect(await dispatcher([unrelated.sub]).drain()).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'pending', waiting_for: ['newer.only'] });
    expect(unrelated.seen).toEqual([]);
  });

  it("makes every event wait for another instance's subscriber to every type", async () => {
    const type = newType();
    await elsewhere([{ name: 'newer.every', event: '*' }]);
    const here = counter('here.one', type);
    const ids = [await publish(type), await publish(newType())];
    expect(await dispatcher([here.sub]).drain()).toBe(2);
    expect((await Promise.all(ids.map(row))).map((r) => r.waiting_for)).toEqual([['newer.every'], ['newer.every']]);
  });

  it('completes an event at once when the other instances have already handled it', async () => {
    const type = newType();
    await elsewhere([{ name: 'newer.extra', event: type }]);
    const id = await publish(type);
    // The other instance took it first (its delivery row is there) but had not recorded the outcome.
    await sql`INSERT INTO core.deliveries (event_id, subscriber) VALUES (${id}, 'newer.extra')`.execute(database.db);
    expect(await dispatcher([counter('here.one', type).sub]).drain()).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'delivered', waiting_for: null });
  });

  it('does not claim a waiting event for a subscriber of the same name that takes another type here', async () => {
    const type = newType();
    await elsewhere([{ name: 'renamed.meaning', event: type }]);
    const id = await publish(type);
    await dispatcher([]).drain();
    expect((await row(id)).waiting_for).toEqual(['renamed.meaning']);
    // This version's renamed.meaning takes another type: it could not complete the event, so it
    // must not take it (it would take it again on every pass).
    const other = counter('renamed.meaning', newType());
    expect(await dispatcher([other.sub]).drain()).toBe(0);
    expect(other.seen).toEqual([]);
  });

  it('retries a waiting event whose subscriber failed with backoff, then it waits again for it', async () => {
    const type = newType();
    await elsewhere([{ name: 'newer.flaky', event: type }]);
    const id = await publish(type);
    await dispatcher([counter('both.shared', type).sub]).drain();

    const flaky = counter('newer.flaky', type, (n) => n === 1);
    await dispatcher([flaky.sub]).drain();
    // An ordinary failure: counted, backed off, and back in the due claim's hands.
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1, waiting_for: null, waits: false, due: false, last_error: 'newer.flaky: newer.flaky failed' });

    await sql`UPDATE core.outbox SET next_attempt_at = now() WHERE id = ${id}`.execute(database.db);
    await dispatcher([counter('both.shared', type).sub]).drain();
    // Taken by the older instance again: it waits again, its last error kept for admins.
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1, waiting_for: ['newer.flaky'], last_error: 'newer.flaky: newer.flaky failed' });

    await dispatcher([flaky.sub]).drain();
    expect(flaky.seen).toEqual([id, id]);
    expect(await row(id)).toMatchObject({ status: 'delivered', last_error: null });
  });

  it('takes a backlog of waiting events a batch at a time, each subscriber in event order', async () => {
    const type = newType();
    await elsewhere([{ name: 'newer.extra', event: type }]);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await publish(type));
    await dispatcher([], { batchSize: 3 }).drain();
    const extra = counter('newer.extra', type);
    expect(await dispatcher([extra.sub], { batchSize: 3 }).drain()).toBe(7);
    expect(extra.seen).toEqual(ids);
    expect((await Promise.all(ids.map(row))).every((r) => r.status === 'delivered')).toBe(true);
  });
});

describe('the registry', () => {
  it('records the subscribers of a running dispatcher and keeps reporting them until it stops', async () => {
    const type = newType();
    const d = dispatcher([counter('here.one', type).sub, { ...counter('here.every', type).sub, event: '*' as any }], { subscriberTimeoutMs: 1000, pollIntervalMs: 60_000 });
    const seenAt = async () =>
      (await sql<{ name: string; event: string; seen: number }>`SELECT name, event, extract(epoch FROM last_seen_at)::float8 AS seen FROM core.event_subscribers ORDER BY name`.execute(database.db)).rows;
    await d.start();
    try {
      const first = await seenAt();
      expect(first.map((r) => [r.name, r.event])).toEqual([
        ['here.every', '*'],
        ['here.one', type],
      ]);
      // Every quarter of the timeout.
      await vi.waitFor(async () => expect((await seenAt())[0].seen).toBeGreaterThan(first[0].seen), { timeout: 3000, interval: 50 });
    } finally {
      await d.stop();
    }
    const last = await seenAt();
    await new Promise((r) => setTimeout(r, 600));
    expect(await seenAt()).toEqual(last);
  });

  it('lists each subscriber with the events waiting for it, live or gone', async () => {
    const type = newType();
    await elsewhere([{ name: 'gone.one', event: type }], 10 * 60_000);
    await elsewhere([
      { name: 'live.one', event: type },
      { name: 'live.one', event: '*' },
    ]);
    const ids = [await publish(type), await publish(type)];
    await dispatcher([]).drain();

    const unrelated = await publish(newType());
    await dispatcher([]).drain();

    const all = await readSubscribers(database.db, { timeoutMs: 60_000, limit: 10 });
    expect(all.map((s) => [s.name, s.event, s.live, s.waitingEvents, s.oldestWaitingEventId, s.instance])).toEqual([
      ['gone.one', type, false, 2, ids[0], 'other-host/1'],
      // Its subscription to every type waits for the unrelated event too.
      ['live.one', '*', true, 3, ids[0], 'other-host/1'],
      ['live.one', type, true, 2, ids[0], 'other-host/1'],
    ]);
    expect((await row(unrelated)).waiting_for).toEqual(['live.one']);
    expect(all[0].oldestWaitingSince).toBeInstanceOf(Date);
    const names = async (opts: Partial<Parameters<typeof readSubscribers>[1]>) =>
      (await readSubscribers(database.db, { timeoutMs: 60_000, limit: 10, ...opts })).map((s) => `${s.name} ${s.event}`);
    expect(await names({ gone: true })).toEqual([`gone.one ${type}`]);
    expect(await names({ gone: false })).toEqual(['live.one *', `live.one ${type}`]);
    expect(await names({ after: ['live.one', '*'] })).toEqual([`live.one ${type}`]);
    expect(await names({ limit: 1 })).toEqual([`gone.one ${type}`]);
  });

  it('retires a gone subscriber: events that waited only for it are delivered by the next pass, the others keep waiting', async () => {
    const type = newType();
    const other = newType();
    await elsewhere([{ name: 'gone.retired', event: '*' }], 10 * 60_000);
    await elsewhere([{ name: 'live.kept', event: other }]);
    const only = await publish(type);
    const both = await publish(other);
    await dispatcher([]).drain();
    expect((await row(both)).waiting_for).toEqual(['gone.retired', 'live.kept']);

    expect(await retireSubscriber(database.db, 'nobody.here', undefined, 60_000)).toEqual({ outcome: 'unknown' });
    expect(await retireSubscriber(database.db, 'live.kept', undefined, 60_000)).toMatchObject({ outcome: 'live' });
    expect(await retireSubscriber(database.db, 'gone.retired', undefined, 60_000)).toEqual({ outcome: 'retired', events: ['*'], releasedEvents: 2 });
    expect(await row(only)).toMatchObject({ status: 'pending', waiting_for: null, due: true });
    expect(await row(both)).toMatchObject({ status: 'pending', waiting_for: ['live.kept'], waits: true });
    expect((await readSubscribers(database.db, { timeoutMs: 60_000, limit: 10 })).map((s) => s.name)).toEqual(['live.kept']);

    expect(await dispatcher([]).drain()).toBe(1);
    expect(await row(only)).toMatchObject({ status: 'delivered' });
    expect(await deliveries(only)).toEqual([]);
  });

  it('retires the stale type of a subscriber that a newer version gave another type, and only that', async () => {
    const before = newType();
    const after = newType();
    await elsewhere([{ name: 'x.moved', event: before }], 10 * 60_000);
    await elsewhere([{ name: 'x.moved', event: after }]);
    const old = await publish(before);
    const current = await publish(after);
    await dispatcher([]).drain();
    expect([(await row(old)).waiting_for, (await row(current)).waiting_for]).toEqual([['x.moved'], ['x.moved']]);

    // By name, it is live: refused. Its stale row alone can go.
    expect(await retireSubscriber(database.db, 'x.moved', undefined, 60_000)).toMatchObject({ outcome: 'live' });
    expect(await retireSubscriber(database.db, 'x.moved', 'other.type', 60_000)).toEqual({ outcome: 'unknown' });
    expect(await retireSubscriber(database.db, 'x.moved', before, 60_000)).toEqual({ outcome: 'retired', events: [before], releasedEvents: 1 });
    expect(await row(old)).toMatchObject({ waiting_for: null, due: true });
    // The event of the type it still takes keeps waiting for it.
    expect((await row(current)).waiting_for).toEqual(['x.moved']);
  });

  it('warns of gone subscribers that events wait for, at most once per period', async () => {
    const type = newType();
    await elsewhere([{ name: 'gone.warned', event: type }], 10 * 60_000);
    const id = await publish(type);
    const lines: { level: number; msg: string; subscribers?: any[] }[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    const d = dispatcher([], { log: createLogger('info', sink), subscriberTimeoutMs: 1000, warnEveryMs: 60_000 });
    await d.start();
    try {
      const warned = () => lines.filter((l) => l.msg.startsWith('events wait for subscribers that no instance runs'));
      await vi.waitFor(() => expect(warned()).toHaveLength(1), { timeout: 5000, interval: 50 });
      expect(warned()[0]).toMatchObject({ level: 40, subscribers: [{ name: 'gone.warned', event: type, waitingEvents: 1, oldestWaitingEventId: id, instance: 'other-host/1' }] });
      // Reported every 250 ms, warned once within the period.
      await new Promise((r) => setTimeout(r, 800));
      expect(warned()).toHaveLength(1);
    } finally {
      await d.stop();
    }
  });

  it('does not warn of a gone subscriber that no event waits for', async () => {
    await elsewhere([{ name: 'gone.idle', event: newType() }], 10 * 60_000);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const d = dispatcher([], { log: createLogger('info', sink), subscriberTimeoutMs: 1000 });
    await d.start();
    await new Promise((r) => setTimeout(r, 700));
    await d.stop();
    expect(lines.join('')).not.toMatch(/events wait for subscribers/);
  });
});
