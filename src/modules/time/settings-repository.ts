// SQL of the org-level configuration: settings, member rates, rounding rules, and the
// budget alerts already fired. Every query filters by org_id.
import { sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import { q, type RoundingRuleRow } from './tables.ts';

export interface SettingsValues {
  lockDate: string | null;
  hourlyRateMinor: number | null;
  weekStartsOn: 'monday' | 'sunday';
}

export const DEFAULT_SETTINGS: SettingsValues = { lockDate: null, hourlyRateMinor: null, weekStartsOn: 'monday' };

export const settings = {
  get: async (db: Executor, orgId: string): Promise<SettingsValues> => {
    const row = await q(db)
      .selectFrom('time_tracking.settings')
      // A date column would come back as a Date at local midnight: read it as text.
      .select([sql<string | null>`lock_date::text`.as('lock_date'), 'hourly_rate_minor', 'week_starts_on'])
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    if (!row) return { ...DEFAULT_SETTINGS };
    return { lockDate: row.lock_date, hourlyRateMinor: row.hourly_rate_minor, weekStartsOn: row.week_starts_on };
  },

  /** Writes the whole settings row (the service merges the patch first). */
  put: (db: Executor, orgId: string, s: SettingsValues) =>
    q(db)
      .insertInto('time_tracking.settings')
      .values({ org_id: orgId, lock_date: s.lockDate, hourly_rate_minor: s.hourlyRateMinor, week_starts_on: s.weekStartsOn })
      .onConflict((oc) =>
        oc.column('org_id').doUpdateSet({ lock_date: s.lockDate, hourly_rate_minor: s.hourlyRateMinor, week_starts_on: s.weekStartsOn, updated_at: sql<Date>`now()` }),
      )
      .execute(),
};

export const memberRates = {
  get: async (db: Executor, orgId: string, userId: string): Promise<number | null> => {
    const row = await q(db)
      .selectFrom('time_tracking.member_rates')
      .select('hourly_rate_minor')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.hourly_rate_minor ?? null;
  },

  list: async (db: Executor, orgId: string) => {
    const rows = await q(db).selectFrom('time_tracking.member_rates').selectAll().where('org_id', '=', orgId).orderBy('user_id').execute();
    return rows.map((r) => ({ userId: r.user_id, hourlyRateMinor: r.hourly_rate_minor, updatedAt: r.updated_at }));
  },

  put: async (db: Executor, orgId: string, userId: string, rate: number) => {
    const row = await q(db)
      .insertInto('time_tracking.member_rates')
      .values({ org_id: orgId, user_id: userId, hourly_rate_minor: rate })
      .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ hourly_rate_minor: rate, updated_at: sql<Date>`now()` }))
      .returningAll()
      .executeTakeFirstOrThrow();
    return { userId: row.user_id, hourlyRateMinor: row.hourly_rate_minor, updatedAt: row.updated_at };
  },

  delete: async (db: Executor, orgId: string, userId: string) => {
    const r = await q(db).deleteFrom('time_tracking.member_rates').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};

export const roundingRules = {
  list: (db: Executor, orgId: string): Promise<RoundingRuleRow[]> =>
    q(db).selectFrom('time_tracking.rounding_rules').selectAll().where('org_id', '=', orgId).orderBy('scope').orderBy('target').execute(),

  /** One rule per (org, scope, target): a second PUT replaces the first's step and mode. */
  upsert: (db: Executor, row: Pick<RoundingRuleRow, 'id' | 'org_id' | 'scope' | 'target' | 'minutes' | 'mode'>) =>
    q(db)
      .insertInto('time_tracking.rounding_rules')
      .values(row)
      .onConflict((oc) => oc.constraint('rounding_rules_unique').doUpdateSet({ minutes: row.minutes, mode: row.mode, updated_at: sql<Date>`now()` }))
      .returningAll()
      .executeTakeFirstOrThrow(),

  delete: async (db: Executor, orgId: string, id: string) => {
    const r = await q(db).deleteFrom('time_tracking.rounding_rules').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};

export const budgetAlerts = {
  fired: async (db: Executor, orgId: string, projectId: string) => {
    const rows = await q(db)
      .selectFrom('time_tracking.budget_alerts')
      .select(['kind', 'threshold'])
      .where('org_id', '=', orgId)
      .where('project_id', '=', projectId)
      .execute();
    return new Set(rows.map((r) => `${r.kind}:${r.threshold}`));
  },

  /** Records a threshold; false when another transaction recorded it first (fire once). */
  record: async (db: Executor, a: { org_id: string; project_id: string; kind: 'hours' | 'money'; threshold: number; spent: number; budget: number }) => {
    const r = await q(db).insertInto('time_tracking.budget_alerts').values(a).onConflict((oc) => oc.doNothing()).returning('threshold').executeTakeFirst();
    return r !== undefined;
  },
};
