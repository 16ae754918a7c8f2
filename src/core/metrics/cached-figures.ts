// Figures read from the database for /metrics (outbox backlog and lag, jobs), read at most every
// few seconds and never while the scrape waits (decision 0029). A scrape used to run five queries
// of its own: it counted itself in `db_pool_waiting` (5 at rest) and, with the database locked
// or down, did not answer at all. Now a scrape answers from the last figures and, when they are
// stale, starts one refresh in the background; only the very first scrape waits, briefly.

export interface CachedFigures<T> {
  /** The last figures (undefined before the first load), refreshed in the background when stale. */
  get(): Promise<T | undefined>;
}

export function createCachedFigures<T>(load: () => Promise<T>, opts: { maxAgeMs?: number; firstWaitMs?: number; onError?: (err: Error) => void } = {}): CachedFigures<T> {
  const maxAgeMs = opts.maxAgeMs ?? 5000;
  const firstWaitMs = opts.firstWaitMs ?? 1000;
  let value: T | undefined;
  let loadedAt = 0;
  let refreshing: Promise<void> | undefined;

  function refresh(): Promise<void> {
    refreshing ??= load()
      .then((v) => {
        value = v;
        loadedAt = Date.now();
      })
      .catch((err) => opts.onError?.(err as Error))
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  }

  return {
    async get() {
      if (Date.now() - loadedAt < maxAgeMs) return value;
      const pending = refresh();
      if (value === undefined) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([pending, new Promise<void>((r) => (timer = setTimeout(r, firstWaitMs)))]);
        clearTimeout(timer);
      }
      return value;
    },
  };
}
