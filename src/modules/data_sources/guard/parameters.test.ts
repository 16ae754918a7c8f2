import { describe, expect, it } from 'vitest';
import { type BindResult, bindNamedParameters, guardSql, type ParameterDeclaration } from './index.ts';

function bound(result: BindResult) {
  if (!result.ok) throw new Error(`expected the parameters to bind: ${result.code}: ${result.reason}`);
  return result;
}

function failed(result: BindResult) {
  if (result.ok) throw new Error(`expected a refusal, bound ${JSON.stringify(result)}`);
  return result;
}

const text = (name: string): ParameterDeclaration => ({ name, type: 'text' });
const int = (name: string): ParameterDeclaration => ({ name, type: 'integer' });

describe('binding :name in PostgreSQL, DuckDB and the workspace', () => {
  it('numbers names in order of first use and reuses a number for a repeated name', () => {
    const r = bound(bindNamedParameters('SELECT * FROM t WHERE a = :a AND b = :b OR a > :a', 'postgres', [int('a'), text('b')], { a: 5, b: 'x' }));
    expect(r.sql).toBe('SELECT * FROM t WHERE a = $1 AND b = $2 OR a > $1');
    expect(r.values).toEqual([5, 'x']);
  });

  it('leaves :name alone inside strings, quoted identifiers and comments, and :: casts alone', () => {
    const sql = [
      "SELECT ':a', E'\\':a', $$ :a $$, $q$ :a $q$, \"col:a\", U&'\\0041:a'",
      '-- :a',
      '/* :a /* nested :a */ :a */',
      ', x::int, :a::bigint, arr[1:n], arr[(:a)], y:a',
    ].join('\n');
    const r = bound(bindNamedParameters(sql, 'postgres', [int('a')], { a: 1 }));
    expect(r.sql).toBe(sql.replace(', :a::bigint', ', $1::bigint').replace('arr[(:a)]', 'arr[($1)]').replace('y:a', 'y $1'));
    expect(r.values).toEqual([1]);
  });

  it('works on text with multi-byte characters before the parameter', () => {
    const r = bound(bindNamedParameters("SELECT 'ééé' AS s WHERE name = :name", 'duckdb', [text('name')], { name: 'Zoë' }));
    expect(r.sql).toBe("SELECT 'ééé' AS s WHERE name = $1");
  });

  it('gives SQL the guard accepts, with the values outside it', () => {
    const hostile = "'; DROP TABLE projects; --";
    const r = bound(bindNamedParameters('SELECT * FROM projects WHERE name = :name', 'workspace', [text('name')], { name: hostile }));
    expect(r.sql).not.toContain('DROP');
    expect(r.values).toEqual([hostile]);
    expect(guardSql(r.sql, { dialect: 'workspace', allowedRelations: ['projects'] }).ok).toBe(true);
  });

  it('refuses positional placeholders written by hand, but not the jsonb ? operator', () => {
    expect(failed(bindNamedParameters('SELECT $1', 'postgres', [], {})).code).toBe('positional_parameter');
    expect(bound(bindNamedParameters("SELECT data ? 'k' FROM docs", 'postgres', [], {})).sql).toBe("SELECT data ? 'k' FROM docs");
  });
});

describe('binding :name in MySQL and MariaDB', () => {
  it('writes ? for each use and repeats the value', () => {
    const r = bound(bindNamedParameters('SELECT * FROM t WHERE a = :a AND b = :b OR a > :a', 'mariadb', [int('a'), text('b')], { a: 5, b: 'x' }));
    expect(r.sql).toBe('SELECT * FROM t WHERE a = ? AND b = ? OR a > ?');
    expect(r.values).toEqual([5, 'x', 5]);
  });

  it("leaves :name alone in strings (with backslash escapes), backticks and comments, and := alone", () => {
    const sql = "SELECT ':a', 'it\\'s :a', \"x :a\", `c:a` # :a\n-- :a\n/* :a */, @v := 1, :a";
    const r = bound(bindNamedParameters(sql, 'mysql', [int('a')], { a: 2 }));
    expect(r.sql).toBe(sql.replace(/, :a$/, ', ?'));
    expect(r.values).toEqual([2]);
  });

  it('refuses a ? written by hand', () => {
    expect(failed(bindNamedParameters('SELECT * FROM t WHERE a = ?', 'mysql', [], {})).code).toBe('positional_parameter');
    expect(bound(bindNamedParameters("SELECT '?' FROM t", 'mysql', [], {})).values).toEqual([]);
  });
});

describe('refusals', () => {
  it('names a parameter the SQL uses but nobody declared', () => {
    const r = failed(bindNamedParameters('SELECT :who', 'postgres', [int('a')], { a: 1 }));
    expect(r).toEqual({ ok: false, code: 'unknown_parameter', reason: ':who is not a declared parameter (declared: a)' });
    expect(failed(bindNamedParameters('SELECT :who', 'mysql', [], {})).reason).toBe(':who is not a declared parameter (no parameters are declared)');
  });

  it('refuses a value for a name that is not declared', () => {
    expect(failed(bindNamedParameters('SELECT 1', 'postgres', [], { extra: 1 }))).toMatchObject({ code: 'unknown_parameter' });
  });

  it('refuses a used parameter without a value, and allows an unused one', () => {
    expect(failed(bindNamedParameters('SELECT :a', 'postgres', [int('a')], {}))).toEqual({ ok: false, code: 'missing_parameter', reason: 'parameter a has no value' });
    expect(bound(bindNamedParameters('SELECT 1', 'postgres', [int('a')], {})).values).toEqual([]);
  });

  it('refuses bad declarations', () => {
    expect(failed(bindNamedParameters('SELECT 1', 'postgres', [int('1a')], {})).code).toBe('bad_parameter_declaration');
    expect(failed(bindNamedParameters('SELECT 1', 'postgres', [int('a'), text('a')], {})).code).toBe('bad_parameter_declaration');
    expect(failed(bindNamedParameters('SELECT 1', 'postgres', [{ name: 'a', type: 'json' as never }], {})).code).toBe('bad_parameter_declaration');
  });

  it('refuses SQL whose strings or comments are not closed', () => {
    expect(failed(bindNamedParameters("SELECT ':a", 'postgres', [], {})).code).toBe('parse_error');
    expect(failed(bindNamedParameters('SELECT 1 /* :a', 'mysql', [], {})).code).toBe('parse_error');
  });
});

describe('values are checked against their declared type', () => {
  const one = (type: ParameterDeclaration['type'], value: unknown, dialect: 'postgres' | 'mysql' = 'postgres') =>
    bindNamedParameters('SELECT :v', dialect, [{ name: 'v', type }], { v: value });

  it.each([
    ['integer', 42, 42],
    ['integer', ' -7 ', -7],
    ['number', '3.25', 3.25],
    ['number', -1e3, -1000],
    ['boolean', 'TRUE', true],
    ['boolean', false, false],
    ['text', 12, '12'],
    ['date', '2024-02-29', '2024-02-29'],
    ['timestamp', '2024-03-01T10:30:00+02:00', '2024-03-01T10:30:00+02:00'],
    ['integer', null, null],
  ] as const)('%s accepts %j', (type, value, expected) => {
    expect(bound(one(type, value)).values).toEqual([expected]);
  });

  it.each([
    ['integer', 1.5, 'parameter v must be a whole number between -9007199254740991 and 9007199254740991; got "1.5"'],
    ['integer', '12abc', 'parameter v must be a whole number between -9007199254740991 and 9007199254740991; got "12abc"'],
    ['integer', '99999999999999999999', 'parameter v must be a whole number between -9007199254740991 and 9007199254740991; got "99999999999999999999"'],
    ['number', 'NaN', 'parameter v must be a number; got "NaN"'],
    ['number', Number.POSITIVE_INFINITY, 'parameter v must be a number; got "null"'],
    ['boolean', 'yes', 'parameter v must be true or false; got "yes"'],
    ['date', '2023-02-29', 'parameter v must be a date (YYYY-MM-DD); got "2023-02-29"'],
    ['date', '29/02/2024', 'parameter v must be a date (YYYY-MM-DD); got "29/02/2024"'],
    ['timestamp', '2024-03-01 25:00', 'parameter v must be a timestamp (YYYY-MM-DD HH:MM[:SS], optionally with Z or an offset); got "2024-03-01 25:00"'],
    ['text', { a: 1 }, 'parameter v must be text; got "{"a":1}"'],
    ['text', 'x'.repeat(70_000), `parameter v must be text of at most 65535 characters; got "${'x'.repeat(39)}…"`],
  ] as const)('%s refuses %j', (type, value, reason) => {
    expect(failed(one(type, value))).toEqual({ ok: false, code: 'bad_parameter_value', reason });
  });

  it('sends MySQL and DuckDB timestamps without an offset, in UTC when one was given', () => {
    expect(bound(one('timestamp', '2024-03-01T00:30:00.25+02:00', 'mysql')).values).toEqual(['2024-02-29 22:30:00.25']);
    expect(bound(one('timestamp', '2024-03-01T10:30Z', 'mysql')).values).toEqual(['2024-03-01 10:30:00']);
    expect(bound(one('timestamp', '2024-03-01 10:30:05', 'mysql')).values).toEqual(['2024-03-01 10:30:05']);
    expect(bound(bindNamedParameters('SELECT :v', 'duckdb', [{ name: 'v', type: 'timestamp' }], { v: '2024-03-01T10:30:00-01:30' })).values).toEqual(['2024-03-01 12:00:00']);
  });
});
