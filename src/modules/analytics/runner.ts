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
import { type DataSourcesApi, DataSourcesProblems, type DataSourceView, type QueryParameter, type SourceReads } from '../data_sources/index.ts';
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

/** How a run ended: what its history row and event say. */
export interface Outcome {
  status: 'ok' | 'refused' | 'failed';
  errorCode: string | null;
  rows: number;
  durationMs: number;
  cached: boolean;
}

interface PendingRun {
  actor: Actor;
  orgId: string;
  input: RunInput;
  outcome: Outcome;
  at: Date;
}

/**
 * Runs made together for one caller (a dashboard's widgets): the history of the runs that end
 * before the batch is closed is written at its close, in one transaction of two statements,
 * instead of a transaction of four per run; a run that ends after it (a widget past its
 * deadline) records alone, as any run.
 */
export interface RunBatch {
  pending: PendingRun[];
  closed: boolean;
  /** Each source read once for the batch's runs. */
  sources: SourceReads;
}

const sourceNotFound = () => AnalyticsProblems.sourceNotFound.error('Data source not found', { errors: [{ field: 'body.dataSourceId', message: 'is not a data source of this organization' }] });

export function createRunner(deps: { db: Executor; events: EventPublisher; clock: Clock; cache: Cache; dataSources: DataSourcesApi; settings: AnalyticsSettings }) {
  const { db, events, clock, cache, dataSources, settings } = deps;

  async function sourceOf(orgId: string, sourceId: string): Promise<DataSourceView> {
    const source = await dataSources.getSource(orgId, sourceId);
    if (!source) throw sourceNotFound();
    return source;
  }

  /** The history rows and events of `done`, in one statement (no transaction to open and commit). */
  async function write(done: readonly PendingRun[]) {
    const rows = done.map(({ actor, orgId, input, outcome, at }) => ({
        id: uuidv7(),
        org_id: orgId,
        user_id: actor.principal.userId,
        data_source_id: input.sourceId,
        question_id: input.questionId ?? null,
        sql: input.sql,
        sql_hash: sqlHash(input.sql),
        parameters: [...(input.parameters ?? [])],
        status: outcome.status,
        error_code: outcome.errorCode,
        row_count: outcome.status === 'ok' ? outcome.rows : null,
        duration_ms: Math.round(outcome.durationMs),
        cached: outcome.cached,
        created_at: at,
    }));
    await runs.insert(db, rows, (recorded) =>
      events.insertingAll(
        recorded,
        done.map(({ actor, orgId, input, outcome }, i) => ({
          type: 'analytics.query_executed' as const,
          payload: { orgId, sourceId: input.sourceId, questionId: input.questionId ?? null, sqlHash: rows[i].sql_hash, status: outcome.status, rows: outcome.rows, durationMs: Math.round(outcome.durationMs), cached: outcome.cached, origin: input.origin },
          meta: { actor, orgId },
        })),
      ),
    );
  }

  /** Lands a run in the user's history with its event: now, or at its batch's close. */
  async function record(actor: Actor, orgId: string, input: RunInput, outcome: Outcome, batch?: RunBatch) {
    if (input.record === false) return;
    const done: PendingRun = { actor, orgId, input, outcome, at: clock.now() };
    if (batch && !batch.closed) batch.pending.push(done);
    else await write([done]);
  }

  /**
   * Runs `input` for `actor` (whose right to run it the caller has checked) and answers the
   * result; with a batch, its history waits for the batch's close.
   */
  async function run(actor: Actor, orgId: string, input: RunInput, batch?: RunBatch): Promise<ResultView> {
    const started = performance.now();
    const outcome = (o: Omit<Outcome, 'durationMs'>) => record(actor, orgId, input, { ...o, durationMs: performance.now() - started }, batch);
    let prepared: Awaited<ReturnType<DataSourcesApi['prepare']>> | undefined;
    try {
      const limits = { maxRows: Math.min(input.maxRows ?? settings.maxRows, settings.maxRows), maxBytes: settings.maxResultBytes, timeoutMs: settings.queryTimeoutMs };
      // Guarded first, cached or not: a cached answer is only ever the answer to an accepted query.
      // The source is read once, here (once for a batch); the run below reuses what was read.
      prepared = await dataSources.prepare(orgId, input.sourceId, input.sql, input.parameters ?? [], undefined, batch?.sources);
      const key = `analytics:result:${createHash('sha256').update(JSON.stringify([input.sourceId, prepared.source.schemaVersion, prepared.sql, prepared.values, limits.maxRows])).digest('base64url')}`;
      const ttl = prepared.source.cacheTtlSeconds;
      const useCache = ttl > 0 && settings.cacheMaxBytes > 0;
      if (useCache && !input.fresh) {
        const hit = await cache.get<ResultView>(key);
        if (hit) {
          await outcome({ status: 'ok', errorCode: null, rows: hit.rowCount, cached: true });
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
      await outcome({ status: 'ok', errorCode: null, rows: view.rowCount, cached: false });
      return view;
    } catch (err) {
      // No such source: nothing ran, and nothing is recorded.
      if (!prepared && err instanceof AppError && err.code === DataSourcesProblems.notFound.code) throw sourceNotFound();
      if (err instanceof AppError) {
        const status = err.code === 'DATA_SOURCES.QUERY_REFUSED' || err.code === 'DATA_SOURCES.PARAMETER_INVALID' ? 'refused' : 'failed';
        await outcome({ status, errorCode: err.code, rows: 0, cached: false });
      }
      throw err;
    }
  }

  /** A batch for runs made together; `close` it once they are done (see RunBatch). */
  const batch = (): RunBatch => ({ pending: [], closed: false, sources: dataSources.readsTogether() });

  /** Writes the history of the batch's runs ended so far; the runs that end later record alone. */
  async function close(b: RunBatch): Promise<void> {
    b.closed = true;
    const done = b.pending.splice(0);
    if (done.length) await write(done);
  }

  return { run, sourceOf, record, batch, close };
}

export type Runner = ReturnType<typeof createRunner>;
