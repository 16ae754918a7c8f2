// Rows to API views (their types are the schemas': schemas.ts).
import type { Static } from 'typebox';
import { durationSeconds, type RoundingRule, roundSeconds } from './rules.ts';
import type { EntryView, TimesheetView as TimesheetSchema } from './schemas.ts';
import type { EntryRow, TimesheetRow } from './tables.ts';

export type TimeEntryView = Static<typeof EntryView>;
export type TimesheetView = Static<typeof TimesheetSchema>;

export function toEntryView(r: EntryRow, rule: RoundingRule | null): TimeEntryView {
  const seconds = durationSeconds({ start: r.start_at, end: r.end_at });
  return {
    id: r.id,
    orgId: r.org_id,
    userId: r.user_id,
    projectId: r.project_id,
    taskId: r.task_id,
    start: r.start_at.toISOString(),
    end: r.end_at ? r.end_at.toISOString() : null,
    durationSeconds: seconds,
    roundedSeconds: seconds === null ? null : roundSeconds(seconds, rule),
    description: r.description,
    billable: r.billable,
    tags: r.tags,
    hourlyRateMinor: r.hourly_rate_minor,
    currency: r.currency,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export const entryFacts = (r: EntryRow) => ({
  entryId: r.id,
  userId: r.user_id,
  projectId: r.project_id,
  taskId: r.task_id,
  start: r.start_at.toISOString(),
  end: r.end_at ? r.end_at.toISOString() : null,
  durationSeconds: durationSeconds({ start: r.start_at, end: r.end_at }),
  billable: r.billable,
});

export function toTimesheetView(t: TimesheetRow & { entries: number; duration_seconds: number }): TimesheetView {
  return {
    id: t.id,
    orgId: t.org_id,
    userId: t.user_id,
    period: t.period,
    start: t.period_start.toISOString(),
    end: t.period_end.toISOString(),
    status: t.status,
    entries: Number(t.entries),
    durationSeconds: Number(t.duration_seconds),
    submittedAt: t.submitted_at.toISOString(),
    decidedAt: t.decided_at ? t.decided_at.toISOString() : null,
    decidedBy: t.decided_by,
    comment: t.comment,
  };
}
