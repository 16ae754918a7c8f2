// SQL of projects.projects and projects.members. Every query of org data filters by org_id
// too, even when the id alone would do: defence in depth against a missed check upstream.
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export interface ProjectsTable {
  id: string;
  org_id: string;
  name: string;
  key: string;
  description: string | null;
  status: 'active' | 'archived';
  client: string | null;
  tags: string[];
  color: string | null;
  budget_hours: number | null;
  // bigint columns arrive as numbers (core/db/database.ts).
  budget_minor: number | null;
  currency: string | null;
  billable_default: boolean;
  hourly_rate_minor: number | null;
  template_id: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  last_activity_at: Date;
  archived_at: Date | null;
  deleted_at: Date | null;
}

export interface MembersTable {
  project_id: string;
  org_id: string;
  user_id: string;
  role: 'manager' | 'contributor' | 'viewer';
  hourly_rate_minor: number | null;
  added_at: Date;
  updated_at: Date;
}

export interface TasksTable {
  id: string;
  project_id: string;
  org_id: string;
  name: string;
  status: 'todo' | 'in_progress' | 'done';
  estimate_minutes: number | null;
  assignee_id: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface TemplatesTable {
  id: string;
  org_id: string;
  name: string;
  source_project_id: string | null;
  tags: string[];
  settings: unknown;
  tasks: unknown;
  created_by: string;
  created_at: Date;
}

export interface ProjectsTables {
  'projects.projects': ProjectsTable;
  'projects.members': MembersTable;
  'projects.tasks': TasksTable;
  'projects.templates': TemplatesTable;
}

export type ProjectRow = Selectable<ProjectsTable>;
export type MemberRow = Selectable<MembersTable>;

export const q = (db: Executor) => db as unknown as Kysely<ProjectsTables>;

/** Text arrays go in as JSON so both drivers bind them the same way. */
export const textArray = (values: readonly string[]) => sql<string[]>`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

/** Columns a project view needs (everything but the generated search vector). */
const PROJECT_COLUMNS = [
  'id',
  'org_id',
  'name',
  'key',
  'description',
  'status',
  'client',
  'tags',
  'color',
  'budget_hours',
  'budget_minor',
  'currency',
  'billable_default',
  'hourly_rate_minor',
  'template_id',
  'created_by',
  'created_at',
  'updated_at',
  'last_activity_at',
  'archived_at',
  'deleted_at',
] as const;

export type ProjectSort = 'name' | 'created' | 'updated' | 'activity';

const SORT_SQL: Record<ProjectSort, ReturnType<typeof sql.raw>> = {
  name: sql.raw('lower(p.name)'),
  created: sql.raw('p.created_at'),
  updated: sql.raw('p.updated_at'),
  activity: sql.raw('p.last_activity_at'),
};

export interface ProjectListFilter {
  orgId: string;
  /** Only projects this user is a member of (callers below org admin); undefined = all. */
  visibleTo?: string;
  includeDeleted: boolean;
  q?: string;
  status?: 'active' | 'archived';
  tag?: string;
  member?: string;
  client?: string;
  sort: ProjectSort;
  order: 'asc' | 'desc';
  /** Keyset: the (sort value, id) of the last row of the previous page. */
  after?: { value: string | Date; id: string };
  limit: number;
}

const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const projects = {
  insert: (db: Executor, row: Omit<ProjectsTable, 'tags'> & { tags: string[] }) =>
    q(db)
      .insertInto('projects.projects')
      .values({ ...row, tags: textArray(row.tags) } as any)
      .returning(PROJECT_COLUMNS)
      .executeTakeFirstOrThrow(),

  /** A project of this org; soft-deleted ones only when asked. */
  byId: (db: Executor, orgId: string, id: string, opts: { includeDeleted?: boolean; forUpdate?: boolean } = {}) => {
    let query = q(db).selectFrom('projects.projects').select(PROJECT_COLUMNS).where('org_id', '=', orgId).where('id', '=', id);
    if (!opts.includeDeleted) query = query.where('deleted_at', 'is', null);
    if (opts.forUpdate) query = query.forUpdate();
    return query.executeTakeFirst();
  },

  keyTaken: async (db: Executor, orgId: string, key: string, exceptId?: string) => {
    let query = q(db).selectFrom('projects.projects').select('id').where('org_id', '=', orgId).where('key', '=', key).where('deleted_at', 'is', null);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  },

  update: (db: Executor, orgId: string, id: string, patch: Updateable<Omit<ProjectsTable, 'tags'>> & { tags?: string[] }) => {
    const { tags, ...rest } = patch;
    return q(db)
      .updateTable('projects.projects')
      .set({ ...rest, ...(tags ? { tags: textArray(tags) } : {}) } as any)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returning(PROJECT_COLUMNS)
      .executeTakeFirstOrThrow();
  },

  /** Task changes count as project activity; never moves the mark backwards. */
  touchActivity: (db: Executor, orgId: string, id: string, at: Date) =>
    q(db)
      .updateTable('projects.projects')
      .set({ last_activity_at: sql`greatest(last_activity_at, ${at}::timestamptz)` } as any)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute(),

  /**
   * One keyset page. Each sort has its (org_id, value, id) index; the row comparison and
   * the ORDER BY use the same expression and collation, so pages never repeat or skip.
   * EXPLAIN on PostgreSQL with 50k rows: an index scan (backward for desc) on
   * projects_sort_<sort>_idx with `ROW(value, id) > ROW(...)` as index condition; with q,
   * a BitmapAnd of projects_search_idx (GIN) and an org_id index.
   */
  list: (db: Executor, f: ProjectListFilter) => {
    const sortValue = SORT_SQL[f.sort];
    const dir = f.order;
    let query = q(db)
      .selectFrom('projects.projects as p')
      .select(PROJECT_COLUMNS.map((c) => `p.${c}` as const))
      .select(sql<string | Date>`${sortValue}`.as('sort_value'))
      .where('p.org_id', '=', f.orgId);
    if (!f.includeDeleted) query = query.where('p.deleted_at', 'is', null);
    if (f.visibleTo) query = query.where(sql<boolean>`EXISTS (SELECT 1 FROM projects.members m WHERE m.project_id = p.id AND m.user_id = ${f.visibleTo})`);
    if (f.member) query = query.where(sql<boolean>`EXISTS (SELECT 1 FROM projects.members m WHERE m.project_id = p.id AND m.user_id = ${f.member})`);
    if (f.status) query = query.where('p.status', '=', f.status);
    if (f.tag) query = query.where(sql<boolean>`p.tags @> ARRAY[${f.tag}::text]`);
    if (f.client) query = query.where(sql<boolean>`lower(p.client) = lower(${f.client})`);
    if (f.q) {
      // Words through the GIN index; a key prefix ("WE" finds WEB) through the key itself.
      const text = f.q;
      const keyish = /^[A-Za-z][A-Za-z0-9]{0,9}$/.test(text.trim());
      query = query.where(
        keyish
          ? sql<boolean>`(p.search @@ websearch_to_tsquery('simple', ${text}) OR p.key LIKE ${likePrefix(text.trim().toUpperCase())})`
          : sql<boolean>`p.search @@ websearch_to_tsquery('simple', ${text})`,
      );
    }
    if (f.after) {
      const value = f.sort === 'name' ? sql`${f.after.value}::text` : sql`${f.after.value}::timestamptz`;
      query = query.where(dir === 'asc' ? sql<boolean>`(${sortValue}, p.id) > (${value}, ${f.after.id}::uuid)` : sql<boolean>`(${sortValue}, p.id) < (${value}, ${f.after.id}::uuid)`);
    }
    return query
      .orderBy(sql`${sortValue}`, dir)
      .orderBy('p.id', dir)
      .limit(f.limit + 1)
      .execute();
  },

  /** Live projects of an org, all or those ids (façade). */
  listLive: (db: Executor, orgId: string, ids?: readonly string[]) => {
    let query = q(db).selectFrom('projects.projects').select(PROJECT_COLUMNS).where('org_id', '=', orgId).where('deleted_at', 'is', null);
    if (ids) {
      if (ids.length === 0) return Promise.resolve([]);
      query = query.where('id', 'in', [...ids]);
    }
    return query.orderBy('id').execute();
  },
};

export const members = {
  get: (db: Executor, orgId: string, projectId: string, userId: string) =>
    q(db)
      .selectFrom('projects.members')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst(),

  list: (db: Executor, orgId: string, projectId: string) =>
    q(db).selectFrom('projects.members').selectAll().where('org_id', '=', orgId).where('project_id', '=', projectId).orderBy('added_at').orderBy('user_id').execute(),

  insert: (db: Executor, row: MemberRow) => q(db).insertInto('projects.members').values(row).returningAll().executeTakeFirstOrThrow(),

  update: (db: Executor, orgId: string, projectId: string, userId: string, patch: { role: MemberRow['role']; hourly_rate_minor: number | null; updated_at: Date }) =>
    q(db)
      .updateTable('projects.members')
      .set(patch)
      .where('org_id', '=', orgId)
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirstOrThrow(),

  remove: async (db: Executor, orgId: string, projectId: string, userId: string) => {
    const r = await q(db)
      .deleteFrom('projects.members')
      .where('org_id', '=', orgId)
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },

  /** Removes a user from every project of an org; returns the project ids. */
  removeFromOrg: async (db: Executor, orgId: string, userId: string) =>
    (await q(db).deleteFrom('projects.members').where('org_id', '=', orgId).where('user_id', '=', userId).returning('project_id').execute()).map((r) => r.project_id),
};
