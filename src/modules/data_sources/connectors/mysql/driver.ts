// The MySQL and MariaDB driver (mysql2). Every query runs as:
//   SET SESSION TRANSACTION READ ONLY;                 (DDL sent as text commits implicitly and
//                                                      escapes a read-only transaction; a read-only
//                                                      session refuses it whatever the protocol)
//   SET SESSION time_zone = '+00:00', max_statement_time = <s>   (MariaDB)
//                                   , max_execution_time = <ms>  (MySQL: SELECTs only)
//   START TRANSACTION READ ONLY;
//   <sql> as a prepared statement (bound parameters; one statement only), streamed with
//   backpressure: the socket pauses while the consumer does not pull;
//   ROLLBACK.
// The client deadline runs KILL QUERY <thread id> from a second connection and discards the
// connection. A result cut at the caps discards it too (the rest of the result is still on the
// wire); a result read to the end returns it to the pool.
import net, { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import mysql, { type Connection, type FieldPacket, type Pool, type PoolConnection, type PoolOptions } from 'mysql2';
import { type Deadline, raceSignal, startDeadline } from '../deadline.ts';
import { ConnectorError, serverName } from '../errors.ts';
import { SourcePools } from '../pools.ts';
import type { ConnectionTest, ConnectorDriver, QueryLimits, ServerConnection, Source, SourceSchema, StreamPart } from '../types.ts';
import { collect, ResultCaps } from '../values.ts';
import { mysqlError } from './errors.ts';
import { introspectMysql } from './introspect.ts';
import { describeFields } from './values.ts';

export interface MysqlDriverOptions {
  /** Added to a query's `timeoutMs` for the client deadline (default 500 ms). */
  deadlineMarginMs?: number;
  /** Rows handed to the consumer per batch (default 500). */
  batchRows?: number;
  /** Pools no query used for this long are ended (default 5 min). */
  idlePoolMs?: number;
  /** Time limit of `introspect` (default 60 s) and of `test`'s queries (default 10 s). */
  introspectTimeoutMs?: number;
  testTimeoutMs?: number;
}

export type MysqlFlavour = 'mysql' | 'mariadb';

/** MariaDB says so in its version string ('10.11.6-MariaDB-…'); anything else speaks MySQL's dialect of timeouts. */
export const flavourOf = (version: string): MysqlFlavour => (/mariadb/i.test(version) ? 'mariadb' : 'mysql');

/** The session's limits: the statement timeout by flavour, and UTC for TIMESTAMP values. */
export function sessionSettings(flavour: MysqlFlavour, timeoutMs: number): string {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  const timeout = flavour === 'mariadb' ? `max_statement_time = ${(ms / 1000).toFixed(3)}` : `max_execution_time = ${ms}`;
  return `SET SESSION time_zone = '+00:00', SESSION ${timeout}`;
}

export function connectionOptions(conn: ServerConnection): PoolOptions {
  const dialled = conn.address && conn.address !== conn.host ? conn.address : null;
  return {
    // mysql2 checks the certificate against `host`; the socket goes to the checked address.
    host: conn.host,
    port: conn.port,
    ...(dialled ? { stream: () => net.connect({ host: dialled, port: conn.port }).setNoDelay(true) } : {}),
    user: conn.user,
    password: conn.password,
    database: conn.database,
    ssl: sslOptions(conn),
    connectTimeout: conn.connectTimeoutMs,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    multipleStatements: false,
    // No LOAD DATA LOCAL: a server (or a query) can never make the client read one of its files.
    flags: ['-LOCAL_FILES', '-MULTI_STATEMENTS'],
    charset: 'utf8mb4',
    maxPreparedStatements: 64,
    enableKeepAlive: true,
  };
}

function sslOptions(conn: ServerConnection): PoolOptions['ssl'] {
  if (conn.tls.mode === 'disable') return undefined;
  if (conn.tls.mode === 'require') return { rejectUnauthorized: false };
  return { rejectUnauthorized: true, verifyIdentity: isIP(conn.host) === 0, ca: conn.tls.ca };
}

interface Session {
  readonly conn: PoolConnection | Connection;
  control(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  /** The statement is still running (a result cut at the caps): close kills it and drops the connection. */
  abandon(): void;
  close(): Promise<void>;
}

export function createMysqlDriver(options: MysqlDriverOptions = {}): ConnectorDriver<ServerConnection> {
  const margin = options.deadlineMarginMs ?? 500;
  const batchRows = options.batchRows ?? 500;
  const introspectTimeoutMs = options.introspectTimeoutMs ?? 60_000;
  const testTimeoutMs = options.testTimeoutMs ?? 10_000;

  const pools = new SourcePools<ServerConnection, Pool>(
    {
      create(source) {
        const c = source.connection;
        const pool = mysql.createPool({ ...connectionOptions(c), connectionLimit: c.poolSize, maxIdle: c.poolSize, idleTimeout: 30_000, queueLimit: 0 });
        return pool;
      },
      end: (pool) => new Promise<void>((resolve) => pool.end(() => resolve())),
    },
    { idleMs: options.idlePoolMs ?? 5 * 60_000 },
  );

  async function openSession(source: Source<ServerConnection>, timeoutMs: number, deadline: Deadline): Promise<Session> {
    const c = source.connection;
    const server = serverName(c);
    let lease: Awaited<ReturnType<typeof pools.lease>>;
    try {
      lease = await pools.lease(source, deadline.signal);
    } catch {
      throw deadline.error(server);
    }
    let conn: PoolConnection;
    try {
      conn = await connectWithin(lease.pool, deadline.signal);
    } catch (err) {
      lease.release();
      throw deadline.reason ? deadline.error(server) : mysqlError(err, server, c.database, 'connect');
    }
    const session = watch(conn, c, deadline, (destroy) => {
      if (destroy) conn.destroy();
      else conn.release();
      lease.release();
    });
    try {
      let version = lease.memo.get('version') as string | undefined;
      if (!version) {
        version = String((await session.control('SELECT VERSION() AS v'))[0].v);
        lease.memo.set('version', version);
      }
      await begin(session, flavourOf(version), timeoutMs);
    } catch (err) {
      await session.close();
      throw err;
    }
    return session;
  }

  async function* stream(source: Source<ServerConnection>, sql: string, params: unknown[], limits: QueryLimits, signal: AbortSignal): AsyncGenerator<StreamPart> {
    const started = performance.now();
    const c = source.connection;
    const server = serverName(c);
    const deadline = startDeadline(limits.timeoutMs, margin, signal);
    try {
      const session = await openSession(source, limits.timeoutMs, deadline);
      let complete = false;
      try {
        const caps = new ResultCaps(limits);
        let fields: FieldPacket[] | undefined;
        let command: { stream(o: object): Readable; on(e: 'error', f: () => void): void };
        try {
          // mysql2 refuses undefined; SQL has NULL for it.
          const values = params.map((p) => (p === undefined ? null : p));
          command = session.conn.execute({ sql, values, rowsAsArray: true }) as unknown as typeof command;
        } catch (err) {
          throw new ConnectorError('query', `The query failed on ${server}: ${(err as Error).message}`, 'BAD_PARAMETERS');
        }
        // Once the stream is closed early, a late error of the statement (the connection being
        // discarded) must find a listener, or it would be thrown at the process.
        command.on('error', () => {});
        const rows = command.stream({ highWaterMark: 64 });
        rows.on('fields', (f: FieldPacket[]) => {
          fields = f;
        });
        let described: ReturnType<typeof describeFields> | null = null;
        let batch: unknown[][] = [];
        try {
          for await (const row of rows) {
            if (!described) {
              described = describeFields(fields ?? []);
              yield { type: 'columns', columns: described.columns };
              deadline.check(server);
            }
            batch.push(described.convert(row as unknown[]));
            if (batch.length >= caps.nextBatch(batchRows)) {
              const kept = caps.admit(batch);
              batch = [];
              if (kept.length > 0) {
                yield { type: 'rows', rows: kept };
                deadline.check(server);
              }
              if (caps.done) break;
            }
          }
        } catch (err) {
          throw deadline.reason ? deadline.error(server) : mysqlError(err, server, c.database, 'query');
        }
        // KILL QUERY may end a statement without an error (SLEEP returns 1): the deadline decides.
        deadline.check(server);
        if (!described) {
          described = describeFields(fields ?? []);
          yield { type: 'columns', columns: described.columns };
        }
        if (!caps.done && batch.length > 0) {
          const kept = caps.admit(batch);
          if (kept.length > 0) yield { type: 'rows', rows: kept };
        }
        complete = !caps.truncated;
        yield { type: 'end', rowCount: caps.rowCount, truncated: caps.truncated, durationMs: elapsed(started) };
      } finally {
        // A result cut short is still being produced and sent: stop it on the server (a closed
        // socket alone does not stop it) and drop the connection.
        if (!complete) session.abandon();
        await session.close();
      }
    } finally {
      deadline.dispose();
    }
  }

  async function introspect(source: Source<ServerConnection>, signal: AbortSignal): Promise<SourceSchema> {
    const deadline = startDeadline(introspectTimeoutMs, margin, signal);
    try {
      const session = await openSession(source, introspectTimeoutMs, deadline);
      try {
        return await introspectMysql((sql, values) => session.control(sql, values), source.connection.database);
      } finally {
        await session.close();
      }
    } finally {
      deadline.dispose();
    }
  }

  async function test(c: ServerConnection, signal: AbortSignal): Promise<ConnectionTest> {
    const server = serverName(c);
    const deadline = startDeadline(c.connectTimeoutMs + testTimeoutMs, 0, signal);
    const conn = mysql.createConnection(connectionOptions(c));
    conn.on('error', () => {});
    try {
      try {
        await raceSignal(
          new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve()))),
          deadline.signal,
        );
      } catch (err) {
        throw deadline.reason ? deadline.error(server) : mysqlError(err, server, c.database, 'connect');
      }
      const session = watch(conn, c, deadline, () => conn.destroy());
      const version = String((await session.control('SELECT VERSION() AS v'))[0].v);
      await begin(session, flavourOf(version), testTimeoutMs);
      const t0 = performance.now();
      await session.control('SELECT 1');
      const latencyMs = elapsed(t0);
      await session.close();
      const flavour = flavourOf(version) === 'mariadb' ? 'MariaDB' : 'MySQL';
      return { serverVersion: `${flavour} ${version.replace(/-MariaDB.*$/i, '')}`, latencyMs };
    } finally {
      deadline.dispose();
      conn.destroy();
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

async function begin(session: Session, flavour: MysqlFlavour, timeoutMs: number) {
  await session.control('SET SESSION TRANSACTION READ ONLY');
  await session.control(sessionSettings(flavour, timeoutMs));
  await session.control('START TRANSACTION READ ONLY');
}

/**
 * Wraps a connection for one transaction: statements check the deadline and map errors; when
 * the deadline fires, KILL QUERY stops the statement (from a connection of its own) and this
 * connection is discarded.
 */
function watch(conn: PoolConnection | Connection, c: ServerConnection, deadline: Deadline, releaseConn: (destroy: boolean) => void): Session {
  const server = serverName(c);
  const threadId = conn.threadId;
  let broken = false;
  let abandoned = false;
  let released = false;

  const release = (destroy: boolean) => {
    if (released) return;
    released = true;
    conn.off('error', onConnError);
    deadline.signal.removeEventListener('abort', onAbort);
    releaseConn(destroy);
  };
  const onConnError = () => {
    broken = true;
  };
  const onAbort = () => {
    broken = true;
    // Kill first, then close: closing alone leaves a statement that is not writing (SLEEP, a
    // long sort) running on the server.
    void killQuery(c, threadId).finally(() => release(true));
  };
  conn.on('error', onConnError);
  deadline.signal.addEventListener('abort', onAbort, { once: true });

  return {
    conn,
    control(sql, values) {
      deadline.check(server);
      if (broken || released) return Promise.reject(new ConnectorError('unreachable', `The connection to ${server} was lost.`, 'CONNECTION_LOST'));
      return new Promise((resolve, reject) => {
        conn.query({ sql, values, rowsAsArray: false }, (err, rows) => {
          if (!err) return resolve(rows as Record<string, unknown>[]);
          if (deadline.reason) return reject(deadline.error(server));
          const mapped = mysqlError(err, server, c.database, 'query');
          if (mapped.kind === 'unreachable') broken = true;
          reject(mapped);
        });
      });
    },
    abandon() {
      abandoned = true;
    },
    async close() {
      if (released) return;
      if (abandoned && !broken && !deadline.reason) {
        broken = true;
        await killQuery(c, threadId);
      }
      if (broken || deadline.reason) return release(true);
      try {
        await new Promise<void>((resolve, reject) => conn.query('ROLLBACK', (err) => (err ? reject(err) : resolve())));
        release(false);
      } catch {
        release(true);
      }
    },
  };
}

/** pool.getConnection() that gives up with `signal`; a connection that arrives after that is discarded. */
function connectWithin(pool: Pool, signal: AbortSignal): Promise<PoolConnection> {
  const pending = new Promise<PoolConnection>((resolve, reject) => pool.getConnection((err, conn) => (err ? reject(err) : resolve(conn))));
  return raceSignal(pending, signal).catch((err) => {
    pending.then(
      (late) => late.destroy(),
      () => {},
    );
    throw err;
  });
}

/** Stops `threadId`'s statement from a connection of its own (the pool's may all be busy); a login may always kill its own. */
async function killQuery(c: ServerConnection, threadId: number | null): Promise<void> {
  if (threadId === null || threadId === undefined) return;
  const conn = mysql.createConnection({ ...connectionOptions(c), connectTimeout: Math.min(c.connectTimeoutMs, 5000) });
  conn.on('error', () => {});
  try {
    await new Promise<void>((resolve) => conn.query(`KILL QUERY ${Number(threadId)}`, () => resolve()));
  } finally {
    conn.destroy();
  }
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 10) / 10;
