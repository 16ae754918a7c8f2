// SQL of dashboards.collections, dashboards.dashboards and dashboards.shares. Every query filters
// by org_id (defence in depth), but one: a share looked up by the id its signed token names, the
// only way in for an anonymous viewer (its org is read from the row, and every later read filters by it).
import type { Kysely, Selectable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { Grant } from './access.ts';
import type { FilterDef, Widget } from './schemas.ts';

export interface CollectionsTable {
  id: string;
  org_id: string;
  name: string;
  grants: Grant[];
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
export interface DashboardsTable {
  id: string;
  org_id: string;
  collection_id: string | null;
  name: string;
  description: string;
  widgets: Widget[];
  filters: FilterDef[];
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
export interface SharesTable {
  id: string;
  org_id: string;
  dashboard_id: string;
  created_by: string;
  creator_email: string;
  expires_at: Date;
  revoked_at: Date | null;
  created_at: Date;
}
export type CollectionRow = Selectable<CollectionsTable>;
export type DashboardRow = Selectable<DashboardsTable>;
export type ShareRow = Selectable<SharesTable>;

interface Tables {
  'dashboards.collections': CollectionsTable;
  'dashboards.dashboards': DashboardsTable;
  'dashboards.shares': SharesTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;
// jsonb columns take JSON text (pg would write a JS array as a Postgres array).
const json = (v: unknown) => JSON.stringify(v) as never;

export const collections = {
  insert: (db: Executor, row: CollectionRow) => q(db).insertInto('dashboards.collections').values({ ...row, grants: json(row.grants) }).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('dashboards.collections').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  /** Every collection of the org: an org has few, and access is decided per collection in code. */
  all: (db: Executor, orgId: string) => q(db).selectFrom('dashboards.collections').selectAll().where('org_id', '=', orgId).orderBy('id', 'desc').limit(1000).execute(),
  update: (db: Executor, orgId: string, id: string, patch: { name?: string; grants?: Grant[]; updated_at: Date }) =>
    q(db)
      .updateTable('dashboards.collections')
      .set({ ...patch, ...(patch.grants ? { grants: json(patch.grants) } : {}) })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  delete: async (db: Executor, orgId: string, id: string) => {
    const r = await q(db).deleteFrom('dashboards.collections').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  hasDashboards: async (db: Executor, orgId: string, id: string) =>
    (await q(db).selectFrom('dashboards.dashboards').select('id').where('org_id', '=', orgId).where('collection_id', '=', id).limit(1).executeTakeFirst()) !== undefined,
};

export const dashboards = {
  insert: (db: Executor, row: DashboardRow) => q(db).insertInto('dashboards.dashboards').values({ ...row, widgets: json(row.widgets), filters: json(row.filters) }).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('dashboards.dashboards').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  /**
   * Newest first, keyset on id (UUIDv7 ids sort by creation). `visible`: the collections whose
   * dashboards the caller may see, or 'all'; dashboards outside collections are always listed.
   */
  list: (db: Executor, orgId: string, opts: { beforeId?: string; limit: number; visible: string[] | 'all'; collectionId?: string }) => {
    let query = q(db).selectFrom('dashboards.dashboards').selectAll().where('org_id', '=', orgId);
    if (opts.beforeId) query = query.where('id', '<', opts.beforeId);
    if (opts.collectionId) query = query.where('collection_id', '=', opts.collectionId);
    const visible = opts.visible;
    if (visible !== 'all') query = query.where((eb) => (visible.length ? eb.or([eb('collection_id', 'is', null), eb('collection_id', 'in', visible)]) : eb('collection_id', 'is', null)));
    return query.orderBy('id', 'desc').limit(opts.limit).execute();
  },
  update: (db: Executor, orgId: string, id: string, patch: Partial<Omit<DashboardRow, 'id' | 'org_id' | 'created_by' | 'created_at'>>) =>
    q(db)
      .updateTable('dashboards.dashboards')
      .set({ ...patch, ...(patch.widgets ? { widgets: json(patch.widgets) } : {}), ...(patch.filters ? { filters: json(patch.filters) } : {}) })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  delete: async (db: Executor, orgId: string, id: string) => {
    const r = await q(db).deleteFrom('dashboards.dashboards').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};

export const shares = {
  insert: (db: Executor, row: ShareRow) => q(db).insertInto('dashboards.shares').values(row).execute(),
  /** A dashboard's links, newest first (a dashboard has few: each is made by hand). */
  list: (db: Executor, orgId: string, dashboardId: string) =>
    q(db).selectFrom('dashboards.shares').selectAll().where('org_id', '=', orgId).where('dashboard_id', '=', dashboardId).orderBy('id', 'desc').limit(500).execute(),
  byId: (db: Executor, id: string) => q(db).selectFrom('dashboards.shares').selectAll().where('id', '=', id).executeTakeFirst(),
  revoke: async (db: Executor, orgId: string, dashboardId: string, id: string, at: Date) => {
    const r = await q(db)
      .updateTable('dashboards.shares')
      .set({ revoked_at: at })
      .where('org_id', '=', orgId)
      .where('dashboard_id', '=', dashboardId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
};
