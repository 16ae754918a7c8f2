import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { decodeCursor, encodeCursor, isUuidKey, toPage } from './pagination.ts';

const ID = '0190a000-0000-7000-8000-000000000001';

function cursorError(cursor: string, isKey?: (k: unknown[]) => boolean): AppError {
  try {
    decodeCursor(cursor, isKey);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error(`accepted ${cursor}`);
}

describe('cursors', () => {
  it('round-trip a key', () => {
    expect(decodeCursor(encodeCursor([ID, 3]))).toEqual([ID, 3]);
    expect(decodeCursor(undefined)).toBeNull();
    expect(decodeCursor('')).toBeNull();
  });

  it('refuse anything this API did not issue with a 400 on query.cursor', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of ['%%%', Buffer.from('not json').toString('base64url'), b64({ a: 1 }), b64('x'), b64([])]) {
      const err = cursorError(bad);
      expect(err.kind).toBe('validation');
      expect(err.errors).toEqual([{ field: 'query.cursor', message: expect.any(String) }]);
    }
  });

  it('checks the key shape when asked', () => {
    expect(decodeCursor(encodeCursor([ID]), isUuidKey)).toEqual([ID]);
    for (const key of [['x'], [42], [ID, ID], [`${ID}x`]]) expect(cursorError(encodeCursor(key), isUuidKey).kind).toBe('validation');
  });
});

describe('toPage', () => {
  it('uses the extra row only to signal more, and keys the cursor on the last row returned', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const page = toPage(rows, 2, (r) => [r.id]);
    expect(page.data).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(page.page.limit).toBe(2);
    expect(decodeCursor(page.page.nextCursor!)).toEqual(['b']);
    expect(toPage(rows, 3, (r) => [r.id]).page.nextCursor).toBeNull();
    expect(toPage([], 3, (r: { id: string }) => [r.id])).toEqual({ data: [], page: { nextCursor: null, limit: 3 } });
  });
});
