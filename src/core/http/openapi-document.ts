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

/** What the document needs to know of a route to list the refusals it can answer. */
export interface RouteFacts {
  /** `config.auth`, or a route that authenticates by itself (its security lists a scheme). */
  authenticated: boolean;
  /** Counted by a rate limit (every route but the probes). */
  rateLimited: boolean;
  /** Has a body, query string or path parameters to validate. */
  input: boolean;
  body: boolean;
  /** Names a resource in its path. */
  pathParams: boolean;
}

export function routeFacts(route: { config?: unknown }, schema: Record<string, any>): RouteFacts {
  const config = (route.config ?? {}) as { auth?: unknown; rateLimit?: unknown };
  const securedByItself = Array.isArray(schema.security) && schema.security.some((s: object) => Object.keys(s).length > 0);
  return {
    authenticated: Boolean(config.auth) || securedByItself,
    rateLimited: config.rateLimit !== false,
    input: Boolean(schema.body || schema.querystring || schema.params),
    body: Boolean(schema.body),
    pathParams: Boolean(schema.params),
  };
}

/** The named problem responses, by status: their component name and description. */
const PROBLEMS: Record<string, [name: string, description: string]> = {
  '400': ['BadRequest', 'The request is not valid: a field (listed in `errors`) or a rule of the operation (see `code`)'],
  '401': ['Unauthorized', 'No credentials, or invalid, expired or revoked ones'],
  '403': ['Forbidden', 'The role, or the API key (its scopes, or keys at all), does not allow this'],
  '404': ['NotFound', 'No such resource, or not visible to the caller'],
  '413': ['PayloadTooLarge', 'The body is over the size limit'],
  '415': ['UnsupportedMediaType', 'The body is not application/json'],
  '429': ['TooManyRequests', 'Too many requests: wait `Retry-After` seconds'],
  '4XX': ['OtherRefusal', 'Another refusal, named by `code`: a rule of the operation (see its description), or a request refused before any route (408, 414, 431); docs/api.md lists them'],
  '500': ['InternalError', 'A bug: the detail is hidden; quote the `requestId`'],
  '503': ['Unavailable', 'Unavailable for a moment (database unreachable, shutting down): retry, after `Retry-After` seconds when given'],
};

/** The refusals a route can answer, from what it is: statuses every such route shares. */
export function problemStatuses(f: RouteFacts): string[] {
  return [
    ...(f.input ? ['400'] : []),
    ...(f.authenticated ? ['401', '403'] : []),
    ...(f.pathParams ? ['404'] : []),
    ...(f.body ? ['413', '415'] : []),
    ...(f.rateLimited ? ['429'] : []),
    // The rest: the domain's own refusals (409 conflicts, 422 rules), which are not derivable
    // from the route, and the refusals of a request before any route (408, 414, 431).
    '4XX',
    '500',
    '503',
  ];
}

const header = (description: string, schema: object) => ({ description, schema });
const HEADERS = {
  'X-Request-Id': header('The id of this request, for logs and support (the one sent, when it was valid).', { type: 'string', maxLength: 128 }),
  'RateLimit-Limit': header('Requests allowed in the window.', { type: 'integer' }),
  'RateLimit-Remaining': header('Requests left in the window.', { type: 'integer' }),
  'RateLimit-Reset': header('Seconds until the window resets.', { type: 'integer' }),
  'Retry-After': header('Seconds to wait before retrying.', { type: 'integer' }),
};
type HeaderName = keyof typeof HEADERS;
const headerRef = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });
const RATE_LIMIT_HEADERS: HeaderName[] = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/**
 * Gives every operation its problem responses (RFC 9457, `application/problem+json`, the
 * `Problem` schema), each a named response under `components.responses`, and the headers the
 * server sends: `X-Request-Id` on every answer, `RateLimit-*` on the answers of rate-limited
 * routes (declared on their successes and on 429), `Retry-After` on 429 and 503. `facts` are
 * keyed by operationId.
 */
export function addProblemResponses(document: Record<string, any>, facts: ReadonlyMap<string, RouteFacts>): void {
  const responses: Record<string, object> = {};
  const named = (status: string) => {
    const [name, description] = PROBLEMS[status];
    const headers: HeaderName[] = ['X-Request-Id', ...(status === '429' ? [...RATE_LIMIT_HEADERS, 'Retry-After' as const] : []), ...(status === '503' ? (['Retry-After'] as const) : [])];
    responses[name] ??= {
      description,
      headers: Object.fromEntries(headers.map((h) => [h, headerRef(h)])),
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
    return { $ref: `#/components/responses/${name}` };
  };
  for (const item of Object.values<Record<string, any>>(document.paths ?? {})) {
    for (const op of Object.values<any>(item)) {
      const f = op && typeof op === 'object' ? facts.get(op.operationId) : undefined;
      if (!f) continue;
      // Answers the route declares itself (a probe's 503 too) keep their content and gain the
      // headers; the problem responses are added where the route declares none of its own.
      for (const [status, response] of Object.entries<any>(op.responses ?? {})) {
        const limits = f.rateLimited && status.startsWith('2') ? RATE_LIMIT_HEADERS.map((h) => [h, headerRef(h)]) : [];
        response.headers = { 'X-Request-Id': headerRef('X-Request-Id'), ...Object.fromEntries(limits), ...response.headers };
      }
      for (const status of problemStatuses(f)) op.responses[status] ??= named(status);
    }
  }
  document.components ??= {};
  document.components.headers = { ...document.components.headers, ...HEADERS };
  document.components.responses = { ...document.components.responses, ...responses };
}
