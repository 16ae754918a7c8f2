// core.llm_usage: one row per model call, and the sums budgets read.
import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { LlmUsageQuery, LlmUsageTotals } from './types.ts';

export interface LlmUsageRow {
  id: string;
  at: Date;
  userId: string;
  orgId: string | null;
  feature: string;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  outcome: 'ok' | 'error' | 'cancelled';
  errorCode: string | null;
}

export async function insertUsage(db: Executor, row: LlmUsageRow): Promise<void> {
  await db
    .insertInto('core.llm_usage')
    .values({
      id: row.id,
      at: row.at,
      user_id: row.userId,
      org_id: row.orgId,
      feature: row.feature,
      provider: row.provider,
      model: row.model,
      input_tokens: row.inputTokens,
      output_tokens: row.outputTokens,
      duration_ms: row.durationMs,
      outcome: row.outcome,
      error_code: row.errorCode,
    })
    .execute();
}

/** Sums over llm_usage_org_idx (org_id, at), or llm_usage_user_idx when a user is named. */
export async function usageTotals(db: Executor, q: LlmUsageQuery): Promise<LlmUsageTotals> {
  let query = db
    .selectFrom('core.llm_usage')
    .select([
      sql<string>`count(*)`.as('calls'),
      sql<string>`coalesce(sum(input_tokens), 0)`.as('input'),
      sql<string>`coalesce(sum(output_tokens), 0)`.as('output'),
    ])
    .where('org_id', '=', q.orgId)
    .where('at', '>=', q.since);
  if (q.until) query = query.where('at', '<', q.until);
  if (q.feature) query = query.where('feature', '=', q.feature);
  if (q.userId) query = query.where('user_id', '=', q.userId);
  const row = await query.executeTakeFirstOrThrow();
  return { calls: Number(row.calls), inputTokens: Number(row.input), outputTokens: Number(row.output) };
}
