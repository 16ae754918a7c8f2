// Effective roles per (user, org), cached: `assertRole` runs on every org-scoped request of
// every module, and computing a role walks the hierarchy. Same approach as auth's principal
// cache (decision 0004): every membership, hierarchy or deletion change evicts entries on
// this instance and, through NOTIFY, on every other one, so a role change takes effect on
// the very next request. A lookup that raced an eviction (read before the change committed,
// wrote after its eviction) must not cache what it read: callers take `generation()` before
// the lookup and pass it to `set`, which skips the write when an eviction happened in between.
//
// Two tiers. The first is a plain map in process: a hit costs no promise and no round trip.
// When the core cache is shared (Redis), a miss there asks it before the database, so a role
// computed on one instance serves all. The shared entry is one object per user holding that
// user's roles by org, each stamped with the time its lookup started. Evicting a user (the
// common change) deletes that object, and each instance remembers when it learnt of the
// eviction: a shared role stamped before then was read before the change and is ignored,
// even when a slower instance wrote it back after the delete. Evicting an org, or everything,
// switches the `epoch` stamped on every shared entry instead; entries of another epoch are
// ignored. The NOTIFY of such a change carries the new epoch, so all instances agree on it.

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Cache } from '../../core/cache/types.ts';
import type { Database, Executor } from '../../core/db/database.ts';
import type { EffectiveRole } from './rules.ts';

export const ROLE_INVALIDATION_CHANNEL = 'organizations_invalidate';

/** What to evict: one user's roles everywhere, one org's roles for everyone, or all. */
export type Eviction = { user: string } | { org: string } | 'all';

interface Entry {
  value: EffectiveRole | null;
  expiresAt: number;
}

/** A user's roles in the shared tier; `at` is when the lookup that found the role started. */
interface SharedEntry {
  epoch: string;
  roles: Record<string, { value: EffectiveRole | null; at: number; expiresAt: number }>;
}

export interface RoleCache {
  get(userId: string, orgId: string, now: number): EffectiveRole | null | undefined;
  generation(): number;
  set(userId: string, orgId: string, value: EffectiveRole | null, now: number, generation: number): void;
  /** The role from the local tier, else the shared one, else `compute()`; stores what it found. */
  load(userId: string, orgId: string, now: number, compute: () => Promise<EffectiveRole | null>): Promise<EffectiveRole | null>;
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

export interface RoleCacheOptions {
  /** The shared tier; used only when it is shared between instances. */
  shared?: Cache;
  /** Lifetime of a local entry (default 30 s alone, 10 s in front of a shared tier). */
  ttlMs?: number;
  /** Lifetime of a shared entry (default 20 s). With `ttlMs` it bounds the damage of a missed notification. */
  sharedTtlMs?: number;
  maxEntries?: number;
  /** The clock `now` arguments come from (default Date.now). */
  now?: () => number;
}

const EPOCH_KEY = 'organizations:roles:epoch';
const userKey = (userId: string) => `organizations:roles:user:${userId}`;
/** Beyond this many orgs in one user's shared entry, it starts over (a bound, not a policy). */
const MAX_ORGS_PER_USER = 500;
/** Clocks of instances differ: a shared role stamped up to this long after an eviction is still distrusted. */
const CLOCK_SKEW_MS = 1000;

const evictionKey = (e: Exclude<Eviction, { user: string }>) => (e === 'all' ? 'all' : `org:${e.org}`);

function decode(message: string): { eviction: Eviction; epoch?: string } | null {
  const [kind, id, epoch] = message.split(':', 3);
  if (kind === 'all') return { eviction: 'all', epoch: id };
  if (kind === 'user' && id) return { eviction: { user: id } };
  if (kind === 'org' && id) return { eviction: { org: id }, epoch };
  return null;
}

export function createRoleCache(database: Database, opts: RoleCacheOptions = {}): RoleCache {
  const shared = opts.shared?.shared ? opts.shared : undefined;
  const ttlMs = opts.ttlMs ?? (shared ? 10_000 : 30_000);
  const sharedTtlMs = opts.sharedTtlMs ?? 20_000;
  const maxEntries = opts.maxEntries ?? 100_000;
  const clock = opts.now ?? Date.now;
  // userId -> orgId -> entry: evicting a user (the common change) is one delete.
  const byUser = new Map<string, Map<string, Entry>>();
  let size = 0;
  let evictions = 0;
  let epoch = '0';
  /** userId -> when this instance learnt of the user's last eviction (kept while shared roles may predate it). */
  const userEvictedAt = new Map<string, number>();
  /** The epochs announced by this instance's pending NOTIFYs, for its own evict() after commit. */
  const announced = new Map<string, string>();
  let unlisten: (() => Promise<void>) | undefined;

  function evictLocal(e: Eviction) {
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

  function evictShared(e: Eviction, nextEpoch: string, deleteEntry: boolean) {
    if (!shared) return;
    if (e !== 'all' && 'user' in e) {
      const now = clock();
      userEvictedAt.delete(e.user); // re-inserted last: the map stays in time order
      userEvictedAt.set(e.user, now);
      for (const [user, at] of userEvictedAt) {
        if (at + sharedTtlMs + CLOCK_SKEW_MS > now) break;
        userEvictedAt.delete(user);
      }
      if (deleteEntry) shared.delete(userKey(e.user)).catch(() => {});
      return;
    }
    epoch = nextEpoch;
    // A day: far longer than any entry, so an expired epoch key can only hide entries long gone.
    shared.set(EPOCH_KEY, epoch, 86_400).catch(() => {});
  }

  function setLocal(userId: string, orgId: string, value: EffectiveRole | null, now: number) {
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
  }

  /** The user's shared roles still to be trusted: current epoch, unexpired, found after the user's last eviction. */
  async function readShared(userId: string, now: number): Promise<SharedEntry['roles']> {
    const entry = await shared?.get<SharedEntry>(userKey(userId)).catch(() => undefined);
    if (!entry || entry.epoch !== epoch) return {};
    const evictedAt = userEvictedAt.get(userId);
    const roles: SharedEntry['roles'] = {};
    for (const [orgId, role] of Object.entries(entry.roles)) {
      if (role.expiresAt > now && (evictedAt === undefined || role.at > evictedAt + CLOCK_SKEW_MS)) roles[orgId] = role;
    }
    return roles;
  }

  async function writeShared(userId: string, orgId: string, value: EffectiveRole | null, now: number, generation: number) {
    if (!shared) return;
    const roles = await readShared(userId, now);
    if (generation !== evictions) return;
    const next = Object.keys(roles).length >= MAX_ORGS_PER_USER ? {} : roles;
    next[orgId] = { value, at: now, expiresAt: now + sharedTtlMs };
    const longest = Math.max(...Object.values(next).map((r) => r.expiresAt)) - now;
    await shared.set<SharedEntry>(userKey(userId), { epoch, roles: next }, longest / 1000);
  }

  function get(userId: string, orgId: string, now: number) {
    const orgs = byUser.get(userId);
    const entry = orgs?.get(orgId);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      orgs!.delete(orgId);
      size--;
      return undefined;
    }
    return entry.value;
  }

  function set(userId: string, orgId: string, value: EffectiveRole | null, now: number, generation: number) {
    if (generation !== evictions) return;
    setLocal(userId, orgId, value, now);
    writeShared(userId, orgId, value, now, generation).catch(() => {});
  }

  return {
    get,
    generation: () => evictions,
    set,
    async load(userId, orgId, now, compute) {
      const cached = get(userId, orgId, now);
      if (cached !== undefined) return cached;
      const generation = evictions;
      const found = shared ? (await readShared(userId, now))[orgId] : undefined;
      if (found) {
        if (generation === evictions) setLocal(userId, orgId, found.value, now);
        return found.value;
      }
      const value = await compute();
      set(userId, orgId, value, now, generation);
      return value;
    },
    evict(e) {
      evictLocal(e);
      const key = e !== 'all' && 'user' in e ? undefined : evictionKey(e);
      const next = (key && announced.get(key)) || randomUUID();
      if (key) announced.delete(key);
      evictShared(e, next, true);
    },
    async notify(tx, e) {
      let message: string;
      if (e !== 'all' && 'user' in e) message = `user:${e.user}`;
      else {
        // Org and global evictions carry the next epoch, so every instance switches to the same one.
        const next = randomUUID();
        // Bounded: entries of rolled-back transactions are never taken back out.
        if (announced.size >= 1000) announced.clear();
        announced.set(evictionKey(e), next);
        message = `${evictionKey(e)}:${next}`;
      }
      await sql`SELECT pg_notify(${ROLE_INVALIDATION_CHANNEL}, ${message})`.execute(tx);
    },
    async start() {
      unlisten = await database.listen(ROLE_INVALIDATION_CHANNEL, (message) => {
        // An unknown message may come from a newer instance during a rolling deploy: evict all.
        const decoded = decode(message) ?? { eviction: 'all' as const };
        evictLocal(decoded.eviction);
        evictShared(decoded.eviction, decoded.epoch || randomUUID(), false);
      });
      // After LISTEN, so an org eviction from now on is seen; one committed just before is
      // read here, as its writer stores the new epoch.
      if (shared) epoch = (await shared.get<string>(EPOCH_KEY).catch(() => undefined)) ?? epoch;
    },
    async stop() {
      await unlisten?.();
      byUser.clear();
      size = 0;
    },
  };
}
