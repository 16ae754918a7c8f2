// Monthly budgets of an organization and of its members, in tokens and/or money, and the check
// before each call: the call's worst case (its prompt, estimated, plus all the output it may
// write, at the price of the dearest model of its chain) must fit what is left of every budget
// that applies, counting what calls in flight have reserved. Check and reservation happen under
// the organization's advisory lock, so two calls at once cannot both pass a budget only one
// fits; the reservation is removed when the call ends, its usage row written by then.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { type Llm, LlmProblems } from '../../core/llm/index.ts';
import type { Clock } from '../../core/module.ts';
import { localParts, startOfLocalDay } from '../../core/time/zones.ts';
import { OrgProblems, type OrganizationsApi } from '../organizations/index.ts';
import type { OrgCache } from './org-cache.ts';
import { type BudgetRow, type BudgetScope, budgets, NO_USER, reservations } from './repository.ts';
import type { BudgetBody, BudgetsView } from './schemas.ts';

type BudgetsViewType = Static<typeof BudgetsView>;
type Limits = Static<typeof BudgetBody>;

/** A reservation lapses after this, should its process die before removing it. */
const RESERVATION_TTL_MS = 60 * 60 * 1000;

export interface Worst {
  tokens: number;
  costMicros: number;
}

export interface BudgetsDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  llm: Llm;
  cache: OrgCache;
}

/** An org with more budgets than this (one per member) is read per call, not kept whole in memory. */
const CACHED_BUDGETS_MAX = 200;

const limitOf = (value: string | number | null) => (value === null ? null : Number(value));

/** An amount in minor units, written in the currency's major units (`12.34 USD`, `1234 JPY`). */
export function formatMinor(minor: number, currency: string): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
}
const pad = (n: number) => String(n).padStart(2, '0');

export function createBudgets(deps: BudgetsDeps) {
  const { db, events, clock, orgs, llm, cache } = deps;

  /** The calendar month now in the org's zone: when it began and when it resets. */
  async function monthOf(orgId: string, exec: Executor = db) {
    const timeZone = (await orgs.getOrganization(orgId, exec))?.timezone ?? 'UTC';
    const now = localParts(clock.now(), timeZone);
    const next = now.month === 12 ? { year: now.year + 1, month: 1 } : { year: now.year, month: now.month + 1 };
    return { timeZone, month: `${now.year}-${pad(now.month)}`, since: startOfLocalDay(now.year, now.month, 1, timeZone), resetsAt: startOfLocalDay(next.year, next.month, 1, timeZone) };
  }

  /** Recorded usage since `since` plus live reservations: what counts against a budget. */
  async function spent(exec: Executor, orgId: string, userId: string | undefined, since: Date, reserved: Worst) {
    const used = await llm.usage({ orgId, since, ...(userId ? { userId } : {}) }, exec);
    return { tokens: used.inputTokens + used.outputTokens + reserved.tokens, costMicros: used.costMicros + reserved.costMicros };
  }

  async function view(orgId: string): Promise<BudgetsViewType> {
    const { month, since, resetsAt } = await monthOf(orgId);
    const rows = await budgets.inOrg(db, orgId);
    const now = clock.now();
    const figures = async (userId?: string) => {
      const live = await reservations.live(db, orgId, userId ?? NO_USER, now);
      const s = await spent(db, orgId, userId, since, userId ? live.user : live.org);
      return { spentTokens: s.tokens, spentCostMinor: s.costMicros / 1e6 };
    };
    const limits = (r: BudgetRow | undefined) => ({ monthlyTokens: limitOf(r?.monthly_tokens ?? null), monthlyCostMinor: limitOf(r?.monthly_cost ?? null) });
    return {
      currency: llm.currency,
      month,
      resetsAt: resetsAt.toISOString(),
      org: { ...limits(rows.find((r) => r.scope === 'org')), ...(await figures()) },
      eachUser: limits(rows.find((r) => r.scope === 'each_user')),
      users: await Promise.all(rows.filter((r) => r.scope === 'user').map(async (r) => ({ userId: r.user_id, ...limits(r), ...(await figures(r.user_id)) }))),
    };
  }

  async function list(actor: Actor, orgId: string): Promise<BudgetsViewType> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    return view(orgId);
  }

  /** Sets a budget (both limits null: removes it). */
  async function set(actor: Actor, orgId: string, scope: BudgetScope, userId: string | null, limits: Limits): Promise<BudgetsViewType> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    if (userId && !(await orgs.roleOf(userId, orgId))) throw OrgProblems.memberNotFound.error('The user is not a member of this organization');
    const key = userId ?? NO_USER;
    await cache.change(db, { org: orgId }, async (tx) => {
      if (limits.monthlyTokens === null && limits.monthlyCostMinor === null) await budgets.delete(tx, orgId, scope, key);
      else await budgets.upsert(tx, { org_id: orgId, scope, user_id: key, monthly_tokens: limits.monthlyTokens, monthly_cost: limits.monthlyCostMinor, updated_by: actor.principal.userId, updated_at: clock.now() });
      await events.publish(tx, 'llm_admin.budget_changed', { orgId, scope, userId, monthlyTokens: limits.monthlyTokens, monthlyCostMinor: limits.monthlyCostMinor }, { actor, orgId });
    });
    return view(orgId);
  }

  /**
   * Reserves the call's worst case, or refuses it with LLM.BUDGET_EXCEEDED (429, Retry-After
   * until the month resets) naming the budget. Null when no budget applies (nothing reserved).
   */
  async function reserve(orgId: string, userId: string, worst: Worst): Promise<string | null> {
    const all = await cache.load('budgets', orgId, async () => {
      const rows = await budgets.inOrg(db, orgId);
      return rows.length > CACHED_BUDGETS_MAX ? null : rows;
    });
    const rows = all ? all.filter((r) => r.user_id === NO_USER || r.user_id === userId) : await budgets.applying(db, orgId, userId);
    const orgBudget = rows.find((r) => r.scope === 'org');
    const userBudget = rows.find((r) => r.scope === 'user' && r.user_id === userId) ?? rows.find((r) => r.scope === 'each_user');
    if (!orgBudget && !userBudget) return null;
    const { month, since, resetsAt } = await monthOf(orgId);
    return db.transaction().execute(async (tx) => {
      await reservations.lockOrg(tx, orgId);
      const now = clock.now();
      await reservations.deleteLapsed(tx, orgId, now);
      // Reservations first, then usage: a call that ends in between (its row written, then its
      // reservation removed) is then counted twice rather than not at all.
      const live = await reservations.live(tx, orgId, userId, now);
      const checks: [BudgetRow | undefined, 'organization' | 'user', string | undefined, Worst][] = [
        [orgBudget, 'organization', undefined, live.org],
        [userBudget, 'user', userId, live.user],
      ];
      for (const [budget, scope, who, reserved] of checks) {
        if (!budget) continue;
        const used = await spent(tx, orgId, who, since, reserved);
        const refuse = (unit: 'tokens' | 'money', limit: number, usedSoFar: number, requested: number) => {
          const left = Math.max(0, limit - usedSoFar);
          const whose = scope === 'organization' ? "the organization's" : 'your';
          const amount = (n: number) => (unit === 'tokens' ? `${Math.ceil(n).toLocaleString('en')} tokens` : formatMinor(n, llm.currency));
          throw LlmProblems.budgetExceeded.error(
            `This request could use up to ${amount(requested)}, and ${whose} budget for ${month} (${amount(limit)}) has ${amount(left)} left: ask for less, or wait until it resets`,
            { retryAfter: Math.max(1, Math.ceil((resetsAt.getTime() - now.getTime()) / 1000)), details: { budget: scope, unit, limit, remaining: left, requested, resetsAt: resetsAt.toISOString() } },
          );
        };
        const tokens = limitOf(budget.monthly_tokens);
        if (tokens !== null && used.tokens + worst.tokens > tokens) refuse('tokens', tokens, used.tokens, worst.tokens);
        const cost = limitOf(budget.monthly_cost);
        if (cost !== null && used.costMicros + worst.costMicros > cost * 1e6) refuse('money', cost, used.costMicros / 1e6, worst.costMicros / 1e6);
      }
      const id = uuidv7();
      await reservations.insert(tx, { id, org_id: orgId, user_id: userId, tokens: worst.tokens, cost_micros: worst.costMicros, expires_at: new Date(now.getTime() + RESERVATION_TTL_MS) });
      return id;
    });
  }

  /** The call ended (its usage recorded): what it reserved no longer counts. */
  async function release(id: string | null): Promise<void> {
    if (id) await reservations.delete(db, id);
  }

  return { list, set, reserve, release, monthOf };
}

export type Budgets = ReturnType<typeof createBudgets>;
