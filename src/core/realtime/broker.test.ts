// The broker on a database of this file's own: NOTIFY between two brokers (two instances),
// local fan-out per user, the size bound, and Redis pub/sub when TEST_REDIS_URL is set.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../../test/harness.ts';
import type { Database } from '../db/database.ts';
import { createLogger } from '../log/logger.ts';
import { createRedis } from '../redis/index.ts';
import { createRealtimeBroker, MAX_ENVELOPE_BYTES } from './broker.ts';
import type { RealtimeBroker, RealtimeMessage } from './types.ts';

let database: Database;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ database, drop } = await createTestDatabase());
});
afterAll(() => drop?.());

const log = createLogger('silent');
const user = () => crypto.randomUUID();

async function started(broker: RealtimeBroker) {
  await broker.start();
  return broker;
}

function collect(broker: RealtimeBroker, userId: string) {
  const got: RealtimeMessage[] = [];
  const unsubscribe = broker.subscribe(userId, (m) => got.push(m));
  return { got, unsubscribe };
}

describe('realtime broker over NOTIFY', () => {
  it('delivers to the subscribers of that user on every instance, once each', async () => {
    const a = await started(createRealtimeBroker({ database, log }));
    const b = await started(createRealtimeBroker({ database, log }));
    try {
      const alice = user();
      const onA = collect(a, alice);
      const onB = collect(b, alice);
      const other = collect(b, user());
      await a.publish(alice, { event: 'notification', id: 'n1', data: { title: 'hello' } });
      await vi.waitFor(() => expect(onB.got).toHaveLength(1));
      await vi.waitFor(() => expect(onA.got).toHaveLength(1));
      expect(onB.got[0]).toEqual({ event: 'notification', id: 'n1', data: { title: 'hello' } });
      // A little time for a duplicate or a stray delivery to show up.
      await new Promise((r) => setTimeout(r, 100));
      expect(onA.got).toHaveLength(1);
      expect(other.got).toHaveLength(0);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('sends a burst in a few statements, every message delivered once and in order', async () => {
    let statements = 0;
    const counted: Database = {
      ...database,
      db: database.db.withPlugin({
        transformQuery: (args) => {
          statements++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      }),
    };
    const a = await started(createRealtimeBroker({ database: counted, log }));
    const b = await started(createRealtimeBroker({ database, log }));
    try {
      const alice = user();
      const onB = collect(b, alice);
      await Promise.all(Array.from({ length: 300 }, (_, i) => a.publish(alice, { event: 'ping', data: i })));
      await vi.waitFor(() => expect(onB.got).toHaveLength(300));
      expect(onB.got.map((m) => m.data)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      // The first goes alone; the rest wait for it and go at most 200 to a statement.
      expect(statements).toBeGreaterThanOrEqual(3);
      expect(statements).toBeLessThanOrEqual(4);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('stops delivering after unsubscribe and after stop', async () => {
    const broker = await started(createRealtimeBroker({ database, log }));
    const alice = user();
    const first = collect(broker, alice);
    const second = collect(broker, alice);
    first.unsubscribe();
    await broker.publish(alice, { event: 'ping', data: 1 });
    await vi.waitFor(() => expect(second.got).toHaveLength(1));
    expect(first.got).toHaveLength(0);
    await broker.stop();
    await broker.publish(alice, { event: 'ping', data: 2 });
    await new Promise((r) => setTimeout(r, 100));
    expect(second.got).toHaveLength(1);
  });

  it('keeps a message under the NOTIFY limit by dropping its data, not its event and id', async () => {
    const broker = await started(createRealtimeBroker({ database, log }));
    try {
      const alice = user();
      const { got } = collect(broker, alice);
      await broker.publish(alice, { event: 'notification', id: 'big', data: { body: 'x'.repeat(MAX_ENVELOPE_BYTES * 2) } });
      await vi.waitFor(() => expect(got).toHaveLength(1));
      expect(got[0]).toEqual({ event: 'notification', id: 'big', data: { truncated: true } });
    } finally {
      await broker.stop();
    }
  });

  it('publishWithin sends with the commit and never on rollback', async () => {
    const a = await started(createRealtimeBroker({ database, log }));
    const b = await started(createRealtimeBroker({ database, log }));
    try {
      const alice = user();
      const { got } = collect(b, alice);
      await database.db
        .transaction()
        .execute(async (tx) => {
          await a.publishWithin(tx, alice, { event: 'stream.close', data: 'rolled back' });
          throw new Error('rollback');
        })
        .catch(() => {});
      await database.db.transaction().execute((tx) => a.publishWithin(tx, alice, { event: 'stream.close', data: 'committed' }));
      await vi.waitFor(() => expect(got).toHaveLength(1));
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual([{ event: 'stream.close', data: 'committed' }]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('never throws into the caller when no transport works', async () => {
    const closed = { ...database, db: { executeQuery: () => Promise.reject(new Error('database down')) } } as unknown as Database;
    const broker = createRealtimeBroker({ database: closed, log });
    await expect(broker.publish(user(), { event: 'x', data: null })).resolves.toBeUndefined();
  });

  it('falls back to NOTIFY while Redis is unreachable', async () => {
    const down = createRedis({ url: 'redis://127.0.0.1:1', log });
    const a = await started(createRealtimeBroker({ database, redis: down, log, redisChannel: `trellis:rt:test:${user()}` }));
    const b = await started(createRealtimeBroker({ database, log }));
    try {
      const alice = user();
      const { got } = collect(b, alice);
      await a.publish(alice, { event: 'notification', data: 'via notify' });
      await vi.waitFor(() => expect(got).toHaveLength(1));
    } finally {
      await a.stop();
      await b.stop();
      await down.close();
    }
  });
});

describe.runIf(process.env.TEST_REDIS_URL)('realtime broker over Redis', () => {
  it('delivers through Redis pub/sub to another instance', async () => {
    const r1 = createRedis({ url: process.env.TEST_REDIS_URL!, log });
    const r2 = createRedis({ url: process.env.TEST_REDIS_URL!, log });
    const channel = `trellis:rt:test:${user()}`;
    // Each broker listens on a NOTIFY channel of its own: only Redis can carry the message across.
    const a = await started(createRealtimeBroker({ database, redis: r1, log, redisChannel: channel, notifyChannel: 'rt_test_a' }));
    const b = await started(createRealtimeBroker({ database, redis: r2, log, redisChannel: channel, notifyChannel: 'rt_test_b' }));
    try {
      await vi.waitFor(async () => {
        expect(r1.isUp()).toBe(true);
        expect(Number((await r1.client.pubsub('NUMSUB', channel))[1])).toBe(2);
      });
      const alice = user();
      const { got } = collect(b, alice);
      await a.publish(alice, { event: 'notification', id: 'r1', data: { via: 'redis' } });
      await vi.waitFor(() => expect(got).toEqual([{ event: 'notification', id: 'r1', data: { via: 'redis' } }]));
    } finally {
      await a.stop();
      await b.stop();
      await r1.close();
      await r2.close();
    }
  });
});
