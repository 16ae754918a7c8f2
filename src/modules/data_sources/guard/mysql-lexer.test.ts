import { describe, expect, it } from 'vitest';
import { lexMysql, MysqlLexError, quotingIsAmbiguous } from './mysql-lexer.ts';

const kinds = (sql: string) => lexMysql(sql).filter((t) => t.kind !== 'space').map((t) => [t.kind, sql.slice(t.start, t.end)]);

describe('the MySQL lexer', () => {
  it('starts a -- comment only before whitespace, a control character or the end', () => {
    expect(kinds('1 -- x')).toEqual([['word', '1'], ['line_comment', '-- x']]);
    expect(kinds('1 --\tx')).toEqual([['word', '1'], ['line_comment', '--\tx']]);
    expect(kinds('1 --')).toEqual([['word', '1'], ['line_comment', '--']]);
    expect(kinds('1 --1')).toEqual([['word', '1'], ['double_dash', '--'], ['word', '1']]);
  });

  it('reads # comments to the end of the line and block comments without nesting', () => {
    expect(kinds('a # b\nc')).toEqual([['word', 'a'], ['line_comment', '# b'], ['word', 'c']]);
    expect(kinds('a /* /* */ b */')).toEqual([['word', 'a'], ['block_comment', '/* /* */'], ['word', 'b'], ['symbol', '*'], ['symbol', '/']]);
  });

  it('sets executable comments and hints apart', () => {
    for (const c of ['/*! x */', '/*!50000 x */', '/*M! x */', '/*M!100000 x */', '/*+ BKA(t) */']) expect(kinds(c)).toEqual([['executable_comment', c]]);
  });

  it('reads strings with doubled quotes and backslash escapes, and backticks with doubled backticks', () => {
    expect(kinds("'it''s' 'a\\'b' \"x\\\"y\" `a``b`")).toEqual([
      ['string', "'it''s'"],
      ['string', "'a\\'b'"],
      ['string', '"x\\"y"'],
      ['quoted_identifier', '`a``b`'],
    ]);
  });

  it('throws on unterminated strings, identifiers and comments', () => {
    for (const sql of ["'abc", '"abc', '`abc', '/* abc', "'abc\\'"]) expect(() => lexMysql(sql), sql).toThrow(MysqlLexError);
  });

  it('finds quoting that another SQL mode would split differently', () => {
    const ambiguous = (sql: string) => quotingIsAmbiguous(sql, lexMysql(sql));
    expect(ambiguous("SELECT 'a\\'b'")).toBe(true);
    expect(ambiguous('SELECT "a\\"b"')).toBe(true);
    expect(ambiguous("SELECT 'a\\\\' , 'b'")).toBe(false);
    expect(ambiguous("SELECT 'a\\_b', 'it''s'")).toBe(false);
  });
});
