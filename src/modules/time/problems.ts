// The time module's problems (decision 0028): each code once, with the members it adds. Services
// throw them with `.error()`; routes list the ones they can answer (`config.problems`).
import { Type } from 'typebox';
import { defineProblem } from '../../core/errors.ts';

const Instant = Type.String({ format: 'date-time' });

export const TimeProblems = {
  entryNotFound: defineProblem('not_found', 'TIME.ENTRY_NOT_FOUND', 'No such time entry, or not one you may see.'),
  noTimer: defineProblem('not_found', 'TIME.NO_TIMER', 'You have no running timer in this organization.'),
  memberNotFound: defineProblem('not_found', 'TIME.MEMBER_NOT_FOUND', 'The user is not a member of this organization.'),
  rateNotFound: defineProblem('not_found', 'TIME.RATE_NOT_FOUND', 'The member has no hourly rate of their own.'),
  ruleNotFound: defineProblem('not_found', 'TIME.RULE_NOT_FOUND', 'No such rounding rule.'),
  timesheetNotFound: defineProblem('not_found', 'TIME.TIMESHEET_NOT_FOUND', 'No timesheet of that member for that period.'),
  notAMember: defineProblem('validation', 'TIME.NOT_A_MEMBER', 'The `userId` given is not a member of this organization.'),
  taskNotInProject: defineProblem('validation', 'TIME.TASK_NOT_IN_PROJECT', 'The `taskId` given is not a task of the project.'),
  unknownProject: defineProblem('validation', 'TIME.UNKNOWN_PROJECT', 'The rule targets a project that is not in this organization.'),
  invalidRange: defineProblem('validation', 'TIME.INVALID_RANGE', 'The end is not after the start.'),
  invalidPeriod: defineProblem('validation', 'TIME.INVALID_PERIOD', 'The period is not an ISO week (`2026-W47`) or a month (`2026-11`).'),
  selfApproval: defineProblem('forbidden', 'TIME.SELF_APPROVAL', 'Nobody approves or rejects their own timesheet.'),
  entryOverlap: defineProblem('conflict', 'TIME.ENTRY_OVERLAP', "The entry overlaps other entries of the same user: `clashes` lists them; move or shorten one.", {
    extensions: {
      clashes: Type.Array(
        Type.Object({ id: Type.String({ format: 'uuid' }), start: Instant, end: Type.Union([Instant, Type.Null()], { description: 'null: a running timer' }) }),
        { description: 'The entries it overlaps' },
      ),
    },
  }),
  locked: defineProblem('conflict', 'TIME.LOCKED', 'Entries that start before the lock date are read-only.', {
    extensions: { lockDate: Type.String({ format: 'date', description: 'The first day still open' }) },
  }),
  periodApproved: defineProblem('conflict', 'TIME.PERIOD_APPROVED', "The timesheet of the period is approved: its entries are read-only until it is rejected.", {
    extensions: { period: Type.String({ description: 'The ISO week or month, e.g. 2026-W47 or 2026-11' }) },
  }),
  timesheetNotSubmitted: defineProblem('conflict', 'TIME.TIMESHEET_NOT_SUBMITTED', 'Only a submitted timesheet (or, to reject, an approved one) can be decided.', {
    extensions: { timesheetStatus: Type.Union([Type.Literal('submitted'), Type.Literal('approved'), Type.Literal('rejected')]) },
  }),
  timerRunning: defineProblem('conflict', 'TIME.TIMER_RUNNING', 'A running timer is in the way: stop it first.'),
  projectArchived: defineProblem('conflict', 'TIME.PROJECT_ARCHIVED', 'The project is archived: its entries are read-only.'),
};
