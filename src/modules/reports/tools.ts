// The LLM tool of the reports module (contributions: `llmTools`): a time report, as GET
// /orgs/{orgId}/reports/time answers it to the caller. It lives here, not in time, because the
// rule of whose time a caller may see is this module's (service.ts `visibility`): the tool runs
// the same use case, so it can never see more than the API shows the same person.
import { type Static, Type } from 'typebox';
import type { LlmTool } from '../../core/contributions.ts';
import { Nullable } from '../../core/http/schema-types.ts';
import { assertCredentialsAllow, credentialsAllow } from '../../core/llm/tools.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { majorUnits, type ReportTotals, type TimeReport } from './model.ts';
import { TimeReportQuery } from './schemas.ts';
import type { ReportsService } from './service.ts';

const SCOPE = 'reports:read';
/** Rows answered at most (a by-day report of a year has 366): the totals always cover them all. */
export const TOOL_MAX_ROWS = 100;

const { format: _format, ...query } = TimeReportQuery.properties;
const TimeReportInput = Type.Object(query);

const Money = Type.Object({ currency: Type.String(), amount: Type.Number({ description: 'In major units (12.34)' }) });
const Figures = {
  entries: Type.Integer(),
  hours: Type.Number({ description: 'Recorded hours' }),
  roundedHours: Type.Number({ description: 'Hours after the rounding rules' }),
  billableHours: Type.Number(),
  amounts: Type.Array(Money, { description: 'Billable amount per currency' }),
};

const TimeReportOutput = Type.Object({
  organization: Type.String(),
  period: Type.Object({ fromDate: Type.String(), toDate: Type.String({ description: 'Inclusive' }), timeZone: Type.String() }),
  groupBy: Type.String(),
  scope: Type.Union([Type.Literal('organization'), Type.Literal('project'), Type.Literal('own')], {
    description: "Whose time is counted: the whole org's (admins), one managed project's, or only yours",
  }),
  filters: Type.Array(Type.String()),
  rows: Type.Array(Type.Object({ key: Nullable(Type.String()), label: Type.String(), detail: Nullable(Type.String()), ...Figures })),
  rowsOmitted: Type.Integer({ description: `Rows beyond the first ${TOOL_MAX_ROWS}, left out; the totals count them` }),
  totals: Type.Object(Figures),
});

const hours = (seconds: number) => Math.round((seconds / 3600) * 100) / 100;
const figures = (t: ReportTotals) => ({
  entries: t.entries,
  hours: hours(t.durationSeconds),
  roundedHours: hours(t.roundedSeconds),
  billableHours: hours(t.billableRoundedSeconds),
  amounts: t.amounts.map((a) => ({ currency: a.currency, amount: majorUnits(a) })),
});

/** The report in hours and major units, which the model reads without converting. */
function forModel(report: TimeReport): Static<typeof TimeReportOutput> {
  return {
    organization: report.organization.name,
    period: { fromDate: report.period.fromDate, toDate: report.period.toDate, timeZone: report.period.timeZone },
    groupBy: report.groupBy,
    scope: report.scope,
    filters: report.filterLabels,
    rows: report.rows.slice(0, TOOL_MAX_ROWS).map((r) => ({ key: r.key, label: r.label, detail: r.detail, ...figures(r) })),
    rowsOmitted: Math.max(0, report.rows.length - TOOL_MAX_ROWS),
    totals: figures(report.totals),
  };
}

export function reportsTools(deps: { orgs: OrganizationsApi; reports: ReportsService }): LlmTool<any, any>[] {
  const timeReport: LlmTool<typeof TimeReportInput, typeof TimeReportOutput> = {
    name: 'reports.time_report',
    description:
      'Time recorded in the current organization over a period (default: this month), grouped by project, person, task, client, day, week or month, ' +
      'with hours, rounded and billable hours and billable amounts. You see your own time; a project manager sees their project (give projectId); ' +
      'org admins see everyone (give userId for one person). Asking for time you may not see is refused.',
    input: TimeReportInput,
    output: TimeReportOutput,
    // Everyone in the org has a report (their own time), viewers included, as on the API.
    async allowed(as) {
      if (!as.orgId || !credentialsAllow(as.principal, SCOPE)) return false;
      return (await deps.orgs.roleOf(as.principal.userId, as.orgId)) !== null;
    },
    async run(input, ctx) {
      assertCredentialsAllow(ctx.principal, SCOPE);
      // The API's use case with the caller's principal: a userId or projectId the model gives only
      // narrows the report, and is refused when the caller may not see it (service.ts `visibility`).
      return forModel(await deps.reports.timeReport(ctx.principal, ctx.orgId!, input));
    },
  };
  return [timeReport];
}
