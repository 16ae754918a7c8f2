// Effective roles, cached, and the write helper that keeps the cache honest. Every
// org-scoped request of every module comes through `assertRole`.
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { CoreDeps } from '../../core/module.ts';
import { OrgProblems } from './problems.ts';
import { chainMemberships } from './repository.ts';
import type { Eviction, RoleCache } from './role-cache.ts';
import { type EffectiveRole, effectiveRole, type OrgRole, roleAtLeast } from './rules.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (id: string) => UUID.test(id);

export const orgNotFound = () => OrgProblems.notFound.error('Organization not found');

export function createAccess(core: CoreDeps, cache: RoleCache) {
  const { db, clock } = core;

  /**
   * The caller's role in a live org: direct, else the nearest ancestor's; null when none.
   * `exec`: a caller's transaction to read in. A cached role is served there too (the cache
   * holds committed roles, what that transaction sees as well: only this module writes
   * memberships, and it reads them with its own transaction, not through here). A role read
   * in the transaction is never cached: it may rest on writes that roll back, or miss a change
   * committed after the transaction's snapshot, and the cache is shared by every request (and,
   * with Redis, every instance).
   */
  async function effective(userId: string, orgId: string, exec?: Executor): Promise<EffectiveRole | null> {
    // Other modules pass ids from their own routes; a malformed one is simply not an org.
    if (!isUuid(orgId)) return null;
    const now = clock.now().getTime();
    const cached = cache.get(userId, orgId, now);
    if (cached !== undefined) return cached;
    if (exec && exec !== db) return effectiveRole(await chainMemberships(exec, userId, orgId));
    return cache.load(userId, orgId, now, async () => effectiveRole(await chainMemberships(db, userId, orgId)));
  }

  /** 404 when the caller has no role (or the org is deleted): a stranger learns nothing. */
  async function assertEffective(principal: Principal, orgId: string, minimum: OrgRole, exec?: Executor): Promise<EffectiveRole> {
    const found = await effective(principal.userId, orgId, exec);
    if (!found) throw orgNotFound();
    if (!roleAtLeast(found.role, minimum)) {
      throw CoreProblems.forbidden.error(`This needs the ${minimum} role or higher in the organization`);
    }
    return found;
  }

  const assertRole = async (principal: Principal, orgId: string, minimum: OrgRole, exec?: Executor): Promise<OrgRole> =>
    (await assertEffective(principal, orgId, minimum, exec)).role;

  const roleOf = async (userId: string, orgId: string, exec?: Executor): Promise<OrgRole | null> => (await effective(userId, orgId, exec))?.role ?? null;

  /**
   * Runs a change in a transaction. `evict` queues cache evictions: their NOTIFY goes out
   * with the commit, and this instance evicts right after it, so the next request (here or
   * anywhere) recomputes the role.
   */
  async function write<T>(fn: (tx: Executor, evict: (e: Eviction) => void) => Promise<T>): Promise<T> {
    const evictions: Eviction[] = [];
    const result = await db.transaction().execute(async (tx) => {
      const r = await fn(tx, (e) => evictions.push(e));
      for (const e of evictions) await cache.notify(tx, e);
      return r;
    });
    for (const e of evictions) cache.evict(e);
    return result;
  }

  return { effective, assertEffective, assertRole, roleOf, write };
}

export type Access = ReturnType<typeof createAccess>;
