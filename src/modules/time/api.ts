// The façade other modules (reports) call: totals in one SQL statement, entries in keyset
// batches for exports, and the settings. It trusts its caller to have checked access. Each
// read takes the caller's executor last (`exec`, default the pool), to read in its transaction.
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import { type AggregateSqlQuery, aggregateSql, type TimeAggregateRow, type TimeGroupBy, type TimeTotals } from './aggregate.ts';
import type { TimeContext, TimeDeps } from './service.ts';
import { validTimeZone } from './periods.ts';
import { entries } from './repository.ts';
import type { SettingsService } from './settings-service.ts';
import { type TimeEntryView, toEntryView } from './views.ts';

export interface TimeAggregateQuery {
  orgId: string;
  from: Date;
  /** Exclusive. */
  to: Date;
  groupBy: TimeGroupBy;
  timeZone: string;
  projectId?: string;
  userId?: string;
  billable?: boolean;
}

export interface TimeApi {
  /** Finished entries starting in [from, to), grouped; running timers are left out. */
  aggregate(q: TimeAggregateQuery, exec?: Executor): Promise<{ rows: TimeAggregateRow[]; totals: TimeTotals }>;
  /** Keyset batches in (start, id) order, running timers included, for exports. */
  entries(orgId: string, filter: { projectId?: string; userId?: string; from?: Date; to?: Date }, batchSize?: number, exec?: Executor): AsyncIterable<TimeEntryView[]>;
  settings(orgId: string, exec?: Executor): Promise<{ lockDate: string | null; hourlyRateMinor: number | null; weekStartsOn: 'monday' | 'sunday'; currency: string }>;
}

export function createTimeApi(deps: TimeDeps, ctx: TimeContext, settingsService: SettingsService): TimeApi {
  const { db } = deps;
  return {
    async aggregate(q, exec = db) {
      if (!validTimeZone(q.timeZone)) throw CoreProblems.validationFailed.error(`Unknown time zone ${q.timeZone}`);
      // In parallel on the pool; one after the other on a caller's transaction (one connection).
      const [rounding, s] =
        exec === db ? await Promise.all([ctx.rounding(db, q.orgId), settingsService.view(q.orgId)]) : [await ctx.rounding(exec, q.orgId), await settingsService.view(q.orgId, exec)];
      const query: AggregateSqlQuery = {
        ...q,
        weekStartsOn: s.weekStartsOn,
        rules: rounding.perProject,
        orgRule: rounding.orgRule,
      };
      return aggregateSql(exec, query);
    },

    async *entries(orgId, filter, batchSize = 1000, exec = db) {
      const rounding = await ctx.rounding(exec, orgId);
      let after: { start: Date; id: string } | undefined;
      for (;;) {
        const rows = await entries.batch(exec, { orgId, ...filter, after }, batchSize);
        if (rows.length === 0) return;
        yield rows.map((r) => toEntryView(r, rounding.forProject(r.project_id)));
        if (rows.length < batchSize) return;
        const last = rows[rows.length - 1];
        after = { start: last.start_at, id: last.id };
      }
    },

    async settings(orgId, exec = db) {
      const s = await settingsService.view(orgId, exec);
      return { lockDate: s.lockDate, hourlyRateMinor: s.hourlyRateMinor, weekStartsOn: s.weekStartsOn, currency: s.currency };
    },
  };
}

export type { TimeAggregateRow, TimeGroupBy, TimeTotals };
