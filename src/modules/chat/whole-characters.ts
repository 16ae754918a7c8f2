// A model's text deltas, made to hold whole characters. A provider that cuts its text by UTF-16
// code unit (or by token, where a token ends inside a character) sends an emoji's two halves in
// two deltas, each a lone surrogate. A lone surrogate is not text: PostgreSQL's jsonb refuses it
// (and U+0000 too), so the chunk holding it could never be stored (the answer hung, its writes
// failing), and a client would draw a broken glyph. The high half waits for the next delta;
// anything still unpaired, and U+0000, becomes U+FFFD, the replacement character.

const HIGH_SURROGATE_AT_END = /[\uD800-\uDBFF]$/;
// With the `u` flag a class of surrogates matches only unpaired ones: a pair is one code point.
const NOT_STORABLE = /[\0\uD800-\uDFFF]/gu;
const HAS_NOT_STORABLE = /[\0\uD800-\uDFFF]/u;

export function wholeCharacters() {
  let held = '';
  return {
    /** The text of the next delta that is whole characters ('' when it was only half of one). */
    next(delta: string): string {
      let text = held + delta;
      held = '';
      if (HIGH_SURROGATE_AT_END.test(text)) {
        held = text.slice(-1);
        text = text.slice(0, -1);
      }
      return HAS_NOT_STORABLE.test(text) ? text.replace(NOT_STORABLE, '\uFFFD') : text;
    },
    /** What is held when the text ends (or something else comes between): the half, replaced. */
    end(): string {
      const rest = held ? '\uFFFD' : '';
      held = '';
      return rest;
    },
  };
}

/**
 * `value` with U+0000 and unpaired surrogates in its strings (keys too) replaced by U+FFFD: what
 * jsonb stores. The value itself when nothing needed it (the common case allocates nothing).
 */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return (HAS_NOT_STORABLE.test(value) ? value.replace(NOT_STORABLE, '\uFFFD') : value) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const clean = storable(item);
      if (clean === item) return;
      out ??= [...value];
      out[i] = clean;
    });
    return (out ?? value) as T;
  }
  if (value && typeof value === 'object') {
    let out: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const cleanKey = storable(key);
      const clean = storable(item);
      if (clean === item && cleanKey === key) continue;
      out ??= { ...(value as Record<string, unknown>) };
      if (cleanKey !== key) delete out[key];
      out[cleanKey] = clean;
    }
    return (out ?? value) as T;
  }
  return value;
}
