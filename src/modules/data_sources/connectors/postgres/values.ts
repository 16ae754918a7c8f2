// PostgreSQL values (text format) made JSON-safe by the rules of types.ts, and column types mapped
// to the small vocabulary. Every transaction sets TimeZone to UTC, so timestamptz text ends '+00'.
import pg from 'pg';
import type { ColumnType } from '../types.ts';
import { binaryValue, decimalValue, floatValue, integerValue, timestampUtcValue, timestampValue } from '../values.ts';

type Parse = (text: string) => unknown;

const identity: Parse = (text) => text;
const bytea: Parse = (text) => (text.startsWith('\\x') ? binaryValue(Buffer.from(text.slice(2), 'hex')) : text);

/** Scalar types by oid. */
const SCALARS: Record<number, Parse> = {
  16: (t) => t === 't',
  17: bytea,
  20: integerValue,
  21: Number,
  23: Number,
  26: Number,
  114: JSON.parse,
  3802: JSON.parse,
  700: floatValue,
  701: floatValue,
  1700: decimalValue,
  1082: identity,
  1114: timestampValue,
  1184: timestampUtcValue,
};

/** Array oids → their element's oid; arrays are parsed as strings, then each element by its scalar rule. */
const ARRAYS: Record<number, number> = {
  1000: 16,
  1001: 17,
  1005: 21,
  1007: 23,
  1016: 20,
  1028: 26,
  1021: 700,
  1022: 701,
  1231: 1700,
  199: 114,
  3807: 3802,
  1182: 1082,
  1115: 1114,
  1185: 1184,
  1009: 25,
  1015: 1043,
  1014: 1042,
  2951: 2950,
};

const parseStringArray = (pg.types.getTypeParser as (oid: number, format: 'text') => (text: string) => unknown[])(1009, 'text');

function mapDeep(values: unknown[], parse: Parse): unknown[] {
  return values.map((v) => (v === null ? null : Array.isArray(v) ? mapDeep(v, parse) : parse(v as string)));
}

/** The parser of a result column's text values: a known scalar, an array of known scalars, else the text itself. */
export function parserFor(oid: number): Parse {
  const scalar = SCALARS[oid];
  if (scalar) return scalar;
  const element = ARRAYS[oid];
  if (element !== undefined) {
    const parse = SCALARS[element] ?? identity;
    return (text) => mapDeep(parseStringArray(text), parse);
  }
  return identity;
}

/** The `types` option of pg: values arrive in text format and are parsed here, never by pg's defaults (Date objects, lossy floats). */
export const pgTypes = {
  getTypeParser: (oid: number) => parserFor(oid),
};

const TYPE_BY_OID: Record<number, ColumnType> = {
  16: 'boolean',
  17: 'binary',
  18: 'text',
  19: 'text',
  20: 'integer',
  21: 'integer',
  23: 'integer',
  25: 'text',
  26: 'integer',
  114: 'json',
  3802: 'json',
  700: 'number',
  701: 'number',
  1700: 'number',
  1042: 'text',
  1043: 'text',
  1082: 'date',
  1114: 'timestamp',
  1184: 'timestamp',
  2950: 'text',
};

/** A column's type from its oid, or for other types from `pg_type.typcategory` (strings, enums and citext are text). */
export function columnType(oid: number, category: string | null): ColumnType {
  const known = TYPE_BY_OID[oid];
  if (known) return known;
  return category === 'S' || category === 'E' ? 'text' : 'other';
}
