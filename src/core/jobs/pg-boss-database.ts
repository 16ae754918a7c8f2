// pg-boss talks to the database through this adapter instead of a pool of its own: it
// shares the service's pool (one connection budget) and its LISTEN connection.
import { CompiledQuery } from 'kysely';
import type { Db as IDatabase } from 'pg-boss';
import type { Database, Executor } from '../db/database.ts';

export function pgBossDatabase(database: Database): IDatabase {
  return {
    executeSql: (text, values) => database.runSql(text, values),
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
