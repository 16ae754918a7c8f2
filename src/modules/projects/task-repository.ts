// SQL of projects.tasks and projects.templates. Like repository.ts, every query filters by
// org_id as well as by id.
import type { Selectable, Updateable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import { q, type TasksTable, type TemplatesTable, textArray } from './repository.ts';

export type TaskRow = Selectable<TasksTable>;
export type TemplateRow = Selectable<TemplatesTable>;

export interface TaskListFilter {
  orgId: string;
  projectId: string;
  status?: TasksTable['status'];
  assigneeId?: string;
  after?: string;
  limit: number;
}

export const tasks = {
  insert: (db: Executor, rows: TaskRow[]) => (rows.length ? q(db).insertInto('projects.tasks').values(rows).returningAll().execute() : Promise.resolve([])),

  /** A live task of a project of this org. */
  byId: (db: Executor, orgId: string, projectId: string, id: string) =>
    q(db)
      .selectFrom('projects.tasks')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),

  update: (db: Executor, orgId: string, id: string, patch: Updateable<TasksTable>) =>
    q(db).updateTable('projects.tasks').set(patch).where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),

  /** Keyset page in creation order (UUIDv7 ids). */
  list: (db: Executor, f: TaskListFilter) => {
    let query = q(db)
      .selectFrom('projects.tasks')
      .selectAll()
      .where('org_id', '=', f.orgId)
      .where('project_id', '=', f.projectId)
      .where('deleted_at', 'is', null);
    if (f.status) query = query.where('status', '=', f.status);
    if (f.assigneeId) query = query.where('assignee_id', '=', f.assigneeId);
    if (f.after) query = query.where('id', '>', f.after);
    return query
      .orderBy('id')
      .limit(f.limit + 1)
      .execute();
  },

  /** Every live task of a project, in creation order (templates, export). */
  ofProject: (db: Executor, orgId: string, projectId: string, opts: { includeDeleted?: boolean } = {}) => {
    let query = q(db).selectFrom('projects.tasks').selectAll().where('org_id', '=', orgId).where('project_id', '=', projectId);
    if (!opts.includeDeleted) query = query.where('deleted_at', 'is', null);
    return query.orderBy('id').execute();
  },

  /** Tasks by id, soft-deleted ones included: callers resolve names of past work. */
  byIds: (db: Executor, orgId: string, ids: readonly string[]) =>
    ids.length === 0
      ? Promise.resolve([])
      : q(db)
          .selectFrom('projects.tasks')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('id', 'in', [...ids])
          .orderBy('id')
          .execute(),

  /** Clears the user's assignments on live tasks of the org (or of these projects); returns the changed tasks. */
  unassign: (db: Executor, orgId: string, userId: string, at: Date, opts: { projectIds?: readonly string[] } = {}) => {
    if (opts.projectIds?.length === 0) return Promise.resolve([]);
    let query = q(db)
      .updateTable('projects.tasks')
      .set({ assignee_id: null, updated_at: at })
      .where('org_id', '=', orgId)
      .where('assignee_id', '=', userId)
      .where('deleted_at', 'is', null);
    if (opts.projectIds) query = query.where('project_id', 'in', [...opts.projectIds]);
    return query.returning(['id', 'project_id']).execute();
  },
};

export const templates = {
  insert: (db: Executor, row: TemplateRow) =>
    q(db)
      .insertInto('projects.templates')
      .values({ ...row, tags: textArray(row.tags), settings: JSON.stringify(row.settings), tasks: JSON.stringify(row.tasks) } as any)
      .returningAll()
      .executeTakeFirstOrThrow(),

  byId: (db: Executor, orgId: string, id: string) =>
    q(db).selectFrom('projects.templates').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),

  list: (db: Executor, orgId: string, after: string | undefined, limit: number) => {
    let query = q(db).selectFrom('projects.templates').selectAll().where('org_id', '=', orgId);
    if (after) query = query.where('id', '>', after);
    return query
      .orderBy('id')
      .limit(limit + 1)
      .execute();
  },

  remove: async (db: Executor, orgId: string, id: string) => {
    const r = await q(db).deleteFrom('projects.templates').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
