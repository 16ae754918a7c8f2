// Layer 1 for PostgreSQL, the workspace source and DuckDB: the real PostgreSQL parser
// (libpg-query, the server's own grammar compiled to WebAssembly) reads the query, and the
// whole tree is walked: every SELECT, CTE, subquery, set operation, function call and relation.
//
// DuckDB's grammar descends from PostgreSQL's, and so does its lexer (nested comments, E'' and
// dollar quotes): what this parser reads as one SELECT, DuckDB reads the same way. DuckDB-only
// syntax (FROM-first, EXCLUDE, QUALIFY, lambdas) does not parse here and is refused as such.
//
// The statement handed back is the text that was parsed, comments and trailing semicolons
// removed: what runs is exactly what was checked, and it can be wrapped (`SELECT * FROM (…) q`).
import { DUCKDB_TABLE_FUNCTIONS, duckdbFunctions, looksLikeFileOrUrl, postgresFunctions, postgresRelations, workspaceFunctions } from './deny-lists.ts';
import { type PgToken, parseSync, scanPostgres } from './pg-parser.ts';
import { type GuardAccepted, quote, Refusal } from './types.ts';

export type PostgresFamily = 'postgres' | 'workspace' | 'duckdb';

type Node = Record<string, any>;

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

/** Comments replaced by a space, leading and trailing semicolons dropped: the text to parse and run. */
function stripComments(sql: string, dialect: PostgresFamily): string {
  let tokens: PgToken[];
  try {
    tokens = scanPostgres(sql);
  } catch {
    // The scanner's own error is not readable (an unterminated string or comment): the parser says it better.
    parse(sql, dialect);
    throw new Refusal('parse_error', 'the SQL could not be parsed: a string, quoted identifier or comment is not closed');
  }
  const significant = tokens.filter((t) => !COMMENT_TOKENS.has(t.tokenName));
  let first = 0;
  let last = significant.length - 1;
  while (first <= last && significant[first].text === ';') first++;
  while (last >= first && significant[last].text === ';') last--;
  if (first > last) throw new Refusal('empty', 'the query is empty');
  // Token offsets count bytes of the UTF-8 text.
  const bytes = Buffer.from(sql, 'utf8');
  const from = significant[first].start;
  const to = significant[last].end;
  let out = '';
  let pos = from;
  for (const t of tokens) {
    if (t.start < from || t.end > to || !COMMENT_TOKENS.has(t.tokenName)) continue;
    out += `${bytes.toString('utf8', pos, t.start)} `;
    pos = t.end;
  }
  return out + bytes.toString('utf8', pos, to);
}

/** The parse tree, or a refusal quoting the parser's message. A RangeError (nesting too deep) passes through. */
function parse(sql: string, dialect: PostgresFamily): { stmts: Node[] } {
  try {
    return parseSync(sql) as unknown as { stmts: Node[] };
  } catch (err) {
    if (err instanceof RangeError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (/memory exhausted|stack depth limit/.test(message)) throw new Refusal('too_complex', 'the query is nested too deeply to check');
    const hint = dialect === 'duckdb' ? ' (a files source accepts PostgreSQL-style SELECT syntax; DuckDB-only forms such as FROM-first queries, EXCLUDE or QUALIFY are not supported)' : '';
    throw new Refusal('parse_error', `the SQL could not be parsed: ${message}${hint}`);
  }
}

const STATEMENT_WORDS: Record<string, string> = {
  CreateTableAsStmt: 'CREATE TABLE AS',
  CreateStmt: 'CREATE TABLE',
  VariableSetStmt: 'SET',
  VariableShowStmt: 'SHOW',
  TransactionStmt: 'a transaction command',
  DoStmt: 'a DO block',
  VacuumStmt: 'VACUUM or ANALYZE',
  CheckPointStmt: 'CHECKPOINT',
  DeclareCursorStmt: 'DECLARE CURSOR',
  CreateFunctionStmt: 'CREATE FUNCTION',
  GrantStmt: 'GRANT or REVOKE',
  AlterTableStmt: 'ALTER TABLE',
  RenameStmt: 'ALTER … RENAME',
  LockStmt: 'LOCK',
};

/** `DeleteStmt` → `DELETE`, `CreateRoleStmt` → `CREATE ROLE`. */
function statementWords(kind: string): string {
  return STATEMENT_WORDS[kind] ?? kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

const LOCK_WORDS: Record<string, string> = {
  LCS_FORUPDATE: 'FOR UPDATE',
  LCS_FORNOKEYUPDATE: 'FOR NO KEY UPDATE',
  LCS_FORSHARE: 'FOR SHARE',
  LCS_FORKEYSHARE: 'FOR KEY SHARE',
};

const DUCKDB_TABLE_FUNCTIONS_LIST = [...DUCKDB_TABLE_FUNCTIONS].join(', ');

const DATA_MODIFYING = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Names shown in a refusal: enough for a person or a model to repair the query. */
function listForReason(names: readonly string[]): string {
  return names.length <= 30 ? `: ${names.join(', ')}` : '';
}

class Walker {
  readonly relations = new Set<string>();
  readonly functions = new Set<string>();
  private readonly allowed: Set<string> | undefined;
  /** DuckDB resolves identifiers without regard to case, even quoted ones; PostgreSQL folds only unquoted ones (the parser did that). */
  private readonly norm: (name: string) => string;

  private readonly dialect: PostgresFamily;
  private readonly allowedList: readonly string[] | undefined;

  constructor(dialect: PostgresFamily, allowedList: readonly string[] | undefined) {
    this.dialect = dialect;
    this.allowedList = allowedList;
    this.norm = dialect === 'duckdb' ? (n) => n.toLowerCase() : (n) => n;
    this.allowed = allowedList ? new Set(allowedList.map(this.norm)) : undefined;
  }

  walk(node: unknown, scope: ReadonlySet<string>): void {
    if (Array.isArray(node)) {
      for (const item of node) this.walk(item, scope);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'SelectStmt') this.select(value, scope);
      else if (DATA_MODIFYING.has(key)) throw new Refusal('data_modifying_cte', `${statementWords(key)} is not allowed inside a query: a query may not change data`);
      // A RangeVar needs the scope: an unqualified name may be a CTE's.
      else if (key === 'RangeVar') this.relation(value, scope);
      else if (key === 'FuncCall') {
        this.function(value, false);
        this.walk(value, scope);
      } else if (key === 'RangeFunction') {
        for (const item of value.functions ?? []) {
          const call = item.List?.items?.[0]?.FuncCall;
          if (call) this.function(call, true);
          else if (this.dialect === 'duckdb') throw new Refusal('denied_function', `only ${DUCKDB_TABLE_FUNCTIONS_LIST} may make rows in FROM`);
        }
        this.walk(value, scope);
      } else this.walk(value, scope);
    }
  }

  select(stmt: Node, scope: ReadonlySet<string>): void {
    if (stmt.intoClause) throw new Refusal('select_into', 'SELECT … INTO is not allowed: it creates a table');
    const lock = stmt.lockingClause?.[0]?.LockingClause;
    if (lock) {
      const words = LOCK_WORDS[lock.strength] ?? 'a locking clause';
      throw new Refusal('locking_clause', `${words} is not allowed: a query takes no row locks`);
    }
    const inner = stmt.withClause ? this.with(stmt.withClause, scope) : scope;
    if (stmt.larg) this.select(stmt.larg, inner);
    if (stmt.rarg) this.select(stmt.rarg, inner);
    for (const [key, value] of Object.entries(stmt)) {
      if (key === 'withClause' || key === 'larg' || key === 'rarg') continue;
      this.walk(value, inner);
    }
  }

  /** Returns the scope of the main query: the outer scope plus this WITH's names. */
  private with(clause: Node, scope: ReadonlySet<string>): ReadonlySet<string> {
    const ctes: Node[] = (clause.ctes ?? []).map((c: Node) => c.CommonTableExpr);
    const names = ctes.map((c) => this.norm(c.ctename));
    ctes.forEach((cte, i) => {
      // A plain WITH item sees only the items before it (a forward or self reference names a
      // real table); WITH RECURSIVE makes every item visible to every other (PostgreSQL's rule).
      const visible = new Set([...scope, ...(clause.recursive ? names : names.slice(0, i))]);
      const [kind] = Object.keys(cte.ctequery ?? {});
      if (DATA_MODIFYING.has(kind)) {
        throw new Refusal('data_modifying_cte', `WITH ${cte.ctename} AS (${statementWords(kind)} …) is not allowed: a query may not change data`);
      }
      if (kind !== 'SelectStmt') throw new Refusal('not_a_select', `WITH ${cte.ctename} must hold a SELECT; found ${statementWords(kind)}`);
      this.select(cte.ctequery.SelectStmt, visible);
      const { ctequery: _q, ...rest } = cte;
      this.walk(rest, visible);
    });
    return new Set([...scope, ...names]);
  }

  relation(rv: Node, scope: ReadonlySet<string>): void {
    const name = this.norm(rv.relname);
    const qualifiers = [rv.catalogname, rv.schemaname].filter((q): q is string => Boolean(q)).map(this.norm);
    if (qualifiers.length === 0 && scope.has(name)) return;
    const written = [...qualifiers, name].join('.');
    const denied = postgresRelations.reasonFor(name);
    if (denied) throw new Refusal('denied_relation', `relation ${written} is not allowed: ${denied}`);
    if (this.allowed && this.allowedList) {
      if (this.dialect === 'workspace' && qualifiers.length > 0) {
        throw new Refusal(
          'relation_not_allowed',
          `relation ${written} is not allowed: the workspace source reads only its own relations, by unqualified name${listForReason(this.allowedList)}`,
        );
      }
      if (!this.allowed.has(written)) {
        throw new Refusal('relation_not_allowed', `relation ${written} is not a table of this source; its tables are${listForReason(this.allowedList) || ' listed in its schema'}`);
      }
    }
    this.relations.add(written);
  }

  function(call: Node, inFrom: boolean): void {
    const parts: string[] = (call.funcname ?? []).map((n: Node) => this.norm(n.String?.sval ?? ''));
    const name = parts[parts.length - 1] ?? '';
    this.functions.add(parts.join('.'));
    const denied =
      postgresFunctions.reasonFor(name) ?? (this.dialect === 'duckdb' ? duckdbFunctions.reasonFor(name) : this.dialect === 'workspace' ? workspaceFunctions.reasonFor(name) : undefined);
    if (denied) throw new Refusal('denied_function', `${name} is not allowed: ${denied}`);
    if (this.dialect !== 'duckdb') return;
    if (inFrom && !DUCKDB_TABLE_FUNCTIONS.has(name)) {
      throw new Refusal('denied_function', `table function ${name} is not allowed: a files source reads its own tables; only ${DUCKDB_TABLE_FUNCTIONS_LIST} may make rows in FROM`);
    }
    for (const arg of call.args ?? []) {
      const text = stringConstant(arg);
      if (text !== undefined && looksLikeFileOrUrl(text)) {
        throw new Refusal('file_access', `${name}(${quote(text, 40)}) is not allowed: a query reads only the tables of its own source, never files or URLs`);
      }
    }
  }
}

/** The text of a string constant argument, seen through casts and named-argument syntax. */
function stringConstant(arg: Node | undefined): string | undefined {
  if (!arg) return undefined;
  if (arg.NamedArgExpr) return stringConstant(arg.NamedArgExpr.arg);
  if (arg.TypeCast) return stringConstant(arg.TypeCast.arg);
  const s = arg.A_Const?.sval?.sval;
  return typeof s === 'string' ? s : undefined;
}

/** Throws a Refusal unless `sql` is one read-only SELECT under the dialect's rules. */
export function guardPostgresFamily(sql: string, dialect: PostgresFamily, allowedRelations: readonly string[] | undefined): GuardAccepted {
  const clean = stripComments(sql, dialect);
  const tree = parse(clean, dialect);
  if (tree.stmts.length === 0) throw new Refusal('empty', 'the query is empty');
  if (tree.stmts.length > 1) throw new Refusal('multiple_statements', `only one statement is allowed; found ${tree.stmts.length}`);
  const stmt = tree.stmts[0].stmt as Node;
  const [kind] = Object.keys(stmt);
  if (kind !== 'SelectStmt') throw new Refusal('not_a_select', `only a SELECT query is allowed; found ${statementWords(kind)}`);
  const walker = new Walker(dialect, allowedRelations);
  walker.select(stmt.SelectStmt, new Set());
  return { ok: true, sql: clean, relations: [...walker.relations], functions: [...walker.functions] };
}
