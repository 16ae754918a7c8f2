// Loads a project together with the caller's rights on it. Every project route goes
// through here, so the order of answers is the same everywhere: not an org member → 404
// ORG.NOT_FOUND (from the organizations façade), a project the caller cannot see → 404
// PROJECTS.NOT_FOUND, a right the caller lacks → 403 FORBIDDEN.
import type { Executor } from '../../core/db/database.ts';
import type { EventMeta, EventPublisher } from '../../core/events/types.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { Clock } from '../../core/module.ts';
import { members, type ProjectRow, projects } from './repository.ts';
import { type Need, type OrgPort, type OrgRole, type ProjectRights, type ProjectRole, projectNotFound, projectRights, requireRight } from './rules.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ProjectsDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrgPort;
}

/** Who acts, and the request to correlate events with. */
export interface Actor {
  principal: Principal;
  requestId?: string;
}

export const metaOf = (actor: Actor, orgId: string): EventMeta => ({ actorId: actor.principal.userId, orgId, requestId: actor.requestId ?? null });

export interface ProjectAccess {
  project: ProjectRow;
  orgRole: OrgRole;
  projectRole: ProjectRole | null;
  rights: ProjectRights;
}

/** Timestamps at millisecond precision, as keyset cursors carry them (see the migration). */
export const nowOf = (clock: Clock) => new Date(clock.now().getTime());

export function createAccess(deps: ProjectsDeps) {
  const { db, orgs } = deps;

  /** Rights of a user on a loaded project, given the user's effective org role. */
  async function rightsOn(orgRole: OrgRole, project: ProjectRow, userId: string) {
    const member = await members.get(db, project.org_id, project.id, userId);
    const projectRole = (member?.role ?? null) as ProjectRole | null;
    return { projectRole, rights: projectRights(orgRole, projectRole) };
  }

  async function resolve(principal: Principal, orgId: string, projectId: string, need: Need, opts: { includeDeleted?: boolean } = {}): Promise<ProjectAccess> {
    const orgRole = await orgs.assertRole(principal, orgId, 'viewer');
    // Façade callers may pass a client's id unchecked: a malformed one is simply not found.
    if (!UUID.test(projectId)) throw projectNotFound();
    const project = await projects.byId(db, orgId, projectId, { includeDeleted: opts.includeDeleted });
    if (!project) throw projectNotFound();
    const { projectRole, rights } = await rightsOn(orgRole, project, principal.userId);
    requireRight(rights, need);
    return { project, orgRole, projectRole, rights };
  }

  return { resolve, rightsOn };
}

export type Access = ReturnType<typeof createAccess>;
