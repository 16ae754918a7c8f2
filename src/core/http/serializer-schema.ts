// Response schemas as the serializer needs them. fast-json-stringify writes `anyOf` by
// validating the value against each branch at run time, which costs it an Ajv instance of its
// own per response schema (with ajv-formats and a compiled validator per branch), kept for the
// process's life, and an Ajv call per nullable field of every row it writes. Nearly every
// `anyOf` here is one of two shapes whose JSON does not depend on which branch matches:
//
//   - a nullable value, `Type.Union([X, Type.Null()])`: written as X with `nullable: true`,
//     which fast-json-stringify handles in its generated code (`null`, else X);
//   - a union of literals of one type (`Type.Union([Type.Literal('a'), Type.Literal('b')])`):
//     written as that type.
//
// Rewriting those before the serializer is built leaves the API contract (validation,
// OpenAPI, types) untouched: only the copy handed to fast-json-stringify changes. A value
// outside the literals is then written as it is instead of failing the response; response
// schemas select and shape fields, the services produce the values. Any other `anyOf`
// (unions of objects, `$ref` branches) is kept as it is.

type Schema = Record<string, unknown>;

const SCALARS = new Set(['string', 'number', 'integer', 'boolean']);
/** Keywords that do not change how a value is written. */
const ANNOTATIONS = new Set(['description', 'title', 'examples', '$comment', 'deprecated', 'readOnly', 'writeOnly']);
/** Keywords that constrain a scalar's value but not how it is written. */
const SCALAR_CONSTRAINTS = new Set(['const', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']);
/** Keywords holding one subschema, or a list of them. */
const SUBSCHEMA = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
/** Keywords holding a map of name → subschema. */
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas'];

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const only = (s: Schema, allowed: (k: string) => boolean) => Object.keys(s).every(allowed);

function isNull(s: Schema): boolean {
  return s.type === 'null' && only(s, (k) => k === 'type' || ANNOTATIONS.has(k));
}

/** A scalar branch: one scalar type, and nothing that changes how it is written but `format`. */
function scalarType(s: Schema): string | null {
  if (typeof s.type !== 'string' || !SCALARS.has(s.type)) return null;
  return only(s, (k) => k === 'type' || k === 'format' || ANNOTATIONS.has(k) || SCALAR_CONSTRAINTS.has(k)) ? s.type : null;
}

/** The single schema a list of `anyOf` branches (no null among them) can be written as, if any. */
function merge(branches: Schema[]): Schema | null {
  if (branches.length === 1) return branches[0].anyOf || branches[0].oneOf || branches[0].$ref ? null : branches[0];
  const types = new Set(branches.map(scalarType));
  const formats = new Set(branches.map((b) => b.format));
  if (types.size !== 1 || types.has(null) || formats.size !== 1) return null;
  const [type] = types;
  const [format] = formats;
  return format === undefined ? { type } : { type, format };
}

function rewriteUnion(schema: Schema, key: 'anyOf' | 'oneOf'): Schema | null {
  const branches = (schema[key] as unknown[]).filter(isSchema).map(forSerialization);
  if (branches.length !== (schema[key] as unknown[]).length) return null;
  const nonNull = branches.filter((b) => !isNull(b));
  const merged = nonNull.length > 0 ? merge(nonNull) : null;
  if (!merged) return null;
  const { [key]: _union, ...siblings } = schema;
  const nullable = nonNull.length < branches.length;
  return { ...siblings, ...merged, ...(nullable ? { nullable: true } : {}) };
}

/**
 * The schema fast-json-stringify is given for a response: nullable and literal unions
 * rewritten as above, at any depth. Returns the same object when nothing changes.
 */
export function forSerialization<T>(schema: T): T {
  if (!isSchema(schema)) return schema;
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key]) && !schema.$ref) {
      const rewritten = rewriteUnion(schema, key);
      if (rewritten) return rewritten as T;
    }
  }
  let out: Schema | null = null;
  const set = (key: string, value: unknown) => {
    if (value === schema[key]) return;
    out ??= { ...schema };
    out[key] = value;
  };
  for (const key of SUBSCHEMA) if (isSchema(schema[key])) set(key, forSerialization(schema[key]));
  for (const key of SUBSCHEMA_LISTS) {
    const list = schema[key];
    if (!Array.isArray(list)) continue;
    const mapped = list.map(forSerialization);
    if (mapped.some((s, i) => s !== list[i])) set(key, mapped);
  }
  for (const key of SUBSCHEMA_MAPS) {
    const map = schema[key];
    if (!isSchema(map)) continue;
    let changed = false;
    const mapped: Schema = {};
    for (const [name, sub] of Object.entries(map)) {
      mapped[name] = forSerialization(sub);
      changed ||= mapped[name] !== sub;
    }
    if (changed) set(key, mapped);
  }
  return (out ?? schema) as T;
}
