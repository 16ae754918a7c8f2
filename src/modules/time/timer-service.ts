// Timers: a running timer is an entry with no end, open-ended for the overlap check. At
// most one runs per user and org (entries_one_timer_idx); starting one stops the one that
// runs, which then becomes an ordinary entry under the same rules as any other.
import { TimeProblems } from './problems.ts';
import type { Executor } from '../../core/db/database.ts';
import type { BudgetCheck } from './budget.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { TimeContext, TimeDeps } from './service.ts';
import type { EntriesService } from './entries-service.ts';
import { newEntryRow } from './entries-service.ts';
import { assertNoOverlap, assertOpen, lockUsers, mapConstraintError } from './guards.ts';
import { entries } from './repository.ts';
import { truncateToSecond } from './rules.ts';
import type { EntryRow } from './tables.ts';
import { entryFacts, type TimeEntryView } from './views.ts';

export interface StartTimerInput {
  projectId: string;
  taskId?: string;
  description?: string;
  billable?: boolean;
  tags?: string[];
}

const noTimer = () => TimeProblems.noTimer.error('Running timer not found');

export function createTimerService(deps: TimeDeps, ctx: TimeContext, entriesService: EntriesService, checkBudget: BudgetCheck) {
  const { db, orgs, projects, events, clock } = deps;

  /**
   * Stops `timer` at `now` inside `tx` (the user's lock is held). The lock date and approved
   * periods apply as to any edit. An archived project does not: finishing a record is not
   * editing history, and refusing would leave the user with a timer nothing can stop.
   */
  async function stopIn(tx: Executor, actor: Actor, orgId: string, timezone: string, timer: EntryRow, now: Date): Promise<EntryRow> {
    await assertOpen(tx, orgId, timezone, [{ userId: timer.user_id, start: timer.start_at }]);
    // A clock that went backwards must not make a negative entry.
    const end = now.getTime() < timer.start_at.getTime() ? timer.start_at : now;
    await assertNoOverlap(tx, orgId, timer.user_id, { start: timer.start_at, end }, timer.id);
    const stopped = (await entries.update(tx, orgId, timer.id, { end_at: end }))!;
    await events.publish(tx, 'time.timer_stopped', entryFacts(stopped), { actor, orgId });
    await checkBudget.check(tx, orgId, await projects.getProject(orgId, timer.project_id, tx), { actor, orgId });
    return stopped;
  }

  /** Runs `fn` in a transaction that holds the user's lock, with the running timer read under it. */
  function withRunning<T>(orgId: string, userId: string, fn: (tx: Executor, running: EntryRow | null) => Promise<T>): Promise<T> {
    return db
      .transaction()
      .execute(async (tx) => {
        await lockUsers(tx, orgId, [userId]);
        return fn(tx, (await entries.runningTimer(tx, orgId, userId)) ?? null);
      })
      .catch((err) => {
        throw mapConstraintError(err);
      });
  }

  async function start(actor: Actor, orgId: string, input: StartTimerInput): Promise<{ timer: TimeEntryView; stopped: TimeEntryView | null }> {
    const { principal } = actor;
    const userId = principal.userId;
    await orgs.assertRole(principal, orgId, 'member');
    const project = await ctx.writableProject(principal, orgId, input.projectId, false);
    if (input.taskId) await ctx.assertTask(orgId, project.id, input.taskId);
    const now = truncateToSecond(clock.now());
    const result = await withRunning(orgId, userId, async (tx, running) => {
      const org = await ctx.orgInfo(orgId, tx);
      const stopped = running ? await stopIn(tx, actor, orgId, org.timezone, running, now) : null;
      await assertOpen(tx, orgId, org.timezone, [{ userId, start: now }]);
      await assertNoOverlap(tx, orgId, userId, { start: now, end: null });
      const rate = await entriesService.snapshotRate(tx, orgId, project, userId, org.currency);
      const timer = await entries.insert(tx, newEntryRow(orgId, userId, project, input, { start: now, end: null }, rate, userId));
      await events.publish(
        tx,
        'time.timer_started',
        { entryId: timer.id, userId, projectId: timer.project_id, taskId: timer.task_id, start: timer.start_at.toISOString() },
        { actor, orgId },
      );
      return { timer, stopped };
    });
    return {
      timer: await entriesService.view(orgId, result.timer),
      stopped: result.stopped ? await entriesService.view(orgId, result.stopped) : null,
    };
  }

  async function stop(actor: Actor, orgId: string): Promise<TimeEntryView> {
    const userId = actor.principal.userId;
    await orgs.assertRole(actor.principal, orgId, 'member');
    const now = truncateToSecond(clock.now());
    const stopped = await withRunning(orgId, userId, async (tx, running) => {
      if (!running) throw noTimer();
      return stopIn(tx, actor, orgId, (await ctx.orgInfo(orgId, tx)).timezone, running, now);
    });
    return entriesService.view(orgId, stopped);
  }

  async function current(actor: Actor, orgId: string): Promise<TimeEntryView> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const running = await entries.runningTimer(db, orgId, actor.principal.userId);
    if (!running) throw noTimer();
    return entriesService.view(orgId, running);
  }

  return { start, stop, current };
}

export type TimerService = ReturnType<typeof createTimerService>;

