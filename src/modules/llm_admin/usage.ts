// Usage reports of an organization: its calls over a period of days in its time zone, summed per
// day, member, model and/or feature, from core's ledger (core.llm_usage), as JSON or CSV.
import { stringify } from 'csv-stringify/sync';
import type { Static } from 'typebox';
import type { Actor } from '../../core/context/actor.ts';
import { invalid } from '../../core/errors.ts';
import type { Llm, LlmUsageGroup } from '../../core/llm/index.ts';
import type { Clock } from '../../core/module.ts';
import { neutralizeCell } from '../../core/spreadsheet.ts';
import { addDays, type CivilDate, formatDate, parseCalendarDate } from '../../core/time/calendar.ts';
import { localParts, startOfLocalDay } from '../../core/time/zones.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { UsageQuery, UsageView } from './schemas.ts';

type UsageViewType = Static<typeof UsageView>;

/** A report covers at most a year of days: its groups stay a size a spreadsheet opens. */
const MAX_DAYS = 366;

const dayNumber = (d: CivilDate) => Date.UTC(d.year, d.month - 1, d.day) / 86_400_000;

export function createUsageReports(deps: { llm: Llm; orgs: OrganizationsApi; clock: Clock }) {
  const { llm, orgs, clock } = deps;

  async function report(actor: Actor, orgId: string, query: Omit<Static<typeof UsageQuery>, 'format'>): Promise<UsageViewType> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const timeZone = (await orgs.getOrganization(orgId))?.timezone ?? 'UTC';
    const today = localParts(clock.now(), timeZone);
    const from = query.from ? parseCalendarDate(query.from)! : { year: today.year, month: today.month, day: 1 };
    const to = query.to ? parseCalendarDate(query.to)! : { year: today.year, month: today.month, day: today.day };
    if (dayNumber(to) < dayNumber(from)) throw invalid('querystring.to', 'must not be before from');
    if (dayNumber(to) - dayNumber(from) >= MAX_DAYS) throw invalid('querystring.to', `must be at most ${MAX_DAYS} days after from`);
    const groupBy = [...new Set(query.groupBy.split(','))] as LlmUsageGroup[];
    const end = addDays(to, 1);
    const rows = await llm.usageReport({
      orgId,
      since: startOfLocalDay(from.year, from.month, from.day, timeZone),
      until: startOfLocalDay(end.year, end.month, end.day, timeZone),
      groupBy,
      timeZone,
      ...(query.userId ? { userId: query.userId } : {}),
    });
    const totals = { calls: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 };
    for (const r of rows) {
      totals.calls += r.calls;
      totals.inputTokens += r.inputTokens;
      totals.outputTokens += r.outputTokens;
      totals.costMicros += r.costMicros;
    }
    const minor = ({ costMicros, ...rest }: { costMicros: number }) => ({ ...rest, costMinor: costMicros / 1e6 });
    return { currency: llm.currency, from: formatDate(from), to: formatDate(to), timeZone, groupBy, rows: rows.map(minor), totals: minor(totals) } as UsageViewType;
  }

  return { report };
}

const KEY_COLUMNS: Record<LlmUsageGroup, [string, keyof UsageViewType['rows'][number]][]> = {
  day: [['day', 'day']],
  user: [['user_id', 'userId']],
  model: [
    ['provider', 'provider'],
    ['model', 'model'],
  ],
  feature: [['feature', 'feature']],
};

/** The report as CSV (RFC 4180, UTF-8 with BOM): the group's columns, then the figures; text cells neutralized for spreadsheets. */
export function usageCsv(r: UsageViewType): string {
  const keys = r.groupBy.flatMap((g) => KEY_COLUMNS[g as LlmUsageGroup]);
  const header = [...keys.map(([name]) => name), 'calls', 'input_tokens', 'output_tokens', 'cost_minor', 'currency'];
  const rows = r.rows.map((row) => [...keys.map(([, field]) => neutralizeCell(String(row[field] ?? ''))), row.calls, row.inputTokens, row.outputTokens, row.costMinor, r.currency]);
  return `\uFEFF${stringify([header, ...rows], { record_delimiter: 'windows' })}`;
}
