// Settings are environment variables, each declared once, with its default and its meaning, as
// a TypeBox schema. Core declares its own (config.ts); each module declares its slice next to
// `setup` (decision 0034). All of them are parsed once at start-up, before anything is built,
// and every bad variable is named on a line of its own.
import { type TCodec, type TObject, type TString, Type } from 'typebox';
import { AllowListError, parseAllowList } from './net/allow-list.ts';

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Bad settings: one issue per variable, in the order they are declared; the message has a line each. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /** The first bad variable. */
  readonly variable: string;
  constructor(variable: string, message: string, ...more: ConfigIssue[]) {
    const issues = [{ variable, message }, ...more];
    super(issues.map((i) => `${i.variable}: ${i.message}`).join('\n'));
    this.issues = issues;
    this.variable = variable;
  }

  static of(issues: readonly ConfigIssue[]): ConfigError {
    const [first, ...more] = issues;
    return new ConfigError(first.variable, first.message, ...more);
  }
}

/** What a parser says of a value it refuses; the loader adds the variable's name. */
export class SettingError extends Error {}

/** Turns the text of a variable into its value, or throws SettingError saying what is wrong. */
export type Parser<T> = (raw: string) => T;

const bad = (message: string) => new SettingError(message);

export const text: Parser<string> = (raw) => raw;

export const integer =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw)) throw bad(`expected an integer, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw bad(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };

export const boolean: Parser<boolean> = (raw) => {
  const v = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw bad(`expected true or false, got "${raw}"`);
};

export const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    if (!values.includes(raw as T)) throw bad(`must be one of ${values.join(', ')}, got "${raw}"`);
    return raw as T;
  };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** Durations: "900", "900s", "15m", "12h", "30d" -> seconds. */
export const seconds: Parser<number> = (raw) => {
  const m = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!m) throw bad(`expected a duration like 15m, 12h or 30d, got "${raw}"`);
  const value = Number(m[1]) * UNIT_SECONDS[m[2] || 's'];
  if (value <= 0) throw bad('must be greater than zero');
  return value;
};

export const secondsAtMost =
  (max: number): Parser<number> =>
  (raw) => {
    const value = seconds(raw);
    if (value > max) throw bad(`must be at most ${max}s, got ${value}s`);
    return value;
  };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
/** Short durations: "500ms", "4s", "1m" (a bare number is milliseconds) -> milliseconds, within [min, max]. */
export const millis =
  (minMs: number, maxMs: number): Parser<number> =>
  (raw) => {
    const m = /^(\d+)\s*(ms|s|m)?$/.exec(raw.trim());
    if (!m) throw bad(`expected a duration like 500ms, 4s or 1m, got "${raw}"`);
    const ms = Number(m[1]) * UNIT_MS[m[2] || 'ms'];
    if (ms < minMs || ms > maxMs) throw bad(`must be between ${minMs}ms and ${maxMs / 1000}s, got ${ms}ms`);
    return ms;
  };

export const url =
  (...protocols: string[]): Parser<string> =>
  (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw bad('is not a valid URL');
    }
    if (!protocols.includes(parsed.protocol)) throw bad(`must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
    return raw;
  };

/** Unset or empty: undefined; otherwise parsed by `p`. */
export const optional =
  <T>(p: Parser<T>): Parser<T | undefined> =>
  (raw) =>
    raw === '' ? undefined : p(raw);

export const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Host names, IP addresses or CIDR ranges, checked here so a typo stops start-up. */
export const hostList: Parser<string[]> = (raw) => {
  const entries = list(raw);
  try {
    parseAllowList(entries);
  } catch (err) {
    throw err instanceof AllowListError ? bad(err.message) : err;
  }
  return entries;
};

export const email: Parser<string> = (raw) => {
  if (!/^[^\s@]+@[^\s@]+$/.test(raw)) throw bad(`is not an email address: "${raw}"`);
  return raw;
};

/** One variable: a string schema that names it, with its default and meaning, decoded by its parser. */
export type TSetting<T> = TCodec<TString, T>;

/**
 * Declares a variable. `def` is its text when unset ('' for none: shown as — in README);
 * `description` is README's "meaning" column.
 */
export function setting<T>(env: string, def: string, parse: Parser<T>, description: string): TSetting<T> {
  return Type.Decode(Type.String({ env, default: def, description }), (raw: string) => parse(raw));
}

/** What a setting's schema holds at run time (TypeBox keeps unknown keywords such as `env`). */
interface SettingSchema {
  env: string;
  default: string;
  description: string;
  '~codec': { decode(raw: unknown): unknown };
}

export type SettingsProperties = Record<string, TSetting<any>>;

/** The decoded variables of a slice, under their property names. */
export type Decoded<P extends SettingsProperties> = { -readonly [K in keyof P]: P[K] extends TSetting<infer T> ? T : never };

/** A slice of the configuration: its variables as a TypeBox object, and the parse to its typed settings. */
export interface SettingsSlice<T> {
  readonly schema: TObject;
  /**
   * From the decoded variables to the settings `setup` receives: checks across variables
   * (throw ConfigError naming the variable) and derived values.
   */
  parse(values: Record<string, unknown>): T;
}

/**
 * A slice: `properties` are `setting(…)`s under the names the code reads; `parse` (optional)
 * checks what one variable alone cannot and shapes the result. Types follow by inference.
 */
export function defineSettings<const P extends SettingsProperties, T = Decoded<P>>(properties: P, parse?: (values: Decoded<P>) => T): SettingsSlice<T> {
  return { schema: Type.Object(properties) as TObject, parse: (values) => (parse ? parse(values as Decoded<P>) : (values as T)) };
}

/** A slice with its owner: `core` or a module's name. */
export interface SettingsOwner {
  owner: string;
  slice: SettingsSlice<unknown>;
}

const variablesOf = (slice: SettingsSlice<unknown>) => Object.entries(slice.schema.properties as Record<string, unknown>) as [string, SettingSchema][];

/**
 * Decodes a variable from `env`. The codec is called directly rather than through
 * `typebox/value`, whose loading would cost start-up tens of milliseconds (decision 0019) for a
 * string check the loader does not need: environment values are strings.
 */
function decode(schema: SettingSchema, env: Record<string, string | undefined>): unknown {
  return schema['~codec'].decode(env[schema.env] ?? schema.default);
}

/** One variable of a slice, alone (tracing reads its own before the app loads). */
export function readSetting<T>(setting: TSetting<T>, env: Record<string, string | undefined>): T {
  const schema = setting as unknown as SettingSchema;
  try {
    return decode(schema, env) as T;
  } catch (err) {
    throw err instanceof SettingError ? new ConfigError(schema.env, err.message) : err;
  }
}

/**
 * Parses every slice from `env`. First each variable alone, then, when all are valid, each
 * slice's `parse`; either way every bad variable is reported, one issue each (ConfigError).
 * A variable declared by two owners is a programming error and throws a plain Error.
 */
export function parseSettings(env: Record<string, string | undefined>, owners: readonly SettingsOwner[]): Record<string, unknown> {
  const declaredBy = new Map<string, string>();
  for (const { owner, slice } of owners) {
    for (const [, s] of variablesOf(slice)) {
      const other = declaredBy.get(s.env);
      if (other) throw new Error(`the setting ${s.env} is declared by both ${other} and ${owner}`);
      declaredBy.set(s.env, owner);
    }
  }
  const issues: ConfigIssue[] = [];
  const decoded = owners.map(({ slice }) => {
    const values: Record<string, unknown> = {};
    for (const [key, s] of variablesOf(slice)) {
      try {
        values[key] = decode(s, env);
      } catch (err) {
        if (!(err instanceof SettingError)) throw err;
        issues.push({ variable: s.env, message: err.message });
      }
    }
    return values;
  });
  if (issues.length) throw ConfigError.of(issues);
  const parsed: Record<string, unknown> = {};
  owners.forEach(({ owner, slice }, i) => {
    try {
      parsed[owner] = slice.parse(decoded[i]);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
    }
  });
  if (issues.length) throw ConfigError.of(issues);
  return parsed;
}

/** One slice alone, parsed from `env` (a module's tests). */
export function parseSlice<T>(slice: SettingsSlice<T>, env: Record<string, string | undefined>): T {
  return parseSettings(env, [{ owner: 'slice', slice }]).slice as T;
}

/** The settings as README shows them: one row per variable, owners in the order given. */
export function settingsTable(owners: readonly SettingsOwner[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = owners.flatMap(({ owner, slice }) =>
    variablesOf(slice).map(([, s]) => `| \`${s.env}\` | ${owner} | ${s.default ? `\`${cell(s.default)}\`` : '—'} | ${cell(s.description)} |`),
  );
  return ['| variable | module | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** The settings a slice parses to: what its module's `setup` receives as `core.settings`. */
export type SettingsOf<S> = S extends SettingsSlice<infer T> ? T : never;
