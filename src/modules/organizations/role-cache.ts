// Effective roles per (user, org), cached in process: `assertRole` runs on every
// org-scoped request of every module, and computing a role walks the hierarchy. Same
// approach as auth's principal cache (decision 0004): entries live at most `ttlMs`; every
// membership, hierarchy or deletion change evicts them on this instance and, through
// NOTIFY, on every other one, so a role change takes effect on the very next request. A
// lookup that raced an eviction (read before the change committed, wrote after its
// eviction) must not cache what it read: callers take `generation()` before the lookup and
// pass it to `set`, which skips the write when an eviction happened in between.
import { sql } from 'kysely';
import type { Database, Executor } from '../../core/db/database.ts';
import type { EffectiveRole } from './rules.ts';

export const ROLE_INVALIDATION_CHANNEL = 'organizations_invalidate';

/** What to evict: one user's roles everywhere, one org's roles for everyone, or all. */
export type Eviction = { user: string } | { org: string } | 'all';

interface Entry {
  value: EffectiveRole | null;
  expiresAt: number;
}

export interface RoleCache {
  get(userId: string, orgId: string, now: number): EffectiveRole | null | undefined;
  generation(): number;
  set(userId: string, orgId: string, value: EffectiveRole | null, now: number, generation: number): void;
  /** Evicts here, now. Use it after the change committed (and before, for subscribers). */
  evict(e: Eviction): void;
  /**
   * Queues the NOTIFY in `tx`: PostgreSQL delivers it to every instance (this one included)
   * only when the transaction commits, so a rolled-back change evicts nothing elsewhere and
   * a committed one cannot lose its notification to a crash between commit and send.
   */
  notify(tx: Executor, e: Eviction): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const encode = (e: Eviction) => (e === 'all' ? 'all' : 'user' in e ? `user:${e.user}` : `org:${e.org}`);

function decode(message: string): Eviction | null {
  if (message === 'all') return 'all';
  const [kind, id] = message.split(':', 2);
  if (kind === 'user' && id) return { user: id };
  if (kind === 'org' && id) return { org: id };
  return null;
}

export function createRoleCache(database: Database, opts: { ttlMs?: number; maxEntries?: number } = {}): RoleCache {
  const ttlMs = opts.ttlMs ?? 30_000;
  const maxEntries = opts.maxEntries ?? 100_000;
  // userId -> orgId -> entry: evicting a user (the common change) is one delete.
  const byUser = new Map<string, Map<string, Entry>>();
  let size = 0;
  let evictions = 0;
  let unlisten: (() => Promise<void>) | undefined;

  function evict(e: Eviction) {
    evictions++;
    if (e === 'all') {
      byUser.clear();
      size = 0;
    } else if ('user' in e) {
      size -= byUser.get(e.user)?.size ?? 0;
      byUser.delete(e.user);
    } else {
      for (const orgs of byUser.values()) if (orgs.delete(e.org)) size--;
    }
  }

  return {
    get(userId, orgId, now) {
      const orgs = byUser.get(userId);
      const entry = orgs?.get(orgId);
      if (!entry) return undefined;
      if (entry.expiresAt <= now) {
        orgs!.delete(orgId);
        size--;
        return undefined;
      }
      return entry.value;
    },
    generation: () => evictions,
    set(userId, orgId, value, now, generation) {
      if (generation !== evictions) return;
      // Crude bound: when full, start over. Roles are cheap to recompute, and a bounded map
      // matters more than keeping the hottest entries.
      if (size >= maxEntries) {
        byUser.clear();
        size = 0;
      }
      let orgs = byUser.get(userId);
      if (!orgs) {
        orgs = new Map();
        byUser.set(userId, orgs);
      }
      if (!orgs.has(orgId)) size++;
      orgs.set(orgId, { value, expiresAt: now + ttlMs });
    },
    evict,
    async notify(tx, e) {
      await sql`SELECT pg_notify(${ROLE_INVALIDATION_CHANNEL}, ${encode(e)})`.execute(tx);
    },
    async start() {
      unlisten = await database.listen(ROLE_INVALIDATION_CHANNEL, (message) => {
        const e = decode(message);
        // An unknown message may come from a newer instance during a rolling deploy: evict all.
        evict(e ?? 'all');
      });
    },
    async stop() {
      await unlisten?.();
      byUser.clear();
      size = 0;
    },
  };
}
