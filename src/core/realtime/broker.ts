// Fans realtime messages out to every instance. Each message travels once, on one
// transport: Redis pub/sub when a client is given and connected, else PostgreSQL NOTIFY.
// Every instance listens on both, so an instance whose Redis link is down still reaches
// the others through the database. Messages are transient: a failure is logged and the
// message dropped, never thrown into the caller (what a client must not miss is stored by
// its owner and replayed on reconnect).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { RedisConnection } from '../redis/index.ts';
import type { RealtimeBroker, RealtimeMessage } from './types.ts';

export const REALTIME_NOTIFY_CHANNEL = 'trellis_realtime';
export const REALTIME_REDIS_CHANNEL = 'trellis:rt';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; the same bound applies to Redis so a message never depends on its transport. */
export const MAX_ENVELOPE_BYTES = 7900;
/** NOTIFYs sent in one statement at most (each up to MAX_ENVELOPE_BYTES). */
const MAX_NOTIFY_BATCH = 200;
/** Keys of recently delivered messages: a publish retried on the other transport must not arrive twice. */
const RECENT_KEYS = 1024;

interface Envelope {
  /** Unique per publish. */
  k: string;
  /** The user whose connections receive it. */
  u: string;
  m: RealtimeMessage;
}

export interface RealtimeBrokerOptions {
  database: Database;
  /** The process's Redis connections (commands, and the shared SUBSCRIBE connection). */
  redis?: Pick<RedisConnection, 'client' | 'isUp' | 'subscriber' | 'subscribe' | 'unsubscribe'>;
  log: Logger;
  notifyChannel?: string;
  redisChannel?: string;
}

export function createRealtimeBroker(opts: RealtimeBrokerOptions): RealtimeBroker {
  const { database, redis, log } = opts;
  const notifyChannel = opts.notifyChannel ?? REALTIME_NOTIFY_CHANNEL;
  const redisChannel = opts.redisChannel ?? REALTIME_REDIS_CHANNEL;
  const local = new Map<string, Set<(message: RealtimeMessage) => void>>();
  const recent = new Set<string>();
  let unlisten: (() => Promise<void>) | undefined;
  let unsubscribeRedis: (() => void) | undefined;
  let redisDown = false;

  function deliver(raw: string) {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof envelope?.k !== 'string' || typeof envelope.u !== 'string' || typeof envelope.m?.event !== 'string') return;
    if (recent.has(envelope.k)) return;
    recent.add(envelope.k);
    if (recent.size > RECENT_KEYS) recent.delete(recent.values().next().value as string);
    const handlers = local.get(envelope.u);
    if (!handlers) return;
    for (const handler of [...handlers]) {
      try {
        handler(envelope.m);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'realtime subscriber failed');
      }
    }
  }

  /** Keeps the envelope under the NOTIFY limit: an oversized message loses its data, not its event and id. */
  function encode(userId: string, message: RealtimeMessage): string | null {
    const k = randomUUID();
    const full = JSON.stringify({ k, u: userId, m: message } satisfies Envelope);
    if (Buffer.byteLength(full) <= MAX_ENVELOPE_BYTES) return full;
    const slim = JSON.stringify({ k, u: userId, m: { event: message.event, id: message.id, data: { truncated: true } } } satisfies Envelope);
    if (Buffer.byteLength(slim) <= MAX_ENVELOPE_BYTES) {
      log.warn({ event: message.event, bytes: Buffer.byteLength(full) }, 'realtime message too large; sent without its data');
      return slim;
    }
    log.warn({ bytes: Buffer.byteLength(slim) }, 'realtime message too large; dropped');
    return null;
  }

  /** The connection fails commands at once while down and times them out (core/redis), so this never waits long. */
  async function viaRedis(payload: string): Promise<boolean> {
    if (!redis?.isUp()) return false;
    try {
      await redis.client.publish(redisChannel, payload);
      if (redisDown) log.info('realtime: redis publishing again');
      redisDown = false;
      return true;
    } catch (err) {
      if (!redisDown) log.warn({ err: (err as Error).message }, 'realtime: redis publish failed; using PostgreSQL NOTIFY');
      redisDown = true;
      return false;
    }
  }

  /**
   * NOTIFYs go one statement at a time: those published while one is in flight wait and go
   * together in the next (in order), so a burst (a thousand streamed answers storing their
   * chunks each second) takes one pool connection, not one each. Quiet, a message goes at once.
   */
  const waiting: { payload: string; sent: () => void; failed: (err: unknown) => void }[] = [];
  let notifying = false;

  function viaNotify(payload: string): Promise<void> {
    return new Promise((sent, failed) => {
      waiting.push({ payload, sent, failed });
      if (!notifying) void notifyWaiting();
    });
  }

  async function notifyWaiting(): Promise<void> {
    notifying = true;
    try {
      while (waiting.length) {
        const batch = waiting.splice(0, MAX_NOTIFY_BATCH);
        try {
          if (batch.length === 1) await sql`SELECT pg_notify(${notifyChannel}, ${batch[0].payload})`.execute(database.db);
          else await sql`SELECT pg_notify(${notifyChannel}, p) FROM unnest(${batch.map((b) => b.payload)}::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i`.execute(database.db);
          for (const b of batch) b.sent();
        } catch (err) {
          for (const b of batch) b.failed(err);
        }
      }
    } finally {
      notifying = false;
    }
  }

  return {
    async publish(userId, message) {
      const payload = encode(userId, message);
      if (!payload) return;
      try {
        if (await viaRedis(payload)) return;
        await viaNotify(payload);
      } catch (err) {
        log.warn({ err: (err as Error).message, event: message.event }, 'realtime message dropped');
      }
    },

    async publishWithin(db, userId, message) {
      const payload = encode(userId, message);
      // Errors propagate here: the caller's transaction decides what a failure means.
      if (payload) await sql`SELECT pg_notify(${notifyChannel}, ${payload})`.execute(db);
    },

    subscribe(userId, onMessage) {
      let handlers = local.get(userId);
      if (!handlers) {
        handlers = new Set();
        local.set(userId, handlers);
      }
      handlers.add(onMessage);
      return () => {
        const set = local.get(userId);
        if (!set?.delete(onMessage) || set.size > 0) return;
        local.delete(userId);
      };
    },

    async start() {
      if (unlisten) return;
      unlisten = await database.listen(notifyChannel, deliver);
      if (redis) {
        // The SUBSCRIBE connection is shared with the cache: listen to our channel only.
        const subscriber = redis.subscriber();
        const onMessage = (channel: string, raw: string) => {
          if (channel === redisChannel) deliver(raw);
        };
        subscriber.on('message', onMessage);
        // Not awaited: with Redis down at start the subscription waits in ioredis's queue
        // (and is renewed on every reconnect) while NOTIFY carries the messages.
        redis.subscribe(redisChannel).catch((err: Error) => log.warn({ err: err.message }, 'realtime: redis subscribe failed'));
        unsubscribeRedis = () => {
          subscriber.off('message', onMessage);
          redis.unsubscribe(redisChannel).catch(() => {});
        };
      }
    },

    async stop() {
      const stopListening = unlisten;
      unlisten = undefined;
      await stopListening?.().catch(() => {});
      unsubscribeRedis?.();
      unsubscribeRedis = undefined;
      local.clear();
    },
  };
}
