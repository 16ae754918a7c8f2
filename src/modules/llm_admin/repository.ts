// SQL of llm_admin: providers, the catalog, rules, budgets and reservations. Every query of an
// organization's rows filters by org_id (defence in depth).
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export interface ProvidersTable {
  id: string;
  org_id: string;
  name: string;
  kind: string;
  base_url: string | null;
  azure_resource: string | null;
  azure_api_version: string | null;
  key_sealed: string | null;
  key_last4: string | null;
  key_id: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
export type ProviderRow = Selectable<ProvidersTable>;

export interface ModelsTable {
  id: string;
  org_id: string | null;
  provider_id: string | null;
  provider_name: string | null;
  model: string;
  deployment: string | null;
  context_window: number | null;
  /** numeric: read as text, written as a number. */
  input_price: string | number | null;
  output_price: string | number | null;
  supports_tools: boolean | null;
  enabled: boolean | null;
  minimum_role: string | null;
  fallback: string[];
  updated_by: string;
  updated_at: Date;
}
export type ModelRow = Selectable<ModelsTable>;

export interface ModelRulesTable {
  org_id: string;
  model_id: string;
  enabled: boolean;
  minimum_role: string;
  updated_by: string;
  updated_at: Date;
}
export type ModelRuleRow = Selectable<ModelRulesTable>;

export type BudgetScope = 'org' | 'each_user' | 'user';
export interface BudgetsTable {
  org_id: string;
  scope: BudgetScope;
  user_id: string;
  /** bigint: read as text. */
  monthly_tokens: string | number | null;
  monthly_cost: string | number | null;
  updated_by: string;
  updated_at: Date;
}
export type BudgetRow = Selectable<BudgetsTable>;

export interface ReservationsTable {
  id: string;
  org_id: string;
  user_id: string;
  tokens: number;
  cost_micros: number;
  expires_at: Date;
}

interface Tables {
  'llm_admin.providers': ProvidersTable;
  'llm_admin.models': ModelsTable;
  'llm_admin.model_rules': ModelRulesTable;
  'llm_admin.budgets': BudgetsTable;
  'llm_admin.reservations': ReservationsTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;

/** The user_id of the budgets that are not one member's. */
export const NO_USER = '00000000-0000-0000-0000-000000000000';

export const providers = {
  insert: (db: Executor, row: ProvidersTable) => q(db).insertInto('llm_admin.providers').values(row).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('llm_admin.providers').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  lock: (db: Executor, orgId: string, id: string) => q(db).selectFrom('llm_admin.providers').selectAll().where('org_id', '=', orgId).where('id', '=', id).forUpdate().executeTakeFirst(),
  inOrg: (db: Executor, orgId: string) => q(db).selectFrom('llm_admin.providers').selectAll().where('org_id', '=', orgId).orderBy('name').execute(),
  update: (db: Executor, orgId: string, id: string, set: Partial<ProvidersTable>) => q(db).updateTable('llm_admin.providers').set(set).where('org_id', '=', orgId).where('id', '=', id).execute(),
  delete: async (db: Executor, orgId: string, id: string) => Number((await q(db).deleteFrom('llm_admin.providers').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0,
};

export const models = {
  insert: (db: Executor, row: ModelsTable) => q(db).insertInto('llm_admin.models').values(row).execute(),
  /** An org's models, oldest first. */
  inOrg: (db: Executor, orgId: string) => q(db).selectFrom('llm_admin.models').selectAll().where('org_id', '=', orgId).orderBy('id').execute(),
  orgModel: (db: Executor, orgId: string, id: string) => q(db).selectFrom('llm_admin.models').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  /** The instance admins' changes to instance models. */
  instanceChanges: (db: Executor) => q(db).selectFrom('llm_admin.models').selectAll().where('org_id', 'is', null).execute(),
  updateOrgModel: (db: Executor, orgId: string, id: string, set: Partial<ModelsTable>) => q(db).updateTable('llm_admin.models').set(set).where('org_id', '=', orgId).where('id', '=', id).execute(),
  /** Writes an instance model's changes (creating its row on the first). */
  upsertInstance: (db: Executor, row: ModelsTable) =>
    q(db)
      .insertInto('llm_admin.models')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          context_window: row.context_window,
          input_price: row.input_price,
          output_price: row.output_price,
          supports_tools: row.supports_tools,
          enabled: row.enabled,
          minimum_role: row.minimum_role,
          updated_by: row.updated_by,
          updated_at: row.updated_at,
        }),
      )
      .execute(),
  deleteOrgModel: async (db: Executor, orgId: string, id: string) => Number((await q(db).deleteFrom('llm_admin.models').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0,
  /** Takes a deleted model out of the fallbacks of the org's other models. */
  dropFallback: (db: Executor, orgId: string, id: string) =>
    q(db)
      .updateTable('llm_admin.models')
      .set({ fallback: sql`array_remove(fallback, ${id}::uuid)` })
      .where('org_id', '=', orgId)
      .where(sql<boolean>`${id}::uuid = ANY(fallback)`)
      .execute(),
};

export const rules = {
  inOrg: (db: Executor, orgId: string) => q(db).selectFrom('llm_admin.model_rules').selectAll().where('org_id', '=', orgId).execute(),
  upsert: (db: Executor, row: ModelRulesTable) =>
    q(db)
      .insertInto('llm_admin.model_rules')
      .values(row)
      .onConflict((oc) => oc.columns(['org_id', 'model_id']).doUpdateSet({ enabled: row.enabled, minimum_role: row.minimum_role, updated_by: row.updated_by, updated_at: row.updated_at }))
      .execute(),
};

export const budgets = {
  inOrg: (db: Executor, orgId: string) => q(db).selectFrom('llm_admin.budgets').selectAll().where('org_id', '=', orgId).orderBy('scope').orderBy('user_id').execute(),
  /** The org's budget, the default of every member and this member's own: what a call of `userId` is checked against. */
  applying: (db: Executor, orgId: string, userId: string) =>
    q(db).selectFrom('llm_admin.budgets').selectAll().where('org_id', '=', orgId).where('user_id', 'in', [NO_USER, userId]).execute(),
  upsert: (db: Executor, row: BudgetsTable) =>
    q(db)
      .insertInto('llm_admin.budgets')
      .values(row)
      .onConflict((oc) => oc.columns(['org_id', 'scope', 'user_id']).doUpdateSet({ monthly_tokens: row.monthly_tokens, monthly_cost: row.monthly_cost, updated_by: row.updated_by, updated_at: row.updated_at }))
      .execute(),
  delete: async (db: Executor, orgId: string, scope: BudgetScope, userId: string) =>
    Number((await q(db).deleteFrom('llm_admin.budgets').where('org_id', '=', orgId).where('scope', '=', scope).where('user_id', '=', userId).executeTakeFirst()).numDeletedRows) > 0,
};

export const reservations = {
  /** Serializes the budget checks of one org: held until the transaction ends. */
  lockOrg: async (tx: Executor, orgId: string) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`llm_admin.budget:${orgId}`}, 0))`.execute(tx);
  },
  /** Tokens and cost reserved by calls in flight in the org, and by the user's among them. */
  live: async (db: Executor, orgId: string, userId: string, now: Date) => {
    const row = await q(db)
      .selectFrom('llm_admin.reservations')
      .select([
        sql<string>`coalesce(sum(tokens), 0)`.as('tokens'),
        sql<string>`coalesce(sum(cost_micros), 0)`.as('cost'),
        sql<string>`coalesce(sum(tokens) FILTER (WHERE user_id = ${userId}), 0)`.as('user_tokens'),
        sql<string>`coalesce(sum(cost_micros) FILTER (WHERE user_id = ${userId}), 0)`.as('user_cost'),
      ])
      .where('org_id', '=', orgId)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return { org: { tokens: Number(row.tokens), costMicros: Number(row.cost) }, user: { tokens: Number(row.user_tokens), costMicros: Number(row.user_cost) } };
  },
  insert: (db: Executor, row: ReservationsTable) => q(db).insertInto('llm_admin.reservations').values(row).execute(),
  delete: (db: Executor, id: string) => q(db).deleteFrom('llm_admin.reservations').where('id', '=', id).execute(),
  /** Lapsed reservations of an org (their process died), cleared as its next check passes. */
  deleteLapsed: (db: Executor, orgId: string, now: Date) => q(db).deleteFrom('llm_admin.reservations').where('org_id', '=', orgId).where('expires_at', '<=', now).execute(),
};
