// Layer 1 for MySQL and MariaDB. Two readers, each checking what the other may miss:
// 1. mysql-lexer.ts, with the server's own token rules: comments are removed (executable
//    `/*! */` comments and hints refused), statements are counted by their semicolons, quoting
//    that another SQL mode would read differently is refused, and every `name(` call is looked up;
// 2. node-sql-parser (MySQL or MariaDB grammar) on the comment-free text: the statement must be
//    one SELECT, and its whole tree is walked for INTO, locking reads, functions, relations and
//    server variables. What it cannot parse is refused: the guard never guesses.
import NodeSqlParser from 'node-sql-parser';
import { mysqlFunctions, mysqlInformationSchema, mysqlSchemas } from './deny-lists.ts';
import { lexMysql, type MysqlLexError, type MysqlToken, quotingIsAmbiguous } from './mysql-lexer.ts';
import { type GuardAccepted, quote, Refusal } from './types.ts';

export type MysqlFamily = 'mysql' | 'mariadb';

type Node = Record<string, any>;

const parser = new NodeSqlParser.Parser();
// node-sql-parser's two grammars each miss some of the other's valid SQL (its MariaDB grammar
// cannot read a column named `status`): the dialect's own grammar first, then the other one.
// Both read the text the lexical pass already proved to be one statement without comments.
const GRAMMARS: Record<MysqlFamily, readonly string[]> = { mysql: ['MySQL', 'MariaDB'], mariadb: ['MariaDB', 'MySQL'] };

type Parsed = { ast: Node | Node[]; tableList: string[] };

function parse(clean: string, dialect: MysqlFamily): Parsed {
  let first: unknown;
  for (const database of GRAMMARS[dialect]) {
    try {
      return parser.parse(clean, { database }) as unknown as Parsed;
    } catch (err) {
      if (err instanceof RangeError) throw err;
      first ??= err;
    }
  }
  throw parseRefusal(first, dialect);
}

const COMMENTS = new Set<MysqlToken['kind']>(['line_comment', 'block_comment']);

/** Lexical checks, then the text without comments, leading or trailing semicolons. */
function lexicalPass(sql: string): string {
  let tokens: MysqlToken[];
  try {
    tokens = lexMysql(sql);
  } catch (err) {
    throw new Refusal('parse_error', `the SQL could not be parsed: ${(err as MysqlLexError).message}`);
  }
  const text = (t: MysqlToken) => sql.slice(t.start, t.end);
  const significant = tokens.filter((t) => t.kind !== 'space' && !COMMENTS.has(t.kind));
  for (const t of significant) {
    if (t.kind === 'executable_comment') {
      throw new Refusal('executable_comment', `${quote(text(t), 30)} is not allowed: the server executes /*! … */ comments and hints; write plain SQL`);
    }
    if (t.kind === 'double_dash') {
      throw new Refusal('ambiguous_syntax', '-- must be followed by a space to start a comment; write "- -" for two minus signs');
    }
  }
  if (quotingIsAmbiguous(sql, tokens)) {
    throw new Refusal('ambiguous_syntax', "a backslash before a quote reads differently under other SQL modes; double the quote instead ('it''s')");
  }

  let first = 0;
  let last = significant.length - 1;
  while (first <= last && text(significant[first]) === ';') first++;
  while (last >= first && text(significant[last]) === ';') last--;
  if (first > last) throw new Refusal('empty', 'the query is empty');
  const inner = significant.slice(first, last + 1);
  let statements = 1;
  for (let k = 0; k < inner.length - 1; k++) if (text(inner[k]) === ';' && text(inner[k + 1]) !== ';') statements++;
  if (statements > 1) throw new Refusal('multiple_statements', `only one statement is allowed; found ${statements}`);

  for (const [k, t] of inner.entries()) {
    const following = inner[k + 1];
    if (t.kind === 'symbol' && text(t) === '@' && following?.start === t.end && text(following) === '@') {
      throw new Refusal('denied_variable', 'server variables (@@name) are not allowed: they expose server settings');
    }
    // `name (` is a call whatever the parser makes of it; a quoted name resolves to the same built-in or to a stored function.
    if ((t.kind === 'word' || t.kind === 'quoted_identifier') && following && text(following) === '(') {
      const name = unquote(text(t)).toLowerCase();
      const denied = mysqlFunctions.reasonFor(name);
      if (denied) throw new Refusal('denied_function', `${name} is not allowed: ${denied}`);
    }
  }
  const from = inner[0].start;
  const to = inner[inner.length - 1].end;
  return tokens
    .filter((t) => t.start >= from && t.end <= to)
    .map((t) => (COMMENTS.has(t.kind) ? ' ' : text(t)))
    .join('');
}

function unquote(name: string): string {
  return name.startsWith('`') ? name.slice(1, -1).replaceAll('``', '`') : name;
}

function parseRefusal(err: unknown, dialect: MysqlFamily): Refusal {
  const e = err as { found?: string | null; location?: { start?: { line: number; column: number } } };
  const where = e.location?.start ? ` (line ${e.location.start.line}, column ${e.location.start.column})` : '';
  const near = e.found ? `syntax error at or near "${e.found}"` : 'syntax error at end of input';
  const server = dialect === 'mariadb' ? 'MariaDB' : 'MySQL';
  return new Refusal('parse_error', `the SQL could not be parsed: ${near}${where}; the guard reads common ${server} SELECT syntax only`);
}

/** A node-sql-parser name: a plain string, or `{ type, value }` for quoted ones. */
function nameOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Node).value === 'string') return (value as Node).value;
  return undefined;
}

class Walker {
  readonly relations = new Set<string>();
  readonly functions = new Set<string>();
  private readonly allowed: Set<string> | undefined;
  private readonly allowedList: readonly string[] | undefined;

  constructor(allowedList: readonly string[] | undefined) {
    this.allowedList = allowedList;
    this.allowed = allowedList ? new Set(allowedList.map((n) => n.toLowerCase())) : undefined;
  }

  /** A statement nested anywhere (subquery, derived table, CTE body): it must be a SELECT. */
  statement(ast: Node, scope: ReadonlySet<string>, cteName?: string): void {
    if (ast.type !== 'select') {
      const kind = String(ast.type ?? 'statement').toUpperCase();
      if (cteName) throw new Refusal('data_modifying_cte', `WITH ${cteName} AS (${kind} …) is not allowed: a query may not change data`);
      throw new Refusal('not_a_select', `only a SELECT query is allowed; found ${kind}`);
    }
    this.select(ast, scope);
  }

  private select(sel: Node, scope: ReadonlySet<string>): void {
    const into = sel.into;
    if (into && (into.position || into.keyword || into.expr)) {
      const target = into.keyword === 'var' ? 'a variable' : String(into.keyword ?? 'a target').toUpperCase();
      throw new Refusal('select_into', `SELECT … INTO ${target} is not allowed: a query only returns rows`);
    }
    if (sel.locking_read) throw new Refusal('locking_clause', `${String(sel.locking_read).toUpperCase()} is not allowed: a query takes no row locks`);
    const inner = sel.with ? this.with(sel.with, scope) : scope;
    for (const [key, value] of Object.entries(sel)) {
      if (key !== 'with' && key !== '_next') this.walk(value, inner);
    }
    if (sel._next) this.statement(sel._next, inner);
  }

  private with(items: Node[], scope: ReadonlySet<string>): ReadonlySet<string> {
    const names = items.map((w) => (nameOf(w.name) ?? '').toLowerCase());
    const recursive = items.some((w) => w.recursive);
    items.forEach((w, i) => {
      // Each item sees the ones before it, and itself when recursive; a later name is a real table.
      const visible = new Set([...scope, ...names.slice(0, recursive ? i + 1 : i)]);
      const ast = w.stmt?.ast ?? w.stmt;
      if (!ast || typeof ast !== 'object') throw new Refusal('parse_error', `WITH ${names[i]} could not be read`);
      this.statement(ast, visible, names[i]);
    });
    return new Set([...scope, ...names]);
  }

  relation(db: string | undefined | null, table: string, scope: ReadonlySet<string>): void {
    const t = table.toLowerCase();
    const schema = db?.toLowerCase();
    if (!schema && scope.has(t)) return;
    const written = db ? `${db}.${table}` : table;
    const denied = relationDenial(schema, t);
    if (denied) throw new Refusal('denied_relation', `relation ${written} is not allowed: ${denied}`);
    if (this.allowed && !this.allowed.has(written.toLowerCase())) {
      const list = this.allowedList && this.allowedList.length <= 30 ? `: ${this.allowedList.join(', ')}` : ' listed in its schema';
      throw new Refusal('relation_not_allowed', `relation ${written} is not a table of this source; its tables are${list}`);
    }
    this.relations.add(written);
  }

  private walk(node: unknown, scope: ReadonlySet<string>): void {
    if (Array.isArray(node)) {
      for (const item of node) this.walk(item, scope);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.ast && typeof n.ast === 'object') {
      this.statement(n.ast, scope);
      return;
    }
    // A table reference, wherever the parser put it: FROM lists, joins, parenthesised joins
    // (`FROM (a JOIN b)` nests them under `expr`). Column references carry `column`.
    if ('table' in n && !('column' in n) && n.type !== 'column_ref' && n.type !== 'dual') {
      const table = nameOf(n.table);
      if (table !== undefined) this.relation(nameOf(n.db), table, scope);
    }
    if (n.type === 'function' || n.type === 'aggr_func') this.function(n);
    if (n.type === 'var' && n.prefix === '@@') throw new Refusal('denied_variable', `server variable @@${n.name} is not allowed: it exposes server settings`);
    if (n.type === 'param') throw new Refusal('parse_error', `:${n.value} is not bound: declare it as a parameter of the query`);
    if (n.type === 'assign') throw new Refusal('denied_variable', 'assigning a variable (:=) is not allowed: a query only reads');
    if (n.type === 'select') {
      this.select(n, scope);
      return;
    }
    for (const value of Object.values(n)) this.walk(value, scope);
  }

  private function(n: Node): void {
    const parts: string[] =
      typeof n.name === 'string' ? [n.name] : [nameOf(n.name?.schema), ...(n.name?.name ?? []).map(nameOf)].filter((p): p is string => typeof p === 'string');
    const name = (parts[parts.length - 1] ?? '').toLowerCase();
    this.functions.add(parts.join('.'));
    const denied = mysqlFunctions.reasonFor(name);
    if (denied) throw new Refusal('denied_function', `${name} is not allowed: ${denied}`);
  }
}

function relationDenial(schema: string | undefined, table: string): string | undefined {
  if (!schema) return undefined;
  return mysqlSchemas.reasonFor(schema) ?? (schema === 'information_schema' ? mysqlInformationSchema.reasonFor(table) : undefined);
}

/** Throws a Refusal unless `sql` is one read-only SELECT for MySQL or MariaDB. */
export function guardMysqlFamily(sql: string, dialect: MysqlFamily, allowedRelations: readonly string[] | undefined): GuardAccepted {
  const clean = lexicalPass(sql);
  const parsed = parse(clean, dialect);
  if (Array.isArray(parsed.ast)) {
    if (parsed.ast.length !== 1) throw new Refusal('multiple_statements', `only one statement is allowed; found ${parsed.ast.length}`);
    parsed.ast = parsed.ast[0];
  }
  const walker = new Walker(allowedRelations);
  walker.statement(parsed.ast, new Set());
  // The parser's own list of every table it met, nested ones included: a second look at what the walk checked.
  for (const entry of parsed.tableList ?? []) {
    const [op, db, table] = entry.split('::');
    if (op !== 'select') throw new Refusal('not_a_select', `only a SELECT query is allowed; found ${op.toUpperCase()}`);
    const denied = relationDenial(db === 'null' ? undefined : db.toLowerCase(), table.toLowerCase());
    if (denied) throw new Refusal('denied_relation', `relation ${db}.${table} is not allowed: ${denied}`);
  }
  return { ok: true, sql: clean, relations: [...walker.relations], functions: [...walker.functions] };
}
