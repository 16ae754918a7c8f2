// A rolling deploy, with real server processes on one database (decision 0031). Instance A is
// the current version (`node src/main.ts`); B is a newer one (test/fixtures/rolling-instance.ts):
// the same app plus subscribers to auth.user_registered that A lacks. B first runs with two of
// them, rolling.seen and rolling.retired, and stops; A then takes a registration and must not
// complete it for them: it waits, and admins see both as gone. B comes back with rolling.seen
// only, which receives the event; rolling.retired never returns until an admin retires it, and
// only then is the event delivered. Processes, not two apps in one: each has its own subscribers,
// dispatcher and reports, as in a deployment (~20 s).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, cleanupProcesses, diagnostics, freshStorage, PASSWORD, type Server, startServer, stopGracefully, until, WAIT_MS } from './processes.ts';

const NEWER = 'test/fixtures/rolling-instance.ts';
const ADMIN = `admin-${randomBytes(3).toString('hex')}@example.test`;
let dataDir: string;
let env: Record<string, string>;
let db: pg.Client;
let a: Server;

const rows = async <T = any>(text: string, params: unknown[] = []) => (await db.query(text, params)).rows as T[];
const outboxRow = async (id: string) =>
  (await rows<{ status: string; attempts: number; waiting_for: string[] | null; waits: boolean }>(
    `SELECT status, attempts, waiting_for, next_attempt_at = 'infinity' AS waits FROM core.outbox WHERE id = $1`,
    [id],
  ))[0];
const deliveredTo = async (id: string) => (await rows<{ subscriber: string }>(`SELECT subscriber FROM core.deliveries WHERE event_id = $1 ORDER BY 1`, [id])).map((r) => r.subscriber);
const received = (server: Server, eventId: string) => server.logs.filter((l) => l.msg === 'rolling subscriber received' && l.eventId === eventId).map((l) => l.subscriber);

/** Registers an account through `server`; returns the id of its auth.user_registered event. */
async function register(server: Server): Promise<string> {
  const email = `rolling-${randomBytes(4).toString('hex')}@example.test`;
  const res = await api(server, 'POST', '/auth/register', { email, password: PASSWORD, displayName: 'Rolling' });
  expect(res.status, res.text).toBe(201);
  const [event] = await rows<{ id: string }>(`SELECT id FROM core.outbox WHERE type = 'auth.user_registered' AND payload->>'userId' = $1`, [res.body.user.id]);
  return event.id;
}

describe('events during a rolling deploy', () => {
  beforeAll(async () => {
    const storage = await freshStorage();
    dataDir = storage.dataDir;
    env = {
      ...storage.env,
      // Gone 2 s after the last report (every 0.5 s): the test need not wait a minute.
      EVENT_SUBSCRIBER_TIMEOUT: '2s',
      JOBS_ENABLED: 'false',
      ADMIN_EMAIL: ADMIN,
      ADMIN_PASSWORD: PASSWORD,
    };
    db = new pg.Client({ connectionString: storage.env.DATABASE_URL });
    await db.connect();
  }, WAIT_MS);

  afterAll(async () => {
    await db?.end();
    await cleanupProcesses();
  }, WAIT_MS);

  it('keeps an event for the newer version’s subscribers, lists those no instance runs, and delivers once they ran or were retired', { timeout: 3 * WAIT_MS }, async () => {
    // The newer version's first instance runs alongside A, then stops (a paused or rolled-back deploy).
    const first = await startServer(dataDir, { ...env, ROLLING_SUBSCRIBERS: 'rolling.seen,rolling.retired' }, NEWER);
    a = await startServer(dataDir, { ...env, MIGRATE_ON_START: 'false' });
    expect((await stopGracefully(first)).code).toBe(0);

    // A takes the registration, delivers it to every subscriber it runs, and keeps it pending.
    const eventId = await register(a);
    const waiting = await until('A handled the event', async () => {
      const row = await outboxRow(eventId);
      return row.waiting_for ? row : undefined;
    });
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0, waiting_for: ['rolling.retired', 'rolling.seen'], waits: true });
    const byA = await deliveredTo(eventId);
    expect(byA).toEqual(expect.arrayContaining(['audit.record', 'users.create_profile']));
    expect(byA.filter((s) => s.startsWith('rolling.'))).toEqual([]);

    // Admins see both as gone, with the event that waits for them, and A warns of them.
    const admin = await api(a, 'POST', '/auth/login', { email: ADMIN, password: PASSWORD });
    expect(admin.status, admin.text).toBe(200);
    const token = admin.body.accessToken as string;
    const gone = await until('both subscribers gone', async () => {
      const res = await api(a, 'GET', '/admin/event-subscribers?live=false', undefined, token);
      return res.body.data.length === 2 ? res.body.data : undefined;
    });
    for (const s of gone) {
      expect(s).toMatchObject({ event: 'auth.user_registered', live: false, waitingEvents: 1, oldestWaitingEventId: eventId });
    }
    expect(gone.map((s: { name: string }) => s.name)).toEqual(['rolling.retired', 'rolling.seen']);
    const pending = await api(a, 'GET', '/admin/events?status=pending&type=auth.user_registered', undefined, token);
    expect(pending.body.data).toEqual([expect.objectContaining({ id: eventId, waitingFor: ['rolling.retired', 'rolling.seen'], nextAttemptAt: null })]);
    const warning = await until('A warned of the gone subscribers', () => a.logs.find((l) => l.msg?.startsWith('events wait for subscribers that no instance runs')));
    expect(warning.subscribers.map((s: { name: string }) => s.name)).toEqual(['rolling.retired', 'rolling.seen']);

    // The newer version returns with rolling.seen only: it receives the event, once.
    const b = await startServer(dataDir, { ...env, MIGRATE_ON_START: 'false', ROLLING_SUBSCRIBERS: 'rolling.seen' }, NEWER);
    await until('rolling.seen handled the event', async () => ((await deliveredTo(eventId)).includes('rolling.seen') ? true : undefined));
    await until('B recorded the outcome', async () => ((await outboxRow(eventId)).waiting_for?.length === 1 ? true : undefined));
    expect(received(b, eventId)).toEqual(['rolling.seen']);
    // Still not delivered: rolling.retired has not run it.
    expect(await outboxRow(eventId)).toMatchObject({ status: 'pending', waiting_for: ['rolling.retired'] });

    // rolling.retired never returns: an admin retires it (a running one is refused), and the
    // event is delivered without it.
    const refused = await api(a, 'DELETE', '/admin/event-subscribers/rolling.seen', undefined, token);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('EVENTS.SUBSCRIBER_LIVE');
    const retired = await api(a, 'DELETE', '/admin/event-subscribers/rolling.retired', undefined, token);
    expect(retired.status, retired.text).toBe(200);
    expect(retired.body).toEqual({ name: 'rolling.retired', events: ['auth.user_registered'], releasedEvents: 1 });
    await until('the event delivered', async () => ((await outboxRow(eventId)).status === 'delivered' ? true : undefined));
    expect((await deliveredTo(eventId)).filter((s) => s.startsWith('rolling.'))).toEqual(['rolling.seen']);

    // Both versions running: a registration taken by A reaches B's subscriber too, then is delivered.
    const later = await register(a);
    await until('the later event delivered', async () => ((await outboxRow(later)).status === 'delivered' ? true : undefined));
    expect(await deliveredTo(later)).toContain('rolling.seen');
    await until('B logged it', () => (received(b, later).length ? true : undefined));
    // Every event was received once, by B only.
    expect([...received(b, eventId), ...received(b, later)]).toEqual(['rolling.seen', 'rolling.seen']);
    expect(a.logs.filter((l) => l.msg === 'rolling subscriber received')).toEqual([]);
    expect(a.logs.filter((l) => l.level >= 50), diagnostics(a)).toEqual([]);
    expect(b.logs.filter((l) => l.level >= 50), diagnostics(b)).toEqual([]);
  });
});
