// The `files` driver: queries a source's DuckDB database (ingest.ts built it). One DuckDB
// instance per source and database file, opened READ_ONLY, then hardened before any query:
//   temp_directory = ''                      nothing spills to disk (memory_limit bounds a query)
//   enable_external_access = false           no read_csv/read_text/COPY/ATTACH/INSTALL/LOAD of files
//   disabled_filesystems = 'LocalFileSystem'  not even the paths DuckDB still allows itself (the
//                                            database's own WAL, which COPY … TO could overwrite)
//   lock_configuration = true                no query can SET any of it back
// The database file stays readable through the handle opened before. Each query runs on its own
// connection, as a prepared statement (one statement, bound parameters), streamed chunk by chunk
// under the caps; the deadline interrupts it.
import { stat } from 'node:fs/promises';
import { type DuckDBConnection, DuckDBInstance, type DuckDBPreparedStatement, type DuckDBValue } from '@duckdb/node-api';
import { type Deadline, startDeadline } from '../deadline.ts';
import { ConnectorError } from '../errors.ts';
import { type Lease, SourcePools } from '../pools.ts';
import type { ConnectionTest, ConnectorDriver, FilesConnection, QueryLimits, Source, SourceSchema, SourceTable, StreamPart } from '../types.ts';
import { collect, ResultCaps } from '../values.ts';
import { ident } from './ingest.ts';
import { columnTypeOf, columnTypeOfName, jsonColumns, jsonSafeConverter } from './values.ts';

export interface FilesDriverOptions {
  /** Added to a query's `timeoutMs` before it is interrupted (default 0: DuckDB has no server-side timeout of its own). */
  deadlineMarginMs?: number;
  /** Instances no query used for this long are closed (default 5 min). */
  idlePoolMs?: number;
  /** Time limit of `introspect` (default 60 s). */
  introspectTimeoutMs?: number;
}

const WHAT = 'the uploaded files';

/** The settings every query instance is locked with (exported for the tests that prove them). */
export const LOCKED_SETTINGS = ["SET temp_directory = ''", 'SET enable_external_access = false', "SET disabled_filesystems = 'LocalFileSystem'", 'SET lock_configuration = true'];

/** Opens a source's database read-only and locks it down. */
export async function openReadOnly(conn: FilesConnection): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(conn.path, {
    access_mode: 'READ_ONLY',
    threads: String(conn.threads ?? 2),
    memory_limit: conn.memoryLimit ?? '256MB',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
  });
  const setup = await instance.connect();
  try {
    for (const sql of LOCKED_SETTINGS) await setup.run(sql);
  } catch (err) {
    setup.closeSync();
    instance.closeSync();
    throw err;
  }
  setup.closeSync();
  return instance;
}

type FilesKey = FilesConnection & { file: string };

export function createFilesDriver(options: FilesDriverOptions = {}): ConnectorDriver<FilesConnection> {
  const margin = options.deadlineMarginMs ?? 0;
  const introspectTimeoutMs = options.introspectTimeoutMs ?? 60_000;

  const pools = new SourcePools<FilesKey, Promise<DuckDBInstance>>(
    {
      create: (source) => {
        const opening = openReadOnly(source.connection);
        opening.catch(() => {});
        return opening;
      },
      end: async (opening) => {
        const instance = await opening.catch(() => null);
        instance?.closeSync();
      },
    },
    { idleMs: options.idlePoolMs ?? 5 * 60_000 },
  );

  /** A connection of the source's instance. A re-ingested file (a new inode) gets a new instance. */
  async function openConnection(source: Source<FilesConnection>, deadline: Deadline): Promise<{ conn: DuckDBConnection; lease: Lease<Promise<DuckDBInstance>> }> {
    const info = await stat(source.connection.path).catch(() => null);
    if (!info) throw new ConnectorError('unreachable', "The source's files are not available: ingest them again.", 'FILES_MISSING');
    const keyed: Source<FilesKey> = { id: source.id, connection: { ...source.connection, file: `${info.ino}:${info.mtimeMs}:${info.size}` } };
    let lease: Lease<Promise<DuckDBInstance>>;
    try {
      lease = await pools.lease(keyed, deadline.signal);
    } catch {
      throw deadline.error(WHAT);
    }
    try {
      const instance = await lease.pool;
      return { conn: await instance.connect(), lease };
    } catch {
      lease.release();
      throw new ConnectorError('unreachable', "The source's files could not be opened: ingest them again.", 'FILES_UNREADABLE');
    }
  }

  async function* stream(source: Source<FilesConnection>, sql: string, params: unknown[], limits: QueryLimits, signal: AbortSignal): AsyncGenerator<StreamPart> {
    const started = performance.now();
    const deadline = startDeadline(limits.timeoutMs, margin, signal);
    const { conn, lease } = await openConnection(source, deadline).catch((err) => {
      deadline.dispose();
      throw err;
    });
    const onAbort = () => conn.interrupt();
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    let prepared: DuckDBPreparedStatement | null = null;
    try {
      const result = await guard(deadline, async () => {
        // prepare() takes exactly one statement (stream() would run all but the last first).
        prepared = await conn.prepare(sql);
        if (params.length > 0) prepared.bind(params as DuckDBValue[]);
        return prepared.stream();
      });
      const types = result.columnTypes();
      const json = jsonColumns(types);
      yield {
        type: 'columns',
        columns: result.columnNames().map((name, i) => ({ name, type: columnTypeOf(types[i]), dbType: types[i].alias ?? types[i].toString() })),
      };
      deadline.check(WHAT);
      const caps = new ResultCaps(limits);
      while (!caps.done) {
        const chunk = await guard(deadline, () => result.fetchChunk());
        if (!chunk || chunk.rowCount === 0) break;
        const rows = caps.admit(chunk.convertRows(jsonSafeConverter) as unknown[][]);
        for (const row of rows) for (const i of json) if (typeof row[i] === 'string') row[i] = JSON.parse(row[i] as string);
        if (rows.length > 0) {
          yield { type: 'rows', rows };
          deadline.check(WHAT);
        }
      }
      yield { type: 'end', rowCount: caps.rowCount, truncated: caps.truncated, durationMs: Math.round((performance.now() - started) * 10) / 10 };
    } finally {
      deadline.signal.removeEventListener('abort', onAbort);
      (prepared as DuckDBPreparedStatement | null)?.destroySync();
      conn.closeSync();
      lease.release();
      deadline.dispose();
    }
  }

  async function introspect(source: Source<FilesConnection>, signal: AbortSignal): Promise<SourceSchema> {
    const deadline = startDeadline(introspectTimeoutMs, margin, signal);
    const { conn, lease } = await openConnection(source, deadline).catch((err) => {
      deadline.dispose();
      throw err;
    });
    const onAbort = () => conn.interrupt();
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await guard(deadline, () => introspectDuckDb(conn));
    } finally {
      deadline.signal.removeEventListener('abort', onAbort);
      conn.closeSync();
      lease.release();
      deadline.dispose();
    }
  }

  async function test(conn: FilesConnection, signal: AbortSignal): Promise<ConnectionTest> {
    const deadline = startDeadline(10_000, 0, signal);
    try {
      await stat(conn.path).catch(() => {
        throw new ConnectorError('unreachable', "The source's files are not available: ingest them again.", 'FILES_MISSING');
      });
      const instance = await openReadOnly(conn).catch(() => {
        throw new ConnectorError('unreachable', "The source's files could not be opened: ingest them again.", 'FILES_UNREADABLE');
      });
      try {
        const c = await instance.connect();
        try {
          const version = String((await c.runAndReadAll('SELECT version()')).getRows()[0][0]);
          const t0 = performance.now();
          await c.run('SELECT 1');
          return { serverVersion: `DuckDB ${version}`, latencyMs: Math.round((performance.now() - t0) * 10) / 10 };
        } finally {
          c.closeSync();
        }
      } finally {
        instance.closeSync();
      }
    } finally {
      deadline.dispose();
    }
  }

  return {
    test,
    introspect,
    stream,
    run: (source, sql, params, limits, signal) => collect(stream(source, sql, params, limits, signal)),
    close: () => pools.close(),
  };
}

/** Runs a DuckDB call, turning its failures (and an interrupt by the deadline) into ConnectorErrors. */
async function guard<T>(deadline: Deadline, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (deadline.reason) throw deadline.error(WHAT);
    throw duckDbError(err);
  }
}

/** DuckDB's message, first line; refusals of the read-only, locked-down instance are permission errors. */
export function duckDbError(err: unknown): ConnectorError {
  const message = ((err as Error)?.message ?? String(err)).split('\n')[0].trim();
  const reason = message.replace(/^[A-Za-z ]+ Error: /, '');
  if (/^Permission Error/.test(message) || /read-only mode|configuration has been locked|disabled by configuration|has been disabled/i.test(message)) {
    return new ConnectorError('permission', `The query was refused on ${WHAT}: ${reason}`, 'PERMISSION');
  }
  return new ConnectorError('query', `The query failed on ${WHAT}: ${reason}`, message.match(/^([A-Za-z ]+) Error/)?.[1]?.toUpperCase().replaceAll(' ', '_') ?? 'QUERY');
}

async function introspectDuckDb(conn: DuckDBConnection): Promise<SourceSchema> {
  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();
  const relations = [
    ...(await rows("SELECT schema_name, table_name AS name, 'table' AS kind FROM duckdb_tables() WHERE NOT internal AND NOT temporary AND database_name = current_database()")),
    ...(await rows("SELECT schema_name, view_name AS name, 'view' AS kind FROM duckdb_views() WHERE NOT internal AND NOT temporary AND database_name = current_database()")),
  ];
  const columns = await rows(
    'SELECT schema_name, table_name, column_name, data_type, is_nullable, column_index FROM duckdb_columns() WHERE NOT internal AND database_name = current_database() ORDER BY schema_name, table_name, column_index',
  );
  const constraints = await rows(
    "SELECT schema_name, table_name, constraint_type, constraint_column_names, referenced_table, referenced_column_names FROM duckdb_constraints() WHERE database_name = current_database() AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')",
  );
  const schemas = new Map<string, SourceTable[]>();
  const tables = new Map<string, SourceTable>();
  for (const r of relations) {
    const schema = String(r.schema_name);
    const kind = r.kind === 'view' ? 'view' : 'table';
    const table: SourceTable = { name: String(r.name), kind, rowEstimate: null, columns: [], primaryKey: [], foreignKeys: [] };
    if (kind === 'table') {
      // Exact: files are small enough, and DuckDB keeps counts per row group.
      table.rowEstimate = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${ident(schema)}.${ident(table.name)}`)).getRows()[0][0]);
    }
    tables.set(`${schema}.${table.name}`, table);
    schemas.set(schema, [...(schemas.get(schema) ?? []), table]);
  }
  for (const c of columns) {
    tables.get(`${c.schema_name}.${c.table_name}`)?.columns.push({
      name: String(c.column_name),
      dbType: String(c.data_type),
      type: columnTypeOfName(String(c.data_type)),
      nullable: Boolean(c.is_nullable),
      position: Number(c.column_index),
    });
  }
  for (const k of constraints) {
    const table = tables.get(`${k.schema_name}.${k.table_name}`);
    if (!table) continue;
    const cols = (k.constraint_column_names as string[]) ?? [];
    if (k.constraint_type === 'PRIMARY KEY') table.primaryKey = cols;
    else table.foreignKeys.push({ columns: cols, references: { schema: String(k.schema_name), table: String(k.referenced_table), columns: (k.referenced_column_names as string[]) ?? [] } });
  }
  return { schemas: [...schemas].map(([name, list]) => ({ name, tables: list.sort((a, b) => a.name.localeCompare(b.name)) })) };
}
