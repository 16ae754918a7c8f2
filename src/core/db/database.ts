// One Kysely instance over either embedded PGlite or a `pg` pool. Repositories see
// only `Executor`; the service decides whether that is the pool or a transaction.
import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import type pg from 'pg';
import { tracing } from '../telemetry/tracing.ts';

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
  readonly kind: 'pglite' | 'postgres';
  readonly db: Kysely<AnyDB>;
  /** Runs fn inside one raw transaction on a dedicated connection (used by the migrator). */
  rawTransaction<T>(fn: (s: RawSession) => Promise<T>): Promise<T>;
  /**
   * Runs SQL text outside the query builder, queued like any other query (on PGlite, behind
   * open transactions). Without values it may hold several statements. Used by the job queue
   * and by the hottest reads, where the query builder's layers are measurable (decision 0019).
   */
  runSql(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
  /**
   * Subscribes to a NOTIFY channel; returns the unsubscribe function. On a server the LISTEN
   * connection is re-established after it drops; `onReconnect` then runs, since whatever was
   * notified in between is lost (caches flush, workers look for missed work).
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

// int8 and numeric arrive as strings from `pg`; counts are cast to int in SQL instead of
// parsing here, so both drivers return the same JS types.

export async function openDatabase(opts: { url?: string; dataDir?: string; poolSize?: number; pglite?: PGlite }): Promise<Database> {
  // Each driver is loaded only in the mode that uses it: start-up pays for one, not both.
  if (opts.url) return openPostgres((await import('pg')).default, opts.url, opts.poolSize ?? 10);
  return openPglite(opts.pglite ?? (await createPglite(opts.dataDir)));
}

/**
 * Shared buffers of the embedded database. initdb writes PostgreSQL's 128 MB default, and
 * single-user PostgreSQL zeroes the whole pool at start: 128 MB resident in the process and
 * ~100 ms more per open. The data folder lives on the local disk and the OS caches its
 * pages anyway, so a small pool costs little on a laptop-sized database (decision 0019).
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

export async function createPglite(dataDir?: string, loadDataDir?: Blob): Promise<PGlite> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  // `-c` on the command line wins over the postgresql.conf that initdb wrote into the folder.
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];
  const pglite = new PGlite({ dataDir, loadDataDir, startParams });
  await pglite.waitReady;
  return pglite;
}

/** Longest stretch of back-to-back PGlite queries before the event loop gets a turn. */
const PGLITE_SLICE_MS = 1;

/**
 * PGlite runs PostgreSQL on this thread and its query promises settle as microtasks, so a
 * chain of queries (a dispatcher pass over many subscriber transactions, a burst of sign-ins)
 * runs to its end without the event loop ever turning: requests that need no database, even
 * `/health/live`, waited behind ~30 ms of it. Before a query, once queries have held the
 * thread for PGLITE_SLICE_MS, this yields a macrotask (setImmediate: pending I/O runs first).
 * The query keeps its place on the single connection; only work outside the database moves.
 */
function createQuerySlicer(): () => Promise<void> | undefined {
  let sliceStart = performance.now();
  const turn = (resolve: () => void) => setImmediate(resolve);
  return () => {
    if (performance.now() - sliceStart < PGLITE_SLICE_MS) return undefined;
    return new Promise<void>(turn).then(() => {
      sliceStart = performance.now();
    });
  };
}

/**
 * A span per PGlite statement, like those instrumentation-pg makes for `pg` (which cannot see
 * PGlite): statement text, never parameter values, and only inside a trace.
 */
function traced<T>(text: string, run: () => Promise<T>): Promise<T> {
  const tracer = tracing();
  if (!tracer) return run();
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  return tracer.inSpan(`pglite.query:${operation}`, { kind: 'client', onlyInTrace: true, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } }, run);
}

async function openPglite(pglite: PGlite): Promise<Database> {
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const slice = createQuerySlicer();
  // The dialect uses only query() and close() of its client.
  const client = {
    async query(text: string, params?: unknown[]) {
      await slice();
      return traced(text, () => pglite.query(text, params));
    },
    close: () => pglite.close(),
  };
  const db = new Kysely<AnyDB>({ dialect: new PGliteDialect(client as unknown as PGlite) });
  let busy = 0;
  return {
    kind: 'pglite',
    db,
    async rawTransaction(fn) {
      // Goes through Kysely's connection so it queues behind (and blocks) any other query.
      return db.connection().execute(async (conn) => {
        busy++;
        try {
          await sqlRaw(conn, 'begin');
          const session: RawSession = {
            exec: async (text) => {
              await pglite.exec(text);
            },
            query: async (text, params) => (await pglite.query(text, params)).rows as any[],
          };
          try {
            const result = await fn(session);
            await sqlRaw(conn, 'commit');
            return result;
          } catch (err) {
            await sqlRaw(conn, 'rollback');
            throw err;
          }
        } finally {
          busy--;
        }
      });
    },
    async runSql(text, values) {
      return db.connection().execute(async (conn) => {
        try {
          if (values?.length) return { rows: [...(await conn.executeQuery(CompiledQuery.raw(text, values))).rows] };
          // exec() takes several statements (the simple protocol); keep every statement's rows.
          await slice();
          const results = await traced(text, () => pglite.exec(text));
          return { rows: results.flatMap((r) => r.rows ?? []) };
        } catch (err) {
          // One connection for everything: a failed BEGIN…COMMIT script must not leave it aborted.
          if (pglite.isInTransaction()) await pglite.query('ROLLBACK').catch(() => {});
          throw err;
        }
      });
    },
    async listen(channel, onNotify) {
      const unsub = await pglite.listen(channel, onNotify);
      return async () => {
        await unsub();
      };
    },
    poolStats: () => ({ total: 1, idle: busy ? 0 : 1, waiting: 0 }),
    async close() {
      await db.destroy();
    },
  };
}

async function sqlRaw(conn: Kysely<AnyDB>, text: string) {
  await sql.raw(text).execute(conn);
}

function openPostgres(pg: typeof import('pg').default, url: string, max: number): Database {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor may one that is checked out (a query or transaction in flight when the server goes
  // away): pg emits 'error' on such a client, and nothing else listens to it. The query
  // itself still fails with the error, and the pool discards the broken client.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<AnyDB>({ dialect: new PostgresDialect({ pool }) });
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
    kind: 'postgres',
    db,
    async rawTransaction(fn) {
      const client = await pool.connect();
      try {
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
        client.release();
      }
    },
    async runSql(text, values) {
      const result: any = await pool.query(text, values);
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
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
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
