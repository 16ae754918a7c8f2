// The pool's own type parsers: bigint has one representation, a JS number, on every path
// (query builder, raw SQL, transactions); a value that does not fit fails its query.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { type Database, openDatabase } from './database.ts';

let database: Database;
beforeAll(async () => {
  // No tables needed: the server's own database will do.
  database = await openDatabase({ url: inject('serverUrl'), poolSize: 2 });
});
afterAll(() => database?.close());

describe('bigint', () => {
  it('arrives as a number from int8 columns and count(*), while numeric stays an exact string', async () => {
    const { rows } = await database.runSql('SELECT 9007199254740991::int8 AS max, (-42)::int8 AS negative, count(*) AS n, 1.10::numeric AS exact FROM (VALUES (1), (2)) v');
    expect(rows).toEqual([{ max: 9007199254740991, negative: -42, n: 2, exact: '1.10' }]);
    const built = await database.db.transaction().execute((tx) => sql<{ n: number }>`SELECT 7::int8 AS n`.execute(tx));
    expect(built.rows).toEqual([{ n: 7 }]);
  });

  it('that does not fit a JS number fails its query instead of losing digits, and the pool goes on', async () => {
    await expect(database.runSql('SELECT 9007199254740993::int8 AS past')).rejects.toThrow(/9007199254740993 does not fit/);
    await expect(database.db.selectNoFrom(sql<number>`(-9007199254740993)::int8`.as('n')).execute()).rejects.toThrow(RangeError);
    expect(await database.db.selectNoFrom(sql<number>`1::int8`.as('n')).execute()).toEqual([{ n: 1 }]);
  });
});
