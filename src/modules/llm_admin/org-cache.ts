// What every model call in an organization reads before anything is sent, kept in memory per
// org: its catalog (the instance's models under the org's rules, its own models and providers)
// and its budgets' limits. A chat answer made five statements of them before its first token;
// they change by hand, rarely. Same approach as organizations' role cache (decision 0004):
// every change queues a NOTIFY in its transaction (`change`), so each instance evicts the org's
// entries once it commits, and this one right after; a read that raced an eviction is not kept
// (the generation), an entry lives at most `ttlMs` (bounding a missed notification), and a lost
// LISTEN connection evicts everything. Reads that decide a change (an admin's own) skip it.
import { sql } from 'kysely';
import type { Database, Executor } from '../../core/db/database.ts';

export const LLM_ADMIN_INVALIDATION_CHANNEL = 'llm_admin_invalidate';

/** What a change touches: one org's catalog and budgets, or every org's (the instance's models). */
export type CacheScope = { org: string } | 'all';
export type CachedKind = 'catalog' | 'budgets';

interface Entry {
  value: unknown;
  expiresAt: number;
}

export interface OrgCacheOptions {
  /** Lifetime of an entry (default 30 s, as the role cache's). */
  ttlMs?: number;
  /** Beyond this many entries, it starts over (a bound, not a policy). */
  maxEntries?: number;
  now?: () => number;
}

export interface OrgCache {
  /** The org's `kind` from memory, else `compute()` (callers at once share one), kept unless an eviction came meanwhile. */
  load<T>(kind: CachedKind, orgId: string, compute: () => Promise<T>): Promise<T>;
  /** Runs a change in a transaction whose commit evicts `scope` on every instance. */
  change<T>(db: Executor, scope: CacheScope, fn: (tx: Executor) => Promise<T>): Promise<T>;
  evict(scope: CacheScope): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const keyOf = (kind: CachedKind, orgId: string) => `${kind}:${orgId}`;
const KINDS: readonly CachedKind[] = ['catalog', 'budgets'];

export function createOrgCache(database: Pick<Database, 'listen'>, opts: OrgCacheOptions = {}): OrgCache {
  const ttlMs = opts.ttlMs ?? 30_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const clock = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, { generation: number; promise: Promise<unknown> }>();
  let generation = 0;
  let unlisten: (() => Promise<void>) | undefined;

  function evict(scope: CacheScope) {
    generation++;
    inFlight.clear();
    if (scope === 'all') entries.clear();
    else for (const kind of KINDS) entries.delete(keyOf(kind, scope.org));
  }

  async function load<T>(kind: CachedKind, orgId: string, compute: () => Promise<T>): Promise<T> {
    const key = keyOf(kind, orgId);
    const now = clock();
    const entry = entries.get(key);
    if (entry && entry.expiresAt > now) return entry.value as T;
    const pending = inFlight.get(key);
    if (pending && pending.generation === generation) return pending.promise as Promise<T>;
    const started = generation;
    const promise = compute().then(
      (value) => {
        if (inFlight.get(key)?.promise === promise) inFlight.delete(key);
        if (started === generation) {
          if (entries.size >= maxEntries) entries.clear();
          entries.set(key, { value, expiresAt: clock() + ttlMs });
        }
        return value;
      },
      (err: unknown) => {
        if (inFlight.get(key)?.promise === promise) inFlight.delete(key);
        throw err;
      },
    );
    inFlight.set(key, { generation: started, promise });
    return promise;
  }

  async function change<T>(db: Executor, scope: CacheScope, fn: (tx: Executor) => Promise<T>): Promise<T> {
    const result = await db.transaction().execute(async (tx) => {
      const r = await fn(tx);
      // Delivered to every instance (this one too) only if the transaction commits.
      await sql`SELECT pg_notify(${LLM_ADMIN_INVALIDATION_CHANNEL}, ${scope === 'all' ? 'all' : `org:${scope.org}`})`.execute(tx);
      return r;
    });
    evict(scope);
    return result;
  }

  return {
    load,
    change,
    evict,
    async start() {
      unlisten = await database.listen(
        LLM_ADMIN_INVALIDATION_CHANNEL,
        (message) => {
          const org = message.startsWith('org:') ? message.slice(4) : '';
          // Anything else (`all`, or a message of a newer version during a rolling deploy): evict all.
          evict(org ? { org } : 'all');
        },
        () => evict('all'),
      );
    },
    async stop() {
      await unlisten?.();
      entries.clear();
      inFlight.clear();
    },
  };
}
