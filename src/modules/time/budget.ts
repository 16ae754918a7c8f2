// Budget thresholds: after each write, a project's spend is compared with its budget, and
// crossing 80 % or 100 % is announced once per (project, kind, threshold). The record of
// fired thresholds and the event go through the writing transaction: both or neither.
import type { Executor } from '../../core/db/database.ts';
import type { EventMeta } from '../../core/events/types.ts';
import type { ProjectSummary } from '../projects/index.ts';
import { aggregateSql } from './aggregate.ts';
import type { TimeContext, TimeDeps } from './service.ts';
import { budgetAlerts } from './settings-repository.ts';

const THRESHOLDS = [80, 100] as const;

export interface Crossing {
  kind: 'hours' | 'money';
  threshold: 80 | 100;
  spent: number;
  budget: number;
}

/** The thresholds reached by `spent` against `budget` (a budget of 0 or none has none). */
export function crossings(kind: 'hours' | 'money', spent: number, budget: number | null): Crossing[] {
  if (budget === null || budget <= 0) return [];
  return THRESHOLDS.filter((t) => spent * 100 >= budget * t).map((threshold) => ({ kind, threshold, spent, budget }));
}

export function createBudgetCheck(ctx: TimeContext, events: TimeDeps['events']) {
  /**
   * Runs inside the write's transaction `tx`, after the write, for the project written in
   * (null or no budget: nothing to do). The façades are read with `tx`, on its connection.
   */
  async function check(tx: Executor, orgId: string, project: ProjectSummary | null, meta: EventMeta): Promise<void> {
    if (!project || (project.budgetHours === null && project.budgetMinor === null)) return;
    const budgets = { hours: project.budgetHours, money: project.budgetMinor };
    const fired = await budgetAlerts.fired(tx, orgId, project.id);
    const open = (kind: 'hours' | 'money') => budgets[kind] !== null && THRESHOLDS.some((t) => !fired.has(`${kind}:${t}`));
    if (!open('hours') && !open('money')) return;

    const rule = (await ctx.rounding(tx, orgId)).forProject(project.id);
    const currency = project.currency ?? (await ctx.orgInfo(orgId, tx)).currency;
    const { totals } = await aggregateSql(tx, {
      orgId,
      projectId: project.id,
      groupBy: null,
      timeZone: 'UTC',
      weekStartsOn: 'monday',
      rules: rule ? [{ projectId: project.id, minutes: rule.minutes, mode: rule.mode }] : [],
      orgRule: null,
    });
    // Hours count every finished entry's raw duration; money counts billable rounded time at
    // the stored rates, in the project's budget currency only.
    const hours = totals.durationSeconds / 3600;
    const money = totals.amounts.find((a) => a.currency === currency)?.amountMinor ?? 0;
    const reached = [...crossings('hours', hours, budgets.hours), ...crossings('money', money, budgets.money)].filter(
      (c) => !fired.has(`${c.kind}:${c.threshold}`),
    );
    for (const c of reached) {
      const recorded = await budgetAlerts.record(tx, { org_id: orgId, project_id: project.id, kind: c.kind, threshold: c.threshold, spent: c.spent, budget: c.budget });
      if (recorded) {
        await events.publish(tx, 'time.budget_threshold_reached', { projectId: project.id, threshold: c.threshold, kind: c.kind, spent: c.spent, budget: c.budget }, meta);
      }
    }
  }

  return { check };
}

export type BudgetCheck = ReturnType<typeof createBudgetCheck>;
