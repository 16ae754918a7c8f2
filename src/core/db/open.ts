// The database a configuration names: the PostgreSQL server of DATABASE_URL, else the
// embedded one in DATA_DIR/postgres, started here (decision 0027). Both are reached the same
// way, through a `pg` pool: there is one database path.
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../log/logger.ts';
import { type Database, type DatabaseTimeouts, openDatabase } from './database.ts';
import type { EmbeddedPostgres } from './embedded-postgres.ts';
import { waitForDatabase } from './wait-for-database.ts';

const EMBEDDED_IDLE_MS = 5_000;

export interface OpenedDatabase {
  database: Database;
  /** The server started (or found running) in DATA_DIR/postgres; null with DATABASE_URL. */
  embedded: EmbeddedPostgres | null;
  /** Ends the pool, then stops the embedded server (fast shutdown: it ends its sessions). */
  close(): Promise<void>;
}

type DatabaseSettings = 'databaseUrl' | 'dataDir' | 'databasePoolSize' | 'dbStatementTimeout' | 'dbLockTimeout' | 'dbIdleInTransactionTimeout' | 'dbPoolWaitTimeout' | 'dbStartTimeout';

/** The connection bounds of the settings (decision 0029). */
export const timeoutsOf = (config: Pick<Config, DatabaseSettings>): DatabaseTimeouts => ({
  statementMs: config.dbStatementTimeout,
  lockMs: config.dbLockTimeout,
  idleInTransactionMs: config.dbIdleInTransactionTimeout,
  poolWaitMs: config.dbPoolWaitTimeout,
});

export async function openConfiguredDatabase(config: Pick<Config, DatabaseSettings>, log: Logger): Promise<OpenedDatabase> {
  const timeouts = timeoutsOf(config);
  if (config.databaseUrl) {
    // Bounded: a server that is down or frozen is retried and reported, then start-up fails.
    await waitForDatabase(config.databaseUrl, { timeoutMs: config.dbStartTimeout, log: log.child({ component: 'database' }) });
    const database = await openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize, timeouts });
    return { database, embedded: null, close: () => database.close() };
  }
  // Loaded only here: a deployment with DATABASE_URL never reads the embedded server's code.
  const [{ startEmbeddedPostgres }, { assertNoLegacyPglite }] = await Promise.all([import('./embedded-postgres.ts'), import('./legacy-pglite.ts')]);
  // An earlier version's PGlite folder waiting to be imported stops start-up with the command to run.
  assertNoLegacyPglite(config.dataDir);
  const pgLog = log.child({ component: 'postgres' });
  const embedded = await startEmbeddedPostgres({ dir: join(config.dataDir, 'postgres'), log: (message, fields) => pgLog.info(fields ?? {}, message) });
  // Creating the pool connects nothing yet: there is no failure here to stop the server for.
  // Idle connections close after 5 s (30 s on a server): each is a server process holding
  // ~15-20 MB of RSS, and on a laptop the memory matters more than the ~2 ms of a new
  // connection over the local socket once a burst of requests resumes.
  const database = await openDatabase({ url: embedded.url(), poolSize: config.databasePoolSize, idleTimeoutMs: EMBEDDED_IDLE_MS, timeouts });
  return {
    database,
    embedded,
    async close() {
      try {
        await database.close();
      } finally {
        await embedded.stop();
      }
    },
  };
}
