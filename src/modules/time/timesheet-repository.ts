// SQL of time_tracking.timesheets. Every query filters by org_id.
import { sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import { q, type TimesheetRow, type TimesheetsTable } from './tables.ts';

export interface TimesheetListFilter {
  orgId: string;
  status?: TimesheetsTable['status'];
  userId?: string;
  period?: string;
  /** For callers who are not org admins: their own, or those with entries in these projects. */
  visibleTo?: { userId: string; projectIds: string[] } | null;
  after?: string;
  limit: number;
}

/** Totals of the user's finished entries in the period, beside each timesheet row. */
const withTotals = (db: Executor) =>
  q(db)
    .selectFrom('time_tracking.timesheets as t')
    .selectAll('t')
    .select([
      sql<number>`(SELECT count(*) FROM time_tracking.entries e WHERE e.org_id = t.org_id AND e.user_id = t.user_id
        AND e.start_at >= t.period_start AND e.start_at < t.period_end AND e.end_at IS NOT NULL)::float8`.as('entries'),
      sql<number>`(SELECT coalesce(sum(extract(epoch FROM e.end_at - e.start_at)), 0) FROM time_tracking.entries e
        WHERE e.org_id = t.org_id AND e.user_id = t.user_id AND e.start_at >= t.period_start AND e.start_at < t.period_end
        AND e.end_at IS NOT NULL)::float8`.as('duration_seconds'),
    ]);

export const timesheets = {
  get: (db: Executor, orgId: string, userId: string, period: string) =>
    withTotals(db).where('t.org_id', '=', orgId).where('t.user_id', '=', userId).where('t.period', '=', period).executeTakeFirst(),

  /** Submits (or resubmits) a period: a new row, or a rejected or submitted one again. */
  submit: (db: Executor, row: Pick<TimesheetRow, 'id' | 'org_id' | 'user_id' | 'period' | 'period_start' | 'period_end' | 'submitted_at'>) =>
    q(db)
      .insertInto('time_tracking.timesheets')
      .values({ ...row, status: 'submitted' })
      .onConflict((oc) =>
        oc.constraint('timesheets_period_unique').doUpdateSet({
          status: 'submitted',
          submitted_at: row.submitted_at,
          decided_at: null,
          decided_by: null,
          comment: null,
          updated_at: sql<Date>`now()`,
        }),
      )
      .returning('id')
      .executeTakeFirstOrThrow(),

  decide: (db: Executor, orgId: string, id: string, d: { status: 'approved' | 'rejected'; decided_by: string; decided_at: Date; comment: string | null }) =>
    q(db)
      .updateTable('time_tracking.timesheets')
      .set({ ...d, updated_at: sql<Date>`now()` })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute(),

  /** Approved periods of the user that hold `at` (timesheets_lock_idx). */
  approvedHolding: (db: Executor, orgId: string, userId: string, at: Date) =>
    q(db)
      .selectFrom('time_tracking.timesheets')
      .select(['period'])
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .where('status', '=', 'approved')
      .where('period_start', '<=', at)
      .where('period_end', '>', at)
      .executeTakeFirst(),

  /** Newest first, keyset on id (timesheets_list_idx). */
  list: (db: Executor, f: TimesheetListFilter) => {
    let query = withTotals(db).where('t.org_id', '=', f.orgId);
    if (f.status) query = query.where('t.status', '=', f.status);
    if (f.userId) query = query.where('t.user_id', '=', f.userId);
    if (f.period) query = query.where('t.period', '=', f.period);
    if (f.after) query = query.where('t.id', '<', f.after);
    if (f.visibleTo) {
      const v = f.visibleTo;
      query = query.where((eb) =>
        v.projectIds.length
          ? eb.or([
              eb('t.user_id', '=', v.userId),
              eb.exists(
                eb
                  .selectFrom('time_tracking.entries as e')
                  .select(sql`1`.as('one'))
                  .whereRef('e.org_id', '=', 't.org_id')
                  .whereRef('e.user_id', '=', 't.user_id')
                  .whereRef('e.start_at', '>=', 't.period_start')
                  .whereRef('e.start_at', '<', 't.period_end')
                  .where('e.project_id', 'in', v.projectIds),
              ),
            ])
          : eb('t.user_id', '=', v.userId),
      );
    }
    return query.orderBy('t.id', 'desc').limit(f.limit + 1).execute();
  },
};
