// Resolving a principal costs a JWT check plus, on a cache miss, one query for the
// session and its account. Entries live at most `ttlMs`; any revocation or account change
// evicts them at once on this instance and, through NOTIFY, on every other instance, so a
// revoked session fails on the very next request. The TTL only bounds the damage of a
// notification lost while an instance's listener reconnects. A lookup that raced an
// eviction (read the row before the revocation committed, wrote the cache after its
// eviction) must not cache what it read: callers take `generation()` before the lookup and
// pass it to `set`, which skips the write when an eviction happened in between.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.ts';
import type { Principal } from '../../core/http/principal.ts';

export const INVALIDATION_CHANNEL = 'auth_invalidate';

interface Entry {
  principal: Principal | null;
  expiresAt: number;
  /** The session's own expiry: never serve a principal past it. */
  sessionExpiresAt: number;
}

export interface Invalidation {
  sessions(ids: string[]): Promise<void>;
  account(accountId: string): Promise<void>;
}

export interface PrincipalCache extends Invalidation {
  get(key: string, now: number): Principal | null | undefined;
  /** Changes with every eviction on this instance. */
  generation(): number;
  /** Skipped when `generation` (taken before the lookup) is no longer current. */
  set(key: string, principal: Principal | null, sessionExpiresAt: number, now: number, generation: number): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createPrincipalCache(database: Database, opts: { ttlMs?: number; maxEntries?: number } = {}): PrincipalCache {
  const ttlMs = opts.ttlMs ?? 30_000;
  const maxEntries = opts.maxEntries ?? 50_000;
  const entries = new Map<string, Entry>();
  let unlisten: (() => Promise<void>) | undefined;
  let evictions = 0;

  function evictLocal(message: string) {
    evictions++;
    const [kind, id] = message.split(':', 2);
    if (kind === 'session') {
      entries.delete(`s:${id}`);
      return;
    }
    for (const [key, entry] of entries) {
      if (entry.principal?.userId === id) entries.delete(key);
    }
  }

  async function broadcast(messages: string[]) {
    for (const m of messages) {
      evictLocal(m);
      await sql`SELECT pg_notify(${INVALIDATION_CHANNEL}, ${m})`.execute(database.db);
    }
  }

  return {
    get(key, now) {
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.expiresAt <= now || e.sessionExpiresAt <= now) {
        entries.delete(key);
        return undefined;
      }
      return e.principal;
    },
    generation: () => evictions,
    set(key, principal, sessionExpiresAt, now, generation) {
      if (generation !== evictions) return;
      // Map keeps insertion order: dropping the oldest keys is a cheap approximation of LRU.
      if (entries.size >= maxEntries) {
        const drop = Math.ceil(maxEntries / 10);
        for (const k of entries.keys()) {
          entries.delete(k);
          if (entries.size <= maxEntries - drop) break;
        }
      }
      entries.set(key, { principal, expiresAt: now + ttlMs, sessionExpiresAt });
    },
    sessions: (ids) => broadcast(ids.map((id) => `session:${id}`)),
    account: (accountId) => broadcast([`account:${accountId}`]),
    async start() {
      // Evictions sent while the LISTEN connection was down are lost: start over empty.
      unlisten = await database.listen(INVALIDATION_CHANNEL, evictLocal, () => {
        evictions++;
        entries.clear();
      });
    },
    async stop() {
      await unlisten?.();
      entries.clear();
    },
  };
}
