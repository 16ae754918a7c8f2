// An executor with no database behind it: each statement it is asked to run (in a transaction
// too) gives `onQuery` its parameters and answers no rows. For caches whose changes send a NOTIFY:
// the test reads the payloads they would send.
import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { Executor } from '../src/core/db/database.ts';

export function recordingExecutor(onQuery: (parameters: readonly unknown[]) => void): Executor {
  return new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
      createDriver: () => ({
        init: async () => {},
        acquireConnection: async () => ({
          executeQuery: async (query: { parameters: readonly unknown[] }) => {
            onQuery(query.parameters);
            return { rows: [] };
          },
          streamQuery: () => {
            throw new Error('not used');
          },
        }),
        beginTransaction: async () => {},
        commitTransaction: async () => {},
        rollbackTransaction: async () => {},
        releaseConnection: async () => {},
        destroy: async () => {},
      }),
    },
  });
}
