// SQL of the data_sources schema. Every query filters by org_id (defence in depth).
import type { Kysely, Selectable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export interface SourcesTable {
  id: string;
  org_id: string;
  name: string;
  kind: string;
  description: string;
  connection: Record<string, unknown>;
  secrets_sealed: string | null;
  key_id: string | null;
  cache_ttl_seconds: number;
  schema_version: number;
  sync_status: 'never' | 'syncing' | 'ok' | 'failed';
  sync_error: string | null;
  synced_at: Date | null;
  database_key: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
export type SourceRow = Selectable<SourcesTable>;

interface SchemasTable {
  source_id: string;
  org_id: string;
  schema: unknown;
  synced_at: Date;
}

export interface DescriptionsTable {
  source_id: string;
  org_id: string;
  schema_name: string;
  table_name: string;
  column_name: string;
  description: string;
  updated_by: string;
  updated_at: Date;
}

export interface GlossaryTable {
  id: string;
  source_id: string;
  org_id: string;
  term: string;
  definition: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
export type GlossaryRow = Selectable<GlossaryTable>;

export interface FilesTable {
  id: string;
  source_id: string;
  org_id: string;
  file_name: string;
  format: string;
  storage_key: string;
  size_bytes: number;
  /** The tables it became, in the database's order. */
  tables: string[];
  row_count: number;
  created_by: string;
  created_at: Date;
}
export type FileRow = Selectable<FilesTable>;

interface Tables {
  'data_sources.sources': SourcesTable;
  'data_sources.schemas': SchemasTable;
  'data_sources.descriptions': DescriptionsTable;
  'data_sources.glossary': GlossaryTable;
  'data_sources.files': FilesTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;

export const sources = {
  insert: (db: Executor, row: SourcesTable) => q(db).insertInto('data_sources.sources').values({ ...row, connection: JSON.stringify(row.connection) as never }).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('data_sources.sources').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  /** The row under a lock: edits, syncs and file changes of one source queue behind each other. */
  lock: (db: Executor, orgId: string, id: string) => q(db).selectFrom('data_sources.sources').selectAll().where('org_id', '=', orgId).where('id', '=', id).forUpdate().executeTakeFirst(),
  /** Newest first, keyset on id (UUIDv7 ids sort by creation). */
  list: (db: Executor, orgId: string, beforeId: string | undefined, limit: number) => {
    let query = q(db).selectFrom('data_sources.sources').selectAll().where('org_id', '=', orgId);
    if (beforeId) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
  countInOrg: async (db: Executor, orgId: string) => Number((await q(db).selectFrom('data_sources.sources').select((e) => e.fn.countAll<string>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow()).n),
  update: (db: Executor, orgId: string, id: string, set: Partial<SourcesTable>) => {
    const values = set.connection ? { ...set, connection: JSON.stringify(set.connection) as never } : set;
    return q(db).updateTable('data_sources.sources').set(values).where('org_id', '=', orgId).where('id', '=', id).execute();
  },
  delete: async (db: Executor, orgId: string, id: string) => {
    const r = await q(db).deleteFrom('data_sources.sources').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  /** Rows sealed with another key than `keyId`, a batch at a time (re-sealing after a key rotation). */
  sealedWithOtherKey: (db: Executor, keyId: string, limit: number) =>
    q(db).selectFrom('data_sources.sources').select(['id', 'org_id', 'secrets_sealed', 'key_id']).where('secrets_sealed', 'is not', null).where('key_id', '!=', keyId).orderBy('id').limit(limit).forUpdate().skipLocked().execute(),
};

export const schemas = {
  save: (db: Executor, row: SchemasTable) =>
    q(db)
      .insertInto('data_sources.schemas')
      .values({ ...row, schema: JSON.stringify(row.schema) as never })
      .onConflict((c) => c.column('source_id').doUpdateSet({ schema: JSON.stringify(row.schema) as never, synced_at: row.synced_at }))
      .execute(),
  bySource: (db: Executor, orgId: string, sourceId: string) => q(db).selectFrom('data_sources.schemas').selectAll().where('org_id', '=', orgId).where('source_id', '=', sourceId).executeTakeFirst(),
};

export const descriptions = {
  bySource: (db: Executor, orgId: string, sourceId: string) => q(db).selectFrom('data_sources.descriptions').selectAll().where('org_id', '=', orgId).where('source_id', '=', sourceId).execute(),
  upsert: (db: Executor, row: DescriptionsTable) =>
    q(db)
      .insertInto('data_sources.descriptions')
      .values(row)
      .onConflict((c) => c.columns(['source_id', 'schema_name', 'table_name', 'column_name']).doUpdateSet({ description: row.description, updated_by: row.updated_by, updated_at: row.updated_at }))
      .execute(),
  delete: (db: Executor, orgId: string, sourceId: string, key: { schema_name: string; table_name: string; column_name: string }) =>
    q(db)
      .deleteFrom('data_sources.descriptions')
      .where('org_id', '=', orgId)
      .where('source_id', '=', sourceId)
      .where('schema_name', '=', key.schema_name)
      .where('table_name', '=', key.table_name)
      .where('column_name', '=', key.column_name)
      .execute(),
};

export const glossary = {
  bySource: (db: Executor, orgId: string, sourceId: string) => q(db).selectFrom('data_sources.glossary').selectAll().where('org_id', '=', orgId).where('source_id', '=', sourceId).orderBy('term').execute(),
  byId: (db: Executor, orgId: string, sourceId: string, id: string) =>
    q(db).selectFrom('data_sources.glossary').selectAll().where('org_id', '=', orgId).where('source_id', '=', sourceId).where('id', '=', id).executeTakeFirst(),
  insert: (db: Executor, row: GlossaryTable) => q(db).insertInto('data_sources.glossary').values(row).execute(),
  update: (db: Executor, orgId: string, id: string, set: Partial<GlossaryTable>) => q(db).updateTable('data_sources.glossary').set(set).where('org_id', '=', orgId).where('id', '=', id).execute(),
  delete: async (db: Executor, orgId: string, sourceId: string, id: string) => {
    const r = await q(db).deleteFrom('data_sources.glossary').where('org_id', '=', orgId).where('source_id', '=', sourceId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};

export const files = {
  /** In upload order: a rebuild names the tables in this order, so names stay put. */
  bySource: (db: Executor, orgId: string, sourceId: string) => q(db).selectFrom('data_sources.files').selectAll().where('org_id', '=', orgId).where('source_id', '=', sourceId).orderBy('id').execute(),
  insert: (db: Executor, row: FilesTable) => q(db).insertInto('data_sources.files').values({ ...row, tables: JSON.stringify(row.tables) as never }).execute(),
  setTables: (db: Executor, orgId: string, id: string, tables: string[], rowCount: number) =>
    q(db).updateTable('data_sources.files').set({ tables: JSON.stringify(tables) as never, row_count: rowCount }).where('org_id', '=', orgId).where('id', '=', id).execute(),
  byId: (db: Executor, orgId: string, sourceId: string, id: string) =>
    q(db).selectFrom('data_sources.files').selectAll().where('org_id', '=', orgId).where('source_id', '=', sourceId).where('id', '=', id).executeTakeFirst(),
  delete: (db: Executor, orgId: string, id: string) => q(db).deleteFrom('data_sources.files').where('org_id', '=', orgId).where('id', '=', id).execute(),
};
