// The connectors this module contributes (the `connectors` contribution point, decision 0030):
// postgres, mysql (MariaDB too), files (DuckDB) and workspace. Each pairs a driver (connectors/,
// layers 2–5 of the guard) with the dialect its SQL is parsed in (guard/, layer 1). Another module
// or package adds a kind by contributing its own `DataConnector`, no edit here.
import { Type } from 'typebox';
import { ConnectorError, type ConnectorTarget, type DataConnector, type QueryLimits, type Registry, type WorkspaceRelation } from '../../core/contributions.ts';
import type { OpenConnection } from './connection.ts';
import { createPostgresDriver } from './connectors/postgres/driver.ts';
import { lazyDriver } from './connectors/lazy-driver.ts';
import type { ConnectorDriver, FilesConnection, ServerConnection } from './connectors/types.ts';
import { toQueryStream } from './query-stream.ts';
import { DatabaseConnection } from './schemas.ts';
import { workspaceConnector } from './workspace-connector.ts';

function serverConnector(kind: 'postgres' | 'mysql', description: string, driver: ConnectorDriver<ServerConnection>): DataConnector<typeof DatabaseConnection> {
  // One per target: the runs made together share a target (SourceReads), and the pools key their
  // connection's settings per object (connectionKey).
  const servers = new WeakMap<ConnectorTarget<any>, ServerConnection>();
  const server = (t: ConnectorTarget<any>): ServerConnection => {
    let found = servers.get(t);
    if (!found) {
      found = { ...(t.connection as OpenConnection), address: t.address };
      servers.set(t, found);
    }
    return found;
  };
  const source = (t: ConnectorTarget<any>) => ({ id: t.sourceId, connection: server(t) });
  return {
    kind,
    description,
    connection: DatabaseConnection,
    secretFields: ['password', 'tls.ca'],
    dialect: kind,
    endpoint: (c) => ({ host: c.host, port: c.port }),
    test: (t, signal) => driver.test(server(t), signal),
    introspect: (t, signal) => driver.introspect(source(t), signal),
    run: (t, sql, params, limits: QueryLimits, signal) => driver.run(source(t), sql, params, limits, signal),
    stream: (t, sql, params, limits: QueryLimits, signal) => toQueryStream(driver.stream(source(t), sql, params, limits, signal)),
    close: () => driver.close(),
  };
}

function filesConnector(driver: ConnectorDriver<FilesConnection>): DataConnector {
  const source = (t: ConnectorTarget<any>) => {
    // A source with no file yet has no database: it answers as an empty one would.
    if (!t.localFile) throw new ConnectorError('query', 'The source has no files yet: upload one first');
    return { id: t.sourceId, connection: { path: t.localFile, poolSize: 2 } };
  };
  return {
    kind: 'files',
    description: 'CSV, TSV, JSON, NDJSON, Parquet and XLSX files uploaded to the source, one table each (a workbook: one per sheet), queried with DuckDB.',
    connection: Type.Object({}),
    secretFields: [],
    dialect: 'duckdb',
    endpoint: () => null,
    async test(t, signal) {
      if (!t.localFile) return { serverVersion: 'DuckDB (no files yet)', latencyMs: 0 };
      return driver.test(source(t).connection, signal);
    },
    async introspect(t, signal) {
      if (!t.localFile) return { schemas: [{ name: 'main', tables: [] }] };
      return driver.introspect(source(t), signal);
    },
    run: (t, sql, params, limits, signal) => driver.run(source(t), sql, params, limits, signal),
    stream: (t, sql, params, limits, signal) => toQueryStream(driver.stream(source(t), sql, params, limits, signal)),
    close: () => driver.close(),
  };
}

export function builtInConnectors(deps: { databaseUrl: string; relations: Registry<WorkspaceRelation> }): DataConnector[] {
  const postgres = createPostgresDriver();
  return [
    serverConnector('postgres', 'A PostgreSQL server (or one that speaks its protocol), read in read-only transactions.', postgres),
    serverConnector('mysql', 'A MySQL or MariaDB server, read in read-only transactions.', lazyDriver(async () => (await import('./connectors/mysql/driver.ts')).createMysqlDriver())),
    filesConnector(lazyDriver(async () => (await import('./connectors/files/driver.ts')).createFilesDriver())),
    workspaceConnector({ relations: deps.relations, databaseUrl: deps.databaseUrl }),
  ];
}
