// MySQL/MariaDB values made JSON-safe by the rules of types.ts, and column types mapped to the
// small vocabulary. The pool asks mysql2 for big numbers and dates as strings (no precision lost,
// no local time zone applied); every session sets time_zone to UTC, so TIMESTAMP values are UTC.
import type { FieldPacket } from 'mysql2';
import type { ColumnInfo, ColumnType } from '../types.ts';
import { binaryValue, decimalValue, floatValue, integerValue, timestampValue } from '../values.ts';

// Protocol column types (mysql2's Types).
const T = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

const BINARY_CHARSET = 63;
const UNSIGNED_FLAG = 32;
const ENUM_FLAG = 256;
const SET_FLAG = 2048;

type Convert = (value: unknown) => unknown;

const NAMES: Record<number, string> = {
  [T.DECIMAL]: 'decimal',
  [T.NEWDECIMAL]: 'decimal',
  [T.TINY]: 'tinyint',
  [T.SHORT]: 'smallint',
  [T.LONG]: 'int',
  [T.INT24]: 'mediumint',
  [T.LONGLONG]: 'bigint',
  [T.FLOAT]: 'float',
  [T.DOUBLE]: 'double',
  [T.NULL]: 'null',
  [T.TIMESTAMP]: 'timestamp',
  [T.DATE]: 'date',
  [T.NEWDATE]: 'date',
  [T.TIME]: 'time',
  [T.DATETIME]: 'datetime',
  [T.YEAR]: 'year',
  [T.BIT]: 'bit',
  [T.JSON]: 'json',
  [T.ENUM]: 'enum',
  [T.SET]: 'set',
  [T.GEOMETRY]: 'geometry',
};

const isBinary = (f: FieldPacket) => f.characterSet === BINARY_CHARSET;
const flagsOf = (f: FieldPacket) => (typeof f.flags === 'number' ? f.flags : 0);
const typeOf = (f: FieldPacket) => f.columnType ?? (f.type as number | undefined) ?? -1;

function dbTypeOf(f: FieldPacket): string {
  const t = typeOf(f);
  const flags = flagsOf(f);
  let name = NAMES[t];
  if (!name) {
    if (flags & ENUM_FLAG) name = 'enum';
    else if (flags & SET_FLAG) name = 'set';
    else if (t === T.STRING) name = isBinary(f) ? 'binary' : 'char';
    else if (t === T.VARCHAR || t === T.VAR_STRING) name = isBinary(f) ? 'varbinary' : 'varchar';
    else if (t >= T.TINY_BLOB && t <= T.BLOB) name = isBinary(f) ? 'blob' : 'text';
    else name = `type ${t}`;
  }
  return flags & UNSIGNED_FLAG && /int|decimal|float|double/.test(name) ? `${name} unsigned` : name;
}

function typeAndConvert(f: FieldPacket): [ColumnType, Convert | null] {
  const t = typeOf(f);
  switch (t) {
    case T.TINY:
    case T.SHORT:
    case T.LONG:
    case T.INT24:
    case T.YEAR:
      return ['integer', null];
    case T.LONGLONG:
      return ['integer', (v) => integerValue(String(v))];
    case T.BIT:
      // BIT(n) arrives as big-endian bytes.
      return ['integer', (v) => (Buffer.isBuffer(v) ? integerValue(BigInt(`0x${v.toString('hex') || '0'}`)) : v)];
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return ['number', (v) => decimalValue(String(v))];
    case T.FLOAT:
    case T.DOUBLE:
      return ['number', (v) => floatValue(v as number | string)];
    case T.DATE:
    case T.NEWDATE:
      return ['date', (v) => String(v)];
    case T.DATETIME:
      return ['timestamp', (v) => timestampValue(String(v))];
    case T.TIMESTAMP:
      return ['timestamp', (v) => `${timestampValue(String(v))}Z`];
    case T.JSON:
      return ['json', (v) => (typeof v === 'string' ? JSON.parse(v) : v)];
    case T.TIME:
      return ['other', (v) => String(v)];
    case T.GEOMETRY:
      return ['other', (v) => (Buffer.isBuffer(v) ? binaryValue(v) : v)];
    case T.NULL:
      return ['other', null];
  }
  if (isBinary(f)) return ['binary', (v) => (Buffer.isBuffer(v) ? binaryValue(v) : v)];
  return ['text', (v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)];
}

/** Columns and a converter of rows (arrays) for a result's fields. */
export function describeFields(fields: FieldPacket[]): { columns: ColumnInfo[]; convert: (row: unknown[]) => unknown[] } {
  const columns: ColumnInfo[] = [];
  const converters: (Convert | null)[] = [];
  for (const f of fields) {
    const [type, convert] = typeAndConvert(f);
    columns.push({ name: f.name, type, dbType: dbTypeOf(f) });
    converters.push(convert);
  }
  const convert = (row: unknown[]) => {
    for (let i = 0; i < row.length; i++) {
      const c = converters[i];
      if (c && row[i] !== null && row[i] !== undefined) row[i] = c(row[i]);
    }
    return row;
  };
  return { columns, convert };
}

/** A column's type from information_schema's DATA_TYPE (introspection). */
export function columnTypeOf(dataType: string): ColumnType {
  const t = dataType.toLowerCase();
  if (/^(tinyint|smallint|mediumint|int|integer|bigint|year|bit)$/.test(t)) return 'integer';
  if (/^(decimal|numeric|float|double|real)$/.test(t)) return 'number';
  if (/^(char|varchar|tinytext|text|mediumtext|longtext|enum|set|uuid|inet4|inet6)$/.test(t)) return 'text';
  if (/^(binary|varbinary|tinyblob|blob|mediumblob|longblob)$/.test(t)) return 'binary';
  if (t === 'date') return 'date';
  if (t === 'datetime' || t === 'timestamp') return 'timestamp';
  if (t === 'json') return 'json';
  if (t === 'boolean' || t === 'bool') return 'boolean';
  return 'other';
}
