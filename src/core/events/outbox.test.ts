// What publishing sends to the database, compiled against a driver that runs nothing: with
// tracing off, one INSERT that also sends the NOTIFY, with no trace columns; with tracing on,
// the same statement carrying the active span's context.
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestTracing, type TestTracing, traceParentOf } from '../../../test/tracing-provider.ts';
import { tracing } from '../telemetry/tracing.ts';
import { createOutbox, OUTBOX_CHANNEL } from './outbox.ts';

function recordingDb() {
  const sent: { sql: string; parameters: readonly unknown[] }[] = [];
  const db = new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    log: (event) => {
      sent.push({ sql: event.query.sql, parameters: event.query.parameters });
    },
  });
  return { db, sent };
}

const publish = (db: Kysely<any>) => createOutbox().publish(db, 'test.happened' as never, { n: 1 } as never, { orgId: null });

describe('publishing an event', () => {
  it('sends one INSERT that also notifies the dispatchers, and nothing about traces, with tracing off', async () => {
    expect(tracing()).toBeUndefined();
    const { db, sent } = recordingDb();
    await publish(db);
    expect(sent).toHaveLength(1);
    expect(sent[0].sql).toMatch(/^insert into "core"\."outbox" \("id", "type", "version", "payload", "actor_id", "org_id", "request_id", "api_key_id", "ip", "user_agent"\) values/);
    expect(sent[0].sql).toMatch(/ returning pg_notify\(\$\d+, ''\) as "notified"$/);
    expect(sent[0].parameters).toContain(OUTBOX_CHANNEL);
  });

  it('sends several events in one INSERT, in their order, and nothing for none', async () => {
    const { db, sent } = recordingDb();
    const outbox = createOutbox();
    const ids = await outbox.publishAll(db, [
      { type: 'test.happened' as never, payload: { n: 1 } as never, meta: { orgId: 'a' } },
      { type: 'test.happened' as never, payload: { n: 2 } as never, meta: { orgId: 'b', actorId: null } },
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0].sql).toMatch(/\) values \(\$1, .*\), \(\$\d+, .*\) returning pg_notify\(\$\d+, ''\) as "notified"$/);
    expect(ids).toHaveLength(2);
    expect([...ids].sort()).toEqual(ids);
    expect(sent[0].parameters).toEqual(expect.arrayContaining([ids[0], ids[1], JSON.stringify({ n: 1 }), JSON.stringify({ n: 2 }), 'a', 'b']));
    expect(await outbox.publishAll(db, [])).toEqual([]);
    expect(sent).toHaveLength(1);
  });

  it('writes an event as part of a statement of the caller, from its CTE, at most once and with the NOTIFY', async () => {
    const { db, sent } = recordingDb();
    const event = createOutbox().inserting('changed', 'test.happened' as never, { n: 3 } as never, { orgId: 'org-1', actorId: null });
    await sql`WITH changed AS (UPDATE t SET x = 1 RETURNING id), event AS (${event}) SELECT id FROM changed`.execute(db);
    expect(sent).toHaveLength(1);
    expect(sent[0].sql).toMatch(/event AS \(INSERT INTO core\.outbox \(id, type, version, payload, actor_id, org_id, request_id, api_key_id, ip, user_agent, trace_parent, trace_state\)/);
    expect(sent[0].sql).toMatch(/FROM \(SELECT 1 FROM "changed" LIMIT 1\) AS happened\s+RETURNING pg_notify\(\$\d+, ''\)\)/);
    expect(sent[0].parameters).toEqual(expect.arrayContaining(['test.happened', JSON.stringify({ n: 3 }), 'org-1', OUTBOX_CHANNEL]));
  });

  it("writes several events as part of a statement of the caller, all of them if its CTE has a row, in one INSERT", async () => {
    const { db, sent } = recordingDb();
    const events = createOutbox().insertingAll('added', [
      { type: 'test.happened' as never, payload: { n: 1 } as never, meta: { orgId: 'org-1', actorId: null } },
      { type: 'test.happened' as never, payload: { n: 2 } as never, meta: { orgId: 'org-2', actorId: null } },
    ]);
    await sql`WITH added AS (INSERT INTO t (x) VALUES (1), (2) RETURNING id), event AS (${events}) SELECT id FROM added`.execute(db);
    expect(sent).toHaveLength(1);
    expect(sent[0].sql).toMatch(/event AS \(INSERT INTO core\.outbox \(id, type, version, payload, actor_id, org_id, request_id, api_key_id, ip, user_agent, trace_parent, trace_state\)/);
    expect(sent[0].sql).toMatch(/SELECT e\.\* FROM \(VALUES \(\$\d+::uuid, .*\), \(\$\d+::uuid, .*\)\) AS e\s+WHERE EXISTS \(SELECT 1 FROM "added"\)\s+RETURNING pg_notify\(\$\d+, ''\)\)/s);
    expect(sent[0].parameters).toEqual(expect.arrayContaining([JSON.stringify({ n: 1 }), JSON.stringify({ n: 2 }), 'org-1', 'org-2', OUTBOX_CHANNEL]));
    expect(() => createOutbox().insertingAll('added', [])).toThrow();
  });

  describe('with tracing on', () => {
    let t: TestTracing;
    afterAll(() => t?.stop());

    it('stores the active span in the same INSERT, and no context outside a span', async () => {
      t = startTestTracing();
      const outside = recordingDb();
      await publish(outside.db);
      expect(outside.sent[0].sql).not.toContain('trace_parent');

      const inside = recordingDb();
      await tracing()!.inSpan('request', {}, () => publish(inside.db));
      expect(inside.sent).toHaveLength(1);
      expect(inside.sent[0].sql).toMatch(/"trace_parent", "trace_state"\) values/);
      // The trace columns' values come last before the NOTIFY's channel.
      expect(inside.sent[0].parameters.slice(-3)).toEqual([traceParentOf(t.spans('request')[0]), null, OUTBOX_CHANNEL]);
    });
  });
});
