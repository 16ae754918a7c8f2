// The shared cache: values in Redis (JSON, keys under a namespace) behind a short local
// tier, so a hot key costs a Redis round trip once per local TTL, not once per request.
// Every set and delete is published to the other instances, which drop their local copy at
// once. While Redis is down the cache runs on its local tier alone (reads miss to their
// compute function, writes stay local) and remembers which keys it could not delete or
// overwrite in Redis; when Redis returns it clears its local tier (it may have missed other
// instances' invalidations) and deletes those keys, so nothing written before the outage
// outlives a change made during it.
import { randomUUID } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { Logger } from '../log/logger.ts';
import type { RedisConnection } from '../redis/index.ts';
import { ChangeWatch, createWrap, LruTtlMap, toJson } from './memory.ts';
import type { Cache } from './types.ts';

export interface RedisCacheOptions {
  redis: RedisConnection;
  log: Logger;
  /** Prefix of every key in Redis, e.g. `trellis:cache:`; also names the invalidation channel. */
  namespace: string;
  /** How long an instance serves a value from memory before asking Redis again (default 5 s). */
  localTtlSeconds?: number;
  /** Entries of the local tier (default 10,000). */
  localMaxEntries?: number;
  /** Keys remembered for deletion after an outage; beyond it the whole namespace is dropped (default 10,000). */
  maxPendingDeletes?: number;
  now?: () => number;
}

/** Published after the namespace was dropped: every instance clears its local tier. */
const FLUSH = 'flush';

interface Invalidation {
  from: string;
  keys: string[];
}

export function createRedisCache(opts: RedisCacheOptions): Cache {
  const { redis, log, namespace } = opts;
  const client = redis.client;
  const local = new LruTtlMap(opts.localMaxEntries ?? 10_000, opts.now);
  const localTtlMs = (opts.localTtlSeconds ?? 5) * 1000;
  const maxPending = opts.maxPendingDeletes ?? 10_000;
  const channel = `${namespace}invalidate`;
  const instance = randomUUID();
  // Deletes and invalidations from other instances: a read or computation of a key that
  // changed meanwhile must not store what it got.
  const changes = new ChangeWatch();
  const pending = new Set<string>();
  let pendingOverflow = false;

  function remember(keys: string[]) {
    if (pendingOverflow) return;
    for (const key of keys) pending.add(key);
    if (pending.size > maxPending) {
      pendingOverflow = true;
      pending.clear();
    }
  }

  /** Sends the commands plus the invalidation message in one round trip; a failure is remembered. */
  async function send(pipeline: ChainableCommander, keys: string[]): Promise<void> {
    const message: Invalidation = { from: instance, keys };
    try {
      const results = await pipeline.publish(channel, JSON.stringify(message)).exec();
      if (results?.some(([err]) => err)) remember(keys);
    } catch {
      remember(keys);
    }
  }

  function dropLocal(keys: string[]) {
    changes.changed(keys);
    for (const key of keys) local.delete(key);
  }

  function clearLocal() {
    changes.changedAll();
    local.clear();
  }

  const subscriber = redis.subscriber();
  const onMessage = (ch: string, text: string) => {
    if (ch !== channel) return;
    if (text === FLUSH) return clearLocal();
    try {
      const message = JSON.parse(text) as Invalidation;
      if (message.from !== instance && Array.isArray(message.keys)) dropLocal(message.keys);
    } catch {
      // Not ours to understand (a newer instance during a deploy): be safe.
      clearLocal();
    }
  };
  // The subscription was down: invalidations may have been missed.
  const onSubscriberReady = clearLocal;
  subscriber.on('message', onMessage);
  subscriber.on('ready', onSubscriberReady);
  redis.subscribe(channel).catch((err: Error) => log.warn({ err: err.message }, 'cache invalidation subscription failed'));

  async function afterOutage() {
    clearLocal();
    if (pendingOverflow) {
      // Kept set until the drop succeeds: a failed one is tried again at the next reconnect.
      const dropped = await dropNamespace();
      pendingOverflow = false;
      log.info({ dropped }, 'cache: more keys changed during the Redis outage than remembered; dropped the shared cache');
      return;
    }
    if (!pending.size) return;
    const keys = [...pending];
    pending.clear();
    await send(client.pipeline().del(...keys.map((k) => namespace + k)), keys);
    log.info({ keys: keys.length }, 'cache: deleted in Redis the keys changed during its outage');
  }

  async function dropNamespace(): Promise<number> {
    const pattern = `${namespace.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    let dropped = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length) dropped += await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await client.publish(channel, FLUSH);
    return dropped;
  }

  const unwatch = redis.onChange((up) => {
    if (up) afterOutage().catch((err) => log.warn({ err }, 'cache: clean-up after the Redis outage failed'));
  });

  async function get<T>(key: string): Promise<T | undefined> {
    const hit = local.get(key);
    if (hit !== undefined) return hit as T;
    if (!redis.isUp()) return undefined;
    const watch = changes.watch(key);
    try {
      const text = await client.get(namespace + key);
      if (text === null) return undefined;
      const value = JSON.parse(text) as T;
      if (!watch.changed()) local.set(key, value, localTtlMs);
      return value;
    } catch {
      return undefined; // Redis just failed (or held something unreadable): a miss, the caller computes
    } finally {
      watch.release();
    }
  }

  /** Writes locally and (when up) to Redis; resolves to the value in its JSON form. */
  async function store(key: string, value: unknown, ttlSeconds: number): Promise<unknown> {
    const json = toJson(value);
    if (!json) return undefined;
    const ttlMs = Math.max(1, Math.round(ttlSeconds * 1000));
    changes.changed([key]); // a read of the key still in flight holds an older value
    local.set(key, json.value, Math.min(ttlMs, localTtlMs));
    // Redis may hold an older value: it must go when Redis returns.
    if (!redis.isUp()) remember([key]);
    // Sent within this call, before any later delete of this instance: their order holds.
    else await send(client.pipeline().set(namespace + key, json.text, 'PX', ttlMs), [key]);
    return json.value;
  }

  return {
    shared: true,
    get,
    async set<T>(key: string, value: T, ttlSeconds: number) {
      await store(key, value, ttlSeconds);
    },
    async delete(...keys: string[]) {
      if (!keys.length) return;
      dropLocal(keys);
      if (!redis.isUp()) {
        remember(keys);
        return;
      }
      await send(client.pipeline().del(...keys.map((k) => namespace + k)), keys);
    },
    wrap: createWrap(get, store, changes),
    async close() {
      unwatch();
      subscriber.off('message', onMessage);
      subscriber.off('ready', onSubscriberReady);
      local.clear();
    },
  };
}
