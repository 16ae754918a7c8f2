// One query run, whatever asked for it (SQL, a saved question, a generated question, a re-run):
// the source must be the org's, the SQL passes the source's guard (data_sources), a fresh cached
// result is served when there is one, and every run, refused and failed ones too, lands in the
// user's history and in an event for the audit log, in one transaction.
import { createHash } from 'node:crypto';
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Cache } from '../../core/cache/types.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import type { Clock } from '../../core/module.ts';
import type { DataSourcesApi, DataSourceView, QueryParameter } from '../data_sources/index.ts';
import { AnalyticsProblems } from './problems.ts';
import { runs } from './repository.ts';
import type { QueryResultView } from './schemas.ts';
import type { AnalyticsSettings } from './settings.ts';

export type ResultView = Static<typeof QueryResultView>;
export type Origin = 'sql' | 'question' | 'ask' | 'download' | 'profile';

export interface RunInput {
  sourceId: string;
  sql: string;
  parameters?: readonly QueryParameter[];
  maxRows?: number;
  fresh?: boolean;
  questionId?: string | null;
  origin: Origin;
  /** Skip the history and the event (a generated attempt that is repaired is recorded once, as repaired). */
  record?: boolean;
}

export const sqlHash = (sql: string) => createHash('sha256').update(sql).digest('hex');

export function createRunner(deps: { db: Executor; events: EventPublisher; clock: Clock; cache: Cache; dataSources: DataSourcesApi; settings: AnalyticsSettings }) {
  const { db, events, clock, cache, dataSources, settings } = deps;

  async function sourceOf(orgId: string, sourceId: string): Promise<DataSourceView> {
    const source = await dataSources.getSource(orgId, sourceId);
    if (!source) throw AnalyticsProblems.sourceNotFound.error('Data source not found', { errors: [{ field: 'body.dataSourceId', message: 'is not a data source of this organization' }] });
    return source;
  }

  async function record(actor: Actor, orgId: string, input: RunInput, outcome: { status: 'ok' | 'refused' | 'failed'; errorCode: string | null; rows: number; durationMs: number; cached: boolean }) {
    if (input.record === false) return;
    const hash = sqlHash(input.sql);
    await db.transaction().execute(async (tx) => {
      await runs.insert(tx, {
        id: uuidv7(),
        org_id: orgId,
        user_id: actor.principal.userId,
        data_source_id: input.sourceId,
        question_id: input.questionId ?? null,
        sql: input.sql,
        sql_hash: hash,
        parameters: [...(input.parameters ?? [])],
        status: outcome.status,
        error_code: outcome.errorCode,
        row_count: outcome.status === 'ok' ? outcome.rows : null,
        duration_ms: Math.round(outcome.durationMs),
        cached: outcome.cached,
        created_at: clock.now(),
      });
      await events.publish(
        tx,
        'analytics.query_executed',
        { orgId, sourceId: input.sourceId, questionId: input.questionId ?? null, sqlHash: hash, status: outcome.status, rows: outcome.rows, durationMs: Math.round(outcome.durationMs), cached: outcome.cached, origin: input.origin },
        { actor, orgId },
      );
    });
  }

  /** Runs `input` for `actor` (whose right to run it the caller has checked) and answers the result. */
  async function run(actor: Actor, orgId: string, input: RunInput): Promise<ResultView> {
    const source = await sourceOf(orgId, input.sourceId);
    const started = performance.now();
    try {
      const limits = { maxRows: Math.min(input.maxRows ?? settings.maxRows, settings.maxRows), maxBytes: settings.maxResultBytes, timeoutMs: settings.queryTimeoutMs };
      // Guarded first, cached or not: a cached answer is only ever the answer to an accepted query.
      const prepared = await dataSources.prepare(orgId, input.sourceId, input.sql, input.parameters ?? []);
      const key = `analytics:result:${createHash('sha256').update(JSON.stringify([input.sourceId, source.sync.schemaVersion, prepared.sql, prepared.values, limits.maxRows])).digest('base64url')}`;
      const ttl = source.cacheTtlSeconds;
      const useCache = ttl > 0 && settings.cacheMaxBytes > 0;
      if (useCache && !input.fresh) {
        const hit = await cache.get<ResultView>(key);
        if (hit) {
          await record(actor, orgId, input, { status: 'ok', errorCode: null, rows: hit.rowCount, durationMs: performance.now() - started, cached: true });
          return { ...hit, cached: true };
        }
      }
      const result = await dataSources.execute(orgId, input.sourceId, { sql: input.sql, parameters: input.parameters, limits, signal: AbortSignal.timeout(limits.timeoutMs + 5000) }, prepared);
      const view: ResultView = {
        columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
        rows: result.rows,
        rowCount: result.rowCount,
        truncated: result.truncated,
        durationMs: Math.round(result.durationMs * 10) / 10,
        cached: false,
        cachedAt: null,
      };
      if (useCache) {
        const stored = { ...view, cachedAt: clock.now().toISOString() };
        // Measured on the serialized form: big results would crowd out every other entry.
        if (JSON.stringify(stored).length <= settings.cacheMaxBytes) await cache.set(key, stored, ttl);
      }
      await record(actor, orgId, input, { status: 'ok', errorCode: null, rows: view.rowCount, durationMs: performance.now() - started, cached: false });
      return view;
    } catch (err) {
      if (err instanceof AppError) {
        const status = err.code === 'DATA_SOURCES.QUERY_REFUSED' || err.code === 'DATA_SOURCES.PARAMETER_INVALID' ? 'refused' : 'failed';
        await record(actor, orgId, input, { status, errorCode: err.code, rows: 0, durationMs: performance.now() - started, cached: false });
      }
      throw err;
    }
  }

  return { run, sourceOf, record };
}

export type Runner = ReturnType<typeof createRunner>;
