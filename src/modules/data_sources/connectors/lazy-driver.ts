// A driver whose library loads with its first use, not with the server: DuckDB (its native
// binding and some 600 files) and mysql2 cost every process megabytes of heap, and a longer
// pause at each full garbage collection, whether or not it ever reads such a source
// (decision 0065). Closing one never used loads nothing.
import type { ConnectorDriver, QueryLimits, Source, StreamPart } from './types.ts';

export function lazyDriver<C>(load: () => Promise<ConnectorDriver<C>>): ConnectorDriver<C> {
  let loaded: Promise<ConnectorDriver<C>> | null = null;
  const driver = () => {
    loaded ??= load().catch((err) => {
      // A failed load (a missing binary) is tried again next time rather than remembered.
      loaded = null;
      throw err;
    });
    return loaded;
  };
  return {
    test: async (connection, signal) => (await driver()).test(connection, signal),
    introspect: async (source, signal) => (await driver()).introspect(source, signal),
    async *stream(source: Source<C>, sql: string, params: unknown[], limits: QueryLimits, signal: AbortSignal): AsyncIterable<StreamPart> {
      // yield* hands a consumer's early return on to the driver's stream, which frees its connection.
      yield* (await driver()).stream(source, sql, params, limits, signal);
    },
    run: async (source, sql, params, limits, signal) => (await driver()).run(source, sql, params, limits, signal),
    close: async () => {
      if (loaded) await (await loaded).close();
    },
  };
}
