// The one shape of every data-source driver (postgres, mysql, files). The drivers are layers 2–5
// of the query guard: they run an already-parsed SELECT in a read-only transaction (or a
// read-only DuckDB file), under the source's read-only role when it has one, with a timeout on
// the server and a deadline on the client, and stream the result under row and byte caps. They
// trust nothing of the SQL they are given: each layer holds on its own even when layer 1 (the
// parser guard) is bypassed.
//
// The shapes shared with every connector (columns, limits, results, schemas) are core's
// (src/core/contributions.ts); this file adds what the drivers alone use.
//
// Values in rows are JSON-safe, whatever the source:
// - 64-bit and wider integers: a number when it is a safe integer, else its decimal string;
// - numeric/decimal: a number when it has at most 15 significant digits (what a double keeps
//   exactly, so the number prints back as the stored decimal), else its decimal string; NaN and
//   ±Infinity (numeric or float) are strings;
// - date: 'YYYY-MM-DD'; timestamp: ISO 8601 'YYYY-MM-DDTHH:MM:SS[.ffffff]' without a zone;
//   timestamp with time zone: the same in UTC with 'Z'; times: the server's text; intervals:
//   ISO 8601 durations on PostgreSQL ('P1DT2H'), the server's text elsewhere;
// - bytea/blob/binary: base64;
// - json/jsonb: parsed; arrays and structs: arrays and objects of the values above;
// - anything else: the server's text.

import type { QueryLimits, QueryResult, ResultColumn, SourceSchema } from '../../../core/contributions.ts';

export type { ColumnType, QueryLimits, QueryResult, SchemaColumn as SourceColumn, SchemaTable as SourceTable, SourceSchema } from '../../../core/contributions.ts';
/** A result column: its name, its type in the small vocabulary, and the type as the server names it. */
export type ColumnInfo = ResultColumn;

export interface TlsOptions {
  /** `require` encrypts without checking the certificate; `verify-full` checks it against `ca` (or the system's CAs) and the host name. */
  mode: 'disable' | 'require' | 'verify-full';
  /** PEM certificate(s) to trust for `verify-full`. */
  ca?: string;
}

/** A PostgreSQL or MySQL/MariaDB server. */
export interface ServerConnection {
  /** The host name the operator entered: named in errors and checked against the certificate. */
  host: string;
  /** The address to dial, already checked by the SSRF guard; `host` when absent. Dialling the checked address, not the name, leaves no room for a DNS answer that changed since. */
  address?: string;
  port: number;
  database: string;
  user: string;
  password: string;
  tls: TlsOptions;
  connectTimeoutMs: number;
  /** At most this many connections to the server per source, however many queries wait. */
  poolSize: number;
  /** PostgreSQL only: a role to `SET LOCAL ROLE` to in every transaction (the read-only role, docs/data-sources-readonly-role.md). */
  role?: string;
  /**
   * PostgreSQL only: custom settings (`prefix.name`) set for each query's transaction alone, by
   * the server's side, never by the query: the workspace source names its org this way.
   */
  settings?: Readonly<Record<string, string>>;
}

/** A `files` source: the DuckDB database file its uploads were ingested into (ingest.ts). */
export interface FilesConnection {
  path: string;
  /** Queries running at once on this source (each on its own DuckDB connection). */
  poolSize: number;
  /** DuckDB worker threads for this source (default 2). */
  threads?: number;
  /** DuckDB memory limit for this source, e.g. '256MB' (default). Nothing spills to disk: a query that needs more fails. */
  memoryLimit?: string;
}

/** A source as the drivers see it: its id keys its pool, together with a hash of the connection, so an edited connection gets a new pool. */
export interface Source<C> {
  id: string;
  connection: C;
}

/** What `stream` yields: the columns once, first; then row batches; then the end, once. */
export type StreamPart =
  | { type: 'columns'; columns: ColumnInfo[] }
  | { type: 'rows'; rows: unknown[][] }
  | { type: 'end'; rowCount: number; truncated: boolean; durationMs: number };

export interface ConnectionTest {
  serverVersion: string;
  /** One round trip of a trivial query on the open connection. */
  latencyMs: number;
}

export interface ConnectorDriver<C> {
  /** Connects once (no pool), checks the login (and the role), reports the server. */
  test(connection: C, signal: AbortSignal): Promise<ConnectionTest>;
  /** Schemas, tables and views with columns, keys and row estimates, read inside a read-only transaction. */
  introspect(source: Source<C>, signal: AbortSignal): Promise<SourceSchema>;
  /**
   * Streams the rows of an already-guarded SELECT with bound parameters; stops at the caps. Rows
   * are read from the server in batches as the consumer pulls (a server-side cursor, a paused
   * socket, a DuckDB chunk), so a huge result never sits in memory. Breaking out of the loop
   * ends the query and frees the connection. Throws `ConnectorError`.
   */
  stream(source: Source<C>, sql: string, params: unknown[], limits: QueryLimits, signal: AbortSignal): AsyncIterable<StreamPart>;
  /** `stream`, collected. */
  run(source: Source<C>, sql: string, params: unknown[], limits: QueryLimits, signal: AbortSignal): Promise<QueryResult>;
  /** Ends every pool (at shutdown): idle connections at once, busy ones as their queries end or fail. */
  close(): Promise<void>;
}
