// Walks the schemas of an OpenAPI 3.1 document, for the document tests (decision 0028): where
// a schema says nothing of its value, and which object shapes are written out inline.

type Node = Record<string, any>;
type Visit = (node: Node, at: string) => void;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

const ONE = ['items', 'additionalProperties', 'unevaluatedProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else'];
const LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];

/** Visits a schema and every subschema in it (boolean schemas are not nodes). */
export function walkSchema(node: unknown, at: string, visit: Visit): void {
  if (!isNode(node)) return;
  visit(node, at);
  for (const key of ONE) walkSchema(node[key], `${at}/${key}`, visit);
  for (const key of LISTS) {
    if (!Array.isArray(node[key])) continue;
    for (const [i, s] of node[key].entries()) walkSchema(s, `${at}/${key}/${i}`, visit);
  }
  for (const key of MAPS) if (isNode(node[key])) for (const [name, s] of Object.entries(node[key])) walkSchema(s, `${at}/${key}/${name}`, visit);
}

/** A schema the document states, and whether a client sends it or reads it. */
interface Root {
  at: string;
  schema: Node;
  request: boolean;
}

/** Every schema root of the document: parameters, bodies, responses, headers, components. */
export function schemaRoots(spec: Node): Root[] {
  const roots: Root[] = [];
  const media = (content: Node | undefined, at: string, request = false) => {
    for (const [type, m] of Object.entries<Node>(content ?? {})) if (m.schema) roots.push({ at: `${at} ${type}`, schema: m.schema, request });
  };
  const headers = (hs: Node | undefined, at: string) => {
    for (const [name, h] of Object.entries<Node>(hs ?? {})) if (h.schema) roots.push({ at: `${at} header ${name}`, schema: h.schema, request: false });
  };
  for (const [path, item] of Object.entries<Node>(spec.paths ?? {})) {
    for (const [method, op] of Object.entries<Node>(item)) {
      if (!isNode(op) || !op.responses) continue;
      const name = `${method.toUpperCase()} ${path}`;
      for (const p of op.parameters ?? []) if (p.schema) roots.push({ at: `${name} ${p.in}.${p.name}`, schema: p.schema, request: true });
      media(op.requestBody?.content, `${name} body`, true);
      for (const [status, r] of Object.entries<Node>(op.responses)) {
        media(r.content, `${name} ${status}`);
        headers(r.headers, `${name} ${status}`);
      }
    }
  }
  for (const [name, s] of Object.entries<Node>(spec.components?.schemas ?? {})) roots.push({ at: `#/components/schemas/${name}`, schema: s, request: false });
  headers(spec.components?.headers, '#/components/headers');
  for (const [name, r] of Object.entries<Node>(spec.components?.responses ?? {})) media(r.content, `#/components/responses/${name}`);
  return roots;
}

/** Keywords that say what a value is. */
const TYPED = ['type', '$ref', 'anyOf', 'oneOf', 'allOf', 'const', 'enum'];

const isOpenObject = (s: Node) =>
  (s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object'))) &&
  Object.keys(s.properties ?? {}).length === 0 &&
  Object.keys(s.patternProperties ?? {}).length === 0 &&
  !LISTS.some((k) => k in s) &&
  (s.additionalProperties === undefined || s.additionalProperties === true || (isNode(s.additionalProperties) && Object.keys(s.additionalProperties).length === 0));

/**
 * Schemas that say nothing of their value: no type, reference, union, constant or enum (`{}`,
 * `{ description }` alone, an `additionalProperties: {}`), and objects open to anything without a
 * description of what they hold. Each as `where: the schema`.
 */
export function untypedSchemas(spec: Node): string[] {
  const found: string[] = [];
  for (const root of schemaRoots(spec)) {
    walkSchema(root.schema, root.at, (node, at) => {
      if (!TYPED.some((k) => k in node)) found.push(`${at}: ${JSON.stringify(node)}`);
      else if (isOpenObject(node) && !node.description) found.push(`${at}: an open object without a description: ${JSON.stringify(node)}`);
    });
    // `additionalProperties: {}` is an untyped value too; walkSchema visits it as a node above.
  }
  return found;
}

/** An object's shape: its property names, sorted. */
export const shapeOf = (node: Node): string | null => (isNode(node.properties) && Object.keys(node.properties).length ? Object.keys(node.properties).sort().join(',') : null);

/**
 * The object shapes answers write out inline (not a component's own root), each with where it
 * is: the shapes a named component holds should be `$ref`s to it, not copies. Request schemas
 * are left out: a patch body lists a resource's fields, optional, and may stay inline.
 */
export function inlineShapes(spec: Node): Map<string, string[]> {
  const shapes = new Map<string, string[]>();
  for (const root of schemaRoots(spec)) {
    if (root.request) continue;
    const componentRoot = root.at.startsWith('#/components/schemas/') ? root.schema : null;
    walkSchema(root.schema, root.at, (node, at) => {
      const shape = node === componentRoot ? null : shapeOf(node);
      if (shape) shapes.set(shape, [...(shapes.get(shape) ?? []), at]);
    });
  }
  return shapes;
}
