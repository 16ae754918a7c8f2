// Running SQL on a source, for analytics (through the façade): bind the named parameters, pass
// the guard of the source's dialect, then hand the statement to the connector, which runs it in
// a read-only transaction under a statement timeout and row and byte caps. A refusal names the
// rule it broke; a failure names the source.
import type { ConnectorTarget, QueryLimits, QueryResult, QueryStream, Registries, SqlDialect } from '../../core/contributions.ts';
import type { Executor } from '../../core/db/database.ts';
import { failureProblem } from './failures.ts';
import { bindNamedParameters, guardSql } from './guard/index.ts';
import { textMemo } from './guard/text-memo.ts';
import { DataSourcesProblems } from './problems.ts';
import { files, type SourceRow } from './repository.ts';
import type { SourcesService } from './service.ts';
import type { Targets } from './targets.ts';

export type ParameterType = 'text' | 'integer' | 'number' | 'boolean' | 'date' | 'timestamp';

export interface QueryParameter {
  name: string;
  type: ParameterType;
  value: unknown;
}

export interface QueryRequest {
  sql: string;
  parameters?: readonly QueryParameter[];
  limits: QueryLimits;
  signal: AbortSignal;
}

/** What ran: the statement as the source received it (placeholders, not values). */
export interface Prepared {
  row: SourceRow;
  /** What a caller keys a cached result by: the source's result lifetime and its schema's version. */
  source: { cacheTtlSeconds: number; schemaVersion: number };
  sql: string;
  values: unknown[];
  /** The source made ready to dial, shared by the runs made together (SourceReads); else opened per run. */
  target?: () => Promise<ConnectorTarget<any>>;
}

/**
 * The sources read for runs made together (a dashboard's widgets): each source, and the relations
 * its queries may name, read once for all of them (DataSourcesApi.readsTogether). Held for one
 * request, never longer: a source changed meanwhile is read fresh by the next.
 */
export class SourceReads {
  readonly #read = new Map<string, Promise<{ row: SourceRow; allowedRelations: string[] | undefined }>>();
  readonly #targets = new Map<string, Promise<ConnectorTarget<any>>>();
  /** @internal (queries.ts) */
  once(key: string, read: () => Promise<{ row: SourceRow; allowedRelations: string[] | undefined }>) {
    let found = this.#read.get(key);
    if (!found) {
      found = read();
      this.#read.set(key, found);
    }
    return found;
  }
  /**
   * @internal (queries.ts) The source's secrets opened and its host checked once for the runs
   * that execute (a board's cached widgets need neither); a failed check fails each of them.
   */
  target(key: string, open: () => Promise<ConnectorTarget<any>>) {
    let found = this.#targets.get(key);
    if (!found) {
      found = open();
      this.#targets.set(key, found);
    }
    return found;
  }
}

export function createQueries(deps: { db: Executor; sources: SourcesService; targets: Targets; registries: Registries }) {
  const { db, sources, targets, registries } = deps;

  /** The relations a query may name: the workspace's published ones, a files source's tables; else any not denied. */
  async function allowedRelations(row: SourceRow, dialect: string, exec: Executor): Promise<string[] | undefined> {
    if (dialect === 'workspace') return registries.workspaceRelations.all().map((r) => r.name);
    if (dialect === 'duckdb') return (await files.bySource(exec, row.org_id, row.id)).flatMap((f) => f.tables);
    return undefined;
  }

  // The guard is a pure function of the dialect, the allowed relations and the text: a repeated
  // query (a dashboard, a cached result) skips the parse (~0.3 ms of CPU). Bounded, oldest out.
  const memo = textMemo<ReturnType<typeof guardSql>>({ maxEntries: 1000, maxChars: 4_000_000 });
  function guardCached(sql: string, options: { dialect: SqlDialect; allowedRelations?: string[] }) {
    return memo.get(`${options.dialect}\u0000${options.allowedRelations?.join(',') ?? ''}\u0000${sql}`, () => guardSql(sql, options));
  }

  async function readSource(orgId: string, sourceId: string, exec: Executor) {
    const row = await sources.mustFind(orgId, sourceId, exec);
    return { row, allowedRelations: await allowedRelations(row, sources.connectorOf(row.kind).dialect, exec) };
  }

  const targetOf = (prepared: Prepared) => (prepared.target ? prepared.target() : targets.of(prepared.row));

  /** Binds and guards `sql` for the source; `reads` shares the source's read with other runs made together. */
  async function prepare(orgId: string, sourceId: string, sql: string, parameters: readonly QueryParameter[] = [], exec: Executor = db, reads?: SourceReads): Promise<Prepared> {
    const key = `${orgId}/${sourceId}`;
    const read = reads ? reads.once(key, () => readSource(orgId, sourceId, exec)) : readSource(orgId, sourceId, exec);
    const { row, allowedRelations: allowed } = await read;
    const connector = sources.connectorOf(row.kind);
    const options = { dialect: connector.dialect, allowedRelations: allowed };
    const refused = (reason: string, code: string) => DataSourcesProblems.queryRefused.error(reason, { details: { reason: code } });
    const bound = bindNamedParameters(
      sql,
      connector.dialect,
      parameters.map((p) => ({ name: p.name, type: p.type })),
      Object.fromEntries(parameters.map((p) => [p.name, p.value])),
    );
    if (!bound.ok) {
      // The binder reads the SQL with the dialect's lexer first: text it cannot read (empty, an
      // unclosed string or comment) is the guard's to refuse, with the guard's reason.
      if (bound.code === 'parse_error') {
        const checked = guardSql(sql, options);
        throw checked.ok ? refused(bound.reason, 'parse_error') : refused(checked.reason, checked.code);
      }
      throw DataSourcesProblems.parameterInvalid.error(bound.reason, { errors: [{ field: 'body.parameters', message: bound.reason }] });
    }
    const guarded = guardCached(bound.sql, options);
    if (!guarded.ok) throw refused(guarded.reason, guarded.code);
    return {
      row,
      source: { cacheTtlSeconds: row.cache_ttl_seconds, schemaVersion: row.schema_version },
      sql: guarded.sql,
      values: bound.values,
      ...(reads ? { target: () => reads.target(key, () => targets.of(row)) } : {}),
    };
  }

  /**
   * Runs `request`; a caller that prepared it a moment ago (the runner, to make its cache key)
   * passes that `prepared` along, so the source is not read and the text not bound twice.
   */
  async function execute(orgId: string, sourceId: string, request: QueryRequest, preparedBefore?: Prepared): Promise<QueryResult & { prepared: Prepared }> {
    const prepared = preparedBefore?.row.id === sourceId && preparedBefore.row.org_id === orgId ? preparedBefore : await prepare(orgId, sourceId, request.sql, request.parameters);
    const connector = sources.connectorOf(prepared.row.kind);
    try {
      const result = await connector.run(await targetOf(prepared), prepared.sql, prepared.values, request.limits, request.signal);
      return { ...result, prepared };
    } catch (err) {
      throw failureProblem(err, prepared.row) ?? err;
    }
  }

  /** The same in batches, for downloads; the caller must read the batches to the end (or abort). */
  async function stream(orgId: string, sourceId: string, request: QueryRequest): Promise<QueryStream & { prepared: Prepared }> {
    const prepared = await prepare(orgId, sourceId, request.sql, request.parameters);
    const connector = sources.connectorOf(prepared.row.kind);
    try {
      const result = await connector.stream(await targetOf(prepared), prepared.sql, prepared.values, request.limits, request.signal);
      const { row } = prepared;
      // A failure half-way through still names the source.
      async function* batches() {
        try {
          yield* result.batches;
        } catch (err) {
          throw failureProblem(err, row) ?? err;
        }
      }
      return { columns: result.columns, batches: batches(), truncated: () => result.truncated(), prepared };
    } catch (err) {
      throw failureProblem(err, prepared.row) ?? err;
    }
  }

  return { prepare, execute, stream };
}

export type Queries = ReturnType<typeof createQueries>;
