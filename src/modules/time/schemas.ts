// The time API contract (TypeBox): params, bodies, queries and views.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { CalendarDate as calendarDate, DateOrTimestamp, Line, named, Nullable, Text, Timestamp, Uuid as uuid, WeekOrMonth, type YearRange } from '../../core/http/schema-types.ts';

/**
 * The years time may be recorded in: entries, timers, timesheet periods, lock dates, list bounds.
 * Wide for any real record, narrow enough that a week or a month of calendar arithmetic around
 * any of them (an entry's 31 days, a period's end, a report's buckets) stays far inside the
 * calendar, where a value of year 9999 broke lists and reports.
 */
export const ENTRY_YEARS: YearRange = { min: 1970, max: 2999 };

const Uuid = uuid();
const Instant = Timestamp();
const EntryTime = Timestamp({ years: ENTRY_YEARS, description: 'Stored in UTC, truncated to the second' });
const CalendarDate = calendarDate({ years: ENTRY_YEARS });
const Minor = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Hourly rate in minor units (cents)' });
const Tag = Line(40);
const Tags = Type.Array(Tag, { maxItems: 20 });
const Description = Text(2000);
const Duration = Type.Integer({ minimum: 1, maximum: 31 * 86_400, description: 'Seconds; instead of end' });
const TimeZone = Line(64, { description: "IANA zone for date boundaries; default: the org's" });
const Bound = (description: string) => DateOrTimestamp({ years: ENTRY_YEARS, description });
const Period = WeekOrMonth({ years: ENTRY_YEARS, description: 'In the org time zone' });
const Mode = Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('nearest')]);
const Scope = Type.Union([Type.Literal('org'), Type.Literal('client'), Type.Literal('project')]);
const WeekStart = Type.Union([Type.Literal('monday'), Type.Literal('sunday')]);
const SheetStatus = Type.Union([Type.Literal('submitted'), Type.Literal('approved'), Type.Literal('rejected')]);

export const OrgParams = Type.Object({ orgId: Uuid });
export const EntryParams = Type.Object({ orgId: Uuid, entryId: Uuid });
export const MemberParams = Type.Object({ orgId: Uuid, userId: Uuid });
export const RuleParams = Type.Object({ orgId: Uuid, ruleId: Uuid });
export const PeriodParams = Type.Object({ orgId: Uuid, period: Period });

export const EntryView = named(
  'TimeEntry',
  Type.Object({
    id: Uuid,
    orgId: Uuid,
    userId: Uuid,
    projectId: Uuid,
    taskId: Nullable(Uuid),
    start: Instant,
    end: Nullable(Instant),
    durationSeconds: Nullable(Type.Integer({ description: 'end − start; null while the timer runs' })),
    roundedSeconds: Nullable(Type.Integer({ description: "The duration after the project's effective rounding rule" })),
    description: Type.String(),
    billable: Type.Boolean(),
    tags: Type.Array(Type.String()),
    hourlyRateMinor: Nullable(Type.Integer({ description: 'The rate resolved when the entry was written' })),
    currency: Type.String(),
    createdAt: Instant,
    updatedAt: Instant,
  }),
);

export const CreateEntryBody = Type.Object({
  projectId: Uuid,
  taskId: Type.Optional(Uuid),
  userId: Type.Optional(uuid("Someone else's entry (project managers and org admins)")),
  start: EntryTime,
  end: Type.Optional(EntryTime),
  durationSeconds: Type.Optional(Duration),
  description: Type.Optional(Description),
  billable: Type.Optional(Type.Boolean({ description: "Default: the project's billableDefault" })),
  tags: Type.Optional(Tags),
});

export const UpdateEntryBody = Type.Object({
  projectId: Type.Optional(Uuid),
  taskId: Type.Optional(Nullable(Uuid)),
  userId: Type.Optional(Uuid),
  start: Type.Optional(EntryTime),
  end: Type.Optional(EntryTime),
  durationSeconds: Type.Optional(Duration),
  description: Type.Optional(Description),
  billable: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Tags),
});

export const ListEntriesQuery = Type.Object({
  userId: Type.Optional(Uuid),
  projectId: Type.Optional(Uuid),
  taskId: Type.Optional(Uuid),
  from: Type.Optional(Bound('Inclusive: a date-time, or a date from whose start on')),
  to: Type.Optional(Bound('Exclusive date-time, or a date whose whole day is included')),
  tz: Type.Optional(TimeZone),
  billable: Type.Optional(Type.Boolean()),
  tag: Type.Optional(Tag),
  ...PageQuery,
});

export const StartTimerBody = Type.Object({
  projectId: Uuid,
  taskId: Type.Optional(Uuid),
  description: Type.Optional(Description),
  billable: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Tags),
});

/** The running timer (an entry without end) and the one it stopped, if any. */
export const StartTimerResponse = named(
  'TimerStart',
  Type.Object({
    timer: EntryView,
    stopped: Nullable(EntryView),
  }),
);

export const SettingsView = named(
  'TimeSettings',
  Type.Object({
    lockDate: Nullable(CalendarDate),
    hourlyRateMinor: Nullable(Type.Integer()),
    weekStartsOn: WeekStart,
    currency: Type.String({ description: "The organization's currency" }),
    timeZone: Type.String({ description: "The organization's time zone" }),
  }),
);

export const SettingsPatch = Type.Object({
  lockDate: Type.Optional(Nullable(CalendarDate)),
  hourlyRateMinor: Type.Optional(Nullable(Minor)),
  weekStartsOn: Type.Optional(WeekStart),
});

export const RateBody = Type.Object({ hourlyRateMinor: Minor });
export const RateView = named('MemberRate', Type.Object({ userId: Uuid, hourlyRateMinor: Type.Integer(), updatedAt: Instant }));
export const RateList = named('MemberRateList', Type.Object({ data: Type.Array(RateView) }));

export const RuleBody = Type.Object({
  scope: Scope,
  target: Type.Optional(Line(200, { blank: true, description: 'Client name or project id; omitted for the org rule' })),
  minutes: Type.Integer({ minimum: 1, maximum: 60 }),
  mode: Mode,
});
export const RuleView = named(
  'RoundingRule',
  Type.Object({
    id: Uuid,
    scope: Scope,
    target: Nullable(Type.String()),
    minutes: Type.Integer(),
    mode: Mode,
    createdAt: Instant,
    updatedAt: Instant,
  }),
);
export const RuleList = named('RoundingRuleList', Type.Object({ data: Type.Array(RuleView) }));

export const TimesheetView = named(
  'Timesheet',
  Type.Object({
    id: Uuid,
    orgId: Uuid,
    userId: Uuid,
    period: Type.String(),
    start: Instant,
    end: Instant,
    status: SheetStatus,
    entries: Type.Integer({ description: 'Finished entries of the user in the period' }),
    durationSeconds: Type.Integer(),
    submittedAt: Instant,
    decidedAt: Nullable(Instant),
    decidedBy: Nullable(Uuid),
    comment: Nullable(Type.String()),
  }),
);

export const ListTimesheetsQuery = Type.Object({
  status: Type.Optional(SheetStatus),
  userId: Type.Optional(Uuid),
  period: Type.Optional(Period),
  ...PageQuery,
});

export const ApproveBody = Type.Object({ userId: Uuid, comment: Type.Optional(Text(2000)) });
export const RejectBody = Type.Object({ userId: Uuid, comment: Text(2000, { minLength: 1, blank: false }) });
