// The audit table itself: append-only in the database, one row per event however often it is
// delivered, secrets dropped on the way in, and the retention purge as the only way out.
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutbox } from '../src/core/events/outbox.ts';
import { createRetention } from '../src/modules/audit/retention.ts';
import { bearer, createTestApp, makeAdmin, type TestApp } from './harness.ts';
import { createOrg, newUser, type U } from './workspace.ts';

const API = '/api/v1';
const DAY = 86_400_000;

let t: TestApp;
let owner: U;
let admin: U;
let orgId: string;

const db = () => t.database.db;
const countOf = async (id: string) => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit.events WHERE id = ${id}`.execute(db())).rows[0].n);
const rowOf = async (id: string) => (await sql<any>`SELECT * FROM audit.events WHERE id = ${id}`.execute(db())).rows[0];
/** Postgres' message of a rejected statement. */
const failure = (p: Promise<unknown>) => p.then(
  () => 'succeeded',
  (err: Error) => err.message,
);

/** A record written straight into the table (inserts are allowed), `ageMs` old. */
async function insertRecord(ageMs: number, now = Date.now()): Promise<string> {
  const id = uuidv7();
  await sql`INSERT INTO audit.events (id, type, occurred_at, org_id, payload)
            VALUES (${id}, 'test.aged', ${new Date(now - ageMs)}::timestamptz, ${orgId}, '{}'::jsonb)`.execute(db());
  return id;
}

beforeAll(async () => {
  t = await createTestApp();
  owner = await newUser(t);
  admin = await newUser(t);
  await makeAdmin(t, admin.userId);
  orgId = (await createOrg(t, owner.accessToken, { name: 'Kept' })).id;
  await t.drain();
});
afterAll(() => t?.close());

describe('append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE by raw SQL', async () => {
    const [{ id }] = (await sql<{ id: string }>`SELECT id FROM audit.events WHERE org_id = ${orgId} LIMIT 1`.execute(db())).rows;
    expect(await failure(sql`UPDATE audit.events SET type = 'forged' WHERE id = ${id}`.execute(db()))).toMatch(/append-only: UPDATE refused/);
    expect(await failure(sql`DELETE FROM audit.events WHERE id = ${id}`.execute(db()))).toMatch(/append-only: DELETE refused/);
    expect(await failure(sql`TRUNCATE audit.events`.execute(db()))).toMatch(/append-only: TRUNCATE refused/);
    expect((await rowOf(id)).type).not.toBe('forged');
  });

  it('the purge switch allows deletes, never updates, and only for its own transaction', async () => {
    const id = await insertRecord(0);
    const inPurge = await failure(
      db()
        .transaction()
        .execute(async (tx) => {
          await sql`SELECT set_config('trellis.audit_purge', 'on', true)`.execute(tx);
          expect(await failure(sql`UPDATE audit.events SET type = 'forged' WHERE id = ${id}`.execute(tx))).toMatch(/UPDATE refused/);
          throw new Error('rolled back on purpose');
        }),
    );
    expect(inPurge).toBe('rolled back on purpose');
    const other = await insertRecord(0);
    // One session throughout, so a setting that outlived its transaction would show below.
    await db()
      .connection()
      .execute(async (session) => {
        await sql`BEGIN`.execute(session);
        await sql`SELECT set_config('trellis.audit_purge', 'on', true)`.execute(session);
        await sql`DELETE FROM audit.events WHERE id = ${id}`.execute(session);
        await sql`COMMIT`.execute(session);
        expect(await failure(sql`DELETE FROM audit.events WHERE id = ${other}`.execute(session))).toMatch(/DELETE refused/);
      });
    expect(await countOf(id)).toBe(0);
    expect(await countOf(other)).toBe(1);
  });
});

describe('recording', () => {
  it('drops secrets from the payload on the way in, keeps ids and facts', async () => {
    const id = await db()
      .transaction()
      .execute((tx) =>
        createOutbox().publish(
          tx,
          // A producer that slipped secrets into a declared event (this outbox checks nothing).
          'auth.api_key_created',
          {
            userId: owner.userId,
            apiKeyId: '01900000-0000-7000-8000-00000000000a',
            password: 'hunter2-hunter2',
            nested: { refreshToken: 'r-token-value', keep: 'visible', codes: ['111111'] },
            note: 'trl_abcdefgh_0123456789abcdef',
          } as any,
          { actorId: owner.userId, orgId },
        ),
      );
    await t.drain();
    const row = await rowOf(id);
    expect(row).toMatchObject({ org_id: orgId, actor_id: owner.userId, target_type: 'api_key', target_id: '01900000-0000-7000-8000-00000000000a' });
    expect(row.payload).toEqual({ userId: owner.userId, apiKeyId: '01900000-0000-7000-8000-00000000000a', nested: { keep: 'visible' } });
  });

  it('a redelivered event is recorded once, unchanged', async () => {
    const res = await t.request({ method: 'PATCH', url: `${API}/orgs/${orgId}`, headers: bearer(owner.accessToken), payload: { name: 'Renamed' } });
    expect(res.statusCode, res.body).toBe(200);
    await t.drain();
    const [{ id }] = (await sql<{ id: string }>`SELECT id FROM audit.events WHERE org_id = ${orgId} AND type = 'organizations.updated'`.execute(db())).rows;
    const before = await rowOf(id);
    // As after a crash between the insert and the delivery record: the dispatcher runs the subscriber again.
    await sql`DELETE FROM core.deliveries WHERE event_id = ${id} AND subscriber = 'audit.record'`.execute(db());
    await sql`UPDATE core.outbox SET status = 'pending', delivered_at = NULL, locked_until = NULL, next_attempt_at = now() WHERE id = ${id}`.execute(db());
    expect(await t.drain()).toBeGreaterThanOrEqual(1);
    const delivered = await sql<{ n: number }>`SELECT count(*)::int AS n FROM core.deliveries WHERE event_id = ${id} AND subscriber = 'audit.record'`.execute(db());
    expect(delivered.rows[0].n).toBe(1);
    expect(await countOf(id)).toBe(1);
    expect(await rowOf(id)).toEqual(before);
  });
});

describe('retention', () => {
  it('the daily job deletes only records older than AUDIT_RETENTION_DAYS and records that it did', async () => {
    expect(t.app.config.moduleSettings.audit).toEqual({ retentionDays: 365 });
    const expired = await insertRecord(400 * DAY);
    const kept = await insertRecord(364 * DAY);
    const recent = (await sql<{ id: string }>`SELECT id FROM audit.events WHERE org_id = ${orgId} AND type = 'organizations.created'`.execute(db())).rows[0].id;

    await t.app.jobs.enqueue('audit.purge', {});
    expect(await t.runJobs()).toBe(1);

    expect(await countOf(expired)).toBe(0);
    expect(await countOf(kept)).toBe(1);
    expect(await countOf(recent)).toBe(1);
    await t.drain();
    const purged = await t.request({ method: 'GET', url: `${API}/admin/audit?type=audit.purged`, headers: bearer(admin.accessToken) });
    expect(purged.statusCode, purged.body).toBe(200);
    const [record] = purged.json().data;
    expect(record).toMatchObject({ actorId: null, orgId: null, payload: { deleted: 1 } });
    expect(Math.abs(Date.parse(record.payload.before) - (Date.now() - 365 * DAY))).toBeLessThan(120_000);
  });

  it('the cutoff is exact and large backlogs go in batches, each on record', async () => {
    // A clock far in the past: only the rows written for this test lie before its cutoff.
    const now = new Date(Date.now() - 1000 * DAY);
    const retention = createRetention({ db: db(), events: createOutbox(), clock: { now: () => now }, retentionDays: 30, batchSize: 2 });
    const older = [await insertRecord(30 * DAY + 1, now.getTime()), await insertRecord(31 * DAY, now.getTime()), await insertRecord(90 * DAY, now.getTime())];
    const atCutoff = await insertRecord(30 * DAY, now.getTime());
    const result = await retention.purgeExpired();
    expect(result).toEqual({ before: new Date(now.getTime() - 30 * DAY).toISOString(), deleted: 3 });
    for (const id of older) expect(await countOf(id)).toBe(0);
    expect(await countOf(atCutoff)).toBe(1);
    const events = await sql<{ payload: any }>`SELECT payload FROM core.outbox WHERE type = 'audit.purged' AND payload->>'before' = ${result.before} ORDER BY id`.execute(db());
    expect(events.rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).deleted)).toEqual([2, 1]);
  });

  it('stops between batches when its job is aborted', async () => {
    const now = new Date();
    const id = await insertRecord(40 * DAY, now.getTime());
    const retention = createRetention({ db: db(), events: createOutbox(), clock: { now: () => now }, retentionDays: 30 });
    expect((await retention.purgeExpired(AbortSignal.abort())).deleted).toBe(0);
    expect(await countOf(id)).toBe(1);
    expect((await retention.purgeExpired()).deleted).toBeGreaterThanOrEqual(1);
    expect(await countOf(id)).toBe(0);
  });
});
