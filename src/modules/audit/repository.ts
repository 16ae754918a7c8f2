// SQL of audit.events. Inserts and reads only: the table refuses updates, and deletes outside
// the retention purge (see migrations/0001_audit.sql).
import { type Generated, type Kysely, type Selectable, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export interface AuditEventsTable {
  id: string;
  type: string;
  occurred_at: Date;
  recorded_at: Generated<Date>;
  actor_id: string | null;
  api_key_id: string | null;
  org_id: string | null;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  /** jsonb: `pg` returns it parsed; written as JSON text. */
  payload: unknown;
}

interface AuditTables {
  'audit.events': AuditEventsTable;
}

export type AuditRow = Selectable<AuditEventsTable>;
export type NewAuditRow = Omit<AuditRow, 'recorded_at'>;

const q = (db: Executor) => db as unknown as Kysely<AuditTables>;

export interface AuditFilter {
  /** Only this org's rows; undefined = every row (global admins). */
  orgId?: string;
  actorId?: string;
  /** Exact type, or a prefix when `typePrefix` is set. */
  type?: string;
  typePrefix?: boolean;
  targetId?: string;
  from?: Date;
  to?: Date;
}

/** The key of the last row of a page: the next page starts strictly after it. */
export interface AuditKey {
  occurredAt: Date;
  id: string;
}

/** `_` and `%` are LIKE wildcards; `\` is the escape character. */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export const auditEvents = {
  /** Idempotent: a redelivered event leaves the first row alone. */
  insert: (db: Executor, row: NewAuditRow) =>
    q(db)
      .insertInto('audit.events')
      .values({ ...row, payload: JSON.stringify(row.payload) })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute(),

  /**
   * Many records in one statement (a batch of events from the dispatcher), sent as one JSON
   * parameter: binding twelve parameters per row cost more, on both sides, than the rows' JSON.
   */
  async insertMany(db: Executor, rows: NewAuditRow[]): Promise<void> {
    if (!rows.length) return;
    await sql`
      INSERT INTO audit.events (id, type, occurred_at, actor_id, api_key_id, org_id, target_type, target_id, ip, user_agent, request_id, payload)
      SELECT id, type, occurred_at, actor_id, api_key_id, org_id, target_type, target_id, ip, user_agent, request_id, payload
      FROM json_to_recordset(${JSON.stringify(rows)}::json) AS r(
        id uuid, type text, occurred_at timestamptz, actor_id uuid, api_key_id uuid, org_id uuid,
        target_type text, target_id text, ip text, user_agent text, request_id text, payload jsonb)
      ON CONFLICT (id) DO NOTHING`.execute(db);
  },

  /**
   * Newest first, keyset on (occurred_at, id). Indexes: events_org_time_idx for an org,
   * events_time_idx for everything, and the actor / target / type indexes with those filters.
   */
  list: (db: Executor, f: AuditFilter, after: AuditKey | null, limit: number): Promise<AuditRow[]> => {
    let query = q(db).selectFrom('audit.events').selectAll();
    if (f.orgId) query = query.where('org_id', '=', f.orgId);
    if (f.actorId) query = query.where('actor_id', '=', f.actorId);
    if (f.type) query = f.typePrefix ? query.where('type', 'like', `${escapeLike(f.type)}%`) : query.where('type', '=', f.type);
    if (f.targetId) query = query.where('target_id', '=', f.targetId);
    if (f.from) query = query.where('occurred_at', '>=', f.from);
    if (f.to) query = query.where('occurred_at', '<', f.to);
    if (after) query = query.where(sql<boolean>`(occurred_at, id) < (${after.occurredAt}::timestamptz, ${after.id}::uuid)`);
    return query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  },

  /**
   * Deletes up to `limit` of the oldest rows before `cutoff` (events_time_idx). The caller's
   * transaction must have turned the purge on, or the trigger refuses.
   */
  deleteBefore: async (db: Executor, cutoff: Date, limit: number): Promise<number> => {
    const result = await sql`
      DELETE FROM audit.events WHERE id IN (
        SELECT id FROM audit.events WHERE occurred_at < ${cutoff}::timestamptz ORDER BY occurred_at LIMIT ${limit})`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  },

  /** Lets this transaction's deletes through the append-only trigger; ends with the transaction. */
  allowPurge: (tx: Executor) => sql`SELECT set_config('trellis.audit_purge', 'on', true)`.execute(tx),
};
