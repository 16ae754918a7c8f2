// SQL of the gendoc schema. Every query names the org (defence in depth).
import type { Kysely, Selectable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { DocFormat } from './model.ts';

export interface TemplatesTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  /** The template as render/template.ts validates it. */
  body: unknown;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
export type TemplateRow = Selectable<TemplatesTable>;

/** One file a run made, kept in core/storage. */
export interface RunOutput {
  format: DocFormat;
  fileName: string;
  contentType: string;
  size: number;
  pages: number;
  storageKey: string;
}

export interface RunStats {
  files: number;
  filesParsed: number;
  symbols: number;
  apis: number;
  summaries: number;
  /** Why the LLM pass stopped early (a budget or role refusal), if it did. */
  summariesStopped: string | null;
  seconds: number;
}

export interface RunsTable {
  id: string;
  org_id: string;
  project_id: string;
  snapshot_version: number;
  template_ref: string;
  template: unknown;
  values: Record<string, string>;
  formats: DocFormat[];
  summary_model_id: string | null;
  trigger: 'request' | 'snapshot';
  status: 'queued' | 'running' | 'done' | 'failed';
  job_id: string | null;
  stats: RunStats | null;
  outputs: RunOutput[];
  error: string | null;
  created_by: string;
  created_at: Date;
  finished_at: Date | null;
}
export type RunRow = Selectable<RunsTable>;

export interface ProjectSettingsTable {
  project_id: string;
  org_id: string;
  regenerate: boolean;
  template_ref: string;
  values: Record<string, string>;
  formats: DocFormat[];
  summary_model_id: string | null;
  updated_by: string;
  updated_at: Date;
}
export type ProjectSettingsRow = Selectable<ProjectSettingsTable>;

interface Tables {
  'gendoc.templates': TemplatesTable;
  'gendoc.runs': RunsTable;
  'gendoc.project_settings': ProjectSettingsTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;
/** jsonb columns are written as JSON text (pg would send a JS array as a PostgreSQL array). */
const json = (value: unknown) => JSON.stringify(value);

export const templates = {
  insert: (db: Executor, row: TemplatesTable) => q(db).insertInto('gendoc.templates').values({ ...row, body: json(row.body) }).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('gendoc.templates').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  /** By name, newest first, keyset on id. */
  list: (db: Executor, orgId: string, beforeId: string | undefined, limit: number) => {
    let query = q(db).selectFrom('gendoc.templates').selectAll().where('org_id', '=', orgId);
    if (beforeId) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
  update: (db: Executor, orgId: string, id: string, patch: Pick<TemplatesTable, 'name' | 'description' | 'body' | 'updated_at'>) =>
    q(db)
      .updateTable('gendoc.templates')
      .set({ ...patch, body: json(patch.body) })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  delete: async (db: Executor, orgId: string, id: string) => {
    const r = await q(db).deleteFrom('gendoc.templates').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};

export const runs = {
  insert: (db: Executor, row: RunsTable) =>
    q(db)
      .insertInto('gendoc.runs')
      .values({ ...row, template: json(row.template), values: json(row.values), stats: row.stats && json(row.stats), outputs: json(row.outputs) } as never)
      .execute(),
  byId: (db: Executor, orgId: string, projectId: string, id: string) =>
    q(db).selectFrom('gendoc.runs').selectAll().where('org_id', '=', orgId).where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst(),
  /** The job's view: by id alone, the org checked by the caller. */
  forJob: (db: Executor, orgId: string, id: string) => q(db).selectFrom('gendoc.runs').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  list: (db: Executor, orgId: string, projectId: string, beforeId: string | undefined, limit: number) => {
    let query = q(db).selectFrom('gendoc.runs').selectAll().where('org_id', '=', orgId).where('project_id', '=', projectId);
    if (beforeId) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
  setJob: (db: Executor, id: string, jobId: string) => q(db).updateTable('gendoc.runs').set({ job_id: jobId }).where('id', '=', id).execute(),
  /** Marks a queued (or retried) run running; false when it is gone or already finished. */
  start: async (db: Executor, id: string) => {
    const r = await q(db).updateTable('gendoc.runs').set({ status: 'running' }).where('id', '=', id).where('status', 'in', ['queued', 'running']).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  finish: (db: Executor, id: string, done: { outputs: RunOutput[]; stats: RunStats; at: Date }) =>
    q(db)
      .updateTable('gendoc.runs')
      .set({ status: 'done', outputs: json(done.outputs) as never, stats: json(done.stats) as never, finished_at: done.at, error: null })
      .where('id', '=', id)
      .execute(),
  fail: (db: Executor, id: string, error: string, at: Date) => q(db).updateTable('gendoc.runs').set({ status: 'failed', error, finished_at: at }).where('id', '=', id).execute(),
  delete: (db: Executor, orgId: string, projectId: string, id: string) =>
    q(db).deleteFrom('gendoc.runs').where('org_id', '=', orgId).where('project_id', '=', projectId).where('id', '=', id).returning(['outputs']).executeTakeFirst(),
};

export const projectSettings = {
  get: (db: Executor, orgId: string, projectId: string) =>
    q(db).selectFrom('gendoc.project_settings').selectAll().where('org_id', '=', orgId).where('project_id', '=', projectId).executeTakeFirst(),
  put: (db: Executor, row: ProjectSettingsTable) => {
    const values = { ...row, values: json(row.values) } as never;
    return q(db)
      .insertInto('gendoc.project_settings')
      .values(values)
      .onConflict((c) => c.column('project_id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
  },
};
