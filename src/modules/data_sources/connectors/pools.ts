// One small pool per source, keyed by the source's id and a hash of its connection: an edited
// connection gets a new pool and the old one ends once its last query is done. A semaphore of
// `poolSize` slots sits in front of each pool, so however many queries arrive, no more than
// `poolSize` connections are ever open for the source; the others wait, and give up with their
// deadline. Pools idle for `idleMs` are ended.
import { createHash } from 'node:crypto';
import type { Source } from './types.ts';

export interface PoolFactory<C, P> {
  create(source: Source<C>): P;
  end(pool: P): Promise<void>;
}

export interface PoolEntry<P> {
  readonly pool: P;
  /** Per-pool memo of facts about the server (its flavour, type names). */
  readonly memo: Map<string, unknown>;
}

export interface Lease<P> extends PoolEntry<P> {
  release(): void;
}

interface Entry<P> extends PoolEntry<P> {
  key: string;
  slots: Semaphore;
  active: number;
  lastUsed: number;
  retired: boolean;
}

export class SourcePools<C extends { poolSize: number }, P> {
  readonly #factory: PoolFactory<C, P>;
  readonly #idleMs: number;
  readonly #entries = new Map<string, Entry<P>>();
  readonly #retiring = new Set<Entry<P>>();
  #sweeper: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(factory: PoolFactory<C, P>, options: { idleMs: number }) {
    this.#factory = factory;
    this.#idleMs = options.idleMs;
  }

  /** Waits for a slot of the source's pool (or `signal`), creating the pool on first use. */
  async lease(source: Source<C>, signal: AbortSignal): Promise<Lease<P>> {
    if (this.#closed) throw new Error('The data-source pools are closed.');
    const entry = this.#entryFor(source);
    entry.active++;
    try {
      await entry.slots.acquire(signal);
    } catch (err) {
      this.#leave(entry);
      throw err;
    }
    let released = false;
    return {
      pool: entry.pool,
      memo: entry.memo,
      release: () => {
        if (released) return;
        released = true;
        entry.slots.release();
        this.#leave(entry);
      },
    };
  }

  /** The number of pools open (for tests and metrics). */
  get size(): number {
    return this.#entries.size + this.#retiring.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    const all = [...this.#entries.values(), ...this.#retiring];
    this.#entries.clear();
    this.#retiring.clear();
    await Promise.allSettled(all.map((e) => this.#factory.end(e.pool)));
  }

  #entryFor(source: Source<C>): Entry<P> {
    const key = connectionKey(source.connection);
    const current = this.#entries.get(source.id);
    if (current && current.key === key) return current;
    if (current) this.#retire(current);
    const entry: Entry<P> = {
      key,
      pool: this.#factory.create(source),
      memo: new Map(),
      slots: new Semaphore(Math.max(1, source.connection.poolSize)),
      active: 0,
      lastUsed: Date.now(),
      retired: false,
    };
    this.#entries.set(source.id, entry);
    this.#startSweeper();
    return entry;
  }

  #leave(entry: Entry<P>) {
    entry.active--;
    entry.lastUsed = Date.now();
    if (entry.retired && entry.active === 0) {
      this.#retiring.delete(entry);
      void this.#factory.end(entry.pool).catch(() => {});
    }
  }

  #retire(entry: Entry<P>) {
    entry.retired = true;
    if (entry.active === 0) void this.#factory.end(entry.pool).catch(() => {});
    else this.#retiring.add(entry);
  }

  #startSweeper() {
    if (this.#sweeper) return;
    this.#sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(this.#idleMs / 2, 60_000)));
    this.#sweeper.unref();
  }

  /** Ends the pools no query used for `idleMs`. */
  sweep(now = Date.now()) {
    for (const [id, entry] of this.#entries) {
      if (entry.active === 0 && now - entry.lastUsed >= this.#idleMs) {
        this.#entries.delete(id);
        entry.retired = true;
        void this.#factory.end(entry.pool).catch(() => {});
      }
    }
    if (this.#entries.size === 0 && this.#sweeper) {
      clearInterval(this.#sweeper);
      this.#sweeper = null;
    }
  }
}

/** A stable hash of a connection: key order does not matter, every field does (the password too). */
const keys = new WeakMap<object, string>();

/** A digest of the connection's settings; kept per object, since the runs made together share one (SourceReads). */
export function connectionKey(connection: unknown): string {
  if (connection === null || typeof connection !== 'object') return createHash('sha256').update(stableJson(connection)).digest('base64url');
  let key = keys.get(connection);
  if (key === undefined) {
    key = createHash('sha256').update(stableJson(connection)).digest('base64url');
    keys.set(connection, key);
  }
  return key;
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** A counting semaphore whose waiters can give up. */
export class Semaphore {
  #free: number;
  readonly #waiters: { resolve: () => void; reject: (err: unknown) => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  release() {
    const next = this.#waiters.shift();
    if (next) {
      next.signal.removeEventListener('abort', next.onAbort);
      next.resolve();
    } else {
      this.#free++;
    }
  }
}
