// Totals of finished entries in ONE SQL statement: rounding is resolved per entry in SQL
// from a per-project rule list passed as arrays; the statement returns one row per (group,
// currency), and the overall totals are their sum, per currency (amounts are never added
// across currencies), so a report's rows always add up to its totals.
import { sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import { type Bucket, bucketStarts } from './periods.ts';

export type TimeGroupBy = 'project' | 'user' | 'task' | 'day' | 'week' | 'month';

export interface TimeTotals {
  entries: number;
  durationSeconds: number;
  roundedSeconds: number;
  billableSeconds: number;
  billableRoundedSeconds: number;
  /** Billable rounded seconds × the rate stored on each entry, per currency. */
  amounts: { currency: string; amountMinor: number }[];
}

export interface TimeAggregateRow extends TimeTotals {
  /** Project, user or task id, or the bucket's first day 'YYYY-MM-DD' in the query's zone. */
  key: string | null;
}

export interface AggregateSqlQuery {
  orgId: string;
  from?: Date;
  to?: Date;
  /** null: only the totals. */
  groupBy: TimeGroupBy | null;
  timeZone: string;
  weekStartsOn: 'monday' | 'sunday';
  projectId?: string;
  userId?: string;
  billable?: boolean;
  rules: { projectId: string; minutes: number; mode: 'up' | 'down' | 'nearest' }[];
  orgRule: { minutes: number; mode: 'up' | 'down' | 'nearest' } | null;
}

/** More buckets than this (a day view over decades) are grouped by converting each row instead. */
const MAX_BUCKETS = 2000;
const UNIT_MS = { day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000 };

/**
 * The group key. Ids are grouped as they are. Days, weeks and months are grouped by the index
 * of their bucket (width_bucket over bucket starts computed in the zone, see bucketStarts):
 * measured on PostgreSQL, converting every row with AT TIME ZONE cost about half again the
 * scan itself, the binary search a tenth. Ranges with too many buckets to list convert rows.
 */
function keyExpr(a: AggregateSqlQuery, buckets: Bucket[] | null) {
  const local = sql`(e.start_at AT TIME ZONE ${a.timeZone})`;
  switch (a.groupBy) {
    case 'project':
      return sql`e.project_id`;
    case 'user':
      return sql`e.user_id`;
    case 'task':
      return sql`e.task_id`;
    case null:
      return sql`NULL::text`;
  }
  if (buckets) return sql`width_bucket(e.start_at, ${buckets.map((b) => b.start.toISOString())}::timestamptz[])`;
  if (a.groupBy === 'day') return sql`to_char(${local}, 'YYYY-MM-DD')`;
  if (a.groupBy === 'month') return sql`to_char(date_trunc('month', ${local}), 'YYYY-MM-DD')`;
  // date_trunc('week') starts on Monday; shifting by a day makes Sunday-based weeks.
  return a.weekStartsOn === 'monday'
    ? sql`to_char(date_trunc('week', ${local}), 'YYYY-MM-DD')`
    : sql`to_char(date_trunc('week', ${local} + interval '1 day') - interval '1 day', 'YYYY-MM-DD')`;
}

interface SqlRow {
  key: string | null;
  currency: string;
  entries: number;
  duration: number;
  rounded: number;
  billable_seconds: number;
  billable_rounded: number;
  billable_entries: number;
  amount: number;
}

const empty = (): TimeTotals => ({ entries: 0, durationSeconds: 0, roundedSeconds: 0, billableSeconds: 0, billableRoundedSeconds: 0, amounts: [] });

function add(t: TimeTotals, r: SqlRow) {
  t.entries += Number(r.entries);
  t.durationSeconds += Number(r.duration);
  t.roundedSeconds += Number(r.rounded);
  t.billableSeconds += Number(r.billable_seconds);
  t.billableRoundedSeconds += Number(r.billable_rounded);
  if (Number(r.billable_entries) === 0) return;
  // Totals gather the rows of every group: one amount per currency.
  const same = t.amounts.find((m) => m.currency === r.currency);
  if (same) same.amountMinor += Number(r.amount);
  else t.amounts.push({ currency: r.currency, amountMinor: Number(r.amount) });
}

/**
 * Uses entries_org_start_idx for an org's date range, entries_org_project_start_idx and
 * entries_org_user_start_idx when filtered by project or user. Running timers are left out.
 */
export async function aggregateSql(db: Executor, a: AggregateSqlQuery): Promise<{ rows: TimeAggregateRow[]; totals: TimeTotals }> {
  const ids = a.rules.map((r) => r.projectId);
  const steps = a.rules.map((r) => r.minutes * 60);
  const modes = a.rules.map((r) => r.mode);
  const conditions = [sql`e.org_id = ${a.orgId}`, sql`e.end_at IS NOT NULL`];
  if (a.from) conditions.push(sql`e.start_at >= ${a.from}`);
  if (a.to) conditions.push(sql`e.start_at < ${a.to}`);
  if (a.projectId) conditions.push(sql`e.project_id = ${a.projectId}`);
  if (a.userId) conditions.push(sql`e.user_id = ${a.userId}`);
  if (a.billable !== undefined) conditions.push(sql`e.billable = ${a.billable}`);
  const timeGroup = a.groupBy === 'day' || a.groupBy === 'week' || a.groupBy === 'month' ? a.groupBy : null;
  if (timeGroup && (!a.from || !a.to)) throw new Error('grouping by time needs from and to');
  const few = timeGroup !== null && (a.to!.getTime() - a.from!.getTime()) / UNIT_MS[timeGroup] <= MAX_BUCKETS;
  const buckets = timeGroup && few ? bucketStarts(a.from!, a.to!, timeGroup, a.timeZone, a.weekStartsOn) : null;
  const defStep = a.orgRule ? a.orgRule.minutes * 60 : null;
  const defMode = a.orgRule?.mode ?? null;

  // Rounding only when some rule applies: the common case sums raw durations and skips the
  // join and the CASE per row.
  const rounding = ids.length > 0 || defStep !== null;
  const ruleJoin = ids.length > 0 ? sql`LEFT JOIN r ON r.project_id = e.project_id` : sql``;
  const stepExpr = ids.length > 0 ? sql`coalesce(r.step, ${defStep}::int)` : sql`${defStep}::int`;
  const modeExpr = ids.length > 0 ? sql`coalesce(r.mode, ${defMode}::text)` : sql`${defMode}::text`;
  // Measured on PostgreSQL with 100,000 entries (a year of one org): the key grouped in its own
  // type and cast once per group, durations as float8 date_part (extract() returns numeric),
  // and totals added up here from the group rows instead of GROUPING SETS took the year's
  // report from 190–330 ms to 85–155 ms.
  const result = await sql<SqlRow>`
    WITH r AS (
      SELECT * FROM unnest(${ids}::uuid[], ${steps}::int[], ${modes}::text[]) AS r(project_id, step, mode)
    ), x AS (
      SELECT ${keyExpr(a, buckets)} AS key, e.currency, e.billable, e.hourly_rate_minor AS rate,
             date_part('epoch', e.end_at - e.start_at)::int8 AS d
             ${rounding ? sql`, ${stepExpr} AS step, ${modeExpr} AS mode` : sql``}
      FROM time_tracking.entries e ${ruleJoin}
      WHERE ${sql.join(conditions, sql` AND `)}
    ), y AS (
      -- The integer formulas of rules.roundSeconds: up, down, nearest (half a step rounds up).
      SELECT key, currency, billable, rate, d,
             ${
               rounding
                 ? sql`CASE WHEN step IS NULL THEN d
                  WHEN mode = 'up' THEN ((d + step - 1) / step) * step
                  WHEN mode = 'down' THEN (d / step) * step
                  ELSE ((d + step / 2) / step) * step END`
                 : sql`d`
             } AS rd
      FROM x
    )
    SELECT key::text AS key, currency,
           count(*)::float8 AS entries,
           sum(d)::float8 AS duration,
           sum(rd)::float8 AS rounded,
           coalesce(sum(d) FILTER (WHERE billable), 0)::float8 AS billable_seconds,
           coalesce(sum(rd) FILTER (WHERE billable), 0)::float8 AS billable_rounded,
           count(*) FILTER (WHERE billable)::float8 AS billable_entries,
           coalesce(round(sum(rd * rate) FILTER (WHERE billable AND rate IS NOT NULL)::numeric / 3600), 0)::float8 AS amount
    FROM y
    -- y.key, not the text output column: grouping on ids and bucket numbers, not their text.
    GROUP BY y.key, y.currency
    ORDER BY y.key NULLS LAST, y.currency
  `.execute(db);

  const rows = new Map<string | null, TimeAggregateRow>();
  const totals = empty();
  for (const r of result.rows) {
    add(totals, r);
    // A bucket index i (1-based) names the bucket that starts at buckets[i - 1].
    const key = buckets ? buckets[Number(r.key) - 1].key : r.key;
    let row = rows.get(key);
    if (!row) {
      row = { key, ...empty() };
      rows.set(key, row);
    }
    add(row, r);
  }
  totals.amounts.sort((x, y) => (x.currency < y.currency ? -1 : x.currency > y.currency ? 1 : 0));
  const grouped = [...rows.values()];
  // Bucket keys are dates, and 'YYYY-MM-DD' sorts as text; ids keep the SQL's order.
  if (timeGroup) grouped.sort((x, y) => (x.key! < y.key! ? -1 : 1));
  return { rows: a.groupBy ? grouped : [], totals };
}
