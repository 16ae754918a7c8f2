// One Kysely instance over a `pg` pool, on the embedded PostgreSQL server or the one
// DATABASE_URL names. Repositories see only `Executor`; the service decides whether that is
// the pool or a transaction.
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import type pg from 'pg';
import { currentDbCaller } from '../context/request-context.ts';
import { type ConnectionShares, createConnectionShares } from './connection-shares.ts';
import { type DatabaseWaits, readDatabaseWaits } from './lock-waits.ts';

// Every module's tables live in their own schema; repositories narrow this to their own table types.
export type AnyDB = any;
export type Executor<DB = AnyDB> = Kysely<DB> | Transaction<DB>;

/** Runs multi-statement SQL (migrations) outside the query builder. */
export interface RawSession {
  exec(sql: string): Promise<void>;
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface Database {
  readonly db: Kysely<AnyDB>;
  /** The connection string it was opened with (for a pool of its own: the workspace data source). Never log it. */
  readonly url: string;
  /** Runs fn inside one raw transaction on a dedicated connection (used by the migrator). */
  rawTransaction<T>(fn: (s: RawSession) => Promise<T>): Promise<T>;
  /**
   * Runs SQL text outside the query builder, on a connection of the pool. Without values it
   * may hold several statements. Used by the job queue and by the hottest reads, where the
   * query builder's layers are measurable (decision 0019).
   */
  runSql(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
  /**
   * Subscribes to a NOTIFY channel; returns the unsubscribe function. The LISTEN connection
   * is re-established after it drops; `onReconnect` then runs, since whatever was
   * notified in between is lost (caches flush, workers look for missed work).
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  poolStats(): PoolStats;
  /**
   * What this database's sessions wait on now (lock waits and who holds them), read on a
   * connection of its own, outside the pool, within `deadlineMs` (lock-waits.ts).
   */
  readWaits(deadlineMs: number): Promise<DatabaseWaits>;
  close(): Promise<void>;
}

/**
 * Bounds on every connection of the pool (decision 0029): no statement, lock wait, idle
 * transaction or wait for a connection lasts longer, so one locked table or slow query fails
 * its own requests (503 `DB.TIMEOUT`) instead of holding every connection for as long as it
 * lasts. The defaults are the settings' (`DB_*_TIMEOUT`).
 */
export interface DatabaseTimeouts {
  statementMs: number;
  lockMs: number;
  idleInTransactionMs: number;
  /** Waiting for a free connection, or for a new one to connect. */
  poolWaitMs: number;
}

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = { statementMs: 4000, lockMs: 1000, idleInTransactionMs: 10_000, poolWaitMs: 2000 };

export async function openDatabase(opts: { url: string; poolSize?: number; idleTimeoutMs?: number; timeouts?: Partial<DatabaseTimeouts> }): Promise<Database> {
  // Loaded here, not at the top: tracing must patch `pg` before it loads (telemetry/start.ts).
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  return openPostgres((await import('pg')).default, opts.url, opts.poolSize ?? 10, opts.idleTimeoutMs ?? 30_000, timeouts);
}

const INT8_OID = 20;

type PoolClient = import('pg').PoolClient;

/**
 * A connection from the pool by `deadline`, else pg-pool's timeout error. pg-pool's own bound
 * (`connectionTimeoutMillis`) is one per call; this one is what is left of the request's.
 */
function connectBy(pool: pg.Pool, deadline: number): Promise<PoolClient> {
  const pending = pool.connect();
  const left = deadline - Date.now();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // The connection may still come: back to the pool with it.
      pending.then((client) => client.release()).catch(() => {});
      reject(new Error('timeout exceeded when trying to connect'));
    }, Math.max(0, left));
  });
  return Promise.race([pending, expired]).finally(() => clearTimeout(timer));
}

const waitingOnShares = (shares: ConnectionShares) => Object.values(shares.stats()).reduce((n, g) => n + g.waiting, 0);

/**
 * bigint has one representation in Trellis: a JS number. int8 columns hold amounts in minor
 * units, rates and TOTP steps, and count(*) is int8 too; all of them fit in 2^53. A value that
 * does not fit fails its query instead of losing digits (pg turns a parser's throw into the
 * query's error). numeric stays a string, exact; queries that want a number cast it.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${text} does not fit a JavaScript number`);
  return n;
}

function openPostgres(pg: typeof import('pg').default, url: string, max: number, idleTimeoutMillis: number, timeouts: DatabaseTimeouts): Database {
  // The parsers are the pool's own: `pg.types` is global, and connections made elsewhere
  // with `pg` (the embedded server's start-up checks, tests' admin clients) keep its defaults.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  // The server enforces the statement, lock and idle bounds (sent at connect, so they cost no
  // round trip); pg-pool bounds the wait for a connection. (No client-side `query_timeout`: it
  // gives up on a query the server still runs and leaves the connection to the next caller.)
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis,
    types,
    connectionTimeoutMillis: timeouts.poolWaitMs,
    statement_timeout: timeouts.statementMs,
    lock_timeout: timeouts.lockMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
  });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor may one that is checked out (a query or transaction in flight when the server goes
  // away): pg emits 'error' on such a client, and nothing else listens to it. The query
  // itself still fails with the error, and the pool discards the broken client.
  pool.on('connect', (client) => client.on('error', () => {}));
  // Every connection the app takes passes its group's share first (connection-shares.ts).
  const shares = createConnectionShares(max);
  async function connect(): Promise<PoolClient> {
    const { group, deadline } = currentDbCaller(timeouts.poolWaitMs);
    const release = await shares.acquire(group, Math.max(0, deadline - Date.now()));
    let client: PoolClient;
    try {
      client = await connectBy(pool, deadline);
    } catch (err) {
      release();
      throw err;
    }
    const giveBack = client.release.bind(client);
    client.release = (destroy?: boolean | Error) => {
      release();
      giveBack(destroy);
    };
    return client;
  }
  const sharedPool = { connect, end: () => pool.end(), options: pool.options };
  const db = new Kysely<AnyDB>({ dialect: new PostgresDialect({ pool: sharedPool }) });
  /** Handlers per channel, all fed by one LISTEN connection made on the first listen(). */
  const channels = new Map<string, Set<(payload: string) => void>>();
  const reconnectHandlers = new Set<() => void>();
  let listener: InstanceType<typeof pg.Client> | undefined;
  let listenerReady: Promise<InstanceType<typeof pg.Client>> | undefined;
  let closed = false;
  let retryDelay = 500;

  async function connectListener(): Promise<InstanceType<typeof pg.Client>> {
    const client = new pg.Client({ connectionString: url });
    client.on('notification', (msg) => {
      for (const handler of channels.get(msg.channel) ?? []) handler(msg.payload ?? '');
    });
    // A restarted or unreachable server ends the connection: reconnect with backoff, LISTEN
    // again on every channel, and tell subscribers they may have missed notifications.
    let lost = false;
    const onLost = () => {
      if (lost || closed) return;
      lost = true;
      listener = undefined;
      listenerReady = undefined;
      setTimeout(() => void reconnect(), retryDelay).unref();
    };
    client.on('error', onLost);
    client.on('end', onLost);
    await client.connect();
    for (const channel of channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    listener = client;
    return client;
  }

  async function reconnect() {
    if (closed || listenerReady) return;
    listenerReady = connectListener();
    try {
      await listenerReady;
      retryDelay = 500;
      for (const handler of reconnectHandlers) handler();
    } catch {
      listenerReady = undefined;
      retryDelay = Math.min(retryDelay * 2, 10_000);
      setTimeout(() => void reconnect(), retryDelay).unref();
    }
  }

  return {
    db,
    url,
    async rawTransaction(fn) {
      const client = await pool.connect();
      try {
        // Migrations may rewrite big tables: no statement bound, and a lock wait long enough for
        // the app's short transactions to finish, short enough not to queue them all behind it.
        await client.query(`SET statement_timeout = 0; SET lock_timeout = '30s'`);
        await client.query('begin');
        const session: RawSession = {
          exec: async (text) => {
            await client.query(text);
          },
          query: async (text, params) => (await client.query(text, params)).rows,
        };
        try {
          const result = await fn(session);
          await client.query('commit');
          return result;
        } catch (err) {
          await client.query('rollback');
          throw err;
        }
      } finally {
        // Closed, not returned to the pool: a session that ran the migrations caches the
        // catalog of every table it touched (~30 MB of server memory) for as long as it lives.
        client.release(true);
      }
    },
    async runSql(text, values) {
      const client = await connect();
      let result: any;
      try {
        result = await client.query(text, values);
      } finally {
        client.release();
      }
      // Several statements answer with one result each.
      return { rows: Array.isArray(result) ? result.flatMap((r) => r.rows ?? []) : result.rows };
    },
    async listen(channel, onNotify, onReconnect) {
      // LISTEN needs a connection of its own, outside the pool. One serves every channel of
      // this process (the dispatcher's, each cache's): one connection, and one connect at start.
      listenerReady ??= connectListener();
      const client = await listenerReady;
      let handlers = channels.get(channel);
      if (!handlers) {
        handlers = new Set();
        channels.set(channel, handlers);
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      }
      handlers.add(onNotify);
      if (onReconnect) reconnectHandlers.add(onReconnect);
      return async () => {
        if (onReconnect) reconnectHandlers.delete(onReconnect);
        const set = channels.get(channel);
        if (!set?.delete(onNotify) || set.size > 0) return;
        channels.delete(channel);
        await listener?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {});
      };
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount + waitingOnShares(shares) }),
    readWaits: (deadlineMs) => readDatabaseWaits(pg, url, deadlineMs),
    async close() {
      closed = true;
      channels.clear();
      reconnectHandlers.clear();
      if (listenerReady) await (await listenerReady.catch(() => null))?.end().catch(() => {});
      await db.destroy();
      // Kysely ends the pool only if it ran a query itself; rawTransaction (the migrator)
      // uses the pool directly, and its idle connection must not outlive close().
      if (!pool.ended) await pool.end();
    },
  };
}
