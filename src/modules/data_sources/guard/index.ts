// The SQL guard, layer 1 (issue #12): a query reaches a source only if a real parser of the
// source's dialect reads it as exactly one read-only SELECT whose every function and relation
// is permitted. Pure functions: no database, no I/O. The later layers (read-only transaction,
// read-only role, timeouts, row caps) hold even when this one is wrong, and this one holds
// when they are misconfigured.
//
//   const bound = bindNamedParameters(sql, 'postgres', declared, values);   // :name → $1
//   if (!bound.ok) …
//   const checked = guardSql(bound.sql, { dialect: 'postgres' });
//   if (!checked.ok) …   // checked.code, checked.reason (plain words, safe to show)
//   run(checked.sql, bound.values);
import { guardMysqlFamily } from './guard-mysql.ts';
import { guardPostgresFamily } from './guard-postgres.ts';
import { type GuardOptions, type GuardResult, MAX_SQL_BYTES, Refusal } from './types.ts';

export type { BindRefusal, BindResult, ParameterDeclaration, ParameterType } from './parameters.ts';
export { bindNamedParameters, MAX_TEXT_PARAMETER, PARAMETER_TYPES } from './parameters.ts';
export type { Dialect, GuardAccepted, GuardOptions, GuardRefusal, GuardRefused, GuardResult } from './types.ts';
export { DIALECTS, GUARD_REFUSALS, MAX_SQL_BYTES } from './types.ts';

/**
 * Checks that `sql` is one read-only query for `options.dialect`. On success `sql` is the
 * statement to run (comments and trailing semicolons removed: exactly the text that was
 * checked). Placeholders (`$1` for PostgreSQL, DuckDB and the workspace, `?` for MySQL and
 * MariaDB) are accepted: bind named parameters first.
 */
export function guardSql(sql: string, options: GuardOptions): GuardResult {
  const { dialect, allowedRelations } = options;
  if ((dialect === 'workspace' || dialect === 'duckdb') && !allowedRelations) {
    // A caller's mistake, not the user's: without the list every relation would be unchecked.
    throw new TypeError(`guardSql: allowedRelations is required for the ${dialect} dialect`);
  }
  if (Buffer.byteLength(sql, 'utf8') > MAX_SQL_BYTES) {
    return { ok: false, code: 'too_long', reason: `the query is longer than ${MAX_SQL_BYTES / 1000} KB` };
  }
  if (sql.trim() === '') return { ok: false, code: 'empty', reason: 'the query is empty' };
  try {
    return dialect === 'mysql' || dialect === 'mariadb'
      ? guardMysqlFamily(sql, dialect, allowedRelations)
      : guardPostgresFamily(sql, dialect, allowedRelations);
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, code: err.code, reason: err.message };
    // Nesting deep enough to exhaust a parser's or the walk's stack.
    if (err instanceof RangeError) return { ok: false, code: 'too_complex', reason: 'the query is nested too deeply to check' };
    throw err;
  }
}
