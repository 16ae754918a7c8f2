// Tasks of a project. Contributors create and update them, managers (and org admins) also
// delete them; an archived project's tasks are read-only. The assignee must be a project
// member or an org admin.
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { Access, ProjectsDeps } from './service.ts';
import { ProjectProblems } from './problems.ts';
import { members, projects } from './repository.ts';
import { archived, isOrgAdmin, nowOf, projectNotFound } from './rules.ts';
import { type TaskRow, tasks } from './task-repository.ts';
import { type TaskView, toTaskView } from './views.ts';

type TaskStatus = TaskRow['status'];

export interface CreateTaskInput {
  name: string;
  status?: TaskStatus;
  estimateMinutes?: number | null;
  assigneeId?: string | null;
}
export type UpdateTaskInput = Partial<CreateTaskInput>;

export const taskNotFound = () => ProjectProblems.taskNotFound.error('Task not found');
const invalidAssignee = () =>
  ProjectProblems.invalidAssignee.error('The assignee must be a member of the project or an admin of the organization', {
    errors: [{ field: 'body.assigneeId', message: 'is not a project member or an organization admin' }],
  });

const FIELD_COLUMNS = { name: 'name', status: 'status', estimateMinutes: 'estimate_minutes', assigneeId: 'assignee_id' } as const;

export function createTasksService(deps: ProjectsDeps, access: Access) {
  const { db, events, clock, orgs } = deps;

  async function checkAssignee(orgId: string, projectId: string, assigneeId: string | null | undefined) {
    if (!assigneeId) return;
    if (await members.get(db, orgId, projectId, assigneeId)) return;
    if (isOrgAdmin(await orgs.roleOf(assigneeId, orgId))) return;
    throw invalidAssignee();
  }

  /** Locks the live project: task writes bump its activity and must see a current status. */
  async function lockWritable(tx: Executor, orgId: string, projectId: string) {
    const project = await projects.byId(tx, orgId, projectId, { forUpdate: true });
    if (!project) throw projectNotFound();
    if (project.status === 'archived') throw archived();
    return project;
  }

  async function list(actor: Actor, orgId: string, projectId: string, f: { status?: TaskStatus; assigneeId?: string; cursor?: string; limit: number }): Promise<Page<TaskView>> {
    await access.resolve(actor.principal, orgId, projectId, 'read');
    const after = decodeCursor(f.cursor, isUuidKey);
    const rows = await tasks.list(db, { orgId, projectId, status: f.status, assigneeId: f.assigneeId, after: after ? String(after[0]) : undefined, limit: f.limit });
    const page = toPage(rows, f.limit, (r) => [r.id]);
    return { data: page.data.map(toTaskView), page: page.page };
  }

  async function get(actor: Actor, orgId: string, projectId: string, taskId: string): Promise<TaskView> {
    await access.resolve(actor.principal, orgId, projectId, 'read');
    const row = await tasks.byId(db, orgId, projectId, taskId);
    if (!row) throw taskNotFound();
    return toTaskView(row);
  }

  async function create(actor: Actor, orgId: string, projectId: string, input: CreateTaskInput): Promise<TaskView> {
    const { project } = await access.resolve(actor.principal, orgId, projectId, 'contribute');
    if (project.status === 'archived') throw archived();
    await checkAssignee(orgId, projectId, input.assigneeId);
    const row = await db.transaction().execute(async (tx) => {
      await lockWritable(tx, orgId, projectId);
      const now = nowOf(clock);
      const [row] = await tasks.insert(tx, [
        {
          id: uuidv7(),
          project_id: projectId,
          org_id: orgId,
          name: input.name.trim(),
          status: input.status ?? 'todo',
          estimate_minutes: input.estimateMinutes ?? null,
          assignee_id: input.assigneeId ?? null,
          created_by: actor.principal.userId,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        },
      ]);
      await projects.touchActivity(tx, orgId, projectId, now);
      await events.publish(tx, 'projects.task_created', { orgId, projectId, taskId: row.id }, { actor, orgId });
      return row;
    });
    return toTaskView(row);
  }

  async function update(actor: Actor, orgId: string, projectId: string, taskId: string, input: UpdateTaskInput): Promise<TaskView> {
    const { project } = await access.resolve(actor.principal, orgId, projectId, 'contribute');
    if (project.status === 'archived') throw archived();
    if (input.assigneeId !== undefined) await checkAssignee(orgId, projectId, input.assigneeId);
    const patch: UpdateTaskInput = input.name !== undefined ? { ...input, name: input.name.trim() } : input;
    const row = await db.transaction().execute(async (tx) => {
      await lockWritable(tx, orgId, projectId);
      const current = await tasks.byId(tx, orgId, projectId, taskId);
      if (!current) throw taskNotFound();
      const fields = (Object.keys(FIELD_COLUMNS) as (keyof typeof FIELD_COLUMNS)[]).filter(
        (f) => patch[f] !== undefined && patch[f] !== current[FIELD_COLUMNS[f]],
      );
      if (fields.length === 0) return current;
      const now = nowOf(clock);
      const set: Record<string, unknown> = { updated_at: now };
      for (const f of fields) set[FIELD_COLUMNS[f]] = patch[f];
      const row = await tasks.update(tx, orgId, taskId, set);
      await projects.touchActivity(tx, orgId, projectId, now);
      await events.publish(tx, 'projects.task_updated', { orgId, projectId, taskId, fields }, { actor, orgId });
      return row;
    });
    return toTaskView(row);
  }

  /** Soft delete: time entries keep the task's id and reports its name. */
  async function remove(actor: Actor, orgId: string, projectId: string, taskId: string): Promise<void> {
    const { project } = await access.resolve(actor.principal, orgId, projectId, 'manage');
    if (project.status === 'archived') throw archived();
    await db.transaction().execute(async (tx) => {
      await lockWritable(tx, orgId, projectId);
      if (!(await tasks.byId(tx, orgId, projectId, taskId))) throw taskNotFound();
      const now = nowOf(clock);
      await tasks.update(tx, orgId, taskId, { deleted_at: now, updated_at: now });
      await projects.touchActivity(tx, orgId, projectId, now);
      await events.publish(tx, 'projects.task_deleted', { orgId, projectId, taskId }, { actor, orgId });
    });
  }

  return { list, get, create, update, remove };
}

export type TasksService = ReturnType<typeof createTasksService>;
