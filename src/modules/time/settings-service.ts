// Org time settings (lock date, default rate, week start), member rates and rounding rules.
// Everyone in the org reads them; admins and owners change them.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import { invalid, } from '../../core/errors.ts';
import { TimeProblems } from './problems.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { TimeContext, TimeDeps } from './service.ts';
import { parseDate } from './periods.ts';
import type { RateView, RuleView, SettingsView } from './schemas.ts';
import { memberRates, roundingRules, settings } from './settings-repository.ts';
import type { RoundingRuleRow } from './tables.ts';

export interface SettingsPatch {
  lockDate?: string | null;
  hourlyRateMinor?: number | null;
  weekStartsOn?: 'monday' | 'sunday';
}

export interface RoundingRuleInput {
  scope: 'org' | 'client' | 'project';
  target?: string;
  minutes: number;
  mode: 'up' | 'down' | 'nearest';
}

export const toRuleView = (r: RoundingRuleRow): Static<typeof RuleView> => ({
  id: r.id,
  scope: r.scope,
  target: r.scope === 'org' ? null : r.target,
  minutes: r.minutes,
  mode: r.mode,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const rateView = (r: { userId: string; hourlyRateMinor: number; updatedAt: Date }): Static<typeof RateView> => ({ ...r, updatedAt: r.updatedAt.toISOString() });

export function createSettingsService(deps: TimeDeps, ctx: TimeContext) {
  const { db, orgs, projects } = deps;

  /** The settings with the org's currency and zone, which the organizations module owns. */
  async function view(orgId: string, exec: Executor = db): Promise<Static<typeof SettingsView>> {
    // In parallel on the pool; one after the other on a caller's transaction (one connection).
    const [s, org] = exec === db ? await Promise.all([settings.get(db, orgId), ctx.orgInfo(orgId)]) : [await settings.get(exec, orgId), await ctx.orgInfo(orgId, exec)];
    return { ...s, currency: org.currency, timeZone: org.timezone };
  }

  async function get(actor: Actor, orgId: string) {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    return view(orgId);
  }

  async function update(actor: Actor, orgId: string, patch: SettingsPatch) {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    if (patch.lockDate && !parseDate(patch.lockDate)) throw invalid('body.lockDate', 'is not a calendar date');
    await db.transaction().execute(async (tx) => {
      const current = await settings.get(tx, orgId);
      await settings.put(tx, orgId, {
        lockDate: patch.lockDate !== undefined ? patch.lockDate : current.lockDate,
        hourlyRateMinor: patch.hourlyRateMinor !== undefined ? patch.hourlyRateMinor : current.hourlyRateMinor,
        weekStartsOn: patch.weekStartsOn ?? current.weekStartsOn,
      });
    });
    return view(orgId);
  }

  async function listRates(actor: Actor, orgId: string) {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    return { data: (await memberRates.list(db, orgId)).map(rateView) };
  }

  async function putRate(actor: Actor, orgId: string, userId: string, hourlyRateMinor: number) {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    if (!(await orgs.roleOf(userId, orgId))) throw TimeProblems.memberNotFound.error('Member not found');
    return rateView(await memberRates.put(db, orgId, userId, hourlyRateMinor));
  }

  async function deleteRate(actor: Actor, orgId: string, userId: string) {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    if (!(await memberRates.delete(db, orgId, userId))) throw TimeProblems.rateNotFound.error('Member rate not found');
  }

  async function listRules(actor: Actor, orgId: string) {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    return { data: (await roundingRules.list(db, orgId)).map(toRuleView) };
  }

  /** Creates or replaces the rule of (scope, target). */
  async function putRule(actor: Actor, orgId: string, input: RoundingRuleInput) {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    let target = input.target?.trim() ?? '';
    if (input.scope === 'org' && target) throw invalid('body.target', 'must be omitted for the org rule');
    if (input.scope !== 'org' && !target) throw invalid('body.target', `is required for a ${input.scope} rule`);
    if (input.scope === 'project') {
      target = target.toLowerCase();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(target) || !(await projects.getProject(orgId, target))) {
        throw TimeProblems.unknownProject.error('The target is not a project of this organization', {
          errors: [{ field: 'body.target', message: 'is not a project of this organization' }],
        });
      }
    }
    const row = await roundingRules.upsert(db, { id: uuidv7(), org_id: orgId, scope: input.scope, target, minutes: input.minutes, mode: input.mode });
    return toRuleView(row);
  }

  async function deleteRule(actor: Actor, orgId: string, ruleId: string) {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    if (!(await roundingRules.delete(db, orgId, ruleId))) throw TimeProblems.ruleNotFound.error('Rounding rule not found');
  }

  return { get, update, view, listRates, putRate, deleteRate, listRules, putRule, deleteRule };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
