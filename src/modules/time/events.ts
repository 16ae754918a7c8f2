// Events the time module publishes. Payloads carry ids and the facts that changed; times
// are ISO strings in UTC, durations whole seconds.
export interface EntryFacts {
  entryId: string;
  userId: string;
  projectId: string;
  taskId: string | null;
  start: string;
  end: string | null;
  durationSeconds: number | null;
  billable: boolean;
}

export interface TimeEvents {
  'time.entry_created': EntryFacts;
  'time.entry_updated': EntryFacts & { fields: string[] };
  'time.entry_deleted': EntryFacts;
  'time.timer_started': { entryId: string; userId: string; projectId: string; taskId: string | null; start: string };
  /** A stopped timer is an entry from then on; no separate entry_created follows. */
  'time.timer_stopped': EntryFacts;
  'time.timesheet_submitted': { timesheetId: string; userId: string; period: string; start: string; end: string };
  'time.timesheet_approved': { timesheetId: string; userId: string; period: string; approverId: string; comment: string | null };
  'time.timesheet_rejected': { timesheetId: string; userId: string; period: string; approverId: string; comment: string | null };
  /** `spent` and `budget` are hours for kind 'hours', minor units of the project currency for 'money'. */
  'time.budget_threshold_reached': { projectId: string; threshold: 80 | 100; kind: 'hours' | 'money'; spent: number; budget: number };
}

declare module '../../core/events/types.ts' {
  interface EventMap extends TimeEvents {}
}
