// core.llm_usage: one row per model call, the sums budgets read, and the reports grouped by
// day, user, model or feature.
import { type Expression, type RawBuilder, sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { LlmUsageQuery, LlmUsageReportQuery, LlmUsageReportRow, LlmUsageTotals } from './types.ts';

export interface LlmUsageRow {
  id: string;
  at: Date;
  userId: string;
  orgId: string | null;
  feature: string;
  /** The kind of provider (`openai`…), and its name (`default`, `backup`, an organization's). */
  provider: string;
  providerName: string;
  model: string;
  fallbackFrom: string[] | null;
  conversationId: string | null;
  messageId: string | null;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  durationMs: number;
  firstTokenMs: number | null;
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
      provider_name: row.providerName,
      model: row.model,
      fallback_from: row.fallbackFrom,
      conversation_id: row.conversationId,
      message_id: row.messageId,
      input_tokens: row.inputTokens,
      output_tokens: row.outputTokens,
      cost_micros: row.costMicros,
      duration_ms: row.durationMs,
      first_token_ms: row.firstTokenMs,
      outcome: row.outcome,
      error_code: row.errorCode,
    })
    .execute();
}

const sums = [
  sql<string>`count(*)`.as('calls'),
  sql<string>`coalesce(sum(input_tokens), 0)`.as('input'),
  sql<string>`coalesce(sum(output_tokens), 0)`.as('output'),
  sql<string>`coalesce(sum(cost_micros), 0)`.as('cost'),
];

/** Sums over llm_usage_org_idx (org_id, at), or llm_usage_user_idx when a user is named. */
export async function usageTotals(db: Executor, q: LlmUsageQuery): Promise<LlmUsageTotals> {
  let query = db.selectFrom('core.llm_usage').select(sums).where('org_id', '=', q.orgId).where('at', '>=', q.since);
  if (q.until) query = query.where('at', '<', q.until);
  if (q.feature) query = query.where('feature', '=', q.feature);
  if (q.userId) query = query.where('user_id', '=', q.userId);
  const row = await query.executeTakeFirstOrThrow();
  return { calls: Number(row.calls), inputTokens: Number(row.input), outputTokens: Number(row.output), costMicros: Number(row.cost) };
}

/**
 * An org's calls in a period, summed per group: the day (in `timeZone`), the user, the model
 * (with the provider that answered) and/or the feature; over llm_usage_org_idx. Groups sort by
 * day, then user, model and feature.
 */
export async function usageReport(db: Executor, q: LlmUsageReportQuery): Promise<LlmUsageReportRow[]> {
  const by = new Set(q.groupBy);
  const keys: [string, RawBuilder<unknown> | Expression<unknown>][] = [];
  if (by.has('day')) keys.push(['day', sql`to_char((at AT TIME ZONE ${q.timeZone})::date, 'YYYY-MM-DD')`]);
  if (by.has('user')) keys.push(['user_id', sql.ref('user_id')]);
  if (by.has('model')) keys.push(['provider_name', sql.ref('provider_name')], ['model', sql.ref('model')]);
  if (by.has('feature')) keys.push(['feature', sql.ref('feature')]);
  let query = db
    .selectFrom('core.llm_usage')
    .select([...keys.map(([alias, expr]) => sql`${expr}`.as(alias)), ...sums])
    .where('org_id', '=', q.orgId)
    .where('at', '>=', q.since)
    .where('at', '<', q.until);
  if (q.userId) query = query.where('user_id', '=', q.userId);
  if (keys.length) query = query.groupBy(keys.map((_, i) => sql.raw(String(i + 1)))).orderBy(keys.map((_, i) => sql.raw(String(i + 1))));
  const rows = (await query.execute()) as Record<string, string | null>[];
  return rows.map((r) => ({
    ...(by.has('day') ? { day: r.day! } : {}),
    ...(by.has('user') ? { userId: r.user_id! } : {}),
    ...(by.has('model') ? { provider: r.provider_name!, model: r.model! } : {}),
    ...(by.has('feature') ? { feature: r.feature! } : {}),
    calls: Number(r.calls),
    inputTokens: Number(r.input),
    outputTokens: Number(r.output),
    costMicros: Number(r.cost),
  }));
}
