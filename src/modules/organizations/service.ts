// Organizations: create, list, read, change, move, delete and restore. Rules live in
// rules.ts; this file reads what they need, applies them and publishes the events.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import { decodeCursor, isUuidKey, toPage } from '../../core/http/pagination.ts';
import type { CoreDeps } from '../../core/module.ts';
import { type Access, isUuid, orgNotFound } from './access.ts';
import { memberships } from './membership-repository.ts';
import { OrgProblems } from './problems.ts';
import { chainMemberships, isUniqueViolation, lockHierarchy, type OrgRow, orgs, ownerCounts, reachableOrgs } from './repository.ts';
import type { OrganizationView as OrganizationSchema } from './schemas.ts';
import type { OrganizationsSettings } from './settings.ts';
import { checkOwnersRemain, checkPlacement, checkSettings, effectiveRole, type OrgRole, roleAtLeast } from './rules.ts';

/** An organization without the caller's role (what peers read through the façade). */
export type OrganizationView = Static<typeof OrganizationSchema>;

export const toOrganizationView = (r: OrgRow): OrganizationView => ({
  id: r.id,
  name: r.name,
  slug: r.slug,
  parentId: r.parent_id,
  timezone: r.timezone,
  currency: r.currency,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export interface CreateOrgInput {
  name: string;
  slug: string;
  parentId?: string;
  timezone?: string;
  currency?: string;
}

export interface UpdateOrgInput {
  name?: string;
  slug?: string;
  timezone?: string;
  currency?: string;
  parentId?: string | null;
}

const slugTaken = () => OrgProblems.slugTaken.error('This slug is already used by another organization');

export function createOrganizationsService(core: CoreDeps, access: Access, settings: OrganizationsSettings) {
  const { db, events, clock } = core;
  const maxDepth = settings.maxDepth;
  const restoreWindowMs = settings.restoreDays * 86_400_000;

  /** Checks that `parentId` can take `orgId`'s subtree (cycle, depth). Call under lockHierarchy. */
  async function checkParent(tx: Executor, orgId: string | null, parentId: string | null) {
    let parentChain: string[] = [];
    if (parentId) {
      if (!(await orgs.live(tx, parentId))) throw orgNotFound();
      parentChain = await orgs.ancestorChain(tx, parentId);
    }
    const subtreeHeight = orgId ? await orgs.subtreeHeight(tx, orgId) : 1;
    checkPlacement({ orgId, parentChain, subtreeHeight, maxDepth });
  }

  async function create(actor: Actor, body: CreateOrgInput) {
    const { principal } = actor;
    const input = checkSettings(body);
    // Creating a department takes admin+ in the company; 404 when the caller is not in it.
    if (input.parentId) await access.assertRole(principal, input.parentId, 'admin');
    const row = await db.transaction().execute(async (tx) => {
      if (input.parentId) {
        await lockHierarchy(tx);
        await checkParent(tx, null, input.parentId);
      }
      if (await orgs.slugInUse(tx, input.slug)) throw slugTaken();
      const id = uuidv7();
      const org = await orgs
        .insert(tx, {
          id,
          name: input.name.trim(),
          slug: input.slug,
          parent_id: input.parentId ?? null,
          timezone: input.timezone ?? 'UTC',
          currency: input.currency ?? 'EUR',
        })
        .catch((err) => {
          throw isUniqueViolation(err) ? slugTaken() : err;
        });
      await memberships.insert(tx, { org_id: id, user_id: principal.userId, email: principal.email, role: 'owner' });
      const m = { actor, orgId: id };
      await events.publish(tx, 'organizations.created', { orgId: id, name: org.name, slug: org.slug, parentId: org.parent_id, ownerId: principal.userId }, m);
      await events.publish(tx, 'organizations.member_added', { orgId: id, userId: principal.userId, role: 'owner', via: 'creation' }, m);
      return org;
    });
    return { ...toOrganizationView(row), role: 'owner' as OrgRole, inherited: false };
  }

  async function listMine(actor: Actor, page: { cursor?: string; limit: number }) {
    const { principal } = actor;
    const after = decodeCursor(page.cursor, isUuidKey);
    const reached = await reachableOrgs(db, principal.userId, { after: after ? String(after[0]) : undefined, limit: page.limit });
    const p = toPage(reached, page.limit, (r) => [r.org_id]);
    const rows = new Map((await orgs.byIds(db, p.data.map((r) => r.org_id))).map((o) => [o.id, o]));
    const data = p.data.flatMap((r) => {
      const o = rows.get(r.org_id);
      return o ? [{ ...toOrganizationView(o), role: r.role, inherited: r.distance > 0 }] : [];
    });
    return { data, page: p.page };
  }

  async function get(actor: Actor, orgId: string) {
    const { principal } = actor;
    const eff = await access.assertEffective(principal, orgId, 'viewer');
    const row = await orgs.live(db, orgId);
    if (!row) throw orgNotFound();
    return { ...toOrganizationView(row), role: eff.role, inherited: eff.inherited };
  }

  async function update(actor: Actor, orgId: string, body: UpdateOrgInput) {
    const { principal } = actor;
    const eff = await access.assertEffective(principal, orgId, 'admin');
    const input = checkSettings(body);
    const current = await orgs.live(db, orgId);
    if (!current) throw orgNotFound();
    const moving = input.parentId !== undefined && input.parentId !== current.parent_id;
    if (moving) {
      // A move changes who inherits what on both sides: admin+ in the old and the new parent too.
      if (current.parent_id) await access.assertRole(principal, current.parent_id, 'admin');
      if (input.parentId) await access.assertRole(principal, input.parentId, 'admin');
    }
    const row = await access.write(async (tx, evict) => {
      if (moving) await lockHierarchy(tx);
      const org = await orgs.live(tx, orgId);
      if (!org) throw orgNotFound();
      const changes: UpdateOrgInput = {};
      if (input.name !== undefined && input.name.trim() !== org.name) changes.name = input.name.trim();
      if (input.slug !== undefined && input.slug !== org.slug) changes.slug = input.slug;
      if (input.timezone !== undefined && input.timezone !== org.timezone) changes.timezone = input.timezone;
      if (input.currency !== undefined && input.currency !== org.currency) changes.currency = input.currency;
      if (input.parentId !== undefined && input.parentId !== org.parent_id) changes.parentId = input.parentId;
      if (Object.keys(changes).length === 0) return org;
      if (changes.slug && (await orgs.slugInUse(tx, changes.slug, orgId))) throw slugTaken();
      if (changes.parentId !== undefined) await checkParent(tx, orgId, changes.parentId);
      const updated = await orgs
        .update(tx, orgId, { name: changes.name, slug: changes.slug, timezone: changes.timezone, currency: changes.currency, parent_id: changes.parentId })
        .catch((err) => {
          throw isUniqueViolation(err) ? slugTaken() : err;
        });
      if (changes.parentId !== undefined) {
        // Detaching or moving changes inherited roles in the whole subtree.
        checkOwnersRemain(await ownerCounts(tx, orgId));
        evict('all');
      }
      await events.publish(tx, 'organizations.updated', { orgId, changes }, { actor, orgId });
      return updated;
    });
    // The caller's own role may have changed with a move.
    const after = moving ? ((await access.effective(principal.userId, orgId)) ?? eff) : eff;
    return { ...toOrganizationView(row), role: after.role, inherited: after.inherited };
  }

  async function remove(actor: Actor, orgId: string) {
    const { principal } = actor;
    await access.assertRole(principal, orgId, 'owner');
    await access.write(async (tx, evict) => {
      await lockHierarchy(tx);
      if (!(await orgs.live(tx, orgId))) throw orgNotFound();
      if (await orgs.hasLiveChildren(tx, orgId)) {
        throw OrgProblems.hasChildren.error('Delete or move the organizations under this one first');
      }
      await orgs.update(tx, orgId, { deleted_at: clock.now(), deleted_by: principal.userId });
      await events.publish(tx, 'organizations.deleted', { orgId }, { actor, orgId });
      evict({ org: orgId });
    });
  }

  /**
   * Undoes a delete within ORG_RESTORE_DAYS. To anyone but an owner, and after the window,
   * a deleted org does not exist (404), so the route reveals nothing.
   */
  async function restore(actor: Actor, orgId: string) {
    const { principal } = actor;
    const row = await access.write(async (tx, evict) => {
      await lockHierarchy(tx);
      const org = await orgs.byId(tx, orgId);
      if (!org) throw orgNotFound();
      const role = effectiveRole(await chainMemberships(tx, principal.userId, orgId, { includeDeleted: true }))?.role;
      if (!org.deleted_at) {
        if (!role) throw orgNotFound();
        if (!roleAtLeast(role, 'owner')) throw CoreProblems.forbidden.error('Only an owner can restore an organization');
        throw OrgProblems.notDeleted.error('This organization is not deleted');
      }
      if (role !== 'owner' || org.deleted_at.getTime() + restoreWindowMs <= clock.now().getTime()) throw orgNotFound();
      if (org.parent_id && !(await orgs.live(tx, org.parent_id))) {
        throw OrgProblems.parentDeleted.error('Restore the parent organization first');
      }
      if (await orgs.slugInUse(tx, org.slug, orgId)) throw slugTaken();
      // The parent may have moved deeper while this org was deleted.
      await checkParent(tx, orgId, org.parent_id);
      const restored = await orgs.update(tx, orgId, { deleted_at: null, deleted_by: null });
      await events.publish(tx, 'organizations.restored', { orgId }, { actor, orgId });
      evict({ org: orgId });
      return restored;
    });
    const eff = await access.effective(principal.userId, orgId);
    return { ...toOrganizationView(row), role: eff?.role ?? 'owner', inherited: eff?.inherited ?? false };
  }

  /** Façade read: null when absent or deleted. */
  async function getOrganization(orgId: string, exec: Executor = db): Promise<OrganizationView | null> {
    if (!isUuid(orgId)) return null;
    const row = await orgs.live(exec, orgId);
    return row ? toOrganizationView(row) : null;
  }

  async function listMemberships(userId: string, exec: Executor = db) {
    return (await reachableOrgs(exec, userId)).map((r) => ({ orgId: r.org_id, role: r.role, inherited: r.distance > 0 }));
  }

  return { create, listMine, get, update, remove, restore, getOrganization, listMemberships };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
