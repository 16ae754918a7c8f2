// The process-local cache: bounded by entry count (least recently used goes first), each
// entry with its own expiry. Also the local tier in front of Redis (see redis.ts).
import type { Cache } from './types.ts';

interface Entry {
  value: unknown;
  expiresAt: number;
}

/** A Map kept in recency order: a hit moves its key to the end, so the first key is the least recently used. */
export class LruTtlMap {
  readonly maxEntries: number;
  readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(maxEntries: number, now: () => number = Date.now) {
    if (!(maxEntries >= 1)) throw new Error('maxEntries must be at least 1');
    this.maxEntries = maxEntries;
    this.now = now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, or undefined when absent or expired. */
  get(key: string): unknown {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: unknown, ttlMs: number): void {
    if (!(ttlMs > 0)) {
      this.entries.delete(key);
      return;
    }
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    // Insertion order is recency order: the first key is the least recently used.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The JSON form of a value, as Redis would give it back; undefined when it has none. */
export function toJson(value: unknown): { text: string; value: unknown } | undefined {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : { text, value: JSON.parse(text) };
}

interface Watch {
  changed: boolean;
  readers: number;
}

/**
 * Tells a read or computation of a key whether the key changed (was deleted or overwritten,
 * here or by another instance) while it ran: what it got may predate the change, so it must
 * not be stored. Only keys being read are tracked.
 */
export class ChangeWatch {
  private readonly watched = new Map<string, Watch>();

  /** Starts watching `key`; call `release()` when the read is over. */
  watch(key: string): { changed(): boolean; release(): void } {
    let w = this.watched.get(key);
    if (!w) {
      w = { changed: false, readers: 0 };
      this.watched.set(key, w);
    }
    w.readers++;
    const watch = w;
    return {
      changed: () => watch.changed,
      release: () => {
        if (--watch.readers === 0 && this.watched.get(key) === watch) this.watched.delete(key);
      },
    };
  }

  /** Marks these keys changed for every read in flight. */
  changed(keys: Iterable<string>): void {
    for (const key of keys) {
      const w = this.watched.get(key);
      if (w) w.changed = true;
    }
  }

  changedAll(): void {
    for (const w of this.watched.values()) w.changed = true;
  }
}

/**
 * wrap() on top of get and a store function: a miss computes once, however many callers ask
 * for the key meanwhile (a cold key under load must not become N identical queries). A value
 * computed while the key changed is returned but not stored: it may predate the change.
 */
export function createWrap(get: Cache['get'], store: (key: string, value: unknown, ttlSeconds: number) => unknown, changes: ChangeWatch): Cache['wrap'] {
  const inFlight = new Map<string, Promise<unknown>>();
  return async function wrap<T>(key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T> {
    const watch = changes.watch(key);
    try {
      const hit = await get<T>(key);
      if (hit !== undefined) return hit;
      const pending = inFlight.get(key);
      if (pending) return (await pending) as T;
      const run = (async () => {
        try {
          const value = await compute();
          if (watch.changed()) return (toJson(value)?.value ?? value) as T;
          return (await store(key, value, ttlSeconds)) as T;
        } finally {
          inFlight.delete(key);
        }
      })();
      inFlight.set(key, run);
      return await run;
    } finally {
      watch.release();
    }
  };
}

export interface MemoryCacheOptions {
  /** Entries kept at most (default 10,000). */
  maxEntries?: number;
  now?: () => number;
}

export function createMemoryCache(opts: MemoryCacheOptions = {}): Cache {
  const map = new LruTtlMap(opts.maxEntries ?? 10_000, opts.now);
  const changes = new ChangeWatch();
  const store = (key: string, value: unknown, ttlSeconds: number) => {
    changes.changed([key]);
    const json = toJson(value);
    if (json) map.set(key, json.value, ttlSeconds * 1000);
    return json?.value;
  };
  const cache = {
    shared: false,
    async get<T>(key: string) {
      return map.get(key) as T | undefined;
    },
    async set<T>(key: string, value: T, ttlSeconds: number) {
      store(key, value, ttlSeconds);
    },
    async delete(...keys: string[]) {
      changes.changed(keys);
      for (const key of keys) map.delete(key);
    },
    async close() {
      map.clear();
    },
  };
  return { ...cache, wrap: createWrap(cache.get, store, changes) };
}
