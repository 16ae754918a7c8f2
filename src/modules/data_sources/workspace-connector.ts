// The `workspace` kind: the org's own Trellis data (projects, tasks, clients, members, time
// entries) as read-only relations. The relations are views their owning modules publish
// (WorkspaceRelation, decision 0038), each filtered by the org in the transaction-local setting
// `trellis.workspace_org`. A query may name only those relations, unqualified (the guard's allow
// list); it runs with each name bound to its view by a CTE around it, in a read-only transaction
// on a small pool of its own, with the org set by the connector and `set_config`/`current_setting`
// refused by the guard, so it can only ever see that one org's rows (decision 0038).
import { Type } from 'typebox';
import type { ColumnType, ConnectorTarget, DataConnector, QueryLimits, Registry, SourceSchema, WorkspaceRelation } from '../../core/contributions.ts';
import { createPostgresDriver } from './connectors/postgres/driver.ts';
import type { ServerConnection } from './connectors/types.ts';
import { toQueryStream } from './query-stream.ts';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteRelation = (view: string) => view.split('.').map(quoteIdent).join('.');

/**
 * The query with each workspace name bound to its view. The user's statement becomes a subquery
 * (it may have a WITH of its own), so the names it uses resolve to these CTEs first, and a name
 * that is not one of them never reaches the guard's allow list in the first place.
 */
export function wrapWorkspaceQuery(sql: string, relations: readonly WorkspaceRelation[]): string {
  const body = sql.trim().replace(/;\s*$/, '');
  const ctes = relations.map((r) => `${quoteIdent(r.name)} AS (SELECT * FROM ${quoteRelation(r.view)})`).join(',\n  ');
  return `WITH ${ctes}\nSELECT * FROM (\n${body}\n) AS workspace_query`;
}

const TYPES: [RegExp, ColumnType][] = [
  [/^(smallint|integer|bigint)$/, 'integer'],
  [/^(numeric|real|double precision)/, 'number'],
  [/^boolean$/, 'boolean'],
  [/^date$/, 'date'],
  [/^timestamp/, 'timestamp'],
  [/^jsonb?$/, 'json'],
  [/^(text|character|uuid)/, 'text'],
];
export const columnTypeOf = (dbType: string): ColumnType => TYPES.find(([re]) => re.test(dbType))?.[1] ?? 'other';

/**
 * The app's own database as a server connection for the driver: TCP (`postgres://u:p@h:5432/db`)
 * or a Unix socket (`postgresql://u:p@/db?host=/dir&port=5432`, the embedded server's), which
 * WHATWG URL cannot parse (no host), hence the pattern.
 */
export function serverOf(databaseUrl: string): ServerConnection {
  const m = /^postgres(?:ql)?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/.exec(databaseUrl);
  if (!m) throw new Error('the database URL is not a PostgreSQL connection string');
  const [, user = '', password = '', address = '', database = '', query = ''] = m;
  const params = new URLSearchParams(query);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : address.split(':');
  return {
    host: params.get('host') ?? (host || '127.0.0.1'),
    port: Number(params.get('port') ?? port) || 5432,
    database: decodeURIComponent(database),
    user: decodeURIComponent(user),
    password: decodeURIComponent(password),
    tls: { mode: ['require', 'verify-full', 'verify-ca'].includes(params.get('sslmode') ?? '') ? 'require' : 'disable' },
    connectTimeoutMs: 5000,
    poolSize: 2,
  };
}

export function workspaceConnector(deps: { relations: Registry<WorkspaceRelation>; databaseUrl: string }): DataConnector {
  const { relations } = deps;
  const driver = createPostgresDriver();
  // Read on first use: the app built offline for its OpenAPI document has no database.
  let parsed: ServerConnection | undefined;
  const server = () => (parsed ??= serverOf(deps.databaseUrl));
  // The org is the source's, set by the server in the query's own read-only transaction.
  const source = (target: ConnectorTarget) => ({ id: target.sourceId, connection: { ...server(), settings: { 'trellis.workspace_org': target.orgId } } });

  return {
    kind: 'workspace',
    description: 'This organization\'s own projects, tasks, clients, members and time entries, read-only.',
    connection: Type.Object({}),
    secretFields: [],
    dialect: 'workspace',
    endpoint: () => null,
    async test(_target, signal) {
      const result = await driver.test(server(), signal);
      return { serverVersion: `Trellis workspace (${result.serverVersion})`, latencyMs: result.latencyMs };
    },
    async introspect(target, signal): Promise<SourceSchema> {
      const all = relations.all();
      const names = all.map((r) => `'${r.view.replaceAll("'", "''")}'::regclass`).join(', ');
      const { rows } = await driver.run(
        source(target),
        `SELECT c.oid::regclass::text AS view, a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS db_type, NOT a.attnotnull AS nullable, a.attnum::int AS position
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          WHERE a.attrelid IN (${names}) AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attrelid, a.attnum`,
        [],
        { maxRows: 10_000, maxBytes: 10_000_000, timeoutMs: 10_000 },
        signal,
      );
      const byView = new Map<string, { name: string; dbType: string; nullable: boolean; position: number }[]>();
      for (const [view, name, dbType, nullable, position] of rows as [string, string, string, boolean, number][]) byView.set(view, [...(byView.get(view) ?? []), { name, dbType, nullable, position }]);
      return {
        schemas: [
          {
            name: 'workspace',
            tables: all.map((r) => ({
              name: r.name,
              kind: 'view' as const,
              rowEstimate: null,
              columns: (byView.get(r.view) ?? []).map((c) => ({ ...c, type: columnTypeOf(c.dbType) })),
              primaryKey: [],
              foreignKeys: [],
            })),
          },
        ],
      };
    },
    run: (target, sql, params, limits: QueryLimits, signal) => driver.run(source(target), wrapWorkspaceQuery(sql, relations.all()), params, limits, signal),
    stream: (target, sql, params, limits: QueryLimits, signal) => toQueryStream(driver.stream(source(target), wrapWorkspaceQuery(sql, relations.all()), params, limits, signal)),
    close: () => driver.close(),
  };
}
