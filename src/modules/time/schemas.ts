// The time API contract (TypeBox): params, bodies, queries and views.
import { type TSchema, Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time', description: 'RFC 3339 with an offset; stored in UTC, truncated to the second' });
const CalendarDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Minor = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Hourly rate in minor units (cents)' });
const Tag = Type.String({ minLength: 1, maxLength: 40, pattern: '\\S' });
const Tags = Type.Array(Tag, { maxItems: 20 });
const Description = Type.String({ maxLength: 2000 });
const Duration = Type.Integer({ minimum: 1, maximum: 31 * 86_400, description: 'Seconds; instead of end' });
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: "IANA zone for date boundaries; default: the org's" });
const Bound = Type.String({ maxLength: 40, description: 'A date (YYYY-MM-DD, in tz) or a date-time' });
const Period = Type.String({ pattern: '^\\d{4}-(W\\d{2}|\\d{2})$', description: 'ISO week (2026-W47) or month (2026-11), in the org time zone' });
const Mode = Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('nearest')]);
const Scope = Type.Union([Type.Literal('org'), Type.Literal('client'), Type.Literal('project')]);
const WeekStart = Type.Union([Type.Literal('monday'), Type.Literal('sunday')]);
const SheetStatus = Type.Union([Type.Literal('submitted'), Type.Literal('approved'), Type.Literal('rejected')]);

export const OrgParams = Type.Object({ orgId: Uuid });
export const EntryParams = Type.Object({ orgId: Uuid, entryId: Uuid });
export const MemberParams = Type.Object({ orgId: Uuid, userId: Uuid });
export const RuleParams = Type.Object({ orgId: Uuid, ruleId: Uuid });
export const PeriodParams = Type.Object({ orgId: Uuid, period: Period });

export const EntryView = Type.Object({
  id: Uuid,
  orgId: Uuid,
  userId: Uuid,
  projectId: Uuid,
  taskId: Nullable(Uuid),
  start: DateTime,
  end: Nullable(DateTime),
  durationSeconds: Nullable(Type.Integer({ description: 'end − start; null while the timer runs' })),
  roundedSeconds: Nullable(Type.Integer({ description: "The duration after the project's effective rounding rule" })),
  description: Type.String(),
  billable: Type.Boolean(),
  tags: Type.Array(Type.String()),
  hourlyRateMinor: Nullable(Type.Integer({ description: 'The rate resolved when the entry was written' })),
  currency: Type.String(),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const CreateEntryBody = Type.Object({
  projectId: Uuid,
  taskId: Type.Optional(Uuid),
  userId: Type.Optional(Type.String({ format: 'uuid', description: "Someone else's entry (project managers and org admins)" })),
  start: DateTime,
  end: Type.Optional(DateTime),
  durationSeconds: Type.Optional(Duration),
  description: Type.Optional(Description),
  billable: Type.Optional(Type.Boolean({ description: "Default: the project's billableDefault" })),
  tags: Type.Optional(Tags),
});

export const UpdateEntryBody = Type.Object({
  projectId: Type.Optional(Uuid),
  taskId: Type.Optional(Nullable(Uuid)),
  userId: Type.Optional(Uuid),
  start: Type.Optional(DateTime),
  end: Type.Optional(DateTime),
  durationSeconds: Type.Optional(Duration),
  description: Type.Optional(Description),
  billable: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Tags),
});

export const ListEntriesQuery = Type.Object({
  userId: Type.Optional(Uuid),
  projectId: Type.Optional(Uuid),
  taskId: Type.Optional(Uuid),
  from: Type.Optional(Bound),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'Exclusive date-time, or a date whose whole day is included' })),
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

export const StartTimerResponse = Type.Object({
  timer: EntryView,
  stopped: Nullable(EntryView),
});

export const SettingsView = Type.Object({
  lockDate: Nullable(CalendarDate),
  hourlyRateMinor: Nullable(Type.Integer()),
  weekStartsOn: WeekStart,
  currency: Type.String({ description: "The organization's currency" }),
  timeZone: Type.String({ description: "The organization's time zone" }),
});

export const SettingsPatch = Type.Object({
  lockDate: Type.Optional(Nullable(CalendarDate)),
  hourlyRateMinor: Type.Optional(Nullable(Minor)),
  weekStartsOn: Type.Optional(WeekStart),
});

export const RateBody = Type.Object({ hourlyRateMinor: Minor });
export const RateView = Type.Object({ userId: Uuid, hourlyRateMinor: Type.Integer(), updatedAt: DateTime });
export const RateList = Type.Object({ data: Type.Array(RateView) });

export const RuleBody = Type.Object({
  scope: Scope,
  target: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Client name or project id; omitted for the org rule' })),
  minutes: Type.Integer({ minimum: 1, maximum: 60 }),
  mode: Mode,
});
export const RuleView = Type.Object({
  id: Uuid,
  scope: Scope,
  target: Nullable(Type.String()),
  minutes: Type.Integer(),
  mode: Mode,
  createdAt: DateTime,
  updatedAt: DateTime,
});
export const RuleList = Type.Object({ data: Type.Array(RuleView) });

export const TimesheetView = Type.Object({
  id: Uuid,
  orgId: Uuid,
  userId: Uuid,
  period: Type.String(),
  start: DateTime,
  end: DateTime,
  status: SheetStatus,
  entries: Type.Integer({ description: 'Finished entries of the user in the period' }),
  durationSeconds: Type.Integer(),
  submittedAt: DateTime,
  decidedAt: Nullable(DateTime),
  decidedBy: Nullable(Uuid),
  comment: Nullable(Type.String()),
});

export const ListTimesheetsQuery = Type.Object({
  status: Type.Optional(SheetStatus),
  userId: Type.Optional(Uuid),
  period: Type.Optional(Period),
  ...PageQuery,
});

export const ApproveBody = Type.Object({ userId: Uuid, comment: Type.Optional(Type.String({ maxLength: 2000 })) });
export const RejectBody = Type.Object({ userId: Uuid, comment: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }) });
