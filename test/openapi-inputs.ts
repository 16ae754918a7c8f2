// Reads the inputs of every operation from /openapi.json: valid sample values for each schema,
// and the places where a string goes (body fields at any depth, query and path parameters).
// test/input-bounds.test.ts uses them to send one bad value at a time in an otherwise valid
// request, so a route added tomorrow is covered without being named.
import { randomUUID } from 'node:crypto';

export type Schema = Record<string, any>;
export type Where = 'body' | 'query' | 'params';

export interface Operation {
  method: string;
  /** The URL path to request, with `{param}` placeholders: the server URL and the document's path. */
  path: string;
  parameters: { in: string; name: string; required?: boolean; schema: Schema }[];
  body: Schema | undefined;
  /** The JSON schema of the 200 answer, if any (its named schema, not the `$ref`). */
  ok: Schema | undefined;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * The URL path of a document path: paths are relative to the server URL (`/api/v1`), unless the
 * operation or its path item names servers of its own (the health probes: `/`).
 */
export function urlPath(spec: any, path: string, op: any = {}): string {
  const servers = op.servers ?? spec.paths[path]?.servers ?? spec.servers ?? [{ url: '/' }];
  return `${servers[0].url.replace(/\/$/, '')}${path}`;
}

export function operationsOf(spec: any): Operation[] {
  return Object.entries<Record<string, any>>(spec.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path: urlPath(spec, path, op),
        parameters: (op.parameters ?? []).map(withExamples),
        body: inlined(spec, op.requestBody?.content?.['application/json']?.schema),
        ok: resolved(spec, op.responses?.['200']?.content?.['application/json']?.schema),
      })),
  );
}

/**
 * A request schema with every local `$ref` replaced by the schema it names (a body may reuse a
 * named shape, e.g. a condition), so samples and string slots reach inside it. Named shapes do
 * not nest themselves, so a depth bound is only a guard.
 */
function inlined(spec: any, schema: Schema | undefined, depth = 0): Schema | undefined {
  if (schema === undefined || schema === null || typeof schema !== 'object' || depth > 20) return schema;
  if (Array.isArray(schema)) return schema.map((s) => inlined(spec, s, depth + 1)) as unknown as Schema;
  const target = resolved(spec, schema);
  const base = target !== schema ? target : schema;
  return Object.fromEntries(Object.entries(base as object).map(([k, v]) => [k, typeof v === 'object' && v !== null ? inlined(spec, v, depth + 1) : v])) as Schema;
}

/** A schema, or the one its local `$ref` names (answers reference named schemas: docs/api.md). */
const resolved = (spec: any, schema: Schema | undefined): Schema | undefined =>
  typeof schema?.$ref === 'string' ? schema.$ref.slice(2).split('/').reduce((node: any, key: string) => node?.[key], spec) : schema;

/** The document moves a parameter's examples from its schema to the parameter: moved back here. */
function withExamples(p: any) {
  const examples = p.example !== undefined ? [p.example] : p.examples ? Object.values<{ value: unknown }>(p.examples).map((e) => e.value) : undefined;
  return examples ? { ...p, schema: { ...p.schema, examples } } : p;
}

/** The type a value of this schema has when it is not null. */
const typeOf = (s: Schema): string | undefined => (Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type);

/** The branch of an anyOf/oneOf that is not `null` (request schemas use unions for nullable values and literals). */
function branch(s: Schema): Schema {
  const options: Schema[] | undefined = s.anyOf ?? s.oneOf;
  return options ? (options.find((o) => typeOf(o) !== 'null') ?? options[0]) : s;
}

const SAMPLE_BY_FORMAT: Record<string, () => string> = {
  uuid: () => randomUUID(),
  email: () => `sample-${randomUUID().slice(0, 8)}@example.test`,
  uri: () => 'https://example.com/sample',
  date: () => '2026-03-02',
  'date-time': () => '2026-03-02T10:00:00Z',
  'date-or-date-time': () => '2026-03-02',
  'week-or-month': () => '2026-W10',
  'iso-week': () => '2026-W10',
  'year-month': () => '2026-03',
};

/** A value the schema accepts. A pattern other than "not blank" needs `examples` in the schema. */
export function sample(schema: Schema, where: string): unknown {
  const s = branch(schema);
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (s.default !== undefined) return s.default;
  switch (typeOf(s)) {
    case 'string': {
      if (s.format) {
        const make = SAMPLE_BY_FORMAT[s.format];
        if (!make) throw new Error(`${where}: no sample for format ${s.format}; add examples to its schema`);
        return make();
      }
      if (s.pattern && s.pattern !== '\\S') throw new Error(`${where}: pattern ${s.pattern} without examples; add examples to its schema`);
      const min = Math.max(s.minLength ?? 0, 6);
      return 'Sample'.padEnd(min, 'x').slice(0, s.maxLength ?? min);
    }
    case 'integer':
    case 'number':
      return s.minimum ?? Math.min(1, s.maximum ?? 1);
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 0) }, (_, i) => sample(s.items ?? {}, `${where}.${i}`));
    case 'object':
      return Object.fromEntries(Object.entries<Schema>(s.properties ?? {}).map(([key, p]) => [key, sample(p, `${where}.${key}`)]));
  }
  throw new Error(`${where}: no sample for ${JSON.stringify(s).slice(0, 200)}`);
}

/** A string somewhere in an input: its path below the part, and its schema. */
export interface Slot {
  path: (string | number)[];
  schema: Schema;
}

/** Every free string (not an enumeration) in a schema, at any depth. */
export function stringSlots(schema: Schema, path: (string | number)[] = []): Slot[] {
  const s = branch(schema);
  if ('const' in s || Array.isArray(s.enum)) return [];
  switch (typeOf(s)) {
    case 'string':
      return [{ path, schema: s }];
    case 'array':
      return stringSlots(s.items ?? {}, [...path, 0]);
    case 'object':
      return Object.entries<Schema>(s.properties ?? {}).flatMap(([key, p]) => stringSlots(p, [...path, key]));
  }
  return [];
}

/** A deep copy of `value` with `replacement` at `path`. */
export function withValue(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[head] = withValue(copy[head], rest, replacement);
  return copy;
}

/** `value` with its middle character replaced: same length, so no length rule decides instead. */
export function spliced(value: string, bad: string): string {
  const i = Math.floor(value.length / 2);
  return value.slice(0, i) + bad + value.slice(i + 1);
}

/** Impossible or out-of-range values of a time field, by format (and the years it allows). */
export function badTimes(s: Schema): string[] {
  const [, max] = (s['x-years'] as [number, number] | undefined) ?? [1, 9999];
  const narrow = max < 9999;
  switch (s.format) {
    case 'date':
      return ['2026-02-30', '2025-02-29', '0000-01-01', ...(narrow ? ['9999-12-31'] : [])];
    case 'date-time':
      return ['2026-02-30T10:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T24:00:00Z', '2016-12-31T23:59:60Z', ...(narrow ? ['9999-12-31T23:30:00Z'] : [])];
    case 'date-or-date-time':
      return ['2026-02-30', '0000-01-01', '2026-02-30T10:00', ...(narrow ? ['9999-12-31', '9999-12-31T23:30:00Z'] : [])];
    case 'week-or-month':
    case 'iso-week':
    case 'year-month':
      return ['0000-W01', '2026-W54', '2025-W53', '2026-W00', '2026-13', '0000-01', ...(narrow ? ['9999-W01', '9999-12'] : [])];
  }
  return [];
}
