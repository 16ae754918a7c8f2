// A lexer with MySQL's and MariaDB's own rules for what is a string, an identifier or a comment.
// node-sql-parser's grammar is close to MySQL's but not the same (it reads `--1` as a comment
// and drops `/*! … */`, both of which the server executes), so the guard decides these
// boundaries itself, removes the comments, and gives the parser only what the server will run.
//
// Rules (MySQL 8 / MariaDB 11 manuals, "Comments" and "String Literals"):
// - `'…'` and `"…"` are strings (`"` is an identifier under ANSI_QUOTES: same boundaries);
//   a quote is doubled to escape it; a backslash escapes the next character unless the server
//   runs with NO_BACKSLASH_ESCAPES, or the quote is `"` under ANSI_QUOTES.
// - `` `…` `` is an identifier; a backtick is doubled to escape it.
// - `#` and `-- ` start a comment to the end of the line; `--` must be followed by whitespace,
//   a control character or the end of input, otherwise it is two minus signs.
// - `/* … */` is a comment, not nested; `/*! … */`, `/*M! … */` (executed by the server) and
//   `/*+ … */` (optimizer hints) are kinds of their own.

export type MysqlTokenKind =
  | 'space'
  | 'line_comment'
  | 'block_comment'
  | 'executable_comment'
  | 'string'
  | 'quoted_identifier'
  | 'word'
  | 'double_dash'
  | 'symbol';

export interface MysqlToken {
  readonly kind: MysqlTokenKind;
  readonly start: number;
  readonly end: number;
}

export interface MysqlLexOptions {
  /** Backslash escapes in `'…'` strings (off under NO_BACKSLASH_ESCAPES). */
  readonly singleQuoteEscapes: boolean;
  /** Backslash escapes in `"…"` (off under NO_BACKSLASH_ESCAPES and under ANSI_QUOTES). */
  readonly doubleQuoteEscapes: boolean;
}

/** The server's default SQL mode. */
export const DEFAULT_MODE: MysqlLexOptions = { singleQuoteEscapes: true, doubleQuoteEscapes: true };
/** The other modes that change where a quoted token ends. */
export const OTHER_MODES: readonly MysqlLexOptions[] = [
  { singleQuoteEscapes: false, doubleQuoteEscapes: false }, // NO_BACKSLASH_ESCAPES
  { singleQuoteEscapes: true, doubleQuoteEscapes: false }, // ANSI_QUOTES
];

export class MysqlLexError extends Error {}

// Identifier characters: ASCII letters, digits, `_`, `$` and every non-ASCII character.
const WORD = /[A-Za-z0-9_$\u0080-\uffff]/;

const isCommentBreak = (code: number) => Number.isNaN(code) || code <= 32 || code === 127;

/** The tokens of `sql`, spaces and comments included; throws MysqlLexError on an unterminated token. */
export function lexMysql(sql: string, mode: MysqlLexOptions = DEFAULT_MODE): MysqlToken[] {
  const tokens: MysqlToken[] = [];
  let i = 0;
  const push = (kind: MysqlTokenKind, end: number) => {
    tokens.push({ kind, start: i, end });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      let j = i + 1;
      while (j < sql.length && /[ \t\n\r\f\v]/.test(sql[j])) j++;
      push('space', j);
    } else if (c === '#' || (c === '-' && next === '-' && isCommentBreak(sql.charCodeAt(i + 2)))) {
      const nl = sql.indexOf('\n', i);
      push('line_comment', nl === -1 ? sql.length : nl);
    } else if (c === '-' && next === '-') {
      push('double_dash', i + 2);
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) throw new MysqlLexError('a /* comment is not closed');
      const executable = sql[i + 2] === '!' || sql[i + 2] === '+' || (sql[i + 2] === 'M' && sql[i + 3] === '!');
      push(executable ? 'executable_comment' : 'block_comment', close + 2);
    } else if (c === "'" || c === '"') {
      push('string', endOfQuoted(sql, i, c, c === "'" ? mode.singleQuoteEscapes : mode.doubleQuoteEscapes));
    } else if (c === '`') {
      push('quoted_identifier', endOfQuoted(sql, i, '`', false));
    } else if (WORD.test(c)) {
      let j = i + 1;
      while (j < sql.length && WORD.test(sql[j])) j++;
      push('word', j);
    } else {
      push('symbol', i + 1);
    }
  }
  return tokens;
}

function endOfQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let j = start + 1;
  while (j < sql.length) {
    const c = sql[j];
    if (backslashEscapes && c === '\\') j += 2;
    else if (c === quote && sql[j + 1] === quote) j += 2;
    else if (c === quote) return j + 1;
    else j++;
  }
  throw new MysqlLexError(quote === '`' ? 'a `quoted identifier` is not closed' : `a ${quote}string${quote} is not closed`);
}

/** True when the SQL modes that change quoting would split `sql` into different tokens. */
export function quotingIsAmbiguous(sql: string, tokens: readonly MysqlToken[]): boolean {
  for (const mode of OTHER_MODES) {
    let other: MysqlToken[];
    try {
      other = lexMysql(sql, mode);
    } catch {
      return true;
    }
    if (other.length !== tokens.length) return true;
    for (let k = 0; k < tokens.length; k++) {
      if (other[k].kind !== tokens[k].kind || other[k].start !== tokens[k].start || other[k].end !== tokens[k].end) return true;
    }
  }
  return false;
}
