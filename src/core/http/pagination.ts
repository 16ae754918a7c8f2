// Cursor pagination: `{ data, page: { nextCursor, limit } }`. Cursors are opaque
// base64url JSON of the sort key of the last row, so keyset queries stay index-backed.
import { type Static, Type, type TSchema } from 'typebox';
import { AppError } from '../errors.ts';
import { named, nameOf, Nullable } from './schema-types.ts';

export const MAX_PAGE_SIZE = 100;

export const PageQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 512, pattern: '^[A-Za-z0-9_-]*$', description: 'Opaque cursor from page.nextCursor', examples: ['WyIwMTkzIl0'] })),
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 }),
};

/** Where a page is in the list: one component for every list of the API. */
export const PageInfo = named(
  'PageInfo',
  Type.Object({
    nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page' })),
    limit: Type.Integer({ description: 'The page size used' }),
  }),
);

/**
 * A page of `item`s. A named item gives the page its name too (`TimeEntry` → `TimeEntryPage`),
 * so every list of one resource shares one page component.
 */
export const pageOf = <T extends TSchema>(item: T) => {
  const page = Type.Object({ data: Type.Array(item), page: PageInfo });
  const name = nameOf(item);
  return name ? named(`${name}Page`, page) : page;
};

export interface Page<T> {
  data: T[];
  page: Static<typeof PageInfo>;
}

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor key of one UUID (keyset on an id column). */
export const isUuidKey = (key: unknown[]): boolean => key.length === 1 && typeof key[0] === 'string' && UUID.test(key[0]);

/**
 * `isKey` checks the decoded key's shape: a cursor is client input, and a key the query
 * cannot use (a non-UUID against a uuid column) must be a 400, not a database error.
 */
export function decodeCursor(cursor: string | undefined, isKey: (key: unknown[]) => boolean = () => true): unknown[] | null {
  if (!cursor) return null;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length > 0 && isKey(key)) return key;
  } catch {
    // fall through to the validation error
  }
  throw new AppError('validation', 'VALIDATION_FAILED', 'The cursor is not valid', {
    errors: [{ field: 'query.cursor', message: 'is not a cursor returned by this API' }],
  });
}

/** Builds a page from `limit + 1` fetched rows: the extra row only signals that more exist. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => unknown[]): Page<T> {
  const data = rows.slice(0, limit);
  const more = rows.length > limit;
  return { data, page: { nextCursor: more ? encodeCursor(keyOf(data[data.length - 1])) : null, limit } };
}
