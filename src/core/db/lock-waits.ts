// What requests that time out on the database wait on (issue #20, decision 0029). A request
// refused with 503 DB.TIMEOUT says only that it ran out of time; the operator needs to know
// which table, and which session holds it. On such a refusal, at most once per 30 s, one query
// on a connection of its own (outside the pool, whose connections may all be waiting) with a
// short deadline reads pg_locks and pg_stat_activity, and one warning names the relations the
// app's sessions wait on and the sessions that hold them; failing that (the refused request
// gave up its wait, and no other waits at that instant), the strong relation locks other
// sessions hold, or the statements running longest.
import type pg from 'pg';
import type { Logger } from '../log/logger.ts';

/** Sessions of this database waiting for one lock target, and the sessions they wait behind. */
export interface LockWait {
  /** `schema.table`, or the lock type (`advisory`, `transactionid`) when it is no relation. */
  target: string;
  mode: string;
  waiting: number;
  longestMs: number;
  /** The waiting sessions. */
  pids: number[];
  holders: LockHolder[];
}

export interface LockHolder {
  pid: number;
  state: string | null;
  application: string | null;
  /** Age of the holder's transaction. */
  transactionMs: number | null;
  /** Modes it holds on the target; null when it holds none there (it is queued ahead). */
  holds: string | null;
  /** Its current or last statement, cut to 200 characters (`<insufficient privilege>` for other roles unless the app's role may read them). */
  query: string | null;
}

/** A relation lock of ShareLock strength or more held by another session (the app's own take none). */
export interface StrongLock {
  target: string;
  mode: string;
  pid: number;
  state: string | null;
  transactionMs: number | null;
  query: string | null;
}

export interface SlowStatement {
  pid: number;
  runningMs: number;
  waitEvent: string | null;
  query: string | null;
}

export interface DatabaseWaits {
  waits: LockWait[];
  strongLocks: StrongLock[];
  slowStatements: SlowStatement[];
}

const REPORT_SQL = `
WITH waiter AS (
  SELECT w.pid, l.locktype, l.relation, l.mode,
         (extract(epoch FROM clock_timestamp() - w.query_start) * 1000)::int AS waited_ms,
         pg_blocking_pids(w.pid) AS blockers
  FROM pg_locks l JOIN pg_stat_activity w ON w.pid = l.pid
  WHERE NOT l.granted AND w.datname = current_database() AND w.pid <> pg_backend_pid()
), target AS (
  SELECT coalesce(relation::regclass::text, locktype) AS target, relation, locktype, mode,
         count(DISTINCT pid)::int AS waiting, max(waited_ms) AS longest_ms, array_agg(DISTINCT pid) AS pids,
         array_agg(DISTINCT b) FILTER (WHERE b IS NOT NULL) AS blockers
  FROM waiter LEFT JOIN LATERAL unnest(blockers) AS b ON true
  GROUP BY 1, 2, 3, 4
)
SELECT
  (SELECT coalesce(json_agg(json_build_object(
     'target', t.target, 'mode', t.mode, 'waiting', t.waiting, 'longestMs', t.longest_ms, 'pids', t.pids,
     'holders', (SELECT coalesce(json_agg(json_build_object(
         'pid', a.pid, 'state', a.state, 'application', nullif(a.application_name, ''),
         'transactionMs', (extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::int,
         'holds', (SELECT string_agg(DISTINCT h.mode, ',') FROM pg_locks h
                   WHERE h.pid = a.pid AND h.granted AND CASE WHEN t.relation IS NOT NULL THEN h.relation = t.relation ELSE h.locktype = t.locktype END),
         'query', left(a.query, 200)) ORDER BY a.xact_start), '[]')
       FROM pg_stat_activity a WHERE a.pid = ANY(t.blockers))
   ) ORDER BY t.waiting DESC), '[]') FROM target t) AS waits,
  (SELECT coalesce(json_agg(json_build_object(
     'target', l.relation::regclass::text, 'mode', l.mode, 'pid', a.pid, 'state', a.state,
     'transactionMs', (extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::int,
     'query', left(a.query, 200)) ORDER BY a.xact_start), '[]')
   FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.granted AND l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
     AND a.pid <> pg_backend_pid()
     AND l.relation NOT IN (SELECT oid FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace)) AS strong_locks,
  (SELECT coalesce(json_agg(x ORDER BY x."runningMs" DESC), '[]') FROM (
     SELECT a.pid, (extract(epoch FROM clock_timestamp() - a.query_start) * 1000)::int AS "runningMs",
            nullif(concat_ws(':', a.wait_event_type, a.wait_event), '') AS "waitEvent", left(a.query, 200) AS query
     FROM pg_stat_activity a
     WHERE a.datname = current_database() AND a.state = 'active' AND a.pid <> pg_backend_pid()
       AND a.query_start < clock_timestamp() - interval '1 second'
     ORDER BY a.query_start LIMIT 5) x) AS slow_statements`;

/**
 * Reads the report on a connection of its own, within `deadlineMs` whatever the server does
 * (a frozen server, a saturated one): the socket is cut at the deadline.
 */
export async function readDatabaseWaits(pgModule: typeof pg, url: string, deadlineMs: number): Promise<DatabaseWaits> {
  const client = new pgModule.Client({
    connectionString: url,
    connectionTimeoutMillis: deadlineMs,
    statement_timeout: deadlineMs,
    // The catalog reads take no lock a table lock could block, but a bound costs nothing.
    lock_timeout: deadlineMs,
  });
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([
      (async () => {
        await client.connect();
        const { rows } = await client.query(REPORT_SQL);
        const row = rows[0] as { waits: LockWait[]; strong_locks: StrongLock[]; slow_statements: SlowStatement[] };
        return { waits: row.waits, strongLocks: row.strong_locks, slowStatements: row.slow_statements };
      })(),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
}

const seconds = (ms: number | null) => (ms === null ? '?' : `${(ms / 1000).toFixed(1)} s`);

/** The warning's text: what is waited on, and who holds it. */
export function describeWaits(report: DatabaseWaits): string {
  if (report.waits.length) {
    // A holder that waits itself is not the cause: requests queued on a per-user advisory lock
    // behind one that waits on a locked table. Targets with a holder that does not wait come first.
    const waiting = new Set(report.waits.flatMap((w) => w.pids));
    const root = (w: LockWait) => w.holders.some((h) => h.holds && !waiting.has(h.pid));
    const ordered = [...report.waits].sort((a, b) => Number(root(b)) - Number(root(a)));
    const parts = ordered.map((w) => {
      // The sessions that hold the target, not those merely queued ahead of the waiter.
      const holding = w.holders.filter((h) => h.holds);
      const shown = (holding.length ? holding : w.holders).slice(0, 3);
      // No holder seen: the waiter gave up (lock_timeout) between the two reads of the query, so
      // pg_blocking_pids found nothing. The strong locks on the same relation still name who holds it.
      const strong = shown.length ? [] : report.strongLocks.filter((l) => l.target === w.target).slice(0, 3);
      const by = [
        ...shown.map((h) => `pid ${h.pid}${h.holds ? ` holding ${h.holds}` : ''}, ${waiting.has(h.pid) ? 'itself waiting' : (h.state ?? 'state unknown')}, transaction ${seconds(h.transactionMs)}`),
        ...strong.map((l) => `pid ${l.pid} holding ${l.mode}, ${l.state ?? 'state unknown'}, transaction ${seconds(l.transactionMs)}`),
      ].join('; ');
      return `${w.target} (${w.waiting} waiting for ${w.mode}, longest ${seconds(w.longestMs)}${by ? `; held by ${by}` : ''})`;
    });
    return `database requests time out waiting on locks: ${parts.join(', ')}`;
  }
  if (report.strongLocks.length) {
    const parts = report.strongLocks.slice(0, 5).map((l) => `${l.target} (${l.mode} held by pid ${l.pid}, ${l.state ?? 'state unknown'}, transaction ${seconds(l.transactionMs)})`);
    return `database requests time out; no session waits on a lock now, strong locks are held on: ${parts.join(', ')}`;
  }
  if (report.slowStatements.length) {
    return `database requests time out; no lock waits, the longest running statement has run ${seconds(report.slowStatements[0].runningMs)}`;
  }
  return 'database requests time out; no lock waits, strong locks or long statements now (a burst of requests may have taken every connection)';
}

export interface WaitReporter {
  /** A request timed out on the database: report what it waited on, unless reported lately. */
  timedOut(): void;
}

/**
 * At most one report every `everyMs` (one in flight at a time); a report that cannot be read
 * (the server is away) is one line too, under the same bound.
 */
export function createWaitReporter(opts: {
  read: () => Promise<DatabaseWaits>;
  log: Pick<Logger, 'warn'>;
  everyMs?: number;
  now?: () => number;
}): WaitReporter {
  const every = opts.everyMs ?? 30_000;
  const now = opts.now ?? Date.now;
  let last = Number.NEGATIVE_INFINITY;
  return {
    timedOut() {
      const t = now();
      if (t - last < every) return;
      last = t;
      opts.read().then(
        (report) => opts.log.warn({ ...report }, describeWaits(report)),
        (err: Error) => opts.log.warn({ err: err.message.slice(0, 500) }, 'database requests time out; what they wait on could not be read'),
      );
    },
  };
}
