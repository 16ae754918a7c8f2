// Timesheets: a member submits a period (ISO week or month, in the org's zone); an org
// admin or a manager of a project the timesheet has entries in approves or rejects it. An
// approved period locks that user's entries in it; a rejected one can be edited and resubmitted.
import { uuidv7 } from 'uuidv7';
import { TimeProblems } from './problems.ts';
import { decodeCursor, isUuidKey, toPage } from '../../core/http/pagination.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { OrgRole } from '../organizations/index.ts';
import type { Actor } from '../../core/context/actor.ts';
import { isAdmin } from './rules.ts';
import type { TimeContext, TimeDeps } from './service.ts';
import { parsePeriod } from './periods.ts';
import { entries } from './repository.ts';
import type { TimesheetsTable } from './tables.ts';
import { timesheets } from './timesheet-repository.ts';
import { toTimesheetView } from './views.ts';

const timesheetNotFound = () => TimeProblems.timesheetNotFound.error('Timesheet not found');

export interface ListTimesheetsQuery {
  status?: TimesheetsTable['status'];
  userId?: string;
  period?: string;
  cursor?: string;
  limit: number;
}

export function createTimesheetsService(deps: TimeDeps, ctx: TimeContext) {
  const { db, orgs, projects, events, clock } = deps;

  /** Projects with entries in the org that the user manages (a few façade calls, in parallel). */
  async function managedProjects(userId: string, orgId: string): Promise<string[]> {
    const ids = await entries.projectIds(db, orgId);
    const roles = await Promise.all(ids.map((id) => projects.projectRole(userId, orgId, id)));
    return ids.filter((_, i) => roles[i] === 'manager');
  }

  async function submit(actor: Actor, orgId: string, periodKey: string) {
    const userId = actor.principal.userId;
    await orgs.assertRole(actor.principal, orgId, 'member');
    const period = await db.transaction().execute(async (tx) => {
      await entries.lockUser(tx, orgId, userId);
      const period = parsePeriod(periodKey, (await ctx.orgInfo(orgId, tx)).timezone);
      const existing = await timesheets.get(tx, orgId, userId, period.key);
      if (existing?.status === 'approved') {
        throw TimeProblems.periodApproved.error(`The timesheet for ${period.key} is already approved`, { details: { period: period.key } });
      }
      if (await entries.timerInPeriod(tx, orgId, userId, period.start, period.end)) {
        throw TimeProblems.timerRunning.error('A timer is running in this period: stop it before submitting');
      }
      const { id } = await timesheets.submit(tx, {
        id: uuidv7(),
        org_id: orgId,
        user_id: userId,
        period: period.key,
        period_start: period.start,
        period_end: period.end,
        submitted_at: clock.now(),
      });
      await events.publish(
        tx,
        'time.timesheet_submitted',
        { timesheetId: id, userId, period: period.key, start: period.start.toISOString(), end: period.end.toISOString() },
        { actor, orgId },
      );
      return period;
    });
    return toTimesheetView((await timesheets.get(db, orgId, userId, period.key))!);
  }

  /** Org admins see all; others their own, and those with entries in projects they manage. */
  async function list(actor: Actor, orgId: string, query: ListTimesheetsQuery) {
    const { principal } = actor;
    const role = await orgs.assertRole(principal, orgId, 'viewer');
    const visibleTo = isAdmin(role)
      ? null
      : { userId: principal.userId, projectIds: role === 'viewer' ? [] : await managedProjects(principal.userId, orgId) };
    const after = decodeCursor(query.cursor, isUuidKey);
    const rows = await timesheets.list(db, { orgId, ...query, visibleTo, after: after ? String(after[0]) : undefined });
    const page = toPage(rows, query.limit, (r) => [r.id]);
    return { data: page.data.map(toTimesheetView), page: page.page };
  }

  /**
   * Who may decide: an org admin, or a manager of a project the timesheet has entries in, but
   * not on their own timesheet. Someone who cannot see the timesheet gets 404.
   */
  async function assertApprover(principal: Principal, role: OrgRole, orgId: string, sheet: { user_id: string; period_start: Date; period_end: Date }) {
    if (isAdmin(role)) return;
    if (sheet.user_id === principal.userId) throw TimeProblems.selfApproval.error('You cannot approve or reject your own timesheet');
    const projectIds = await entries.projectsInPeriod(db, orgId, sheet.user_id, sheet.period_start, sheet.period_end);
    const roles = await Promise.all(projectIds.map((id) => projects.projectRole(principal.userId, orgId, id)));
    if (!roles.includes('manager')) throw timesheetNotFound();
  }

  async function decide(actor: Actor, orgId: string, periodKey: string, input: { userId: string; comment?: string }, decision: 'approved' | 'rejected') {
    const { principal } = actor;
    const role = await orgs.assertRole(principal, orgId, 'member');
    const period = parsePeriod(periodKey, 'UTC'); // validates the key; the stored instants are used
    const found = await timesheets.get(db, orgId, input.userId, period.key);
    if (!found) throw timesheetNotFound();
    // Rights first: someone who may not decide never waits for the user's lock.
    await assertApprover(principal, role, orgId, found);
    await db.transaction().execute(async (tx) => {
      // The user's lock orders a decision after any entry write of that user in flight.
      await entries.lockUser(tx, orgId, input.userId);
      const sheet = await timesheets.get(tx, orgId, input.userId, period.key);
      if (!sheet) throw timesheetNotFound();
      const allowed = decision === 'approved' ? ['submitted'] : ['submitted', 'approved'];
      if (!allowed.includes(sheet.status)) {
        throw TimeProblems.timesheetNotSubmitted.error(`The timesheet is ${sheet.status}: it cannot be ${decision}`, {
          details: { timesheetStatus: sheet.status },
        });
      }
      const comment = input.comment ?? null;
      await timesheets.decide(tx, orgId, sheet.id, { status: decision, decided_by: principal.userId, decided_at: clock.now(), comment });
      const payload = { timesheetId: sheet.id, userId: sheet.user_id, period: sheet.period, approverId: principal.userId, comment };
      if (decision === 'approved') await events.publish(tx, 'time.timesheet_approved', payload, { actor, orgId });
      else await events.publish(tx, 'time.timesheet_rejected', payload, { actor, orgId });
    });
    return toTimesheetView((await timesheets.get(db, orgId, input.userId, period.key))!);
  }

  return {
    submit,
    list,
    approve: (actor: Actor, orgId: string, period: string, input: { userId: string; comment?: string }) => decide(actor, orgId, period, input, 'approved'),
    reject: (actor: Actor, orgId: string, period: string, input: { userId: string; comment: string }) => decide(actor, orgId, period, input, 'rejected'),
  };
}

export type TimesheetsService = ReturnType<typeof createTimesheetsService>;
