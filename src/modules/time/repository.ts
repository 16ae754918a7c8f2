// SQL of time_tracking.entries (entries and running timers). Every query filters by org_id,
// also where an id alone would do: tenant isolation does not rest on the callers alone.
import { type Selectable, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import { type EntriesTable, q } from './tables.ts';

export type NewEntry = Omit<Selectable<EntriesTable>, 'created_at' | 'updated_at'>;
export type EntryPatch = Partial<Omit<Selectable<EntriesTable>, 'id' | 'org_id' | 'created_by' | 'created_at' | 'updated_at'>>;

export interface EntryListFilter {
  orgId: string;
  userId?: string;
  /** Restricts to rows the caller may see: own entries, or these projects (null = no restriction). */
  visibleTo?: { userId: string; projectIds: string[] } | null;
  projectId?: string;
  taskId?: string;
  from?: Date;
  to?: Date;
  billable?: boolean;
  tag?: string;
  after?: { start: Date; id: string };
  limit: number;
}

export const entries = {
  /**
   * Serializes writes of one user's entries in one org until the transaction ends, so the
   * overlap check and the write that follows cannot interleave with another request's.
   */
  lockUser: async (db: Executor, orgId: string, userId: string) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`time_tracking:${orgId}:${userId}`}, 0))`.execute(db);
  },

  insert: (db: Executor, row: NewEntry) => q(db).insertInto('time_tracking.entries').values(row).returningAll().executeTakeFirstOrThrow(),

  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('time_tracking.entries').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),

  update: (db: Executor, orgId: string, id: string, patch: EntryPatch) =>
    q(db)
      .updateTable('time_tracking.entries')
      .set({ ...patch, updated_at: sql<Date>`now()` })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),

  delete: (db: Executor, orgId: string, id: string) => q(db).deleteFrom('time_tracking.entries').where('org_id', '=', orgId).where('id', '=', id).execute(),

  /**
   * The user's entries whose range meets [start, end) (end null = open): the candidates for
   * an overlap. Index entries_org_user_start_idx bounds the scan by start_at < end.
   */
  overlapping: (db: Executor, orgId: string, userId: string, start: Date, end: Date | null, exceptId?: string) => {
    let query = q(db)
      .selectFrom('time_tracking.entries')
      .select(['id', 'start_at', 'end_at'])
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', start)]))
      .orderBy('start_at')
      .limit(20);
    if (end) query = query.where('start_at', '<', end);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return query.execute();
  },

  /** The running timer (entries_one_timer_idx). */
  runningTimer: (db: Executor, orgId: string, userId: string) =>
    q(db).selectFrom('time_tracking.entries').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).where('end_at', 'is', null).executeTakeFirst(),

  /**
   * One page, newest first, keyset on (start_at, id): entries_org_start_idx for the org's
   * list, entries_org_user_start_idx / entries_org_project_start_idx with those filters.
   */
  list: (db: Executor, f: EntryListFilter) => {
    let query = q(db).selectFrom('time_tracking.entries').selectAll().where('org_id', '=', f.orgId);
    if (f.userId) query = query.where('user_id', '=', f.userId);
    if (f.visibleTo) {
      const v = f.visibleTo;
      query = query.where((eb) =>
        v.projectIds.length ? eb.or([eb('user_id', '=', v.userId), eb('project_id', 'in', v.projectIds)]) : eb('user_id', '=', v.userId),
      );
    }
    if (f.projectId) query = query.where('project_id', '=', f.projectId);
    if (f.taskId) query = query.where('task_id', '=', f.taskId);
    if (f.from) query = query.where('start_at', '>=', f.from);
    if (f.to) query = query.where('start_at', '<', f.to);
    if (f.billable !== undefined) query = query.where('billable', '=', f.billable);
    if (f.tag) query = query.where(sql<boolean>`tags @> ARRAY[${f.tag}]::text[]`);
    if (f.after) {
      const a = f.after;
      query = query.where((eb) => eb.or([eb('start_at', '<', a.start), eb.and([eb('start_at', '=', a.start), eb('id', '<', a.id)])]));
    }
    return query.orderBy('start_at', 'desc').orderBy('id', 'desc').limit(f.limit + 1).execute();
  },

  /**
   * Keyset batches in (start_at, id) order for exports (entries_org_start_idx, read backwards
   * when unfiltered).
   */
  batch: (
    db: Executor,
    f: { orgId: string; projectId?: string; userId?: string; from?: Date; to?: Date; after?: { start: Date; id: string } },
    limit: number,
  ) => {
    let query = q(db).selectFrom('time_tracking.entries').selectAll().where('org_id', '=', f.orgId);
    if (f.projectId) query = query.where('project_id', '=', f.projectId);
    if (f.userId) query = query.where('user_id', '=', f.userId);
    if (f.from) query = query.where('start_at', '>=', f.from);
    if (f.to) query = query.where('start_at', '<', f.to);
    if (f.after) {
      const a = f.after;
      query = query.where((eb) => eb.or([eb('start_at', '>', a.start), eb.and([eb('start_at', '=', a.start), eb('id', '>', a.id)])]));
    }
    return query.orderBy('start_at').orderBy('id').limit(limit).execute();
  },

  /** Distinct projects of a user's finished entries in a period (who may approve it). */
  projectsInPeriod: async (db: Executor, orgId: string, userId: string, start: Date, end: Date) => {
    const rows = await q(db)
      .selectFrom('time_tracking.entries')
      .select('project_id')
      .distinct()
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .where('start_at', '>=', start)
      .where('start_at', '<', end)
      .execute();
    return rows.map((r) => r.project_id);
  },

  /** Distinct projects with entries in the org (candidates for "projects I manage"). */
  projectIds: async (db: Executor, orgId: string) => {
    const rows = await q(db).selectFrom('time_tracking.entries').select('project_id').distinct().where('org_id', '=', orgId).execute();
    return rows.map((r) => r.project_id);
  },

  /** A running timer of the user that started inside the period. */
  timerInPeriod: (db: Executor, orgId: string, userId: string, start: Date, end: Date) =>
    q(db)
      .selectFrom('time_tracking.entries')
      .select('id')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .where('end_at', 'is', null)
      .where('start_at', '<', end)
      .where('start_at', '>=', start)
      .executeTakeFirst(),
};
