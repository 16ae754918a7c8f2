// SQL of resumable uploads (upload-sessions.ts). A session is found by its id with its org,
// project and creator, never by its id alone (another tenant's id matches nothing). Writes that
// depend on a session's status lock its row (`lock`), so a part sent while the session is being
// completed or aborted sees it closed.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export type SessionStatus = 'open' | 'completing' | 'completed' | 'failed' | 'aborted';

/** What a failed completion met: the problem's code, its message, its extensions. */
export interface SessionFailure {
  code: string;
  detail: string;
  [extension: string]: unknown;
}

export interface UploadSessionsTable {
  id: string;
  org_id: string;
  project_id: string;
  created_by: string;
  file_name: string;
  path: string | null;
  total_bytes: number | null;
  status: SessionStatus;
  snapshot_version: number | null;
  failure: SessionFailure | null;
  expires_at: Date;
  created_at: Date;
}
export interface UploadPartsTable {
  session_id: string;
  part_number: number;
  size: number;
  sha256: string;
  storage_key: string;
}
export type SessionRow = Selectable<UploadSessionsTable>;
export type PartRow = Selectable<UploadPartsTable>;

/** Which session: its id within the org, the project and its creator. */
export interface SessionKey {
  id: string;
  orgId: string;
  projectId: string;
  userId: string;
}

interface Tables {
  'codebase.upload_sessions': UploadSessionsTable;
  'codebase.upload_parts': UploadPartsTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;
const numeric = (r: SessionRow): SessionRow => ({ ...r, total_bytes: r.total_bytes === null ? null : Number(r.total_bytes) });
const part = (r: PartRow): PartRow => ({ ...r, size: Number(r.size) });

export const uploadSessions = {
  insert: (db: Executor, row: SessionRow) => q(db).insertInto('codebase.upload_sessions').values({ ...row, failure: null }).execute(),

  async find(db: Executor, key: SessionKey): Promise<SessionRow | undefined> {
    const row = await q(db)
      .selectFrom('codebase.upload_sessions')
      .selectAll()
      .where('id', '=', key.id)
      .where('org_id', '=', key.orgId)
      .where('project_id', '=', key.projectId)
      .where('created_by', '=', key.userId)
      .executeTakeFirst();
    return row && numeric(row);
  },

  /** The session, its row locked until the transaction ends. */
  async lock(tx: Executor, key: SessionKey): Promise<SessionRow | undefined> {
    const row = await q(tx)
      .selectFrom('codebase.upload_sessions')
      .selectAll()
      .where('id', '=', key.id)
      .where('org_id', '=', key.orgId)
      .where('project_id', '=', key.projectId)
      .where('created_by', '=', key.userId)
      .forUpdate()
      .executeTakeFirst();
    return row && numeric(row);
  },

  async update(db: Executor, id: string, set: Partial<Pick<SessionRow, 'status' | 'snapshot_version' | 'failure' | 'expires_at'>>): Promise<void> {
    const { failure, ...rest } = set;
    await q(db)
      .updateTable('codebase.upload_sessions')
      .set({ ...rest, ...(failure !== undefined ? { failure: failure === null ? null : sql<SessionFailure>`${JSON.stringify(failure)}::jsonb` } : {}) })
      .where('id', '=', id)
      .execute();
  },

  /** Sessions past their expiry, oldest first: open ones to sweep, closed ones to forget. */
  async expired(db: Executor, now: Date, limit: number): Promise<{ id: string; org_id: string; status: SessionStatus }[]> {
    return q(db).selectFrom('codebase.upload_sessions').select(['id', 'org_id', 'status']).where('expires_at', '<', now).orderBy('expires_at').limit(limit).execute();
  },

  /** Deletes the session when it holds no part any more (the sweep's last step). */
  async deleteIfEmpty(db: Executor, id: string): Promise<boolean> {
    const done = await sql`
      DELETE FROM codebase.upload_sessions s
       WHERE s.id = ${id} AND NOT EXISTS (SELECT 1 FROM codebase.upload_parts p WHERE p.session_id = s.id)`.execute(db);
    return Number(done.numAffectedRows ?? 0) > 0;
  },
};

export const uploadParts = {
  async list(db: Executor, sessionId: string): Promise<PartRow[]> {
    const rows = await q(db).selectFrom('codebase.upload_parts').selectAll().where('session_id', '=', sessionId).orderBy('part_number').execute();
    return rows.map(part);
  },

  /** Bytes the session's parts hold, but part `except` (the one being replaced). */
  async bytesBut(db: Executor, sessionId: string, except: number): Promise<number> {
    const row = await q(db)
      .selectFrom('codebase.upload_parts')
      .select(sql<string>`coalesce(sum(size), 0)`.as('bytes'))
      .where('session_id', '=', sessionId)
      .where('part_number', '!=', except)
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  },

  /** Writes the part, replacing one of the same number; the replaced part's storage key, if any. */
  async put(tx: Executor, row: PartRow): Promise<string | null> {
    const old = await q(tx).selectFrom('codebase.upload_parts').select('storage_key').where('session_id', '=', row.session_id).where('part_number', '=', row.part_number).forUpdate().executeTakeFirst();
    await q(tx)
      .insertInto('codebase.upload_parts')
      .values(row)
      .onConflict((c) => c.columns(['session_id', 'part_number']).doUpdateSet({ size: row.size, sha256: row.sha256, storage_key: row.storage_key }))
      .execute();
    return old?.storage_key ?? null;
  },

  deleteOne: (db: Executor, sessionId: string, storageKey: string) => q(db).deleteFrom('codebase.upload_parts').where('session_id', '=', sessionId).where('storage_key', '=', storageKey).execute(),
};
