// The SQL guard's vocabulary (layer 1 of the read-only guard, issue #12): which dialect a
// source speaks, what the caller may allow, and why a query was refused.

/**
 * `mysql` and `mariadb` share one guard (node-sql-parser in the matching mode); `duckdb` is
 * parsed by the PostgreSQL parser with DuckDB's rules; `workspace` is the postgres guard plus
 * an allow list of the workspace's own relations.
 */
export type Dialect = 'postgres' | 'mysql' | 'mariadb' | 'duckdb' | 'workspace';
export const DIALECTS: readonly Dialect[] = ['postgres', 'mysql', 'mariadb', 'duckdb', 'workspace'];

export interface GuardOptions {
  readonly dialect: Dialect;
  /**
   * The only relations the query may read. Required for `workspace` (its read-only relations,
   * unqualified) and `duckdb` (the source's own tables); optional for the others, where it is
   * enforced when given. An entry is `name` or `schema.name`.
   */
  readonly allowedRelations?: readonly string[];
}

/** Stable codes: the API returns them, tests and the red-team suite assert them. */
export const GUARD_REFUSALS = [
  'too_long',
  'too_complex',
  'empty',
  'parse_error',
  'ambiguous_syntax',
  'executable_comment',
  'multiple_statements',
  'not_a_select',
  'select_into',
  'locking_clause',
  'data_modifying_cte',
  'denied_function',
  'denied_relation',
  'denied_variable',
  'relation_not_allowed',
  'file_access',
] as const;
export type GuardRefusal = (typeof GUARD_REFUSALS)[number];

export interface GuardAccepted {
  readonly ok: true;
  /** The statement to run: comments and trailing semicolons removed; exactly what was checked. */
  readonly sql: string;
  /** Relations read, as written (`schema.name` when qualified), CTE names excluded, in order of first use. */
  readonly relations: string[];
  /** Functions called, as written (normalised identifiers), in order of first use. */
  readonly functions: string[];
}

export interface GuardRefused {
  readonly ok: false;
  readonly code: GuardRefusal;
  /** Plain words naming the offending clause, function or relation: shown to users and to the model. */
  readonly reason: string;
}

export type GuardResult = GuardAccepted | GuardRefused;

/** Longer input is refused before any parser sees it. */
export const MAX_SQL_BYTES = 100_000;

/** Thrown inside a guard and turned into a `GuardRefused` at its edge. */
export class Refusal extends Error {
  readonly code: GuardRefusal;
  constructor(code: GuardRefusal, reason: string) {
    super(reason);
    this.code = code;
  }
}

/** Quotes a user-supplied fragment for a reason string, short enough to read. */
export function quote(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ');
  return `"${flat.length > max ? `${flat.slice(0, max - 1)}…` : flat}"`;
}
