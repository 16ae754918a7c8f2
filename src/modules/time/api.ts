// The façade other modules (reports) call: totals in one SQL statement, entries in keyset
// batches for exports, and the settings. It trusts its caller to have checked access.
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
  aggregate(q: TimeAggregateQuery): Promise<{ rows: TimeAggregateRow[]; totals: TimeTotals }>;
  /** Keyset batches in (start, id) order, running timers included, for exports. */
  entries(orgId: string, filter: { projectId?: string; userId?: string; from?: Date; to?: Date }, batchSize?: number): AsyncIterable<TimeEntryView[]>;
  settings(orgId: string): Promise<{ lockDate: string | null; hourlyRateMinor: number | null; weekStartsOn: 'monday' | 'sunday'; currency: string }>;
}

export function createTimeApi(deps: TimeDeps, ctx: TimeContext, settingsService: SettingsService): TimeApi {
  const { db } = deps;
  return {
    async aggregate(q) {
      if (!validTimeZone(q.timeZone)) throw CoreProblems.validationFailed.error(`Unknown time zone ${q.timeZone}`);
      const [rounding, s] = await Promise.all([ctx.rounding(db, q.orgId), settingsService.view(q.orgId)]);
      const query: AggregateSqlQuery = {
        ...q,
        weekStartsOn: s.weekStartsOn,
        rules: rounding.perProject,
        orgRule: rounding.orgRule,
      };
      return aggregateSql(db, query);
    },

    async *entries(orgId, filter, batchSize = 1000) {
      const rounding = await ctx.rounding(db, orgId);
      let after: { start: Date; id: string } | undefined;
      for (;;) {
        const rows = await entries.batch(db, { orgId, ...filter, after }, batchSize);
        if (rows.length === 0) return;
        yield rows.map((r) => toEntryView(r, rounding.forProject(r.project_id)));
        if (rows.length < batchSize) return;
        const last = rows[rows.length - 1];
        after = { start: last.start_at, id: last.id };
      }
    },

    async settings(orgId) {
      const s = await settingsService.view(orgId);
      return { lockDate: s.lockDate, hourlyRateMinor: s.hourlyRateMinor, weekStartsOn: s.weekStartsOn, currency: s.currency };
    },
  };
}

export type { TimeAggregateRow, TimeGroupBy, TimeTotals };
