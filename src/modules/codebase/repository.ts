// SQL of the codebase schema. Every query names the org (defence in depth); a snapshot's rows are
// written by the upload in one transaction, under the org's lock (lockOrg), which snapshot
// deletion takes too: a blob is never freed while an upload is about to point at it.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export interface BlobsTable {
  org_id: string;
  sha256: string;
  size: number;
  kind: 'text' | 'binary';
  content_type: string;
  storage_key: string;
  /** Where in the pack `storage_key` names the content starts; null: the object is the content alone (blob-bytes.ts). */
  pack_offset: number | null;
  created_at: Date;
}
export interface SnapshotsTable {
  id: string;
  org_id: string;
  project_id: string;
  version: number;
  source: 'upload' | 'git';
  name: string;
  file_count: number;
  total_bytes: number;
  created_by: string;
  created_at: Date;
  /** A Git import's URL, branch or tag, and commit; null for uploads. */
  git_url: string | null;
  git_ref: string | null;
  git_commit: string | null;
  /** When it became searchable (search-indexing.ts); null until then. */
  indexed_at: Date | null;
}
export interface FilesTable {
  snapshot_id: string;
  org_id: string;
  path: string;
  size: number;
  sha256: string;
  language: string | null;
  kind: 'text' | 'binary';
}
export interface GitSourcesTable {
  project_id: string;
  org_id: string;
  url: string;
  ref: string | null;
  token_sealed: string | null;
  updated_by: string;
  updated_at: Date;
}
export type GitSourceRow = Selectable<GitSourcesTable>;

interface CodebasesTable {
  project_id: string;
  org_id: string;
  last_version: number;
}

export type BlobRow = Selectable<BlobsTable>;
export type SnapshotRow = Selectable<SnapshotsTable>;
export type FileRow = Selectable<FilesTable>;

interface Tables {
  'codebase.blobs': BlobsTable;
  'codebase.snapshots': SnapshotsTable;
  'codebase.files': FilesTable;
  'codebase.codebases': CodebasesTable;
  'codebase.git_sources': GitSourcesTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;
/** Rows per INSERT of JSON rows (blobs, files). */
const JSON_BATCH = 5000;
/** `LIKE` matches these literally only when escaped. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const codebaseLocks = {
  /** Serializes the org's snapshot writes and blob frees until the transaction ends. */
  async lockOrg(tx: Executor, orgId: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`codebase:${orgId}`}, 0))`.execute(tx);
  },
};

export const blobs = {
  async existing(db: Executor, orgId: string, shas: readonly string[]): Promise<Set<string>> {
    if (!shas.length) return new Set();
    const rows = await q(db).selectFrom('codebase.blobs').select('sha256').where('org_id', '=', orgId).where('sha256', 'in', [...shas]).execute();
    return new Set(rows.map((r) => r.sha256));
  },
  /** The content hashes of the project's current snapshot. */
  async ofCurrentSnapshot(db: Executor, orgId: string, projectId: string): Promise<Set<string>> {
    const rows = await sql<{ sha256: string }>`
      SELECT DISTINCT f.sha256 FROM codebase.files f
       WHERE f.org_id = ${orgId}
         AND f.snapshot_id = (SELECT id FROM codebase.snapshots WHERE org_id = ${orgId} AND project_id = ${projectId} ORDER BY version DESC LIMIT 1)`.execute(db);
    return new Set(rows.rows.map((r) => r.sha256));
  },
  /**
   * Inserts the new blobs; the hashes another upload stored first are left out of the answer.
   * A codebase's rows go as JSON, a few thousand a statement: as bound parameters, each value
   * escaped by the driver, they took most of an upload's commit.
   */
  async insertNew(db: Executor, rows: readonly BlobRow[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (let i = 0; i < rows.length; i += JSON_BATCH) {
      const json = JSON.stringify(rows.slice(i, i + JSON_BATCH));
      const done = await sql<{ sha256: string }>`
        INSERT INTO codebase.blobs (org_id, sha256, size, kind, content_type, storage_key, pack_offset, created_at)
        SELECT org_id, sha256, size, kind, content_type, storage_key, pack_offset, created_at
          FROM json_populate_recordset(NULL::codebase.blobs, ${json}::json)
        ON CONFLICT (org_id, sha256) DO NOTHING
        RETURNING sha256`.execute(db);
      for (const r of done.rows) inserted.add(r.sha256);
    }
    return inserted;
  },
  /**
   * Deletes those of `shas` no file points at any more, and their search index. Answers the
   * storage keys no blob uses any more, to remove after commit, and the packs that lost contents
   * but still hold others (repack.ts rewrites them). The index goes in a statement of its own,
   * after the blobs: an indexing job holding a blob (FOR KEY SHARE) makes the first wait until it
   * commits, and the second, with a snapshot taken after that, sees the rows it wrote.
   */
  async deleteUnused(db: Executor, orgId: string, shas: readonly string[]): Promise<{ unused: string[]; shrunkPacks: string[] }> {
    if (!shas.length) return { unused: [], shrunkPacks: [] };
    const rows = await sql<{ sha256: string; storage_key: string; pack_offset: string | null }>`
      DELETE FROM codebase.blobs b
       WHERE b.org_id = ${orgId} AND b.sha256 = ANY(${[...shas]}::text[])
         AND NOT EXISTS (SELECT 1 FROM codebase.files f WHERE f.org_id = b.org_id AND f.sha256 = b.sha256)
      RETURNING b.sha256, b.storage_key, b.pack_offset`.execute(db);
    if (!rows.rows.length) return { unused: [], shrunkPacks: [] };
    await sql`DELETE FROM codebase.blob_chunks WHERE org_id = ${orgId} AND sha256 = ANY(${rows.rows.map((r) => r.sha256)}::text[])`.execute(db);
    const keys = [...new Set(rows.rows.map((r) => r.storage_key))];
    const used = await sql<{ storage_key: string }>`
      SELECT DISTINCT storage_key FROM codebase.blobs WHERE org_id = ${orgId} AND storage_key = ANY(${keys}::text[])`.execute(db);
    const still = new Set(used.rows.map((r) => r.storage_key));
    return { unused: keys.filter((k) => !still.has(k)), shrunkPacks: keys.filter((k) => still.has(k)) };
  },
  /** Where a content is now (a repack moves it), or undefined when it was freed. */
  place: (db: Executor, orgId: string, sha256: string) =>
    q(db).selectFrom('codebase.blobs').select(['storage_key', 'pack_offset', 'size']).where('org_id', '=', orgId).where('sha256', '=', sha256).executeTakeFirst(),
  /** The contents still in a pack, in the pack's order, their rows locked until the transaction ends. */
  inPack: (tx: Executor, orgId: string, key: string) =>
    q(tx).selectFrom('codebase.blobs').select(['sha256', 'size', 'pack_offset']).where('org_id', '=', orgId).where('storage_key', '=', key).orderBy('pack_offset').forUpdate().execute(),
  /** Points contents at their new place (a repack's pack). */
  async move(tx: Executor, orgId: string, key: string, moved: readonly { sha256: string; offset: number }[]): Promise<void> {
    if (!moved.length) return;
    await sql`
      UPDATE codebase.blobs b SET storage_key = ${key}, pack_offset = u.pack_offset
        FROM unnest(${moved.map((m) => m.sha256)}::text[], ${moved.map((m) => m.offset)}::bigint[]) AS u(sha256, pack_offset)
       WHERE b.org_id = ${orgId} AND b.sha256 = u.sha256`.execute(tx);
  },
};

export const snapshots = {
  /** The next version of the project's codebase (never one given before, even if deleted). */
  async nextVersion(tx: Executor, orgId: string, projectId: string): Promise<number> {
    const row = await q(tx)
      .insertInto('codebase.codebases')
      .values({ project_id: projectId, org_id: orgId, last_version: 1 })
      .onConflict((c) => c.column('project_id').doUpdateSet({ last_version: sql`codebase.codebases.last_version + 1` }))
      .returning('last_version')
      .executeTakeFirstOrThrow();
    return row.last_version;
  },
  insert: (tx: Executor, row: SnapshotRow) => q(tx).insertInto('codebase.snapshots').values(row).execute(),
  /** As JSON, as blobs.insertNew. */
  async insertFiles(tx: Executor, rows: readonly FileRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += JSON_BATCH) {
      await sql`
        INSERT INTO codebase.files (snapshot_id, org_id, path, size, sha256, language, kind)
        SELECT snapshot_id, org_id, path, size, sha256, language, kind FROM json_populate_recordset(NULL::codebase.files, ${JSON.stringify(rows.slice(i, i + JSON_BATCH))}::json)`.execute(tx);
    }
  },
  /** The version asked for, or the newest (the current one) when none is. */
  byVersion(db: Executor, orgId: string, projectId: string, version?: number): Promise<SnapshotRow | undefined> {
    let query = q(db).selectFrom('codebase.snapshots').selectAll().where('org_id', '=', orgId).where('project_id', '=', projectId);
    if (version !== undefined) query = query.where('version', '=', version);
    return query.orderBy('version', 'desc').limit(1).executeTakeFirst();
  },
  async currentVersion(db: Executor, orgId: string, projectId: string): Promise<number | null> {
    return (await snapshots.byVersion(db, orgId, projectId))?.version ?? null;
  },
  /** Newest first, keyset on version. */
  /** The project's snapshots up to `version` (included), newest first. */
  upTo: (db: Executor, orgId: string, projectId: string, version: number) =>
    q(db).selectFrom('codebase.snapshots').selectAll().where('org_id', '=', orgId).where('project_id', '=', projectId).where('version', '<=', version).orderBy('version', 'desc').execute(),
  list(db: Executor, orgId: string, projectId: string, beforeVersion: number | undefined, limit: number): Promise<SnapshotRow[]> {
    let query = q(db).selectFrom('codebase.snapshots').selectAll().where('org_id', '=', orgId).where('project_id', '=', projectId);
    if (beforeVersion !== undefined) query = query.where('version', '<', beforeVersion);
    return query.orderBy('version', 'desc').limit(limit).execute();
  },
  /** Deletes it with its files (cascade); the blob hashes its files used, for the caller to free. */
  async delete(tx: Executor, orgId: string, snapshotId: string): Promise<string[]> {
    const shas = await q(tx).selectFrom('codebase.files').select('sha256').distinct().where('org_id', '=', orgId).where('snapshot_id', '=', snapshotId).execute();
    await q(tx).deleteFrom('codebase.snapshots').where('org_id', '=', orgId).where('id', '=', snapshotId).execute();
    return shas.map((r) => r.sha256);
  },
};

export interface TreeEntryRow {
  name: string;
  folder: boolean;
  files: number;
  bytes: number;
  language: string | null;
  kind: 'text' | 'binary';
}

export const files = {
  /** Every file of a snapshot with where its content is stored, in path order (exports). */
  withKeys: (db: Executor, orgId: string, snapshotId: string) =>
    q(db)
      .selectFrom('codebase.files as f')
      .innerJoin('codebase.blobs as b', (j) => j.onRef('b.org_id', '=', 'f.org_id').onRef('b.sha256', '=', 'f.sha256'))
      .select(['f.path', 'f.size', 'f.sha256', 'f.language', 'f.kind', 'b.storage_key', 'b.pack_offset'])
      .where('f.org_id', '=', orgId)
      .where('f.snapshot_id', '=', snapshotId)
      .orderBy('f.path')
      .execute(),
  /** Every file of a snapshot (a single-file upload carries them over). */
  all: (db: Executor, orgId: string, snapshotId: string) => q(db).selectFrom('codebase.files').selectAll().where('org_id', '=', orgId).where('snapshot_id', '=', snapshotId).execute(),
  byPath: (db: Executor, orgId: string, snapshotId: string, path: string) =>
    q(db)
      .selectFrom('codebase.files as f')
      .innerJoin('codebase.blobs as b', (j) => j.onRef('b.org_id', '=', 'f.org_id').onRef('b.sha256', '=', 'f.sha256'))
      .select(['f.path', 'f.size', 'f.sha256', 'f.language', 'f.kind', 'b.storage_key', 'b.pack_offset', 'b.content_type'])
      .where('f.org_id', '=', orgId)
      .where('f.snapshot_id', '=', snapshotId)
      .where('f.path', '=', path)
      .executeTakeFirst(),

  /**
   * The entries right under `folder` ('' for the root, else ending with `/`): each file, and each
   * folder with the count and bytes of every file below it. One pass over the folder's index range.
   */
  async children(db: Executor, orgId: string, snapshotId: string, folder: string): Promise<TreeEntryRow[]> {
    const start = folder.length + 1;
    const rows = await sql<TreeEntryRow & { files: string; bytes: string }>`
      SELECT split_part(substr(path, ${start}), '/', 1) AS name,
             bool_or(strpos(substr(path, ${start}), '/') > 0) AS folder,
             count(*) AS files, sum(size) AS bytes, min(language) AS language, min(kind) AS kind
        FROM codebase.files
       WHERE org_id = ${orgId} AND snapshot_id = ${snapshotId} AND path LIKE ${likePrefix(folder)}
       GROUP BY 1
       ORDER BY 2 DESC, 1`.execute(db);
    return rows.rows.map((r) => ({ ...r, files: Number(r.files), bytes: Number(r.bytes) }));
  },

  /**
   * What changed from one snapshot to another, by path, in path order: `added` (only in `to`),
   * `removed` (only in `from`), `changed` (another hash). At most `limit` rows.
   */
  async compare(db: Executor, orgId: string, fromId: string, toId: string, limit: number) {
    const rows = await sql<{ path: string; change: 'added' | 'removed' | 'changed'; from_size: string | null; to_size: string | null }>`
      SELECT coalesce(t.path, f.path) AS path,
             CASE WHEN f.path IS NULL THEN 'added' WHEN t.path IS NULL THEN 'removed' ELSE 'changed' END AS change,
             f.size AS from_size, t.size AS to_size
        FROM (SELECT path, size, sha256 FROM codebase.files WHERE org_id = ${orgId} AND snapshot_id = ${fromId}) f
        FULL JOIN (SELECT path, size, sha256 FROM codebase.files WHERE org_id = ${orgId} AND snapshot_id = ${toId}) t ON t.path = f.path
       WHERE f.path IS NULL OR t.path IS NULL OR f.sha256 <> t.sha256
       ORDER BY 1
       LIMIT ${limit}`.execute(db);
    return rows.rows.map((r) => ({ path: r.path, change: r.change, fromSize: r.from_size === null ? null : Number(r.from_size), toSize: r.to_size === null ? null : Number(r.to_size) }));
  },

};

export const gitSources = {
  get: (db: Executor, orgId: string, projectId: string) =>
    q(db).selectFrom('codebase.git_sources').selectAll().where('org_id', '=', orgId).where('project_id', '=', projectId).executeTakeFirst(),
  /** The project's source as its last import gave it. */
  put: (db: Executor, row: GitSourceRow) =>
    q(db)
      .insertInto('codebase.git_sources')
      .values(row)
      .onConflict((c) => c.column('project_id').doUpdateSet({ url: row.url, ref: row.ref, token_sealed: row.token_sealed, updated_by: row.updated_by, updated_at: row.updated_at }))
      .execute(),
};
