// The one owner of this process's Redis connections and of their health. Redis is optional
// and never critical: the cache, rate limits and realtime fan-out fall back to local state
// while it is away, so a command must fail at once rather than wait for a reconnect, and
// an outage must be logged once (not once per command or reconnect attempt).
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';

export interface RedisConnection {
  /** For commands. While disconnected every command fails immediately (no offline queue). */
  readonly client: Redis;
  /** True while `client` is connected and ready. */
  isUp(): boolean;
  /**
   * A second connection for SUBSCRIBE (a subscribed connection runs no other command), made
   * on first use: listen to its `message` events, and subscribe through `subscribe` below.
   */
  subscriber(): Redis;
  /** Subscribes the subscriber connection to `channel`, now and after every reconnect. */
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /**
   * Settles when the first connection attempt has succeeded or failed, or after `timeoutMs`.
   * Start-up waits for it, so the first requests count their rate limits in Redis, not in a
   * local fallback that another instance (or the next request) would not see.
   */
  firstAttempt(timeoutMs: number): Promise<void>;
  /** Runs `fn(up)` on each change of `client`'s state; returns the unsubscribe function. */
  onChange(fn: (up: boolean) => void): () => void;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  url: string;
  log: Logger;
  metrics?: Metrics;
  /** Upper bound of the delay between reconnect attempts (default 2 s). */
  maxReconnectDelayMs?: number;
  /** A command without an answer after this long fails (default 1 s): a hung Redis must not hang requests. */
  commandTimeoutMs?: number;
}

export function createRedis(opts: RedisConnectionOptions): RedisConnection {
  const { log } = opts;
  const maxDelay = opts.maxReconnectDelayMs ?? 2000;
  const base: RedisOptions = {
    // Reconnect forever: exponential from 50 ms, capped, with jitter so instances spread out.
    retryStrategy: (attempt) => Math.round(Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay) * (0.75 + Math.random() * 0.25)),
    connectTimeout: 2000,
    lazyConnect: false,
  };
  const client = new Redis(opts.url, {
    ...base,
    enableOfflineQueue: false,
    // A command in flight when the connection drops fails instead of waiting to be resent.
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? 1000,
  });

  const listeners = new Set<(up: boolean) => void>();
  // 'starting' until the first connection succeeds or fails, so an unreachable Redis at
  // start-up is reported once, like a lost one.
  let state: 'starting' | 'up' | 'down' = 'starting';
  let downSince = 0;
  let lastError: string | undefined;
  let closing = false;

  const notify = (up: boolean) => {
    for (const fn of listeners) {
      try {
        fn(up);
      } catch (err) {
        log.error({ err }, 'redis state listener failed');
      }
    }
  };

  client.on('ready', () => {
    if (state === 'down') log.info({ downMs: Date.now() - downSince }, 'redis connection restored; cache and rate limits are shared again');
    state = 'up';
    notify(true);
  });
  // ioredis reports each failed attempt as 'error' then 'close'; only the first after a
  // success (or at start) is worth a line.
  client.on('error', (err: Error) => {
    lastError = err.message;
  });
  client.on('close', () => {
    if (closing || state === 'down') return;
    const wasUp = state === 'up';
    state = 'down';
    downSince = Date.now();
    log.warn({ err: lastError }, wasUp ? 'redis connection lost; cache and rate limits are local until it returns' : 'redis unreachable; cache and rate limits are local until it answers');
    if (wasUp) notify(false);
  });

  let sub: Redis | undefined;
  /** The subscriber's channels, subscribed again on each reconnect (see subscriber()). */
  const channels = new Set<string>();
  opts.metrics?.gauge('redis_up', 'Redis connection ready (1) or not (0)', () => (client.status === 'ready' ? 1 : 0));

  return {
    client,
    isUp: () => client.status === 'ready',
    firstAttempt(timeoutMs) {
      if (state !== 'starting') return Promise.resolve();
      return new Promise<void>((done) => {
        const timer = setTimeout(finish, timeoutMs);
        function finish() {
          clearTimeout(timer);
          client.off('ready', finish);
          client.off('close', finish);
          done();
        }
        client.once('ready', finish);
        client.once('close', finish);
      });
    },
    subscriber() {
      // The offline queue stays on here: SUBSCRIBE is not on a request's path, and queued
      // subscriptions made before the first connection must still take effect.
      if (!sub) {
        // Subscriptions are renewed here, not by ioredis: its own renewal after a reconnect
        // leaves the SUBSCRIBE's promise unhandled, and the connection closing before Redis
        // answers it (Redis flapping, or shutdown) rejected it and ended the process.
        const connection = new Redis(opts.url, { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: false });
        connection.on('error', () => {}); // its outages are the client's, already logged
        connection.on('ready', () => {
          if (channels.size) connection.subscribe(...channels).catch(() => {}); // the next reconnect tries again
        });
        sub = connection;
      }
      return sub;
    },
    async subscribe(channel) {
      channels.add(channel);
      await this.subscriber().subscribe(channel);
    },
    async unsubscribe(channel) {
      channels.delete(channel);
      await sub?.unsubscribe(channel);
    },
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async close() {
      closing = true;
      listeners.clear();
      client.disconnect();
      sub?.disconnect();
    },
  };
}
