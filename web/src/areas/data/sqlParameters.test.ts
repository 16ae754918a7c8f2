// The editor offers a field for each `:name` the SQL uses, and for nothing that only looks like
// one: the server's binder (src/modules/data_sources/guard/parameters.ts) reads the same rules.
import { describe, expect, it } from 'vitest';
import { sqlParameters } from './sqlParameters';

describe('the parameters an SQL text uses', () => {
  it('lists each name once, in order of first use', () => {
    expect(sqlParameters('SELECT * FROM t WHERE a >= :min AND b < :max OR a = :min')).toEqual(['min', 'max']);
    expect(sqlParameters('SELECT :a_1, :_b')).toEqual(['a_1', '_b']);
  });

  it('skips casts, strings, quoted identifiers, comments and dollar quotes (PostgreSQL)', () => {
    const sql = `SELECT x::int, ':no', "col:no", E'it\\'s :no', $$ :no $$, $tag$ :no $tag$ -- :no
      /* :no /* nested :no */ still :no */ FROM t WHERE y = :yes AND a[1:2] = :also`;
    expect(sqlParameters(sql)).toEqual(['yes', 'also']);
  });

  it('reads a doubled quote as one quote and keeps going', () => {
    expect(sqlParameters("SELECT 'it''s :no' || :yes")).toEqual(['yes']);
  });

  it('follows MySQL: backslash escapes, backticks, # comments, no nested comments', () => {
    expect(sqlParameters("SELECT 'a\\':no', `c:no`, \"d:no\" # :no\n /* :no */ FROM t WHERE z = :yes", 'mysql')).toEqual(['yes']);
  });

  it('treats unfinished text as running to the end, and a bare colon as nothing', () => {
    expect(sqlParameters("SELECT :a, ': not closed :b")).toEqual(['a']);
    expect(sqlParameters('SELECT : a, :1, :')).toEqual([]);
    expect(sqlParameters('SELECT $1, x$y, :p')).toEqual(['p']);
  });
});
