import { Type } from 'typebox';
import { CalendarDate, DateOrTimestamp, Line, named, Nullable, Timestamp, Uuid as uuid } from '../../core/http/schema-types.ts';
import { ENTRY_YEARS } from '../time/index.ts';

const Uuid = uuid();

export const OrgParams = Type.Object({ orgId: Uuid });
export const ProjectParams = Type.Object({ orgId: Uuid, projectId: Uuid });

// A report covers the years time can be recorded in: its buckets and labels then never reach
// the calendar's edge.
const Bound = (what: string) => Type.Optional(DateOrTimestamp({ years: ENTRY_YEARS, description: `${what}, in the report's time zone` }));

export const TimeReportQuery = Type.Object({
  from: Bound('First day of the period (default: the first of the current month)'),
  to: Bound('Last day of the period, inclusive for a date, exclusive for a date-time (default: the end of the month of `from`)'),
  groupBy: Type.Union(
    [Type.Literal('project'), Type.Literal('user'), Type.Literal('task'), Type.Literal('client'), Type.Literal('day'), Type.Literal('week'), Type.Literal('month')],
    { default: 'project' },
  ),
  projectId: Type.Optional(uuid('Only this project (project managers need it to see their team)')),
  userId: Type.Optional(uuid('Only this person (org admins, project managers)')),
  billable: Type.Optional(Type.Boolean({ description: 'Only billable (true) or non-billable (false) entries' })),
  tz: Type.Optional(Line(64, { description: "IANA time zone of the period and buckets (default: the organization's)" })),
  format: Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx'), Type.Literal('pdf')], { default: 'json' }),
});

const { format: _format, ...reportQuery } = TimeReportQuery.properties;
/** The body of a background file request: the report's query, and a file format. */
export const TimeReportFileRequest = Type.Object({
  ...reportQuery,
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx'), Type.Literal('pdf')]),
});
export const FileParams = Type.Object({ orgId: Uuid, jobId: Uuid });
export const JobAccepted = named(
  'AcceptedJob',
  Type.Object({
    jobId: Uuid,
    statusUrl: Type.String({ description: 'GET it for status, progress and, when done, the download link' }),
  }),
);

/** The result of a `reports.time_report_file` job: where its file is downloaded. */
export const ReportFile = named(
  'ReportFile',
  Type.Object(
    {
      link: Type.String({ description: 'GET it to download the file (its requester only, for a day)' }),
      fileName: Type.String(),
      contentType: Type.String(),
      bytes: Type.Integer({ minimum: 0 }),
    },
    { description: 'The result of a `reports.time_report_file` job: the file it made' },
  ),
);

/** The result of a `reports.purge_files` job. */
export const FilePurgeResult = named(
  'ReportFilePurgeResult',
  Type.Object({ deleted: Type.Integer({ minimum: 0, description: 'Expired report files deleted' }) }, { description: 'The result of a `reports.purge_files` job' }),
);

export const Amount = named('MoneyAmount', Type.Object({ currency: Type.String(), amountMinor: Type.Integer() }, { description: 'An amount in minor units (cents) of a currency' }));

const Totals = {
  entries: Type.Integer(),
  durationSeconds: Type.Integer({ description: 'Recorded time' }),
  roundedSeconds: Type.Integer({ description: 'Time after the rounding rules, applied per entry' }),
  billableSeconds: Type.Integer(),
  billableRoundedSeconds: Type.Integer(),
  amounts: Type.Array(Amount, { description: 'Billable amount per currency, in minor units' }),
};

export const ReportTotals = named('TimeReportTotals', Type.Object(Totals));

export const ReportRow = named(
  'TimeReportRow',
  Type.Object({
    key: Nullable(Type.String({ description: 'Project, user or task id; client name; or the first day of the bucket' })),
    label: Type.String(),
    detail: Nullable(Type.String({ description: 'A second column where it helps: the project key (by project), the project name (by task)' })),
    ...Totals,
  }),
);

export const ReportPeriod = named(
  'TimeReportPeriod',
  Type.Object({
    from: Timestamp({ description: 'First instant' }),
    to: Timestamp({ description: 'First instant after the period' }),
    fromDate: CalendarDate(),
    toDate: CalendarDate({ description: 'Last day, inclusive' }),
    timeZone: Type.String(),
  }),
);

/** The report every format renders; `format=json` answers it as it is. */
export const TimeReportView = named(
  'TimeReport',
  Type.Object({
    title: Type.String(),
    organization: Type.Object({ id: Uuid, name: Type.String() }),
    period: ReportPeriod,
    groupBy: TimeReportQuery.properties.groupBy,
    scope: Type.Union([Type.Literal('organization'), Type.Literal('project'), Type.Literal('own')], {
      description: "Whose time is counted: the whole org's (admins), one managed project's, or only the caller's",
    }),
    filters: Type.Object({ projectId: Nullable(Uuid), userId: Nullable(Uuid), billable: Nullable(Type.Boolean()) }),
    filterLabels: Type.Array(Type.String(), { description: 'The filters in words, for the document formats ("Project: WEB Website")' }),
    currencies: Type.Array(Type.String(), { description: 'Every currency of the totals, sorted: one amount column each' }),
    rows: Type.Array(ReportRow),
    totals: ReportTotals,
    generatedAt: Timestamp(),
  }),
);

// A Media Type Object has no description of its own (OpenAPI 3.1): it goes on the schema.
const Binary = (description: string) => ({ schema: { type: 'string', format: 'binary', description } });

export const REPORT_MEDIA_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
} as const;

/** One 200 answer per format: JSON is validated and serialized; the others are files. */
export const TimeReportResponse = {
  description: 'The report, in the format asked for',
  content: {
    'application/json': { schema: TimeReportView },
    'text/csv': Binary('format=csv: header row, one row per group, a totals row'),
    [REPORT_MEDIA_TYPES.xlsx]: Binary('format=xlsx: an Excel workbook'),
    'application/pdf': Binary('format=pdf: a printable document'),
  },
};

const BurnWeek = named(
  'BudgetBurnWeek',
  Type.Object({
    week: CalendarDate({ description: 'First day of the week, in the organization time zone' }),
    seconds: Type.Integer(),
    roundedSeconds: Type.Integer(),
    hours: Type.Number({ description: 'Rounded hours of the week' }),
    amountMinor: Type.Integer({ description: 'Billable amount of the week in the budget currency' }),
    cumulativeHours: Type.Number(),
    cumulativeAmountMinor: Type.Integer(),
  }),
);

const BudgetHours = named(
  'BudgetHours',
  Type.Object({
    spent: Type.Number({ description: 'Recorded hours' }),
    spentRounded: Type.Number({ description: 'Hours after rounding: what counts against the budget' }),
    budget: Nullable(Type.Number()),
    remaining: Nullable(Type.Number({ description: 'Budget minus rounded hours (negative when over)' })),
    percent: Nullable(Type.Number({ description: 'Rounded hours as a percentage of the budget' })),
  }),
);

const BudgetMoney = named(
  'BudgetMoney',
  Type.Object({
    currency: Type.String(),
    spentMinor: Type.Integer({ description: 'Billable amount in the budget currency' }),
    budgetMinor: Nullable(Type.Integer()),
    remainingMinor: Nullable(Type.Integer()),
    percent: Nullable(Type.Number()),
    otherCurrencies: Type.Array(Amount, { description: 'Amounts of entries in other currencies, not counted against the budget' }),
  }),
);

export const BudgetView = named(
  'ProjectBudget',
  Type.Object({
    project: Type.Object({ id: Uuid, name: Type.String(), key: Type.String(), status: Type.String() }),
    timeZone: Type.String(),
    hours: BudgetHours,
    money: BudgetMoney,
    burn: Type.Array(BurnWeek),
    generatedAt: Timestamp(),
  }),
);

export const ExportResponse = {
  description: 'A ZIP archive: project.json (the project and its tasks), tasks.csv and time-entries.csv',
  content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
};

export const FileResponse = {
  description: 'The report file, in the format it was requested in',
  content: {
    // The media type; the answer adds `; charset=utf-8` as its parameter (as every CSV answer).
    'text/csv': Binary('a CSV file'),
    [REPORT_MEDIA_TYPES.xlsx]: Binary('an Excel workbook'),
    [REPORT_MEDIA_TYPES.pdf]: Binary('a printable document'),
  },
};
