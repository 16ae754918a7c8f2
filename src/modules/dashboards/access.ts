// Who may see and change a dashboard: pure, so the rule reads in one place and is unit-tested.
//
// Org admins (and owners) always edit. A dashboard outside collections: everyone in the org views
// it, its creator and admins edit it. A dashboard in a collection: the collection's grants decide,
// the strongest grant that matches wins (a role grant matches that role and the ones above it).
import type { OrgRole } from '../organizations/index.ts';

export type Access = 'none' | 'view' | 'edit';
/** To one member (`userId`) or to a role and those above it (`role`): one of the two, service.ts checks. */
export type Grant = { role?: OrgRole; userId?: string; access: 'view' | 'edit' };

const RANK: Record<OrgRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
const atLeast = (role: OrgRole, minimum: OrgRole) => RANK[role] >= RANK[minimum];
const stronger = (a: Access, b: Access): Access => (a === 'edit' || b === 'edit' ? 'edit' : a === 'view' || b === 'view' ? 'view' : 'none');

/** What `userId`, with `role` in the org, may do with a collection of these grants. */
export function collectionAccess(userId: string, role: OrgRole, grants: readonly Grant[]): Access {
  if (atLeast(role, 'admin')) return 'edit';
  let access: Access = 'none';
  for (const g of grants) {
    const matches = g.userId !== undefined ? g.userId === userId : g.role !== undefined && atLeast(role, g.role);
    if (matches) access = stronger(access, g.access);
  }
  return access;
}

/** What `userId` may do with a dashboard; `grants` null when it is in no collection. */
export function dashboardAccess(userId: string, role: OrgRole, dashboard: { createdBy: string }, grants: readonly Grant[] | null): Access {
  if (atLeast(role, 'admin')) return 'edit';
  if (grants === null) return dashboard.createdBy === userId ? 'edit' : 'view';
  return collectionAccess(userId, role, grants);
}

/** Whether `userId` may put a new dashboard there (`grants` null: outside collections, members and up). */
export function mayAdd(userId: string, role: OrgRole, grants: readonly Grant[] | null): boolean {
  if (grants === null) return atLeast(role, 'member');
  return collectionAccess(userId, role, grants) === 'edit';
}
