// Named parameters: a query says `:name`, the caller declares each name with a type and
// gives values. Binding replaces each `:name` with the driver's placeholder (`$1`… for
// PostgreSQL, DuckDB and the workspace; `?` for MySQL and MariaDB) and returns the values in
// placeholder order, coerced to their declared type. A value is never spliced into the SQL.
//
// `:name` is found by the dialect's own lexer, so a `:name` inside a string, a quoted
// identifier or a comment is not a parameter, and PostgreSQL's `::` casts are not either;
// `:` inside square brackets is an array slice (`a[1:n]`): write `a[(:n)]` for a parameter there.
// Binding runs before the guard, which then checks the SQL with its placeholders in place.
import { lexMysql, type MysqlToken } from './mysql-lexer.ts';
import { type PgToken, scanPostgres } from './pg-parser.ts';
import { textMemo } from './text-memo.ts';
import { type Dialect, quote } from './types.ts';

export const PARAMETER_TYPES = ['text', 'integer', 'number', 'boolean', 'date', 'timestamp'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ParameterDeclaration {
  readonly name: string;
  readonly type: ParameterType;
}

export type BindRefusal = 'bad_parameter_declaration' | 'unknown_parameter' | 'missing_parameter' | 'bad_parameter_value' | 'positional_parameter' | 'parse_error';

export type BindResult = { ok: true; sql: string; values: unknown[] } | { ok: false; code: BindRefusal; reason: string };

export const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The longest text value accepted (characters). */
export const MAX_TEXT_PARAMETER = 65_535;

interface Reference {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

type Found = { readonly references: readonly Reference[]; readonly positional?: string } | { readonly error: string };

const references = textMemo<Found>({ maxEntries: 1000, maxChars: 4_000_000 });

/** `:name` references in PostgreSQL-family SQL; offsets in bytes of the UTF-8 text. */
function findPostgres(sql: string): Found {
  let tokens: PgToken[];
  try {
    tokens = scanPostgres(sql);
  } catch {
    return { error: 'a string, quoted identifier or comment is not closed' };
  }
  const references: Reference[] = [];
  const brackets: string[] = [];
  for (const [k, t] of tokens.entries()) {
    if (t.text === '(' || t.text === '[') brackets.push(t.text);
    else if (t.text === ')' || t.text === ']') brackets.pop();
    else if (t.tokenName === 'PARAM') return { references, positional: t.text };
    else if (t.text === ':' && brackets[brackets.length - 1] !== '[') {
      const next = tokens[k + 1];
      if (next && next.start === t.end && PARAMETER_NAME.test(next.text)) references.push({ name: next.text, start: t.start, end: next.end });
    }
  }
  return { references };
}

/** `:name` references in MySQL-family SQL; offsets in characters. */
function findMysql(sql: string): Found {
  let tokens: MysqlToken[];
  try {
    tokens = lexMysql(sql);
  } catch (err) {
    return { error: (err as Error).message };
  }
  const references: Reference[] = [];
  for (const [k, t] of tokens.entries()) {
    if (t.kind !== 'symbol') continue;
    const text = sql.slice(t.start, t.end);
    if (text === '?') return { references, positional: '?' };
    const next = tokens[k + 1];
    if (text === ':' && next?.kind === 'word' && PARAMETER_NAME.test(sql.slice(next.start, next.end))) {
      references.push({ name: sql.slice(next.start, next.end), start: t.start, end: next.end });
    }
  }
  return { references };
}

type Coerced = { ok: true; value: unknown } | { ok: false; expected: string };

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function validDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * A timestamp for the driver. PostgreSQL reads ISO 8601 with its offset itself; MySQL, MariaDB
 * and DuckDB's TIMESTAMP take no offset, so one given is applied and the time sent in UTC.
 */
function timestamp(text: string, dialect: Dialect): Coerced {
  const m = TIMESTAMP.exec(text);
  const expected = 'a timestamp (YYYY-MM-DD HH:MM[:SS], optionally with Z or an offset)';
  if (!m) return { ok: false, expected };
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return { ok: false, expected };
  if (dialect === 'postgres' || dialect === 'workspace') return { ok: true, value: text };
  const fraction = m[7] ?? '';
  const zone = m[8];
  if (!zone) return { ok: true, value: `${m[1]}-${m[2]}-${m[3]} ${pad(h)}:${pad(mi)}:${pad(s)}${fraction}` };
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    if (Number(digits.slice(0, 2)) > 23 || Number(digits.slice(2) || 0) > 59) return { ok: false, expected };
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
  }
  const utc = new Date(Date.UTC(y, mo - 1, d, h, mi - offsetMinutes, s));
  const date = `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}`;
  return { ok: true, value: `${date} ${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}${fraction}` };
}

function coerce(type: ParameterType, raw: unknown, dialect: Dialect): Coerced {
  if (raw === null) return { ok: true, value: null };
  switch (type) {
    case 'text':
      if (typeof raw === 'number' || typeof raw === 'boolean') return { ok: true, value: String(raw) };
      if (typeof raw !== 'string') return { ok: false, expected: 'text' };
      if (raw.length > MAX_TEXT_PARAMETER) return { ok: false, expected: `text of at most ${MAX_TEXT_PARAMETER} characters` };
      return { ok: true, value: raw };
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && INTEGER.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
      return Number.isSafeInteger(n) ? { ok: true, value: n } : { ok: false, expected: `a whole number between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}` };
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && NUMBER.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, expected: 'a number' };
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return { ok: true, value: raw.trim().toLowerCase() === 'true' };
      return { ok: false, expected: 'true or false' };
    case 'date': {
      const m = typeof raw === 'string' ? DATE.exec(raw.trim()) : null;
      return m && validDate(Number(m[1]), Number(m[2]), Number(m[3])) ? { ok: true, value: m[0] } : { ok: false, expected: 'a date (YYYY-MM-DD)' };
    }
    case 'timestamp':
      return typeof raw === 'string' ? timestamp(raw.trim(), dialect) : { ok: false, expected: 'a timestamp (YYYY-MM-DD HH:MM[:SS], optionally with Z or an offset)' };
  }
}

function shown(raw: unknown): string {
  return quote(typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw)), 40);
}

/**
 * Replaces each `:name` of `sql` with the dialect's placeholder and returns the values in
 * placeholder order. Refuses a name that is not declared, a referenced name without a value, a
 * value that is not of its declared type, a value for an undeclared name, and positional
 * placeholders written by hand (`$1`, `?`). A declared parameter the SQL does not use is fine.
 */
export function bindNamedParameters(sql: string, dialect: Dialect, declared: readonly ParameterDeclaration[], values: Readonly<Record<string, unknown>>): BindResult {
  const types = new Map<string, ParameterType>();
  for (const d of declared) {
    if (!PARAMETER_NAME.test(d.name)) return { ok: false, code: 'bad_parameter_declaration', reason: `parameter name ${quote(d.name, 40)} must be letters, digits and _, not starting with a digit` };
    if (!PARAMETER_TYPES.includes(d.type)) return { ok: false, code: 'bad_parameter_declaration', reason: `parameter ${d.name} has an unknown type; use one of ${PARAMETER_TYPES.join(', ')}` };
    if (types.has(d.name)) return { ok: false, code: 'bad_parameter_declaration', reason: `parameter ${d.name} is declared twice` };
    types.set(d.name, d.type);
  }
  for (const name of Object.keys(values)) {
    if (!types.has(name)) return { ok: false, code: 'unknown_parameter', reason: `a value was given for ${quote(name, 40)}, which is not a declared parameter` };
  }

  const mysql = dialect === 'mysql' || dialect === 'mariadb';
  // The scan is a pure function of the text (~0.2 ms of PostgreSQL's lexer each): a query run
  // again (a dashboard's widgets, an alert's checks) is not scanned again.
  const found = references.get(`${mysql ? 'mysql' : 'postgres'}\u0000${sql}`, () => (mysql ? findMysql(sql) : findPostgres(sql)));
  if ('error' in found) return { ok: false, code: 'parse_error', reason: `the SQL could not be parsed: ${found.error}` };
  if (found.positional) {
    return { ok: false, code: 'positional_parameter', reason: `write parameters by name (:name); a positional placeholder ${found.positional} is not supported` };
  }

  const coerced = new Map<string, unknown>();
  for (const { name } of found.references) {
    if (coerced.has(name)) continue;
    const type = types.get(name);
    if (!type) {
      const known = types.size > 0 ? `declared: ${[...types.keys()].join(', ')}` : 'no parameters are declared';
      return { ok: false, code: 'unknown_parameter', reason: `:${name} is not a declared parameter (${known})` };
    }
    if (!Object.hasOwn(values, name) || values[name] === undefined) return { ok: false, code: 'missing_parameter', reason: `parameter ${name} has no value` };
    const result = coerce(type, values[name], dialect);
    if (!result.ok) return { ok: false, code: 'bad_parameter_value', reason: `parameter ${name} must be ${result.expected}; got ${shown(values[name])}` };
    coerced.set(name, result.value);
  }
  return mysql ? bindMysql(sql, found.references, coerced) : bindPostgres(sql, found.references, coerced);
}

function bindMysql(sql: string, references: readonly Reference[], coerced: ReadonlyMap<string, unknown>): BindResult {
  let out = '';
  let pos = 0;
  const values: unknown[] = [];
  for (const r of references) {
    out += `${sql.slice(pos, r.start)}?`;
    values.push(coerced.get(r.name));
    pos = r.end;
  }
  return { ok: true, sql: out + sql.slice(pos), values };
}

// `x$1` would lex as one identifier: a placeholder after an identifier character gets a space.
const IDENTIFIER_BYTE = (b: number | undefined) => b !== undefined && (b >= 0x80 || b === 0x24 || b === 0x5f || (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a));

function bindPostgres(sql: string, references: readonly Reference[], coerced: ReadonlyMap<string, unknown>): BindResult {
  const bytes = Buffer.from(sql, 'utf8');
  const numbers = new Map<string, number>();
  const values: unknown[] = [];
  let out = '';
  let pos = 0;
  for (const r of references) {
    let n = numbers.get(r.name);
    if (n === undefined) {
      values.push(coerced.get(r.name));
      n = values.length;
      numbers.set(r.name, n);
    }
    out += `${bytes.toString('utf8', pos, r.start)}${IDENTIFIER_BYTE(bytes[r.start - 1]) ? ' ' : ''}$${n}`;
    pos = r.end;
  }
  return { ok: true, sql: out + bytes.toString('utf8', pos), values };
}
