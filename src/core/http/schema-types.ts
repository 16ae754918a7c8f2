// The schema vocabulary every route speaks (decision 0020): one definition of an id, a name, a
// text, a timestamp, a date or a period, each with the bounds and character rules that keep
// bad input out of the database. A module writes `name: Line(200)`, not
// `Type.String({ minLength: 1, … })`; request validation (input-rules.ts) knows the formats and
// `x-` keywords used here, and the OpenAPI document shows them to clients.
import { type Static, type TSchema, type TString, type TUnsafe, Type } from 'typebox';
import { ALL_YEARS, type YearRange } from '../time/calendar.ts';
import { type TextKind, TEXT_KEYWORD, YEARS_KEYWORD } from './input-rules.ts';

export type { YearRange } from '../time/calendar.ts';

interface Described {
  description?: string;
  /** Shown in the docs and used by the input property suite to build a valid request. */
  examples?: string[];
}

export interface TextOptions extends Described {
  /** Default 1 for a line, 0 for a text. */
  minLength?: number;
  /** Default false for a line (at least one non-space character), true for a text. */
  blank?: boolean;
  /** A pattern the text must also match (instead of the not-blank one). */
  pattern?: string;
  /** A standard format it must also have (`uri`). */
  format?: string;
}

function text(kind: TextKind, maxLength: number, opts: TextOptions, defaults: { minLength: number; blank: boolean }): TString {
  const { blank = defaults.blank, minLength = defaults.minLength, ...rest } = opts;
  return Type.String({ minLength, maxLength, ...(blank ? {} : { pattern: '\\S' }), ...rest, [TEXT_KEYWORD]: kind });
}

/**
 * One line: a name, title, label, key or search term. No control characters (CR, LF and TAB
 * included), no U+0000, no unpaired surrogates; by default not empty and not only spaces.
 */
export const Line = (maxLength: number, opts: TextOptions = {}): TString => text('line', maxLength, opts, { minLength: 1, blank: false });

/** Free text over several lines: a description, a note, a comment. Tabs and line breaks, no other control character. */
export const Text = (maxLength: number, opts: TextOptions = {}): TString => text('text', maxLength, opts, { minLength: 0, blank: true });

/**
 * A string whose content is not read, only compared or hashed (passwords, tokens, secrets): any
 * character but U+0000 and unpaired surrogates.
 */
export const Opaque = (maxLength: number, opts: Omit<TextOptions, 'blank'> = {}): TString =>
  Type.String({ minLength: opts.minLength ?? 1, maxLength, ...opts, [TEXT_KEYWORD]: 'any' });

/** An email address (RFC 5321's 254 characters at most). */
export const Email = (description?: string): TString => Type.String({ format: 'email', maxLength: 254, ...(description ? { description } : {}) });

/** A UUID (ids are UUIDv7). */
export const Uuid = (description?: string): TString => Type.String({ format: 'uuid', ...(description ? { description } : {}) });

const yearsOf = (years: YearRange) => (years === ALL_YEARS ? {} : { [YEARS_KEYWORD]: [years.min, years.max] });

interface TimeOptions extends Described {
  /** Narrower than 1–9999 where the domain needs it (time entries, reports). */
  years?: YearRange;
}

function timeString(format: string, what: string, opts: TimeOptions): TString {
  const { years = ALL_YEARS, description, ...rest } = opts;
  const range = `years ${years.min}–${years.max}`;
  return Type.String({ format, description: description ? `${description} (${what}, ${range})` : `${what}, ${range}`, ...yearsOf(years), ...rest });
}

/** An instant: RFC 3339 with an offset (`2026-11-02T09:30:00Z`, `…+01:00`), a real date and clock time. */
export const Timestamp = (opts: TimeOptions = {}): TString => timeString('date-time', 'RFC 3339 date-time with an offset', opts);

/** A calendar day, `YYYY-MM-DD`. */
export const CalendarDate = (opts: TimeOptions = {}): TString => timeString('date', 'YYYY-MM-DD', opts);

/** A range bound: a day, or a date-time whose offset may be left out (then it is wall time in the request's zone). */
export const DateOrTimestamp = (opts: TimeOptions = {}): TString =>
  timeString('date-or-date-time', 'YYYY-MM-DD, or an ISO 8601 date-time with an offset or in the time zone', opts);

/** An ISO week (`2026-W47`, W53 only in years that have one) or a month (`2026-11`). */
export const WeekOrMonth = (opts: TimeOptions = {}): TString => timeString('week-or-month', 'ISO week YYYY-Www or month YYYY-MM', opts);

/**
 * `T | null`. A string, number, integer or boolean becomes `type: [t, 'null']` rather than an
 * anyOf: the response serializer then writes the value without running a validator on it
 * (an anyOf branch is chosen by validating, and a stored value its format refuses — a
 * timestamp past year 9999 — made the whole response a 500).
 */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const node = schema as unknown as Record<string, unknown>;
  const scalar = typeof node.type === 'string' && ['string', 'number', 'integer', 'boolean'].includes(node.type);
  if (scalar && !('const' in node) && !('enum' in node)) return Type.Unsafe<Static<T> | null>({ ...node, type: [node.type, 'null'] });
  return Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]));
}

/** The vendor keyword that names a schema: the document shows it once, as a component (openapi-components.ts). */
export const COMPONENT_KEYWORD = 'x-component';

/**
 * Names a schema for the OpenAPI document: wherever a route uses it, the document shows
 * `{ "$ref": "#/components/schemas/<name>" }` and the shape once under that name, so a generated
 * client has one `TimeEntry` type, not one per operation. Names are PascalCase nouns, unique in
 * the document (two different shapes under one name fail the document's build).
 *
 * The name is a vendor keyword, not `$id`: Ajv (strict off) and the serializer ignore it, so
 * validation and the JSON written are as without it; a `$id` would be compiled, and a named
 * shape nested twice in one route would be two schemas with one id, which Ajv refuses.
 */
export function named<T extends TSchema>(name: string, schema: T): T {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new Error(`schema name "${name}" is not PascalCase`);
  // A copy with TypeBox's own (non-enumerable) marks, so the schema stays the kind it was.
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(schema)) as T;
  (copy as Record<string, unknown>)[COMPONENT_KEYWORD] = name;
  return copy;
}

/** The name `named()` gave a schema, if any. */
export const nameOf = (schema: TSchema): string | undefined => {
  const name = (schema as Record<string, unknown>)[COMPONENT_KEYWORD];
  return typeof name === 'string' ? name : undefined;
};

/** The vendor keyword holding the shapes of a `OneOfKinds` object (openapi-components.ts turns it into `anyOf`). */
export const KINDS_KEYWORD = 'x-kinds';

/**
 * A JSON object whose shape depends on a sibling field (a notification's `type`, a job's
 * `name`): one of `kinds`, each a named schema whose description says which value of the
 * sibling it goes with. Its type is the union of the kinds; the document shows
 * `anyOf: [the kinds]`, so clients and the drift check (test/contract.ts) read each shape.
 * Validation and the serializer see an open object: the serializer writes the stored value as
 * it is (a listed shape would drop keys it does not list, and a union would cost the
 * serializer a validator run per value, serializer-schema.ts).
 */
export function OneOfKinds<T extends TSchema[]>(kinds: [...T], description: string): TUnsafe<Static<T[number]>> {
  return Type.Unsafe<Static<T[number]>>({ type: 'object', additionalProperties: true, description, [KINDS_KEYWORD]: kinds });
}

/**
 * A JSON object open by nature (an event's payload: every module's events, of every version the
 * log holds), written as stored. The description says what keys to expect: a schema with no
 * shape and no words is what the document tests refuse.
 */
export const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

/**
 * Any JSON value (a query result's cell, a profile's minimum): typed as the list of JSON types,
 * arrays and objects before strings, which is the order fast-json-stringify must try them in (a
 * string first would flatten an array to its text). An array's items are the same, three levels
 * deep (OpenAPI tools want `items` beside `type: array`); deeper than that, arrays are not typed.
 */
export const AnyJson = (description: string, depth = 3): TUnsafe<unknown> =>
  Type.Unsafe<unknown>({
    type: depth > 0 ? ['null', 'boolean', 'number', 'array', 'object', 'string'] : ['null', 'boolean', 'number', 'object', 'string'],
    ...(depth > 0 ? { items: AnyJson('An element: any JSON value', depth - 1) } : {}),
    additionalProperties: true,
    description,
  });
