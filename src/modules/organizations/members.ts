// Members of an organization: list (direct and inherited), change a role, remove or leave,
// and the clean-up when a user account is deleted.
import { sql } from 'kysely';
import type { Static } from 'typebox';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { decodeCursor, isUuidKey, toPage } from '../../core/http/pagination.ts';
import type { CoreDeps } from '../../core/module.ts';
import { type Access, isUuid } from './access.ts';
import { memberships } from './membership-repository.ts';
import { OrgProblems } from './problems.ts';
import { chainMemberships, type EffectiveMemberRow, effectiveMembers, lockHierarchy, ownerCounts } from './repository.ts';
import type { RoleCache } from './role-cache.ts';
import { checkMemberChange, checkOwnersRemain, effectiveRole, type OrgRole } from './rules.ts';
import type { Member } from './schemas.ts';

const memberNotFound = () => OrgProblems.memberNotFound.error('Member not found');

export type MemberView = Static<typeof Member>;

const toMember = (orgId: string, r: EffectiveMemberRow): MemberView => ({
  userId: r.user_id,
  email: r.email,
  role: r.role,
  inherited: r.source_org_id !== orgId,
  inheritedFrom: r.source_org_id === orgId ? null : r.source_org_id,
  joinedAt: new Date(r.joined_at).toISOString(),
});

export function createMembersService(core: CoreDeps, access: Access, cache: RoleCache) {
  const { db, events } = core;

  async function list(actor: Actor, orgId: string, page: { cursor?: string; limit: number }) {
    const { principal } = actor;
    await access.assertRole(principal, orgId, 'viewer');
    const after = decodeCursor(page.cursor, isUuidKey);
    const rows = await effectiveMembers(db, orgId, { after: after ? String(after[0]) : undefined, limit: page.limit });
    const p = toPage(rows, page.limit, (r) => [r.user_id]);
    return { data: p.data.map((r) => toMember(orgId, r)), page: p.page };
  }

  async function memberView(tx: Executor, orgId: string, userId: string): Promise<MemberView> {
    const rows = await effectiveMembers(tx, orgId);
    const row = rows.find((r) => r.user_id === userId);
    if (!row) throw memberNotFound();
    return toMember(orgId, row);
  }

  /**
   * Sets a member's role. For a member whose role is inherited, this creates a direct
   * membership in this org that overrides it (a narrower or wider role here only).
   */
  async function changeRole(actor: Actor, orgId: string, userId: string, role: OrgRole) {
    const { principal } = actor;
    const actorRole = await access.assertRole(principal, orgId, 'viewer');
    return access.write(async (tx, evict) => {
      await lockHierarchy(tx);
      const target = effectiveRole(await chainMemberships(tx, userId, orgId));
      if (!target) throw memberNotFound();
      checkMemberChange({ actorRole, actorIsTarget: userId === principal.userId, targetRole: target.role, newRole: role });
      const m = { actor, orgId };
      if (!target.inherited) {
        if (target.role === role) return memberView(tx, orgId, userId);
        await memberships.setRole(tx, orgId, userId, role);
        await events.publish(tx, 'organizations.member_role_changed', { orgId, userId, role, previousRole: target.role }, m);
      } else {
        const source = await memberships.get(tx, target.sourceOrgId, userId);
        await memberships.insert(tx, { org_id: orgId, user_id: userId, email: source!.email, role });
        await events.publish(tx, 'organizations.member_added', { orgId, userId, role, via: 'override' }, m);
      }
      checkOwnersRemain(await ownerCounts(tx, orgId));
      evict({ user: userId });
      return memberView(tx, orgId, userId);
    });
  }

  /** Removes a direct membership (admin+), or leaves (anyone, for themselves). */
  async function remove(actor: Actor, orgId: string, userId: string) {
    const { principal } = actor;
    const actorRole = await access.assertRole(principal, orgId, 'viewer');
    const leaving = userId === principal.userId;
    await access.write(async (tx, evict) => {
      await lockHierarchy(tx);
      const direct = await memberships.get(tx, orgId, userId);
      if (!direct) {
        if (effectiveRole(await chainMemberships(tx, userId, orgId))) {
          throw OrgProblems.memberInherited.error('This role is inherited from a parent organization: remove it there, or override it here');
        }
        throw memberNotFound();
      }
      checkMemberChange({ actorRole, actorIsTarget: leaving, targetRole: direct.role });
      await memberships.remove(tx, orgId, userId);
      checkOwnersRemain(await ownerCounts(tx, orgId));
      await events.publish(
        tx,
        'organizations.member_removed',
        { orgId, userId, role: direct.role, reason: leaving ? 'left' : 'removed' },
        { actor, orgId },
      );
      evict({ user: userId });
    });
  }

  /**
   * users.deleted: drop the user's memberships. A membership whose removal would leave an
   * org (or one below it) without any owner is kept, anonymized: deleting it would orphan the
   * org for good, since only an owner can grant `owner`, delete or restore it. The kept row
   * grants nothing in practice (the account can no longer sign in) and marks the org as one
   * an operator must hand over. Idempotent: a redelivery finds only the kept rows.
   */
  async function removeDeletedUser(tx: Executor, userId: string, actorId: string | null) {
    cache.evict({ user: userId });
    await lockHierarchy(tx);
    for (const m of await memberships.ofUser(tx, userId)) {
      await sql`SAVEPOINT org_member_removal`.execute(tx);
      await memberships.remove(tx, m.org_id, userId);
      const orphaned = (await ownerCounts(tx, m.org_id)).some((c) => c.owners === 0);
      if (orphaned) {
        await sql`ROLLBACK TO SAVEPOINT org_member_removal`.execute(tx);
        await memberships.setEmail(tx, m.org_id, userId, `deleted+${userId}@invalid`);
        continue;
      }
      await sql`RELEASE SAVEPOINT org_member_removal`.execute(tx);
      await events.publish(tx, 'organizations.member_removed', { orgId: m.org_id, userId, role: m.role, reason: 'user_deleted' }, { actorId, orgId: m.org_id });
    }
    // Delivered with the commit: evicts on every instance, this one included, after the change is visible.
    await cache.notify(tx, { user: userId });
  }

  /** Façade: everyone with an effective role in the org. */
  async function listAll(orgId: string, exec: Executor = db) {
    if (!isUuid(orgId)) return [];
    return (await effectiveMembers(exec, orgId)).map((r) => ({ userId: r.user_id, email: r.email, role: r.role }));
  }

  return { list, changeRole, remove, removeDeletedUser, listAll };
}

export type MembersService = ReturnType<typeof createMembersService>;
