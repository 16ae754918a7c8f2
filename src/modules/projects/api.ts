// The façade other modules call (time, reports): narrow, read-mostly, org-scoped.
import type { Executor } from '../../core/db/database.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { Access, ProjectsDeps } from './service.ts';
import { members, projects } from './repository.ts';
import type { ProjectRole } from './rules.ts';
import { tasks } from './task-repository.ts';
import { type ProjectSummary, type TaskSummary, toProjectSummary, toTaskSummary } from './views.ts';

// Every read takes the caller's executor last (`exec`, default the pool): inside a caller's
// transaction it runs on that connection and sees its writes (the pool would lend it a second
// connection, or none: a pool of one would wait for itself).
export interface ProjectsApi {
  /** null when absent, soft-deleted or in another org. */
  getProject(orgId: string, projectId: string, exec?: Executor): Promise<ProjectSummary | null>;
  /** Live projects of the org (all, or those ids), in id order. */
  listProjects(orgId: string, ids?: string[], exec?: Executor): Promise<ProjectSummary[]>;
  /** A live task of a live project of the org; null otherwise. */
  getTask(orgId: string, projectId: string, taskId: string, exec?: Executor): Promise<TaskSummary | null>;
  /** Tasks by id, soft-deleted ones included (to name past work); tasks of other orgs are left out. */
  listTasks(orgId: string, ids: string[], exec?: Executor): Promise<TaskSummary[]>;
  /** The live tasks of one live project (export); [] when the project is absent. */
  listProjectTasks(orgId: string, projectId: string, exec?: Executor): Promise<TaskSummary[]>;
  /** The user's own membership role; org admins without membership get null. */
  projectRole(userId: string, orgId: string, projectId: string, exec?: Executor): Promise<ProjectRole | null>;
  /** The project member's own rate, if set. */
  memberRate(orgId: string, projectId: string, userId: string, exec?: Executor): Promise<number | null>;
  /** The users with the project role `manager` (org admins manage without it); [] when the project is absent. */
  listManagers(orgId: string, projectId: string, exec?: Executor): Promise<string[]>;
  /**
   * Throws 404 ORG.NOT_FOUND for non-members of the org, 404 PROJECTS.NOT_FOUND unless the
   * principal may see the project (org admin+, or project member), and 403 FORBIDDEN for
   * need 'write' unless the principal may contribute (project manager or contributor, or org
   * admin+; never an org viewer). canManage: project manager or org admin+, not an org viewer.
   * An archived project passes: callers check `project.status` for their own rules.
   */
  assertProjectAccess(principal: Principal, orgId: string, projectId: string, need: 'read' | 'write', exec?: Executor): Promise<{ project: ProjectSummary; canManage: boolean }>;
}

// Callers may hand over ids they got from clients; a malformed one matches nothing instead
// of reaching PostgreSQL as an invalid uuid (a 500).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuids = (...ids: string[]) => ids.every((id) => UUID.test(id));

export function createProjectsApi(deps: ProjectsDeps, access: Access): ProjectsApi {
  const { db } = deps;
  return {
    async getProject(orgId, projectId, exec = db) {
      if (!uuids(orgId, projectId)) return null;
      const row = await projects.byId(exec, orgId, projectId);
      return row ? toProjectSummary(row) : null;
    },
    async listProjects(orgId, ids, exec = db) {
      if (!uuids(orgId)) return [];
      return (await projects.listLive(exec, orgId, ids?.filter((id) => UUID.test(id)))).map(toProjectSummary);
    },
    async getTask(orgId, projectId, taskId, exec = db) {
      if (!uuids(orgId, projectId, taskId)) return null;
      if (!(await projects.byId(exec, orgId, projectId))) return null;
      const row = await tasks.byId(exec, orgId, projectId, taskId);
      return row ? toTaskSummary(row) : null;
    },
    async listTasks(orgId, ids, exec = db) {
      if (!uuids(orgId)) return [];
      return (await tasks.byIds(exec, orgId, ids.filter((id) => UUID.test(id)))).map(toTaskSummary);
    },
    async listProjectTasks(orgId, projectId, exec = db) {
      if (!uuids(orgId, projectId)) return [];
      if (!(await projects.byId(exec, orgId, projectId))) return [];
      return (await tasks.ofProject(exec, orgId, projectId)).map(toTaskSummary);
    },
    async projectRole(userId, orgId, projectId, exec = db) {
      if (!uuids(userId, orgId, projectId)) return null;
      if (!(await projects.byId(exec, orgId, projectId))) return null;
      return ((await members.get(exec, orgId, projectId, userId))?.role ?? null) as ProjectRole | null;
    },
    async memberRate(orgId, projectId, userId, exec = db) {
      if (!uuids(orgId, projectId, userId)) return null;
      const m = await members.get(exec, orgId, projectId, userId);
      return m?.hourly_rate_minor ?? null;
    },
    async listManagers(orgId, projectId, exec = db) {
      if (!uuids(orgId, projectId)) return [];
      if (!(await projects.byId(exec, orgId, projectId))) return [];
      return (await members.list(exec, orgId, projectId)).filter((m) => m.role === 'manager').map((m) => m.user_id);
    },
    async assertProjectAccess(principal, orgId, projectId, need, exec) {
      const { project, rights } = await access.resolve(principal, orgId, projectId, need === 'write' ? 'contribute' : 'read', { exec });
      return { project: toProjectSummary(project), canManage: rights.canManage };
    },
  };
}
