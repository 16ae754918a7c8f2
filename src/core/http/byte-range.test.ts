import { describe, expect, it } from 'vitest';
import { ifRangeHolds, parseRange } from './byte-range.ts';

describe('parseRange', () => {
  it('reads one range: closed, open-ended, a suffix; the end clamped to the last byte', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'range', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=90-1000', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'range', start: 0, end: 99 });
    expect(parseRange('BYTES= 5-5 ', 100)).toEqual({ kind: 'range', start: 5, end: 5 });
  });

  it('refuses a well-formed range that starts past the end, or asks for no byte', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=100-200', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=99999999999999999999-', 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores what it does not serve: no header, another unit, several ranges, malformed, reversed', () => {
    for (const header of [undefined, '', 'items=0-1', 'bytes=0-1,5-6', 'bytes=-', 'bytes=a-b', 'bytes=5-4', 'bytes=1-2-3', 'bytes 0-1', `bytes=${'1'.repeat(21)}-`]) {
      expect(parseRange(header, 100), String(header)).toEqual({ kind: 'whole' });
    }
  });
});

describe('ifRangeHolds', () => {
  const etag = '"abc"';
  const modified = new Date('2026-03-01T12:00:00.250Z');

  it('holds without If-Range, for the same strong ETag, and for the exact Last-Modified date', () => {
    expect(ifRangeHolds(undefined, etag, modified)).toBe(true);
    expect(ifRangeHolds('"abc"', etag, modified)).toBe(true);
    expect(ifRangeHolds(modified.toUTCString(), etag, modified)).toBe(true);
  });

  it('fails for another ETag, a weak one, another date or garbage', () => {
    expect(ifRangeHolds('"abd"', etag, modified)).toBe(false);
    expect(ifRangeHolds('W/"abc"', etag, modified)).toBe(false);
    expect(ifRangeHolds(new Date(modified.getTime() + 1000).toUTCString(), etag, modified)).toBe(false);
    expect(ifRangeHolds('yesterday', etag, modified)).toBe(false);
  });
});
