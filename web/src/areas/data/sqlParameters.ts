// The `:name` parameters an SQL text uses, in order of first use, so the editor can offer a
// field for each while the person types. The server finds them with the dialect's own lexer
// (src/modules/data_sources/guard/parameters.ts) and is the judge; this mirrors its rules
// closely enough for the form: a `:name` inside a string, a quoted identifier or a comment is
// not a parameter, a PostgreSQL `::` cast is not one, nor a `:` inside square brackets (an
// array slice, `a[1:n]`).

export type Dialect = 'postgres' | 'mysql';

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/** The distinct parameter names `sql` uses, in order of first use. */
export function sqlParameters(sql: string, dialect: Dialect = 'postgres'): string[] {
  const names: string[] = [];
  let brackets = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') i = lineEnd(sql, i);
    else if (c === '#' && dialect === 'mysql') i = lineEnd(sql, i);
    else if (c === '/' && next === '*') i = blockCommentEnd(sql, i, dialect === 'postgres');
    else if (c === "'") i = quotedEnd(sql, i, "'", dialect === 'mysql' || isEscapeString(sql, i));
    else if (c === '"') i = quotedEnd(sql, i, '"', dialect === 'mysql');
    else if (c === '`' && dialect === 'mysql') i = quotedEnd(sql, i, '`', false);
    else if (c === '$' && dialect === 'postgres' && dollarTag(sql, i)) i = dollarEnd(sql, i);
    else if (c === '[') {
      brackets++;
      i++;
    } else if (c === ']') {
      brackets = Math.max(0, brackets - 1);
      i++;
    } else if (c === ':' && next === ':') i += 2;
    else if (c === ':' && brackets === 0 && next !== undefined && NAME_START.test(next)) {
      let end = i + 2;
      while (end < n && NAME_PART.test(sql[end])) end++;
      const name = sql.slice(i + 1, end);
      if (!names.includes(name)) names.push(name);
      i = end;
    } else i++;
  }
  return names;
}

function lineEnd(sql: string, from: number): number {
  const end = sql.indexOf('\n', from);
  return end === -1 ? sql.length : end + 1;
}

/** PostgreSQL nests block comments; MySQL does not. An unclosed one runs to the end. */
function blockCommentEnd(sql: string, from: number, nested: boolean): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth = nested ? depth + 1 : 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** `E'…'`: PostgreSQL's escape string, where a backslash escapes the quote. */
function isEscapeString(sql: string, quoteAt: number): boolean {
  const before = sql[quoteAt - 1];
  return (before === 'E' || before === 'e') && !NAME_PART.test(sql[quoteAt - 2] ?? ' ');
}

/** The end of a quoted text: a doubled quote is one quote; with `backslash`, `\x` is one character. */
function quotedEnd(sql: string, from: number, quote: string, backslash: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    if (backslash && sql[i] === '\\') i += 2;
    else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

function dollarTag(sql: string, from: number): string | undefined {
  // `$1` is a positional parameter, not a quote; a tag never follows a word character.
  if (from > 0 && NAME_PART.test(sql[from - 1])) return undefined;
  return DOLLAR_TAG.exec(sql.slice(from, from + 64))?.[0];
}

function dollarEnd(sql: string, from: number): number {
  const tag = dollarTag(sql, from)!;
  const end = sql.indexOf(tag, from + tag.length);
  return end === -1 ? sql.length : end + tag.length;
}
