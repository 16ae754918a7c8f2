// The cache core service: shared through Redis when a connection is given, else in memory.
import type { Logger } from '../log/logger.ts';
import type { RedisConnection } from '../redis/index.ts';
import { createMemoryCache } from './memory.ts';
import { createRedisCache } from './redis.ts';
import type { Cache } from './types.ts';

export type { Cache } from './types.ts';

export interface CacheOptions {
  redis?: RedisConnection;
  log: Logger;
  /** Key prefix in Redis, e.g. `trellis:cache:`. */
  namespace: string;
  /** Seconds a value is served from the local tier before Redis is asked again (Redis only, default 5). */
  localTtlSeconds?: number;
  /** Entries kept in process (the whole cache in memory, the local tier with Redis; default 10,000). */
  maxEntries?: number;
}

export function createCache(opts: CacheOptions): Cache {
  if (!opts.redis) return createMemoryCache({ maxEntries: opts.maxEntries });
  return createRedisCache({
    redis: opts.redis,
    log: opts.log,
    namespace: opts.namespace,
    localTtlSeconds: opts.localTtlSeconds,
    localMaxEntries: opts.maxEntries,
  });
}
