// A key-value cache for permission checks and hot reads. In memory by default; with
// REDIS_URL, shared by every instance (and still served from memory while Redis is down).
// Entries are invalidated by their owners when the events that change them commit.
//
// Values are JSON: what comes back is what JSON.parse(JSON.stringify(value)) gives (a Date
// comes back as a string), in memory as in Redis, so code tested on one behaves the same on
// the other. `undefined` is not stored. A returned object may be shared by later callers:
// never mutate it.

export interface Cache {
  /** True when entries are shared between instances (Redis); false for a process-local cache. */
  readonly shared: boolean;
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlSeconds: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  /** Returns the cached value, or computes, stores and returns it; concurrent callers of one key share one computation. */
  wrap<T>(key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
