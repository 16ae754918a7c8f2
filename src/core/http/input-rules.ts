// What request validation knows beyond JSON Schema's own keywords (decision 0020):
//
// - strict time formats: `date` and `date-time` replace ajv-formats' versions (which take year
//   0000, leap seconds, offsets without a colon and a space for the `T`), plus
//   `date-or-date-time`, `iso-week`, `year-month` and `week-or-month`; all in years 1–9999;
// - `x-years: [min, max]`: the narrower range of years a domain accepts (time entries, reports);
// - `x-text: line | text | any`: which characters a string may hold;
// - the net: `guardStrings` gives every string of a request schema that says nothing else
//   `x-text: any`, so no string with U+0000 or an unpaired surrogate reaches a handler, even on
//   a route written without the vocabulary of schema-types.ts.
//
// The keywords compile into the validators; a request pays for them only in the strings it sends.
import type { Ajv, KeywordDefinition } from 'ajv';
import { str } from 'ajv';
import { parseCalendarDate, parseDateTime, parseIsoWeek, parseTimestamp, parseYearMonth, writtenYear } from '../time/calendar.ts';

export const TEXT_KEYWORD = 'x-text';
export const YEARS_KEYWORD = 'x-years';

export type TextKind = 'line' | 'text' | 'any';

// With the `u` flag a class of surrogates matches only unpaired ones: a pair is one code point.
const FORBIDDEN: Record<TextKind, RegExp> = {
  // Names, titles, keys: no C0/C1 controls (CR, LF and TAB included), no line separators.
  line: /[\p{Cc}\u2028\u2029\uD800-\uDFFF]/u,
  // Descriptions, notes: tabs and line breaks, but no other control character (a control
  // character that is not TAB, LF or CR).
  text: /[^\P{Cc}\t\n\r]|[\uD800-\uDFFF]/u,
  // Everything else (passwords, tokens): PostgreSQL's text cannot hold U+0000, and UTF-8 no
  // unpaired surrogate.
  any: /[\0\uD800-\uDFFF]/u,
};

const TEXT_MESSAGES: Record<TextKind, string> = {
  line: 'must be a single line without control characters',
  text: 'must not contain control characters other than tabs and line breaks',
  any: 'must not contain control characters (U+0000) or unpaired surrogates',
};

const textKeyword: KeywordDefinition = {
  keyword: TEXT_KEYWORD,
  type: 'string',
  schemaType: 'string',
  errors: false,
  compile(kind: TextKind) {
    const forbidden = FORBIDDEN[kind];
    if (!forbidden) throw new Error(`${TEXT_KEYWORD} must be one of ${Object.keys(FORBIDDEN).join(', ')}`);
    return (data: string) => !forbidden.test(data);
  },
  error: { message: (cxt) => str`${TEXT_MESSAGES[cxt.schema as TextKind] ?? 'is not valid text'}` },
};

const yearsKeyword: KeywordDefinition = {
  keyword: YEARS_KEYWORD,
  type: 'string',
  schemaType: 'array',
  errors: false,
  compile([min, max]: [number, number]) {
    // The format keyword rejects what is not a date at all; this one only bounds the year.
    return (data: string) => {
      const year = writtenYear(data);
      return Number.isNaN(year) || (year >= min && year <= max);
    };
  },
  error: { message: (cxt) => str`must be in the years ${String((cxt.schema as number[])[0])}–${String((cxt.schema as number[])[1])}` },
};

const isDate = (s: string) => parseCalendarDate(s) !== null;

const FORMATS: Record<string, (s: string) => boolean> = {
  date: isDate,
  'date-time': (s) => parseTimestamp(s) !== null,
  // A day, or a date-time whose offset (and seconds) may be left out: a wall time in the
  // request's time zone. Used by list and report bounds.
  'date-or-date-time': (s) => isDate(s) || parseDateTime(s, false) !== null,
  'iso-week': (s) => parseIsoWeek(s) !== null,
  'year-month': (s) => parseYearMonth(s) !== null,
  'week-or-month': (s) => parseIsoWeek(s) !== null || parseYearMonth(s) !== null,
};

/** Formats whose every valid value is printable ASCII: strings with them need no x-text net. */
const ASCII_FORMATS = new Set([...Object.keys(FORMATS), 'uuid', 'email']);

/** Adds the time formats (replacing ajv-formats' date and date-time) and both keywords. */
export function addInputRules(ajv: Ajv): Ajv {
  for (const [name, validate] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  ajv.addKeyword(textKeyword);
  ajv.addKeyword(yearsKeyword);
  return ajv;
}

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SCHEMAS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems'];

const guarded = new WeakMap<Node, Node>();

function allowsString(node: Node): boolean {
  const type = node.type;
  return type === 'string' || (Array.isArray(type) && type.includes('string'));
}

/**
 * A copy of a request schema in which every string that neither enumerates its values nor has
 * an ASCII-only format nor an x-text of its own gets `x-text: any`, and every record (an object
 * with patternProperties) gets single-line keys. The route's own schema, which the OpenAPI
 * document shows, is left as it is.
 */
export function guardStrings(schema: unknown): unknown {
  if (!isNode(schema)) return schema;
  // The same schema object gives the same copy, so ajv's cache still compiles a schema shared
  // by many routes (an `{ orgId }` params object) once.
  let out = guarded.get(schema);
  if (out) return out;
  out = { ...schema };
  guarded.set(schema, out);
  for (const key of SCHEMA_MAPS) {
    const map = out[key];
    if (isNode(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, guardStrings(v)]));
  }
  for (const key of SCHEMA_LISTS) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map(guardStrings);
  }
  for (const key of SCHEMAS) {
    if (key in out) out[key] = Array.isArray(out[key]) ? (out[key] as unknown[]).map(guardStrings) : guardStrings(out[key]);
  }
  if (allowsString(out) && !('enum' in out) && !('const' in out) && !(TEXT_KEYWORD in out) && !ASCII_FORMATS.has(out.format as string)) {
    out[TEXT_KEYWORD] = 'any';
  }
  // Unknown properties are removed (removeAdditional), but a record's keys are kept and stored.
  if (isNode(out.patternProperties) && !('propertyNames' in out)) out.propertyNames = { type: 'string', [TEXT_KEYWORD]: 'line' };
  return out;
}
