// Results of pure functions of a query's text (its scan for `:name`, its guard verdict), kept so
// that a query run again (a dashboard's widgets, a cached result, an alert) is not read again.
// Bounded by entries and by the characters of the keys it holds, oldest out: a query may be
// 100 KB long, and a thousand of those must not stay in memory for a memo.

export interface TextMemo<T> {
  /** The value for `key`, computed by `compute` when the memo does not hold it. */
  get(key: string, compute: () => T): T;
  readonly size: number;
}

export function textMemo<T>(opts: { maxEntries: number; maxChars: number }): TextMemo<T> {
  const entries = new Map<string, T>();
  let chars = 0;
  return {
    get(key, compute) {
      const held = entries.get(key);
      if (held !== undefined) return held;
      const value = compute();
      // A key longer than the whole budget is computed every time, never held.
      if (key.length > opts.maxChars) return value;
      while (entries.size >= opts.maxEntries || chars + key.length > opts.maxChars) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
        chars -= oldest.length;
      }
      entries.set(key, value);
      chars += key.length;
      return value;
    },
    get size() {
      return entries.size;
    },
  };
}
