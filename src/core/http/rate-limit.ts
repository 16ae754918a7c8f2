// Request rate limits: a fixed window per client and rule, counted in process memory, or in
// Redis (shared by every instance) while Redis is up. While Redis is down, or when a command
// fails, the request is counted locally instead: limits degrade to per-instance ones rather
// than switching off (decision 0018).
//
// Written for the request path (decision 0025): the local count is one Map update with no
// promise, and each rule keeps its own map, so no key is built per request.
// @fastify/rate-limit, which this replaces, paid several promises, an allow-list callback
// and an IPv6 parse on every request.
import type { RedisConnection } from '../redis/index.ts';
import { clientKey } from '../net/client-key.ts';

export interface LimitRule {
  /** Names the counters in Redis (`<namespace><name>:<client>`). */
  readonly name: string;
  readonly max: number;
  readonly windowMs: number;
}

/** One client's window: how many requests it made, and when the window ends (epoch ms). */
export interface Window {
  count: number;
  resetAt: number;
}

export interface RateLimiter {
  /** Counts one request of `client` (an IP address) under `rule`; synchronous without Redis. */
  hit(rule: LimitRule, client: string): Window | Promise<Window>;
}

/** Most clients remembered per rule; past it, ended windows are dropped, then the oldest. */
const MAX_CLIENTS = 100_000;

export class LocalCounters {
  private readonly byRule = new Map<LimitRule, Map<string, Window>>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  hit(rule: LimitRule, key: string): Window {
    let windows = this.byRule.get(rule);
    if (!windows) {
      windows = new Map();
      this.byRule.set(rule, windows);
    }
    const now = this.now();
    const window = windows.get(key);
    if (window && window.resetAt > now) {
      window.count++;
      return window;
    }
    if (window) {
      window.count = 1;
      window.resetAt = now + rule.windowMs;
      return window;
    }
    if (windows.size >= MAX_CLIENTS) evict(windows, now);
    const fresh = { count: 1, resetAt: now + rule.windowMs };
    windows.set(key, fresh);
    return fresh;
  }
}

function evict(windows: Map<string, Window>, now: number) {
  for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key);
  // All windows still open (a flood from many addresses): forget the oldest tenth.
  if (windows.size >= MAX_CLIENTS) {
    let drop = Math.ceil(MAX_CLIENTS / 10);
    for (const key of windows.keys()) {
      windows.delete(key);
      if (--drop === 0) break;
    }
  }
}

// INCR, and on the first request of a window its expiry; answers the count and the window's
// remaining milliseconds. One round trip, atomic across instances.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {count, tonumber(ARGV[1])}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

type HitCommand = (key: string, windowMs: number) => Promise<[number, number]>;

export function createRateLimiter(opts: { redis?: RedisConnection; namespace?: string; now?: () => number } = {}): RateLimiter {
  const now = opts.now ?? Date.now;
  const local = new LocalCounters(now);
  const redis = opts.redis;
  if (!redis) return { hit: (rule, client) => local.hit(rule, clientKey(client)) };

  const namespace = opts.namespace ?? 'trellis:ratelimit:';
  const client = redis.client as unknown as { defineCommand(name: string, def: { numberOfKeys: number; lua: string }): void; trellisRateLimitHit: HitCommand };
  client.defineCommand('trellisRateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  return {
    hit(rule, address) {
      const key = clientKey(address);
      // Down: nothing is even tried (it would fail at once anyway, but cost an error object).
      if (!redis.isUp()) return local.hit(rule, key);
      return client.trellisRateLimitHit(`${namespace}${rule.name}:${key}`, rule.windowMs).then(
        ([count, ttl]) => ({ count, resetAt: now() + ttl }),
        // Up but failing (a timeout, a connection dropping mid-command): counted here.
        () => local.hit(rule, key),
      );
    },
  };
}
