// SQL of search: chunks of the lines of contents (codebase.blob_chunks, once per org and SHA-256), the
// words of paths (codebase.files.path_terms) and the query over one snapshot. Every query names
// the org. tsvector and tsquery texts come from search-terms.ts, quoted there, and are passed as
// parameters and cast: no user text is ever read as SQL or as a tsquery operator.
import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export interface ChunkRow {
  sha256: string;
  /** The number of its first line (from 1). */
  firstLine: number;
  /** Its lines joined by `\n`. */
  text: string;
  terms: string;
  /** Its lines with words (the job's count). */
  lines: number;
}

export interface SearchRow {
  path: string;
  language: string | null;
  /** The chunk's first line; null for a match of the path itself. */
  line: number | null;
  /** The chunk's lines joined by `\n`, or the path. */
  text: string;
}

export interface SearchFilter {
  orgId: string;
  snapshotId: string;
  tsquery: string;
  language?: string;
  /** A path prefix, matched literally (`src/li` finds `src/lib/a.ts`). */
  pathPrefix?: string;
  limit: number;
  offset: number;
}

const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const searchIndex = {
  /** The text contents of a snapshot whose lines are not written yet. */
  async pendingBlobs(db: Executor, orgId: string, snapshotId: string): Promise<{ sha256: string; storage_key: string; pack_offset: string | null; size: number }[]> {
    const rows = await sql<{ sha256: string; storage_key: string; pack_offset: string | null; size: string }>`
      SELECT DISTINCT b.sha256, b.storage_key, b.pack_offset, b.size
        FROM codebase.files f
        JOIN codebase.blobs b ON b.org_id = f.org_id AND b.sha256 = f.sha256
       WHERE f.org_id = ${orgId} AND f.snapshot_id = ${snapshotId} AND b.kind = 'text' AND b.indexed_at IS NULL
       ORDER BY b.storage_key, b.pack_offset`.execute(db);
    return rows.rows.map((r) => ({ ...r, size: Number(r.size) }));
  },

  /**
   * Writes the chunks of these contents and marks them indexed, in one transaction. The blob rows
   * are locked (KEY SHARE) first: a snapshot deletion cannot free them meanwhile, and a content
   * freed before is skipped. Another job writing the same content at once is harmless: its rows
   * are the same, and conflicts are ignored. Returns the lines with words of the chunks written.
   */
  async writeChunks(db: Executor, orgId: string, shas: readonly string[], chunks: readonly ChunkRow[], now: Date): Promise<number> {
    return db.transaction().execute(async (tx) => {
      // The index is derived: a crash that loses this commit loses its marks with it, and the
      // job writes the same again. So the commit need not wait for its WAL to reach the disk.
      await sql`SET LOCAL synchronous_commit = off`.execute(tx);
      // An insert that fills the GIN index's pending list merges it into the index (up to 16 MB):
      // longer than DB_STATEMENT_TIMEOUT allows an interactive statement.
      await sql`SET LOCAL statement_timeout = '60s'`.execute(tx);
      const live = await sql<{ sha256: string }>`
        SELECT sha256 FROM codebase.blobs WHERE org_id = ${orgId} AND sha256 = ANY(${[...shas]}::text[]) FOR KEY SHARE`.execute(tx);
      const kept = new Set(live.rows.map((r) => r.sha256));
      const rows = chunks.filter((c) => kept.has(c.sha256));
      if (rows.length) {
        // One JSON parameter: node-postgres escapes a text array's elements character by
        // character, which cost more than PostgreSQL's reading of the rows (profiled).
        const json = JSON.stringify(rows.map((r) => ({ sha256: r.sha256, first_line: r.firstLine, text: r.text, terms: r.terms })));
        await sql`
          INSERT INTO codebase.blob_chunks (org_id, sha256, first_line, text, terms)
          SELECT ${orgId}, u.sha256, u.first_line, u.text, u.terms::tsvector
            FROM json_to_recordset(${json}::json) AS u(sha256 text, first_line int, text text, terms text)
          ON CONFLICT DO NOTHING`.execute(tx);
      }
      await sql`UPDATE codebase.blobs SET indexed_at = ${now} WHERE org_id = ${orgId} AND sha256 = ANY(${[...kept]}::text[]) AND indexed_at IS NULL`.execute(tx);
      return rows.reduce((sum, r) => sum + r.lines, 0);
    });
  },

  /** The paths of a snapshot whose words are not written yet. */
  async pendingPaths(db: Executor, orgId: string, snapshotId: string): Promise<string[]> {
    const rows = await sql<{ path: string }>`
      SELECT path FROM codebase.files WHERE org_id = ${orgId} AND snapshot_id = ${snapshotId} AND path_terms IS NULL ORDER BY path`.execute(db);
    return rows.rows.map((r) => r.path);
  },

  async writePathTerms(db: Executor, orgId: string, snapshotId: string, rows: readonly { path: string; terms: string }[]): Promise<void> {
    if (!rows.length) return;
    // As writeChunks: the paths' GIN index may merge its pending list in this statement.
    await db.transaction().execute(async (tx) => {
      await sql`SET LOCAL statement_timeout = '60s'`.execute(tx);
      await sql`
      UPDATE codebase.files f SET path_terms = u.terms::tsvector
        FROM unnest(${rows.map((r) => r.path)}::text[], ${rows.map((r) => r.terms)}::text[]) AS u(path, terms)
       WHERE f.org_id = ${orgId} AND f.snapshot_id = ${snapshotId} AND f.path = u.path`.execute(tx);
    });
  },

  /** Snapshots still not searchable that were made before `before`, oldest first. */
  async unindexedSnapshots(db: Executor, before: Date, limit: number): Promise<{ orgId: string; snapshotId: string }[]> {
    const rows = await sql<{ org_id: string; id: string }>`
      SELECT org_id, id FROM codebase.snapshots WHERE indexed_at IS NULL AND created_at < ${before} ORDER BY created_at LIMIT ${limit}`.execute(db);
    return rows.rows.map((r) => ({ orgId: r.org_id, snapshotId: r.id }));
  },

  /** Marks the snapshot searchable; false when it is gone (deleted while it was indexed). */
  async markSnapshot(db: Executor, orgId: string, snapshotId: string, now: Date): Promise<boolean> {
    const result = await sql`
      UPDATE codebase.snapshots SET indexed_at = coalesce(indexed_at, ${now}) WHERE org_id = ${orgId} AND id = ${snapshotId}`.execute(db);
    return Number(result.numAffectedRows ?? 0) > 0;
  },

  /**
   * Refreshes the planner's statistics of the lines and files. Until autovacuum has analyzed
   * tables that just grew by a large import, the planner takes them for tiny and reads every line
   * of the snapshot instead of the GIN index (50 ms instead of 2 ms for a rare word over 60,000 lines,
   * measured). ANALYZE samples, so its cost is bounded (~50 ms); a role that does not own the
   * table gets a warning, not an error.
   */
  async analyze(db: Executor): Promise<void> {
    await sql`ANALYZE codebase.blob_chunks, codebase.files`.execute(db);
  },

  /**
   * Moves the GIN index's pending list (the rows written since its last merge) into the index:
   * a search reads the whole list besides the index until then. Only the index's owner may; for
   * another role it is left to autovacuum.
   */
  async mergePending(db: Executor): Promise<void> {
    await sql`SELECT gin_clean_pending_list('codebase.blob_chunks_terms'::regclass)`.execute(db);
  },

  /**
   * Matches of one snapshot: files whose path matches first, best first (a file named for what
   * is searched is the likeliest answer), then chunks of lines in path and line order (search.ts
   * keeps their lines that match).
   */
  async search(db: Executor, f: SearchFilter): Promise<SearchRow[]> {
    const filters = (alias: RawBuilder<unknown>) =>
      sql.join(
        [
          sql`${alias}.org_id = ${f.orgId}`,
          sql`${alias}.snapshot_id = ${f.snapshotId}`,
          ...(f.language ? [sql`${alias}.language = ${f.language}`] : []),
          ...(f.pathPrefix ? [sql`${alias}.path LIKE ${likePrefix(f.pathPrefix)}`] : []),
        ],
        sql` AND `,
      );
    const file = sql.raw('f');
    // Without JIT: a query of a common word is costed high enough for PostgreSQL to compile it
    // (about 80 ms, measured), which an interactive query never earns back.
    return db.transaction().execute(async (tx) => {
      await sql`SET LOCAL jit = off`.execute(tx);
      // Chunks are ordered by path and line, not ranked: a chunk's words are stored out of line
      // (0008_search_chunks.sql), and ranking every match read them all, where finding the
      // matches reads only the index. Their text is read for the page's rows alone.
      const rows = await sql<SearchRow & { line: number | null }>`
      WITH page AS (
        SELECT path, language, line, sha256, rank FROM (
          SELECT f.path, f.language, NULL::integer AS line, NULL::text AS sha256, 1 + ts_rank(f.path_terms, ${f.tsquery}::tsquery) AS rank
            FROM codebase.files f
           WHERE ${filters(file)} AND f.path_terms @@ ${f.tsquery}::tsquery
          UNION ALL
          SELECT f.path, f.language, c.first_line, c.sha256, 0 AS rank
            FROM codebase.files f
            JOIN codebase.blob_chunks c ON c.org_id = f.org_id AND c.sha256 = f.sha256
           WHERE ${filters(file)} AND c.terms @@ ${f.tsquery}::tsquery
        ) r
        ORDER BY rank DESC, path, line NULLS FIRST
        LIMIT ${f.limit} OFFSET ${f.offset}
      )
      SELECT p.path, p.language, p.line, coalesce(c.text, p.path) AS text
        FROM page p
        LEFT JOIN codebase.blob_chunks c ON c.org_id = ${f.orgId} AND c.sha256 = p.sha256 AND c.first_line = p.line
       ORDER BY p.rank DESC, p.path, p.line NULLS FIRST`.execute(tx);
      return rows.rows;
    });
  },
};
