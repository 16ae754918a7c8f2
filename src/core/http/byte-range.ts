// The `Range` header of a download (RFC 9110 §14): one range of bytes, or none. A header this
// server does not serve (another unit, several ranges, a malformed one) is ignored, as the RFC
// allows: the whole file is sent. Only a well-formed range that starts past the end of the file
// is refused (416).

export type RangeAsked = { kind: 'whole' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

const WHOLE: RangeAsked = { kind: 'whole' };
const SPEC = /^bytes=\s*(\d{0,20})-(\d{0,20})\s*$/i;

/** The range a `Range` header asks of a file of `size` bytes, `end` included and clamped. */
export function parseRange(header: string | undefined, size: number): RangeAsked {
  if (!header) return WHOLE;
  const m = SPEC.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return WHOLE;
  if (m[1] === '') {
    // `bytes=-500`: the last 500 bytes.
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? Number.POSITIVE_INFINITY : Number(m[2]);
  if (last < start) return WHOLE;
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end: Math.min(last, size - 1) };
}

/**
 * Whether a range may be served given `If-Range` (RFC 9110 §13.1.5): without it, yes; with it,
 * only when it names the file as it is now, by its strong ETag or its exact Last-Modified date.
 * Otherwise the file changed since the client's first part: it gets the whole file.
 */
export function ifRangeHolds(ifRange: string | undefined, etag: string, lastModified: Date): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === etag;
  if (value.startsWith('W/')) return false;
  const date = Date.parse(value);
  return !Number.isNaN(date) && Math.floor(date / 1000) === Math.floor(lastModified.getTime() / 1000);
}
