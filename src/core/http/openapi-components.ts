// Named schemas in /openapi.json (decision 0028): a schema a module marked with `named()`
// (`x-component`) is shown once, under `components.schemas`, and referenced wherever a route
// uses it; an object of kinds (`OneOfKinds`, `x-kinds`) is shown as `anyOf` its kinds. The
// route schemas are not touched: validation and serializers never see a `$ref` to resolve.
import { COMPONENT_KEYWORD, KINDS_KEYWORD } from './schema-types.ts';

type Node = Record<string, unknown>;

const SCHEMAS = '#/components/schemas/';

/** Keywords whose value is data, not schemas: a marker-looking key in an example stays. */
const DATA_KEYWORDS = new Set(['example', 'examples', 'default', 'const', 'enum']);
/**
 * Keys whose value maps names to objects (properties, status codes, media types, …): there a
 * key is a name, so `default` is a response and `example` may be a property, not data.
 */
const NAME_MAPS = new Set([
  'properties',
  'patternProperties',
  'dependentSchemas',
  '$defs',
  'definitions',
  'paths',
  'webhooks',
  'schemas',
  'responses',
  'requestBodies',
  'headers',
  'content',
  'encoding',
  'callbacks',
  'links',
]);

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON with sorted keys: two schemas are the same shape when these are equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (!isNode(value)) return JSON.stringify(value);
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}

/** The shape without its own description: a use site may describe a named schema its way. */
const shapeOf = (schema: Node): string => {
  const { description: _description, ...shape } = schema;
  return canonical(shape);
};

/**
 * Returns the document with every named schema moved to `components.schemas.<name>` and
 * replaced by a `$ref` (nested names too, inside the moved content), and every object of kinds
 * shown as `anyOf`. A use site whose description differs from the component's keeps it beside
 * the `$ref` (OpenAPI 3.1 allows siblings). Two different shapes under one name, or a name
 * already taken by another schema of the document, throw: that is a bug in the schemas, and the
 * document's tests build it. The input is not changed; untouched parts are shared, not copied.
 */
export function namedComponents<T extends Node>(document: T): T {
  const components = isNode(document.components) ? document.components : {};
  const existing = isNode(components.schemas) ? components.schemas : {};
  const hoisted = new Map<string, Node>();
  // The document's own schemas, as shown once walked (below).
  let schemas: Node = existing;

  const register = (name: string, content: Node): Node => {
    const known = hoisted.get(name) ?? (isNode(schemas[name]) ? schemas[name] : undefined);
    if (known && shapeOf(known) !== shapeOf(content)) {
      throw new Error(`two different schemas are named "${name}" in the OpenAPI document:\n${canonical(known)}\n${canonical(content)}`);
    }
    if (!known) hoisted.set(name, content);
    const ref: Node = { $ref: `${SCHEMAS}${name}` };
    const own = (known ?? content).description;
    if (content.description !== undefined && content.description !== own) ref.description = content.description;
    return ref;
  };

  const visit = (value: unknown, isMap = false): unknown => {
    if (Array.isArray(value)) {
      const mapped = value.map((v) => visit(v));
      return mapped.some((v, i) => v !== value[i]) ? mapped : value;
    }
    if (!isNode(value)) return value;
    if (isMap) return visitChildren(value, true);
    const name = value[COMPONENT_KEYWORD];
    if (typeof name === 'string') {
      const { [COMPONENT_KEYWORD]: _name, ...content } = value;
      return register(name, visitChildren(content));
    }
    return visitChildren(value);
  };

  const visitChildren = (node: Node, isMap = false): Node => {
    let out = node;
    if (!isMap && Array.isArray(node[KINDS_KEYWORD])) {
      // The kinds say what the open object holds; the document needs no `additionalProperties`.
      const { [KINDS_KEYWORD]: kinds, additionalProperties: _open, ...rest } = node;
      out = { ...rest, anyOf: kinds };
    }
    for (const [key, child] of Object.entries(out)) {
      if ((!isMap && DATA_KEYWORDS.has(key)) || child === null || typeof child !== 'object') continue;
      const shown = visit(child, !isMap && NAME_MAPS.has(key));
      if (shown === child) continue;
      if (out === node) out = { ...node };
      out[key] = shown;
    }
    return out;
  };

  // Components first: a schema added by `$id` may nest named ones, and is compared as shown.
  schemas = visitChildren(existing, true);
  const shown = visitChildren(document);
  if (hoisted.size === 0 && shown === document && schemas === existing) return document;
  const all = { ...schemas, ...Object.fromEntries(hoisted) };
  const sorted = Object.fromEntries(
    Object.keys(all)
      .sort()
      .map((k) => [k, all[k]]),
  );
  const shownComponents = isNode(shown.components) ? shown.components : {};
  return { ...shown, components: { ...shownComponents, schemas: sorted } } as unknown as T;
}
