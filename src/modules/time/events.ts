// Events the time module publishes. Payloads carry ids and the facts that changed; times
// are ISO strings in UTC, durations whole seconds. Entries, timers, timesheets and budgets
// are the org's business data: public, so its systems can follow them by webhook.
import { type Static, Type } from 'typebox';
import { defineEvents, Id, Instant, Nullable, OneOf, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const entryFields = {
  entryId: Id(),
  userId: Id('Whose time it is.'),
  projectId: Id(),
  taskId: Nullable(Id()),
  start: Instant(),
  end: Nullable(Instant()),
  durationSeconds: Nullable(Type.Integer({ minimum: 0 })),
  billable: Type.Boolean(),
};
const EntryFacts = Payload(entryFields);
export type EntryFacts = Static<typeof EntryFacts>;

const entry = { type: 'time_entry', field: 'entryId' } as const;
const timesheet = { type: 'timesheet', field: 'timesheetId' } as const;
const decision = Payload({ timesheetId: Id(), userId: Id(), period: Type.String(), approverId: Id(), comment: Nullable(Type.String()) });

export const timeEvents = defineEvents({
  'time.entry_created': { description: 'A time entry was logged.', schema: EntryFacts, version: 1, public: true, target: entry },
  'time.entry_updated': {
    description: 'A time entry changed; `fields` names what changed.',
    schema: Payload({ ...entryFields, fields: Type.Array(Type.String()) }),
    version: 1,
    public: true,
    target: entry,
  },
  'time.entry_deleted': { description: 'A time entry was deleted.', schema: EntryFacts, version: 1, public: true, target: entry },
  'time.timer_started': {
    description: 'A timer started: a running entry without an end.',
    schema: Payload({ entryId: Id(), userId: Id(), projectId: Id(), taskId: Nullable(Id()), start: Instant() }),
    version: 1,
    public: true,
    target: entry,
  },
  'time.timer_stopped': {
    description: 'A timer stopped: it is an entry from then on; no separate entry_created follows.',
    schema: EntryFacts,
    version: 1,
    public: true,
    target: entry,
  },
  'time.timesheet_submitted': {
    description: "A member submitted a period's timesheet for approval.",
    schema: Payload({ timesheetId: Id(), userId: Id(), period: Type.String(), start: Instant(), end: Instant() }),
    version: 1,
    public: true,
    target: timesheet,
  },
  'time.timesheet_approved': { description: 'A timesheet was approved.', schema: decision, version: 1, public: true, target: timesheet },
  'time.timesheet_rejected': { description: 'A timesheet was rejected, with the approver\'s comment.', schema: decision, version: 1, public: true, target: timesheet },
  'time.budget_threshold_reached': {
    description: "A project's logged time reached 80 % or 100 % of its budget. `spent` and `budget` are hours for kind 'hours', minor units of the project currency for 'money'.",
    schema: Payload({
      projectId: Id(),
      threshold: Type.Unsafe<80 | 100>({ type: 'integer', enum: [80, 100] }),
      kind: OneOf(['hours', 'money']),
      spent: Type.Number(),
      budget: Type.Number(),
    }),
    version: 1,
    public: true,
    target: { type: 'project', field: 'projectId' },
  },
});

export type TimeEvents = PayloadsOf<typeof timeEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends TimeEvents {}
}
