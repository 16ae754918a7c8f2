// SQL of core.stored_files. The quota is the sum of an org's rows, read under the org's lock
// by the upload that would add to it (service.ts).
import { type Generated, type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export interface StoredFilesTable {
  id: string;
  key: string;
  org_id: string;
  size: number;
  sha256: string;
  content_type: string;
  file_name: string;
  created_by: string | null;
  created_at: Generated<Date>;
}

export type StoredFileRow = Selectable<StoredFilesTable>;

interface Tables {
  'core.stored_files': StoredFilesTable;
}

const INSERT_BATCH = 1000;
const q = (db: Executor) => db as unknown as Kysely<Tables>;

export const storedFiles = {
  /**
   * Serializes the final accounting of an org's uploads until the transaction ends: two uploads
   * that each fit alone cannot both be counted against the same room.
   */
  async lockOrg(tx: Executor, orgId: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`core.stored_files:${orgId}`}, 0))`.execute(tx);
  },

  async usage(db: Executor, orgId: string): Promise<{ usedBytes: number; files: number }> {
    const row = await q(db)
      .selectFrom('core.stored_files')
      .select([sql<number>`coalesce(sum(size), 0)::int8`.as('used'), sql<number>`count(*)::int8`.as('files')])
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow();
    return { usedBytes: Number(row.used), files: Number(row.files) };
  },

  /** Rows in the order given, a few hundred per statement (9 parameters a row, PostgreSQL takes 65,535). */
  async insertMany(db: Executor, rows: readonly Insertable<StoredFilesTable>[]): Promise<StoredFileRow[]> {
    const out: StoredFileRow[] = [];
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      const chunk = rows.slice(i, i + INSERT_BATCH);
      const done = await q(db).insertInto('core.stored_files').values(chunk).returningAll().execute();
      const byId = new Map(done.map((r) => [r.id, r]));
      for (const r of chunk) out.push(byId.get(r.id)!);
    }
    return out;
  },

  async byId(db: Executor, id: string): Promise<StoredFileRow | undefined> {
    return q(db).selectFrom('core.stored_files').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async byKey(db: Executor, key: string): Promise<StoredFileRow | undefined> {
    return q(db).selectFrom('core.stored_files').selectAll().where('key', '=', key).executeTakeFirst();
  },

  async deleteByKey(db: Executor, key: string): Promise<boolean> {
    const res = await q(db).deleteFrom('core.stored_files').where('key', '=', key).executeTakeFirst();
    return res.numDeletedRows > 0n;
  },
};
