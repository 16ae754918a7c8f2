// How route schemas are shown to clients in /openapi.json (decision 0028). The route schemas
// stay as validation needs them; these functions change only the document's copy.

type Node = Record<string, unknown>;

/** The request parts of a route schema, as Fastify names them. */
const REQUEST_PARTS = ['querystring', 'body', 'params', 'headers'] as const;

/**
 * A request field with a `default` is optional for the client: validation fills the default in
 * before it checks `required` (Ajv's useDefaults), so the server never sees it missing. The
 * TypeBox schema keeps it required, because that is what the handler receives (its type has
 * no `undefined`); the document drops it from `required`, because that is what a client may
 * send. Returns the route schema, or a copy where a request part changed.
 */
export function defaultsOptional<T extends Node>(schema: T): T {
  let out = schema;
  for (const part of REQUEST_PARTS) {
    const node = schema[part];
    if (!node || typeof node !== 'object') continue;
    const shown = withoutDefaultedRequired(node as Node);
    if (shown !== node) out = { ...out, [part]: shown };
  }
  return out;
}

/** Copies only the nodes on the way to a change, so untouched schemas are shared, not cloned. */
function withoutDefaultedRequired(node: Node): Node {
  let out = node;
  const set = (key: string, value: unknown) => {
    if (out === node) out = { ...node };
    out[key] = value;
  };
  const properties = node.properties as Record<string, Node> | undefined;
  if (properties && typeof properties === 'object') {
    let props = properties;
    for (const [name, child] of Object.entries(properties)) {
      if (!child || typeof child !== 'object') continue;
      const shown = withoutDefaultedRequired(child);
      if (shown !== child) {
        if (props === properties) props = { ...properties };
        props[name] = shown;
      }
    }
    if (props !== properties) set('properties', props);
    if (Array.isArray(node.required)) {
      const required = (node.required as string[]).filter((name) => properties[name]?.default === undefined);
      if (required.length !== node.required.length) set('required', required);
    }
  }
  for (const key of ['items', 'additionalProperties', 'not']) {
    const child = node[key];
    if (child && typeof child === 'object' && !Array.isArray(child)) {
      const shown = withoutDefaultedRequired(child as Node);
      if (shown !== child) set(key, shown);
    }
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    const list = node[key];
    if (!Array.isArray(list)) continue;
    const shown = list.map((child) => (child && typeof child === 'object' ? withoutDefaultedRequired(child as Node) : child));
    if (shown.some((child, i) => child !== list[i])) set(key, shown);
  }
  return out;
}
