// The PostgreSQL driver (pg). Every query runs in its own transaction:
//   BEGIN READ ONLY; SET LOCAL statement_timeout, idle_in_transaction_session_timeout, TimeZone;
//   SET LOCAL ROLE <role> (when the source has one);
//   DECLARE c NO SCROLL CURSOR FOR <sql>   (extended protocol: one statement, bound parameters)
//   FETCH n FROM c … as the consumer pulls, until the caps;
//   ROLLBACK.
// The first three go in one write and come back in one round trip (pg's pipeline mode: each is
// still its own message with its own Sync, so a failure in one fails the transaction, and the
// first failure is the one reported). After a complete result the connection goes back to the
// pool at once with its ROLLBACK owed: the next session on it sends the ROLLBACK in its first
// write, or a timer sends it if none comes within rollbackDelayMs.
// DECLARE accepts only a SELECT or VALUES (no INSERT … RETURNING, no data-modifying CTE), the
// extended protocol refuses a second statement, and the transaction refuses writes: three walls
// before the role's own grants. The client deadline cancels a running statement with
// pg_cancel_backend from another connection and discards the connection.
import { isIP } from 'node:net';
import tls from 'node:tls';
import pg from 'pg';
import { type Deadline, raceSignal, startDeadline } from '../deadline.ts';
import { ConnectorError, serverName } from '../errors.ts';
import { type Lease, SourcePools } from '../pools.ts';
import type { ColumnInfo, ConnectionTest, ConnectorDriver, QueryLimits, ServerConnection, Source, SourceSchema, StreamPart } from '../types.ts';
import { collect, ResultCaps } from '../values.ts';
import { postgresError } from './errors.ts';
import { introspectPostgres } from './introspect.ts';
import { columnType, pgTypes } from './values.ts';

export interface PostgresDriverOptions {
  /** Added to a query's `timeoutMs` for the client deadline (default 500 ms). */
  deadlineMarginMs?: number;
  /** Rows per FETCH (default 500). */
  fetchRows?: number;
  /** Pools no query used for this long are ended (default 5 min). */
  idlePoolMs?: number;
  /** Time limit of `introspect` (default 60 s) and of `test`'s queries (default 10 s). */
  introspectTimeoutMs?: number;
  testTimeoutMs?: number;
  /**
   * How long a connection whose query read every row may stay in its pool with the transaction
   * open before a timer rolls it back (default 50 ms); a session that takes it sooner sends the
   * ROLLBACK in its own first write.
   */
  rollbackDelayMs?: number;
}

type PgClient = pg.PoolClient & { processID: number | null };
type QueryConfig = { text: string; values?: unknown[]; rowMode?: 'array'; queryMode?: 'simple' | 'extended' };

const CURSOR = 'trellis_rows';
const ROLLBACK: QueryConfig = { text: 'ROLLBACK', queryMode: 'simple' };

/**
 * Connections back in their pool whose last transaction is still open: read-only, every row of
 * its cursor read. Each holds the timer that rolls it back unless a session takes the connection
 * first (and sends the ROLLBACK ahead of its own statements, in the same write).
 */
const owedRollbacks = new WeakMap<pg.ClientBase, NodeJS.Timeout>();

function oweRollback(client: PgClient, delayMs: number): void {
  const timer = setTimeout(() => {
    if (owedRollbacks.get(client) !== timer) return;
    owedRollbacks.delete(client);
    // A connection that cannot roll back is not trusted: closed, the pool drops it.
    client.query('ROLLBACK').catch(() => socketOf(client)?.destroy());
  }, delayMs);
  timer.unref();
  owedRollbacks.set(client, timer);
}

/** Whether `client` owes a ROLLBACK, which the caller now sends; its timer is stopped. */
function takeOwedRollback(client: pg.ClientBase): boolean {
  const timer = owedRollbacks.get(client);
  if (!timer) return false;
  clearTimeout(timer);
  owedRollbacks.delete(client);
  return true;
}

/** pg's client settings for a connection; `purpose` ends up in application_name, visible in pg_stat_activity. */
export function clientConfig(conn: ServerConnection, purpose: string): pg.ClientConfig {
  return {
    host: conn.address ?? conn.host,
    port: conn.port,
    database: conn.database,
    user: conn.user,
    password: conn.password,
    ssl: sslOptions(conn),
    connectionTimeoutMillis: conn.connectTimeoutMs,
    application_name: `trellis ${purpose}`.slice(0, 63),
    keepAlive: true,
    types: pgTypes,
  };
}

function sslOptions(conn: ServerConnection): pg.ClientConfig['ssl'] {
  if (conn.tls.mode === 'disable') return false;
  if (conn.tls.mode === 'require') return { rejectUnauthorized: false };
  // The socket dials the checked address; the certificate must name the host the operator gave.
  return {
    rejectUnauthorized: true,
    ca: conn.tls.ca,
    ...(isIP(conn.host) === 0 ? { servername: conn.host } : {}),
    checkServerIdentity: (_address: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(conn.host, cert),
  };
}

/** `SET LOCAL …` for one transaction: the server-side timeout, a backstop for an abandoned transaction, UTC, the role. */
function transactionSettings(conn: ServerConnection, timeoutMs: number, deadlineMs: number): string {
  const settings = [
    'BEGIN READ ONLY',
    `SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(timeoutMs))}`,
    `SET LOCAL idle_in_transaction_session_timeout = ${Math.ceil(deadlineMs * 2 + 1000)}`,
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'iso_8601'",
    // The guard reads string literals as the standard says; the server must read them the same way.
    'SET LOCAL standard_conforming_strings = on',
  ];
  if (conn.role) settings.push(`SET LOCAL ROLE ${pg.escapeIdentifier(conn.role)}`);
  for (const [name, value] of Object.entries(conn.settings ?? {})) settings.push(`SELECT set_config(${pg.escapeLiteral(name)}, ${pg.escapeLiteral(value)}, true)`);
  return settings.join('; ');
}

interface Session {
  query(config: QueryConfig): Promise<pg.QueryResult>;
  /** Sends `configs` in one write without waiting between them; the first failure, in their order, is thrown. */
  pipeline(configs: QueryConfig[]): Promise<pg.QueryResult[]>;
  readonly pid: number | null;
  /** Facts about the server, kept per pool (type names). */
  readonly memo: Map<string, unknown>;
  /** Rolls back and returns the connection to the pool, or discards it when it is no longer trusted. */
  close(): Promise<void>;
  /**
   * After a complete result: returns the connection to the pool at once, its ROLLBACK owed (sent
   * by the next session on it, or after rollbackDelayMs); a connection in doubt is closed as by close().
   */
  finish(): void;
}

export function createPostgresDriver(options: PostgresDriverOptions = {}): ConnectorDriver<ServerConnection> {
  const margin = options.deadlineMarginMs ?? 500;
  const fetchRows = options.fetchRows ?? 500;
  const introspectTimeoutMs = options.introspectTimeoutMs ?? 60_000;
  const testTimeoutMs = options.testTimeoutMs ?? 10_000;
  const rollbackDelayMs = options.rollbackDelayMs ?? 50;

  const pools = new SourcePools<ServerConnection, pg.Pool>(
    {
      create(source) {
        const pool = new pg.Pool({
          ...clientConfig(source.connection, `data-source ${source.id}`),
          max: source.connection.poolSize,
          idleTimeoutMillis: 30_000,
          // A session sends its settings, its cursor and the first fetch without waiting between them.
          pipeline: true,
        });
        // An idle connection the server closed: the pool drops it; nothing to report.
        pool.on('error', () => {});
        return pool;
      },
      end: (pool) => pool.end(),
    },
    { idleMs: options.idlePoolMs ?? 5 * 60_000 },
  );

  /** A pooled connection, watched by the deadline; `begin` (or a pipeline that starts with its settings) opens the transaction. */
  async function openSession(source: Source<ServerConnection>, deadline: Deadline): Promise<Session> {
    const conn = source.connection;
    const server = serverName(conn);
    let lease: Lease<pg.Pool>;
    try {
      lease = await pools.lease(source, deadline.signal);
    } catch {
      throw deadline.error(server);
    }
    let client: PgClient;
    try {
      client = (await connectWithin(lease.pool, deadline.signal)) as PgClient;
    } catch (err) {
      lease.release();
      throw deadline.reason ? deadline.error(server) : postgresError(err, server, conn.database);
    }
    return watch(client, conn, deadline, lease.memo, {
      owesRollback: takeOwedRollback(client),
      rollbackDelayMs,
      releaseClient: (destroy) => {
        client.release(destroy ? true : undefined);
        lease.release();
      },
    });
  }

  async function begin(session: Session, conn: ServerConnection, timeoutMs: number) {
    try {
      await session.query({ text: transactionSettings(conn, timeoutMs, timeoutMs + margin), queryMode: 'simple' });
    } catch (err) {
      await session.close();
      throw err;
    }
  }

  async function* stream(source: Source<ServerConnection>, sql: string, params: unknown[], limits: QueryLimits, signal: AbortSignal): AsyncGenerator<StreamPart> {
    const started = performance.now();
    const server = serverName(source.connection);
    const deadline = startDeadline(limits.timeoutMs, margin, signal);
    try {
      const session = await openSession(source, deadline);
      let finished = false;
      try {
        const caps = new ResultCaps(limits);
        let described = false;
        while (!caps.done) {
          const want = caps.nextBatch(fetchRows);
          const fetch: QueryConfig = { text: `FETCH ${want} FROM ${CURSOR}`, rowMode: 'array', queryMode: 'extended' };
          const result = described
            ? await session.query(fetch)
            : (
                await session.pipeline([
                  { text: transactionSettings(source.connection, limits.timeoutMs, limits.timeoutMs + margin), queryMode: 'simple' },
                  { text: `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${sql}`, values: params, queryMode: 'extended' },
                  fetch,
                ])
              )[2];
          if (!described) {
            described = true;
            yield { type: 'columns', columns: await describe(session, result.fields) };
            deadline.check(server);
          }
          const rows = caps.admit(result.rows as unknown[][]);
          if (rows.length > 0) {
            yield { type: 'rows', rows };
            // A consumer that comes back after the deadline gets the timeout, not stale rows.
            deadline.check(server);
          }
          if (result.rows.length < want) break;
        }
        // Every row is in hand: the connection goes back to the pool now, its ROLLBACK owed.
        finished = true;
        session.finish();
        yield { type: 'end', rowCount: caps.rowCount, truncated: caps.truncated, durationMs: elapsed(started) };
      } finally {
        if (!finished) await session.close();
      }
    } finally {
      deadline.dispose();
    }
  }

  async function introspect(source: Source<ServerConnection>, signal: AbortSignal): Promise<SourceSchema> {
    const deadline = startDeadline(introspectTimeoutMs, margin, signal);
    try {
      const session = await openSession(source, deadline);
      try {
        await begin(session, source.connection, introspectTimeoutMs);
        return await introspectPostgres((text, values) => session.query({ text, values, queryMode: 'extended' }));
      } finally {
        await session.close();
      }
    } finally {
      deadline.dispose();
    }
  }

  async function test(conn: ServerConnection, signal: AbortSignal): Promise<ConnectionTest> {
    const server = serverName(conn);
    const deadline = startDeadline(conn.connectTimeoutMs + testTimeoutMs, 0, signal);
    const client = new pg.Client(clientConfig(conn, 'connection test')) as unknown as PgClient;
    client.on('error', () => {});
    try {
      try {
        await raceSignal(client.connect(), deadline.signal);
      } catch (err) {
        throw deadline.reason ? deadline.error(server) : postgresError(err, server, conn.database);
      }
      const session = watch(client, conn, deadline, new Map(), { owesRollback: false, rollbackDelayMs: 0, releaseClient: () => {} });
      await begin(session, conn, testTimeoutMs);
      const version = await session.query({ text: "SELECT current_setting('server_version') AS v", queryMode: 'extended' });
      const t0 = performance.now();
      await session.query({ text: 'SELECT 1', queryMode: 'extended' });
      const latencyMs = elapsed(t0);
      await session.close();
      return { serverVersion: `PostgreSQL ${version.rows[0].v}`, latencyMs };
    } finally {
      deadline.dispose();
      await client.end().catch(() => {});
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

/** The names and categories of result types, looked up once per pool. */
async function describe(session: Session, fields: pg.FieldDef[]): Promise<ColumnInfo[]> {
  const memo = session.memo as Map<string, { dbType: string; category: string }>;
  const key = (f: pg.FieldDef) => `${f.dataTypeID}/${f.dataTypeModifier}`;
  const missing = fields.filter((f) => !memo.has(key(f)));
  if (missing.length > 0) {
    const { rows } = await session.query({
      text: `SELECT m.oid::int8 AS oid, m.typmod, format_type(m.oid, m.typmod) AS name, t.typcategory AS category
             FROM unnest($1::oid[], $2::int4[]) AS m(oid, typmod) JOIN pg_catalog.pg_type t ON t.oid = m.oid`,
      values: [missing.map((f) => f.dataTypeID), missing.map((f) => f.dataTypeModifier)],
      queryMode: 'extended',
    });
    for (const r of rows) memo.set(`${r.oid}/${r.typmod}`, { dbType: r.name, category: r.category });
  }
  return fields.map((f) => {
    const known = memo.get(key(f));
    return { name: f.name, type: columnType(f.dataTypeID, known?.category ?? null), dbType: known?.dbType ?? String(f.dataTypeID) };
  });
}

/**
 * Wraps a connection for one transaction: queries check the deadline and map errors; when the
 * deadline fires mid-statement the server is asked to cancel it (from another connection) and
 * the connection is discarded, never returned to the pool.
 */
interface WatchOptions {
  /** The connection's last transaction is still open: the first write starts with its ROLLBACK. */
  owesRollback: boolean;
  rollbackDelayMs: number;
  releaseClient: (destroy: boolean) => void;
}

function watch(client: PgClient, conn: ServerConnection, deadline: Deadline, memo: Map<string, unknown>, { owesRollback: owed, rollbackDelayMs, releaseClient }: WatchOptions): Session {
  const server = serverName(conn);
  const pid = client.processID;
  let inFlight = 0;
  let broken = false;
  let released = false;
  let fallback: NodeJS.Timeout | null = null;

  const release = (destroy: boolean) => {
    if (released) return;
    released = true;
    if (fallback) clearTimeout(fallback);
    client.off('error', onClientError);
    deadline.signal.removeEventListener('abort', onAbort);
    releaseClient(destroy);
  };
  // A connection that fails between queries emits here; without a listener it would crash the process.
  const onClientError = () => {
    broken = true;
  };
  // The deadline (or the caller) gave up: stop the statement on the server, then drop the connection.
  const onAbort = () => {
    broken = true;
    if (inFlight === 0) return release(true);
    if (pid !== null) void cancelBackend(conn, pid);
    // If the cancel cannot get through, closing the socket ends the wait here (the server rolls
    // back when it notices).
    fallback = setTimeout(() => socketOf(client)?.destroy(), Math.max(1000, conn.connectTimeoutMs));
    fallback.unref();
  };
  client.on('error', onClientError);
  deadline.signal.addEventListener('abort', onAbort, { once: true });

  let owesRollback = owed;
  const send = async (config: QueryConfig): Promise<pg.QueryResult> => {
    deadline.check(server);
    if (broken || released) throw new ConnectorError('unreachable', `The connection to ${server} was lost.`, 'CONNECTION_LOST');
    inFlight++;
    try {
      return await client.query(config as pg.QueryConfig);
    } catch (err) {
      if (deadline.reason) throw deadline.error(server);
      const mapped = postgresError(err, server, conn.database);
      if (mapped.kind === 'unreachable') broken = true;
      throw mapped;
    } finally {
      inFlight--;
    }
  };
  let closing: Promise<void> | null = null;

  async function pipeline(configs: QueryConfig[]): Promise<pg.QueryResult[]> {
    // The ROLLBACK the connection owes goes first, in the same write.
    const owing = owesRollback;
    owesRollback = false;
    const all = owing ? [ROLLBACK, ...configs] : configs;
    // pg writes each query as it is submitted; corked, they leave in one write.
    const socket = socketOf(client);
    socket?.cork();
    let sent: Promise<pg.QueryResult>[];
    try {
      sent = all.map(send);
    } finally {
      socket?.uncork();
    }
    const settled = await Promise.allSettled(sent);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.slice(owing ? 1 : 0).map((s) => (s as PromiseFulfilledResult<pg.QueryResult>).value);
  }

  return {
    pid,
    memo,
    query: async (config) => (owesRollback ? (await pipeline([config]))[0] : send(config)),
    pipeline,
    finish() {
      if (closing || released) return;
      if (broken || deadline.reason || inFlight > 0 || owesRollback) {
        void this.close();
        return;
      }
      closing = Promise.resolve();
      // Owed before the pool can hand the connection to a session waiting for it.
      oweRollback(client, rollbackDelayMs);
      release(false);
    },
    close() {
      closing ??= (async () => {
        if (released) return;
        if (broken || deadline.reason) return release(true);
        try {
          await client.query('ROLLBACK');
          release(false);
        } catch {
          release(true);
        }
      })();
      return closing;
    },
  };
}

/** pool.connect() that gives up with `signal`; a connection that arrives after that is discarded. */
async function connectWithin(pool: pg.Pool, signal: AbortSignal): Promise<pg.PoolClient> {
  const pending = pool.connect();
  try {
    return await raceSignal(pending, signal);
  } catch (err) {
    pending.then(
      (late) => late.release(true),
      () => {},
    );
    throw err;
  }
}

/** Asks the server to stop `pid`'s statement, from a connection of its own (the pool's may all be busy). */
async function cancelBackend(conn: ServerConnection, pid: number): Promise<void> {
  const client = new pg.Client(clientConfig(conn, 'cancel'));
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // The fallback in the session closes the socket.
  } finally {
    await client.end().catch(() => {});
  }
}

const socketOf = (client: pg.ClientBase) =>
  (client as unknown as { connection?: { stream?: { destroy(): void; cork(): void; uncork(): void } } }).connection?.stream;

const elapsed = (since: number) => Math.round((performance.now() - since) * 10) / 10;
