// A @fastify/rate-limit store that counts in Redis while Redis is up, shared by every
// instance, and in process memory while it is not: a Redis outage degrades limits to
// per-instance ones instead of switching them off. Both stores are the plugin's own, so
// counting behaves exactly as documented there; the local counters start afresh on each
// switch, which at worst lets a client have one extra window's worth of requests.
import { createRequire } from 'node:module';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RedisConnection } from '../redis/index.ts';

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];
type RouteOptions = Parameters<FastifyRateLimitStore['child']>[0];

/** The plugin's stores, with the `read` (peek) method its types do not list. */
interface PluginStore extends FastifyRateLimitStore {
  read(key: string, callback: Callback, timeWindow: number, max: number): void;
  child(routeOptions: RouteOptions): PluginStore;
}

const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore') as new (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number) => PluginStore;
const RedisStore = require('@fastify/rate-limit/store/RedisStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: RedisConnection['client'],
  key: string,
) => PluginStore;

class FailoverStore implements PluginStore {
  readonly redis: RedisConnection;
  readonly shared: PluginStore;
  readonly local: PluginStore;

  constructor(redis: RedisConnection, shared: PluginStore, local: PluginStore) {
    this.redis = redis;
    this.shared = shared;
    this.local = local;
  }

  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    this.call('incr', key, callback, timeWindow, max);
  }

  read(key: string, callback: Callback, timeWindow: number, max: number): void {
    this.call('read', key, callback, timeWindow, max);
  }

  private call(method: 'incr' | 'read', key: string, callback: Callback, timeWindow: number, max: number) {
    // Down: no command is even tried (it would fail at once anyway, but cost an error object).
    if (!this.redis.isUp()) return this.local[method](key, callback, timeWindow, max);
    // Up but failing (a timeout, a connection dropping mid-command): this request counts locally.
    this.shared[method](key, (err, result) => (err ? this.local[method](key, callback, timeWindow, max) : callback(null, result)), timeWindow, max);
  }

  child(routeOptions: RouteOptions): PluginStore {
    return new FailoverStore(this.redis, this.shared.child(routeOptions), this.local.child(routeOptions));
  }
}

/**
 * The `store` option of @fastify/rate-limit when Redis is configured (without it the
 * plugin's local store is the right one). Keys in Redis start with `nameSpace`.
 */
export function failoverRateLimitStore(redis: RedisConnection, nameSpace: string): FastifyRateLimitStoreCtor {
  return class extends FailoverStore {
    // The plugin passes its resolved parameters (and per route, the route's merged ones).
    constructor(params: { continueExceeding?: boolean; exponentialBackoff?: boolean; cache?: number }) {
      const continueExceeding = params.continueExceeding ?? false;
      const exponentialBackoff = params.exponentialBackoff ?? false;
      super(redis, new RedisStore(continueExceeding, exponentialBackoff, redis.client, nameSpace), new LocalStore(continueExceeding, exponentialBackoff, params.cache));
    }
  };
}
