// The admin view of the event subscriber registry (decision 0031): which subscribers instances
// reported, which events wait for which, retiring one no version runs, and the metrics that
// show it. The other instances are rows written here; test/rolling-deploy.test.ts runs real ones.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../src/core/events/dispatcher.ts';
import { createOutbox } from '../src/core/events/outbox.ts';
import { reportSubscriptions } from '../src/core/events/subscriber-registry.ts';
import { createLogger } from '../src/core/log/logger.ts';
import { bearer, createTestApp, makeAdmin, scrapeMetrics, signUp, type TestApp } from './harness.ts';

let t: TestApp;
let adminToken: string;
let userToken: string;
const outbox = createOutbox();

beforeAll(async () => {
  t = await createTestApp({ env: { AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' } });
  const admin = await signUp(t);
  await makeAdmin(t, admin.userId);
  adminToken = admin.accessToken;
  userToken = (await signUp(t)).accessToken;
});
afterAll(() => t?.close());
beforeEach(() => t.drain());
afterEach(async () => {
  await sql`DELETE FROM core.event_subscribers`.execute(t.database.db);
  await sql`DELETE FROM core.outbox WHERE type LIKE 'test.%' AND status = 'pending'`.execute(t.database.db);
});

let seq = 0;
const newType = () => `test.registry_${++seq}_happened`;
const publish = (type: string) => t.database.db.transaction().execute((tx) => outbox.publish(tx, type as any, { n: 1 } as any));
/** An instance of this app's version: it runs none of the test subscribers. */
const thisVersion = () => createDispatcher({ database: t.database, subscribers: [], log: createLogger('silent'), maxAttempts: 3 });

/** Subscribers another instance reported, `agoMinutes` back (0: now, live). */
async function reported(subscriptions: { name: string; event: string }[], agoMinutes = 0) {
  await reportSubscriptions(t.database.db, subscriptions, 'newer-host/42');
  await sql`UPDATE core.event_subscribers SET last_seen_at = now() - ${`${agoMinutes} minutes`}::interval
            WHERE name = ANY(${subscriptions.map((s) => s.name)}::text[])`.execute(t.database.db);
}

const get = (url: string, token = adminToken) => t.request({ method: 'GET', url: `/api/v1${url}`, headers: bearer(token) });
const retire = (name: string, token = adminToken) => t.request({ method: 'DELETE', url: `/api/v1/admin/event-subscribers/${name}`, headers: bearer(token) });
const status = async (id: string) =>
  (await sql<{ status: string; waiting_for: string[] | null }>`SELECT status, waiting_for FROM core.outbox WHERE id = ${id}`.execute(t.database.db)).rows[0];

describe('admin event subscribers', () => {
  it('reports the gone subscribers that events wait for in /metrics', async () => {
    // The first scrape of this app: the figures are read for it (later ones may be 5 s old).
    const type = newType();
    await reported([{ name: 'test.gone_metric', event: type }], 10);
    await reported([{ name: 'test.live_metric', event: type }]);
    await publish(type);
    await thisVersion().drain();
    const text = (await scrapeMetrics(t)).body;
    expect(text).toMatch(/^outbox_waiting 1$/m);
    // The live one is waited for too, but an instance runs it: only the gone one is counted.
    expect(text).toMatch(/^event_subscribers_gone 1$/m);
  });

  it('lists the subscribers instances reported, with the events waiting for each', async () => {
    const type = newType();
    await reported([{ name: 'test.gone_one', event: type }], 10);
    await reported([
      { name: 'test.live_one', event: type },
      { name: 'test.live_one', event: '*' },
    ]);
    const first = await publish(type);
    await publish(type);
    await thisVersion().drain();

    const res = await get('/admin/event-subscribers');
    expect(res.statusCode, res.body).toBe(200);
    const { data, page } = res.json();
    expect(page).toEqual({ nextCursor: null, limit: 20 });
    expect(data).toEqual([
      {
        name: 'test.gone_one',
        event: type,
        live: false,
        firstSeenAt: expect.any(String),
        lastSeenAt: expect.any(String),
        instance: 'newer-host/42',
        waitingEvents: 2,
        oldestWaitingEventId: first,
        oldestWaitingSince: expect.any(String),
      },
      expect.objectContaining({ name: 'test.live_one', event: '*', live: true, waitingEvents: 2 }),
      expect.objectContaining({ name: 'test.live_one', event: type, live: true, waitingEvents: 2 }),
    ]);
    expect(Date.now() - Date.parse(data[0].lastSeenAt)).toBeGreaterThan(9 * 60_000);

    expect((await get('/admin/event-subscribers?live=false')).json().data.map((s: any) => s.name)).toEqual(['test.gone_one']);
    expect((await get('/admin/event-subscribers?live=true')).json().data.map((s: any) => s.event)).toEqual(['*', type]);
    const one = (await get('/admin/event-subscribers?limit=2')).json();
    expect(one.data.map((s: any) => s.name)).toEqual(['test.gone_one', 'test.live_one']);
    const next = (await get(`/admin/event-subscribers?limit=2&cursor=${one.page.nextCursor}`)).json();
    expect(next).toMatchObject({ data: [{ name: 'test.live_one', event: type }], page: { nextCursor: null } });

    expect((await get('/admin/event-subscribers', userToken)).statusCode).toBe(403);
  });

  it('shows what a pending event waits for, and a retry puts it back in the queue', async () => {
    const type = newType();
    await reported([{ name: 'test.newer_only', event: type }]);
    const id = await publish(type);
    await thisVersion().drain();

    const listed = (await get(`/admin/events?status=pending&type=${type}`)).json().data;
    expect(listed).toEqual([expect.objectContaining({ id, status: 'pending', attempts: 0, waitingFor: ['test.newer_only'], nextAttemptAt: null })]);

    const retried = await t.request({ method: 'POST', url: `/api/v1/admin/events/${id}/retry`, headers: bearer(adminToken) });
    expect(retried.statusCode, retried.body).toBe(202);
    expect(retried.json()).toMatchObject({ id, waitingFor: null, nextAttemptAt: expect.any(String) });
    // Due again: this version takes it, and it waits for the same subscriber again.
    expect(await thisVersion().drain()).toBe(1);
    expect(await status(id)).toEqual({ status: 'pending', waiting_for: ['test.newer_only'] });
  });

  it('retires a gone subscriber: events that waited only for it are delivered, it is never called', async () => {
    const type = newType();
    await reported([{ name: 'test.retired', event: type }], 10);
    await reported([{ name: 'test.running', event: type }]);
    const id = await publish(type);
    await thisVersion().drain();
    expect((await status(id)).waiting_for).toEqual(['test.retired', 'test.running']);

    const missing = await retire('test.nobody');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    const live = await retire('test.running');
    expect(live.statusCode).toBe(409);
    expect(live.json()).toMatchObject({ code: 'EVENTS.SUBSCRIBER_LIVE', detail: expect.stringContaining('test.running') });
    expect((await retire('test.retired', userToken)).statusCode).toBe(403);

    const res = await retire('test.retired');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ name: 'test.retired', events: [type], releasedEvents: 1 });
    expect(await status(id)).toEqual({ status: 'pending', waiting_for: ['test.running'] });
    expect((await get('/admin/event-subscribers')).json().data.map((s: any) => s.name)).toEqual(['test.running']);

    // Once the running one has gone too and is retired, the event is delivered by the next pass.
    await sql`UPDATE core.event_subscribers SET last_seen_at = now() - interval '10 minutes'`.execute(t.database.db);
    expect((await retire(`test.running?event=${type}`)).json()).toEqual({ name: 'test.running', events: [type], releasedEvents: 1 });
    expect(await thisVersion().drain()).toBe(1);
    expect(await status(id)).toEqual({ status: 'delivered', waiting_for: null });
  });
});
