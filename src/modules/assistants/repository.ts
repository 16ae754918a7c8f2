// SQL of assistants.assistants, assistants.prompt_templates and their versions. Every query
// filters by org_id (defence in depth); lists show a member what they may see (theirs, and those
// shared with the org), so a private row never leaves the database for anyone else.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { TemplateVariable } from './placeholders.ts';
import type { Visibility } from './rules.ts';

export interface Knowledge {
  projectIds: string[];
  fileIds: string[];
}

export interface AssistantsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  instructions: string;
  model_id: string | null;
  temperature: number | null;
  tools: string[];
  knowledge: Knowledge;
  visibility: Visibility;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
export type AssistantRow = Selectable<AssistantsTable>;

export interface TemplatesTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  body: string;
  variables: TemplateVariable[];
  visibility: Visibility;
  version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
export type TemplateRow = Selectable<TemplatesTable>;

export interface TemplateVersionsTable {
  template_id: string;
  version: number;
  org_id: string;
  name: string;
  description: string | null;
  body: string;
  variables: TemplateVariable[];
  created_by: string;
  created_at: Date;
}
export type TemplateVersionRow = Selectable<TemplateVersionsTable>;

interface Tables {
  'assistants.assistants': AssistantsTable;
  'assistants.prompt_templates': TemplatesTable;
  'assistants.prompt_template_versions': TemplateVersionsTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;

/** jsonb columns go in as JSON text. */
const json = <T extends object>(row: T, columns: readonly string[]): T =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, columns.includes(k) && v !== undefined ? JSON.stringify(v) : v])) as T;
const ASSISTANT_JSON = ['tools', 'knowledge'];
const TEMPLATE_JSON = ['variables'];

export interface ListFilter {
  /** The member listing: sees theirs and those shared with the org. */
  viewerId: string;
  q?: string;
  visibility?: Visibility;
  beforeId?: string;
  limit: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** What `f.viewerId` sees, by name and visibility: one condition for both tables, whose columns are alike. */
function seenBy(f: ListFilter) {
  const conditions = [sql`(visibility = 'org' OR created_by = ${f.viewerId})`];
  if (f.visibility) conditions.push(sql`visibility = ${f.visibility}`);
  if (f.q?.trim()) conditions.push(sql`name ILIKE ${`%${escapeLike(f.q.trim())}%`}`);
  if (f.beforeId) conditions.push(sql`id < ${f.beforeId}`);
  return sql<boolean>`${sql.join(conditions, sql` AND `)}`;
}

export const assistants = {
  insert: (db: Executor, row: AssistantsTable) => q(db).insertInto('assistants.assistants').values(json(row, ASSISTANT_JSON)).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('assistants.assistants').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  /** Locks the row for a change (update, delete) in the caller's transaction. */
  lock: (db: Executor, orgId: string, id: string) =>
    q(db).selectFrom('assistants.assistants').selectAll().where('org_id', '=', orgId).where('id', '=', id).forUpdate().executeTakeFirst(),
  /** Newest first, keyset on id (UUIDv7 ids sort by creation). */
  list: (db: Executor, orgId: string, f: ListFilter) =>
    q(db).selectFrom('assistants.assistants').selectAll().where('org_id', '=', orgId).where(seenBy(f)).orderBy('id', 'desc').limit(f.limit).execute(),
  update: (db: Executor, orgId: string, id: string, patch: Partial<AssistantsTable>) =>
    q(db).updateTable('assistants.assistants').set(json(patch, ASSISTANT_JSON)).where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
  delete: (db: Executor, orgId: string, id: string) => q(db).deleteFrom('assistants.assistants').where('org_id', '=', orgId).where('id', '=', id).execute(),
};

export const templates = {
  insert: (db: Executor, row: TemplatesTable) => q(db).insertInto('assistants.prompt_templates').values(json(row, TEMPLATE_JSON)).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('assistants.prompt_templates').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  lock: (db: Executor, orgId: string, id: string) =>
    q(db).selectFrom('assistants.prompt_templates').selectAll().where('org_id', '=', orgId).where('id', '=', id).forUpdate().executeTakeFirst(),
  list: (db: Executor, orgId: string, f: ListFilter) =>
    q(db).selectFrom('assistants.prompt_templates').selectAll().where('org_id', '=', orgId).where(seenBy(f)).orderBy('id', 'desc').limit(f.limit).execute(),
  update: (db: Executor, orgId: string, id: string, patch: Partial<TemplatesTable>) =>
    q(db).updateTable('assistants.prompt_templates').set(json(patch, TEMPLATE_JSON)).where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
  /** Its versions go with it (ON DELETE CASCADE). */
  delete: (db: Executor, orgId: string, id: string) => q(db).deleteFrom('assistants.prompt_templates').where('org_id', '=', orgId).where('id', '=', id).execute(),
};

export const templateVersions = {
  insert: (db: Executor, row: TemplateVersionsTable) => q(db).insertInto('assistants.prompt_template_versions').values(json(row, TEMPLATE_JSON)).execute(),
  get: (db: Executor, orgId: string, templateId: string, version: number) =>
    q(db)
      .selectFrom('assistants.prompt_template_versions')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('template_id', '=', templateId)
      .where('version', '=', version)
      .executeTakeFirst(),
  /** Newest first, keyset on the version number. */
  list: (db: Executor, orgId: string, templateId: string, beforeVersion: number | undefined, limit: number) => {
    let query = q(db).selectFrom('assistants.prompt_template_versions').selectAll().where('org_id', '=', orgId).where('template_id', '=', templateId);
    if (beforeVersion !== undefined) query = query.where('version', '<', beforeVersion);
    return query.orderBy('version', 'desc').limit(limit).execute();
  },
};
