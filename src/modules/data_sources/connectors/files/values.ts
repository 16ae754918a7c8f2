// DuckDB values made JSON-safe by the rules of types.ts (a converter for @duckdb/node-api), and
// DuckDB types mapped to the small vocabulary.
import {
  arrayFromArrayValue,
  arrayFromListValue,
  booleanFromValue,
  createDuckDBValueConverter,
  type DuckDBBlobValue,
  DuckDBTypeId,
  type DuckDBType,
  fromVariantValue,
  type DuckDBValue,
  type DuckDBValueConverter,
  jsonNumberFromValue,
  nullConverter,
  numberFromValue,
  objectArrayFromMapValue,
  objectFromStructValue,
  objectFromUnionValue,
  stringFromValue,
  unsupportedConverter,
} from '@duckdb/node-api';
import type { ColumnType } from '../types.ts';
import { binaryValue, decimalValue, integerValue, timestampUtcValue, timestampValue } from '../values.ts';

type Json = unknown;

const integer = (value: DuckDBValue) => integerValue(value as bigint);
const decimal = (value: DuckDBValue) => decimalValue(String(value));
const timestamp = (value: DuckDBValue) => timestampValue(String(value));
const timestampUtc = (value: DuckDBValue) => timestampUtcValue(String(value));
const blob = (value: DuckDBValue) => binaryValue((value as DuckDBBlobValue).bytes);

/** JSON is VARCHAR with an alias, which values do not carry: the driver parses those columns (`jsonColumns`). */
export const jsonSafeConverter: DuckDBValueConverter<Json> = createDuckDBValueConverter<Json>({
  [DuckDBTypeId.BOOLEAN]: booleanFromValue,
  [DuckDBTypeId.TINYINT]: numberFromValue,
  [DuckDBTypeId.SMALLINT]: numberFromValue,
  [DuckDBTypeId.INTEGER]: numberFromValue,
  [DuckDBTypeId.UTINYINT]: numberFromValue,
  [DuckDBTypeId.USMALLINT]: numberFromValue,
  [DuckDBTypeId.UINTEGER]: numberFromValue,
  [DuckDBTypeId.BIGINT]: integer,
  [DuckDBTypeId.UBIGINT]: integer,
  [DuckDBTypeId.HUGEINT]: integer,
  [DuckDBTypeId.UHUGEINT]: integer,
  [DuckDBTypeId.FLOAT]: jsonNumberFromValue,
  [DuckDBTypeId.DOUBLE]: jsonNumberFromValue,
  [DuckDBTypeId.DECIMAL]: decimal,
  [DuckDBTypeId.VARCHAR]: stringFromValue,
  [DuckDBTypeId.DATE]: stringFromValue,
  [DuckDBTypeId.TIME]: stringFromValue,
  [DuckDBTypeId.TIME_TZ]: stringFromValue,
  [DuckDBTypeId.TIME_NS]: stringFromValue,
  [DuckDBTypeId.TIMESTAMP]: timestamp,
  [DuckDBTypeId.TIMESTAMP_S]: timestamp,
  [DuckDBTypeId.TIMESTAMP_MS]: timestamp,
  [DuckDBTypeId.TIMESTAMP_NS]: timestamp,
  [DuckDBTypeId.TIMESTAMP_TZ]: timestampUtc,
  [DuckDBTypeId.INTERVAL]: stringFromValue,
  [DuckDBTypeId.BLOB]: blob,
  [DuckDBTypeId.BIT]: stringFromValue,
  [DuckDBTypeId.UUID]: stringFromValue,
  [DuckDBTypeId.ENUM]: stringFromValue,
  [DuckDBTypeId.BIGNUM]: stringFromValue,
  [DuckDBTypeId.GEOMETRY]: stringFromValue,
  [DuckDBTypeId.LIST]: arrayFromListValue,
  [DuckDBTypeId.ARRAY]: arrayFromArrayValue,
  [DuckDBTypeId.STRUCT]: objectFromStructValue,
  [DuckDBTypeId.MAP]: objectArrayFromMapValue,
  [DuckDBTypeId.UNION]: objectFromUnionValue,
  [DuckDBTypeId.SQLNULL]: nullConverter,
  [DuckDBTypeId.VARIANT]: fromVariantValue,
  [DuckDBTypeId.INVALID]: unsupportedConverter,
  [DuckDBTypeId.ANY]: unsupportedConverter,
  [DuckDBTypeId.STRING_LITERAL]: unsupportedConverter,
  [DuckDBTypeId.INTEGER_LITERAL]: unsupportedConverter,
});

/** The indexes of JSON columns among a result's types. */
export const jsonColumns = (types: DuckDBType[]) => types.flatMap((t, i) => (t.alias === 'JSON' ? [i] : []));

/** A result column's type in the small vocabulary. */
export function columnTypeOf(type: DuckDBType): ColumnType {
  switch (type.typeId) {
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
      return 'integer';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return 'number';
    case DuckDBTypeId.VARCHAR:
      return type.alias === 'JSON' ? 'json' : 'text';
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM:
      return 'text';
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp';
    case DuckDBTypeId.BLOB:
      return 'binary';
    default:
      return 'other';
  }
}

/** A column's type from its SQL name (`DECIMAL(18,3)`, `VARCHAR`, `INTEGER[]`, `JSON`), for introspection. */
export function columnTypeOfName(name: string): ColumnType {
  const t = name.toUpperCase();
  if (/\[|^(STRUCT|MAP|UNION)\(/.test(t)) return 'other';
  const base = t.replace(/\(.*$/, '').trim();
  if (/^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/.test(base)) return 'integer';
  if (/^(FLOAT|DOUBLE|DECIMAL|REAL|NUMERIC)$/.test(base)) return 'number';
  if (base === 'JSON') return 'json';
  if (base === 'VARCHAR' || base === 'UUID' || base.startsWith('ENUM')) return 'text';
  if (base === 'BOOLEAN') return 'boolean';
  if (base === 'DATE') return 'date';
  if (base.startsWith('TIMESTAMP')) return 'timestamp';
  if (base === 'BLOB') return 'binary';
  return 'other';
}
