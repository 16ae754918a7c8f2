// pg-boss talks to the database through this adapter instead of a pool of its own: it
// shares the service's pool (one connection budget) and its LISTEN connection.
import { CompiledQuery } from 'kysely';
import type { Db as IDatabase } from 'pg-boss';
import type { Database, Executor } from '../db/database.ts';

/**
 * pg-boss's own statements at once, at most. Each worker polls its queue every few seconds, all
 * at the same moment: unbounded, a dozen queues keep as many pool connections (each a server
 * process of ~15-20 MB) open for polls that take a millisecond. Two keep a slow maintenance
 * statement from holding up the polls; job handlers' own queries use the pool as usual.
 */
const PG_BOSS_CONCURRENCY = 2;

export function pgBossDatabase(database: Database): IDatabase {
  const gate = createGate(PG_BOSS_CONCURRENCY);
  return {
    executeSql: (text, values) => gate(() => database.runSql(text, values)),
    async listen(channel, onNotification, onReconnect) {
      const unlisten = await database.listen(channel, onNotification, onReconnect);
      // Nothing was heard before this subscription: let pg-boss fetch what it may have missed.
      onReconnect();
      return { close: unlisten };
    },
  };
}

/** Runs pg-boss statements inside a caller's Kysely transaction (enqueue with the state change). */
export function pgBossTransaction(tx: Executor): IDatabase {
  return {
    async executeSql(text, values) {
      const result = await tx.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: [...result.rows] };
    },
  };
}

/** Runs at most `limit` of the given tasks at a time, the rest in arrival order. */
function createGate(limit: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
