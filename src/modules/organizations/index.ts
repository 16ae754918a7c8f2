// The organizations module's only public door: tenants, their hierarchy, memberships and
// invitations. Other modules ask it who may do what in an org through `OrganizationsApi`.
import { fileURLToPath } from 'node:url';
import type { Executor } from '../../core/db/database.ts';
import { subscriber } from '../../core/events/types.ts';
import type { Principal } from '../../core/http/principal.ts';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { createAccess } from './access.ts';
import { createInvitationsService } from './invitations.ts';
import { createMembersService } from './members.ts';
import { organizationsNotifications } from './notifications.ts';
import { createRoleCache } from './role-cache.ts';
import { organizationsRoutes } from './routes.ts';
import { type OrgRole, roleAtLeast } from './rules.ts';
import { createOrganizationsService, type OrganizationView } from './service.ts';
import { organizationsEvents } from './events.ts';
import { organizationsSettings } from './settings.ts';
import { organizationsWorkspaceRelations } from './workspace.ts';

export type { OrganizationsEvents } from './events.ts';
export { OrgProblems } from './problems.ts';
export type { OrgRole } from './rules.ts';
export type { OrganizationView } from './service.ts';

/**
 * Every read takes `exec` last: the caller's transaction to read in, on its connection
 * (default: the pool). Roles found in a caller's transaction are not cached (access.ts).
 */
export interface OrganizationsApi {
  /** Effective role of the principal (direct, else nearest ancestor). Throws AppError not_found 'ORG.NOT_FOUND' (404) when none or the org is deleted, forbidden 'FORBIDDEN' (403) when below minimumRole. */
  assertRole(principal: Principal, orgId: string, minimumRole: OrgRole, exec?: Executor): Promise<OrgRole>;
  roleOf(userId: string, orgId: string, exec?: Executor): Promise<OrgRole | null>;
  listMemberships(userId: string, exec?: Executor): Promise<{ orgId: string; role: OrgRole; inherited: boolean }[]>;
  getOrganization(orgId: string, exec?: Executor): Promise<OrganizationView | null>;
  /** Everyone with an effective role in the org (direct and inherited). */
  listMembers(orgId: string, exec?: Executor): Promise<{ userId: string; email: string; role: OrgRole }[]>;
  /** Pure helper: does `role` reach `minimum`? */
  roleAtLeast(role: OrgRole, minimum: OrgRole): boolean;
}

export const organizationsModule = defineModule({
  name: 'organizations',
  apiTags: [{ name: 'organizations', description: 'Organizations and their hierarchy, members, roles and invitations.' }],
  // Reacts to identity's events (users.deleted) but needs no façade of it.
  requires: {},
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: organizationsEvents,
  notifications: organizationsNotifications,
  settings: organizationsSettings,
  scopes: [
    { name: 'orgs:read', description: 'Read organizations, their members and invitations.' },
    { name: 'orgs:write', description: 'Create, change and delete organizations; invite, change and remove members.' },
  ],
  async setup(core): Promise<ModuleInstance<OrganizationsApi>> {
    // With Redis, roles computed on one instance serve the others (the local tier stays first).
    const cache = createRoleCache(core.database, { shared: core.cache, now: () => core.clock.now().getTime() });
    await cache.start();
    const access = createAccess(core, cache);
    const orgs = createOrganizationsService(core, access, core.settings);
    const members = createMembersService(core, access, cache);
    const invitations = createInvitationsService(core, access);
    const api: OrganizationsApi = {
      assertRole: access.assertRole,
      roleOf: access.roleOf,
      listMemberships: orgs.listMemberships,
      getOrganization: orgs.getOrganization,
      listMembers: members.listAll,
      roleAtLeast,
    };
    return {
      api,
      routes: organizationsRoutes({ orgs, members, invitations }),
      workspaceRelations: organizationsWorkspaceRelations,
      subscribers: [
        ...invitations.subscribers,
        subscriber('organizations.remove_deleted_user', 'users.deleted', (e, { db }) => members.removeDeletedUser(db, e.payload.userId, e.actorId)),
      ],
      stop: () => cache.stop(),
    };
  },
});
