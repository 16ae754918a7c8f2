// POST /queries/profile: what the data analyzer is asked to look at (a synced table, an SQL
// result, a saved question's result), read as a stream under the profile's row cap, and handed to
// DuckDB (profile.ts). Viewers may profile saved questions, the one thing they may run.
import type { Static } from 'typebox';
import type { Actor } from '../../core/context/actor.ts';
import { AppError } from '../../core/errors.ts';
import { type DataSourcesApi, DataSourcesProblems, type QueryParameter } from '../data_sources/index.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { AnalyticsProblems } from './problems.ts';
import { questionParameters, type Questions } from './questions.ts';
import type { Runner } from './runner.ts';
import type { ProfileBody, ProfileView } from './schemas.ts';
import type { AnalyticsSettings } from './settings.ts';

type Profile = Static<typeof ProfileView>;

const quoteWith = (q: string) => (name: string) => `${q}${name.replaceAll(q, q + q)}${q}`;

/** `SELECT *` of a synced table, its name quoted as the source's dialect quotes identifiers. */
export function selectAllOf(dialect: string, schema: string, table: string): string {
  if (dialect === 'mysql') return `SELECT * FROM ${quoteWith('`')(schema)}.${quoteWith('`')(table)}`;
  const q = quoteWith('"');
  // Workspace relations and a files source's tables are named without a schema.
  if (dialect === 'workspace' || dialect === 'duckdb') return `SELECT * FROM ${q(table)}`;
  return `SELECT * FROM ${q(schema)}.${q(table)}`;
}

export function createProfiles(deps: { orgs: OrganizationsApi; dataSources: DataSourcesApi; runner: Runner; questions: Questions; settings: AnalyticsSettings }) {
  const { orgs, dataSources, runner, questions, settings } = deps;

  async function target(actor: Actor, orgId: string, body: Static<typeof ProfileBody>): Promise<{ sourceId: string; sql: string; parameters: readonly QueryParameter[]; questionId: string | null }> {
    const given = [body.table, body.sql, body.questionId].filter((x) => x !== undefined).length;
    if (given !== 1 || (body.questionId === undefined) === (body.dataSourceId === undefined)) {
      throw AnalyticsProblems.profileTarget.error('Give exactly one of `table` or `sql` (with `dataSourceId`), or `questionId`');
    }
    if (body.questionId) {
      await orgs.assertRole(actor.principal, orgId, 'viewer');
      const row = await questions.mustFind(orgId, body.questionId);
      return { sourceId: row.data_source_id, sql: row.sql, parameters: questionParameters(row, body.parameters), questionId: row.id };
    }
    await orgs.assertRole(actor.principal, orgId, 'member');
    const source = await runner.sourceOf(orgId, body.dataSourceId!);
    if (body.sql) return { sourceId: source.id, sql: body.sql, parameters: body.parameters ?? [], questionId: null };
    const schema = await dataSources.schemaOf(orgId, source.id);
    const table = schema.schemas.find((s) => s.name === body.table!.schema)?.tables.find((t) => t.name === body.table!.name);
    if (!table) throw DataSourcesProblems.unknownTable.error(`The synced schema has no table ${body.table!.schema}.${body.table!.name}`, { errors: [{ field: 'body.table', message: 'is not in the synced schema (sync the source first?)' }] });
    return { sourceId: source.id, sql: selectAllOf(dataSources.dialectOf(source.kind) ?? 'postgres', body.table!.schema, table.name), parameters: [], questionId: null };
  }

  async function profile(actor: Actor, orgId: string, body: Static<typeof ProfileBody>): Promise<Profile> {
    const t = await target(actor, orgId, body);
    const started = performance.now();
    const limits = { maxRows: settings.profileMaxRows, maxBytes: settings.downloadMaxBytes, timeoutMs: settings.queryTimeoutMs };
    const outcome = (status: 'ok' | 'refused' | 'failed', errorCode: string | null, rows: number) =>
      runner.record(actor, orgId, { sourceId: t.sourceId, sql: t.sql, parameters: t.parameters, questionId: t.questionId, origin: 'profile' }, { status, errorCode, rows, durationMs: performance.now() - started, cached: false });
    try {
      const stream = await dataSources.stream(orgId, t.sourceId, { sql: t.sql, parameters: t.parameters, limits, signal: AbortSignal.timeout(limits.timeoutMs + 5000) });
      // DuckDB loads with the first profile, not with the server (decision 0065).
      const { profileRows } = await import('./profile.ts');
      const result = await profileRows({ columns: stream.columns, batches: stream.batches, sampled: stream.truncated });
      await outcome('ok', null, result.rowCount);
      return result;
    } catch (err) {
      if (err instanceof AppError) await outcome(err.code === 'DATA_SOURCES.QUERY_REFUSED' ? 'refused' : 'failed', err.code, 0);
      throw err;
    }
  }

  return { profile };
}

export type Profiles = ReturnType<typeof createProfiles>;
