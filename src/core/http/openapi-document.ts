// How route schemas are shown to clients in /openapi.json (decision 0028). The route schemas
// stay as validation needs them; these functions change only the document's copy.

import { CoreProblems, type ProblemType } from '../errors.ts';
import { statusOf } from './problem.ts';

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

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The problems of the domain this route can answer (its module's `problems.ts`), beyond
     * those core derives from the route (validation, authentication, limits): the document
     * declares each status with exactly these codes (decision 0028).
     */
    problems?: readonly ProblemType<string, any>[];
  }
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
  /** The domain's own problems, as the route lists them. */
  problems: readonly ProblemType<string, any>[];
}

export function routeFacts(route: { config?: unknown }, schema: Record<string, any>): RouteFacts {
  const config = (route.config ?? {}) as { auth?: unknown; rateLimit?: unknown; problems?: readonly ProblemType[] };
  const securedByItself = Array.isArray(schema.security) && schema.security.some((s: object) => Object.keys(s).length > 0);
  return {
    authenticated: Boolean(config.auth) || securedByItself,
    rateLimited: config.rateLimit !== false,
    input: Boolean(schema.body || schema.querystring || schema.params || schema.headers),
    body: Boolean(schema.body),
    problems: config.problems ?? [],
  };
}

/** The named problem responses, by status: their component name and description. */
const RESPONSES: Record<string, [name: string, description: string]> = {
  '400': ['BadRequest', 'The request is not valid: a field (listed in `errors`) or a rule of the operation (see `code`)'],
  '401': ['Unauthorized', 'No credentials, or invalid, expired or revoked ones'],
  '403': ['Forbidden', 'The role, or the API key (its scopes, or keys at all), does not allow this'],
  '404': ['NotFound', 'No such resource, or not visible to the caller'],
  '409': ['Conflict', 'The request conflicts with the current state (see `code`)'],
  '413': ['PayloadTooLarge', 'The body is over the size limit'],
  '415': ['UnsupportedMediaType', 'The body is not application/json'],
  '416': ['RangeNotSatisfiable', 'The `Range` asked for lies outside the file'],
  '422': ['UnprocessableContent', 'The request is well-formed but breaks a rule of the operation (see `code`)'],
  '429': ['TooManyRequests', 'Too many requests: wait `Retry-After` seconds'],
  '500': ['InternalError', 'A bug: the detail is hidden; quote the `requestId`'],
  '503': ['Unavailable', 'Unavailable for a moment (database unreachable, shutting down): retry after `Retry-After` seconds'],
};

/**
 * The problems a route can answer: those every such route shares, derived from what it is
 * (400 when it has input, 401 and 403 when it authenticates, 413 and 415 when it has a body,
 * 429 when it is rate limited, 500 and 503 always), then the domain's own, as it lists them.
 */
export function routeProblems(f: RouteFacts): ProblemType[] {
  return [
    ...(f.input ? [CoreProblems.validationFailed] : []),
    ...(f.authenticated ? [CoreProblems.unauthenticated, CoreProblems.forbidden] : []),
    ...(f.body ? [CoreProblems.payloadTooLarge, CoreProblems.unsupportedMediaType] : []),
    ...(f.rateLimited ? [CoreProblems.rateLimited] : []),
    CoreProblems.internal,
    CoreProblems.unavailable,
    CoreProblems.dbTimeout,
    ...f.problems,
  ];
}

const CORE = new Set<ProblemType>(Object.values(CoreProblems));

/** `TIME.ENTRY_OVERLAP` → `TimeEntryOverlapProblem`. */
export function problemSchemaName(code: string): string {
  const words = code.toLowerCase().split(/[._]/).filter(Boolean);
  return `${words.map((w) => w[0].toUpperCase() + w.slice(1)).join('')}Problem`;
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
 * Gives every operation its problem responses (RFC 9457, `application/problem+json`) and the
 * headers the server sends. Each problem code is a schema of its own under
 * `components.schemas` (`Problem` with its `code` as a constant and its extension members), so
 * a client narrows an error by `code`; each status of an operation answers one of its codes
 * (`oneOf`). A status whose codes are those core gives every such route is a shared response
 * under `components.responses` (`Unauthorized`, …). Headers: `X-Request-Id` on every answer,
 * `RateLimit-*` on the answers of rate-limited routes (their successes and 429), `Retry-After`
 * where a code says so (429, 503, …). `facts` are keyed by operationId.
 */
export function addProblemResponses(document: Record<string, any>, facts: ReadonlyMap<string, RouteFacts>): void {
  const schemas: Record<string, object> = {};
  const owners = new Map<string, ProblemType>();
  const schemaRef = (p: ProblemType) => {
    const name = problemSchemaName(p.code);
    const first = owners.get(name);
    if (!first) {
      owners.set(name, p);
      schemas[name] = problemSchema(p);
    } else if (first.code !== p.code || JSON.stringify(first.extensions) !== JSON.stringify(p.extensions)) {
      // One code, one shape: a client narrows on the code and reads the same members.
      throw new Error(`problem ${p.code}: two definitions give schema ${name} different members (or codes)`);
    }
    return { $ref: `#/components/schemas/${name}` };
  };
  const responses: Record<string, object> = {};
  const shared = new Map<string, string>(); // status → codes of its shared response
  const response = (status: string, problems: ProblemType[], rateLimited: boolean) => {
    const [name, description] = RESPONSES[status] ?? ['Refusal', 'Refused (see `code`)'];
    const headers: HeaderName[] = ['X-Request-Id'];
    if (status === '429' && rateLimited) headers.push(...RATE_LIMIT_HEADERS);
    if (problems.some((p) => p.retryAfter)) headers.push('Retry-After');
    const refs = problems.map(schemaRef);
    const body = {
      description,
      headers: Object.fromEntries(headers.map((h) => [h, headerRef(h)])),
      content: { 'application/problem+json': { schema: refs.length === 1 ? refs[0] : { oneOf: refs } } },
    };
    // A status answered only with core's codes is a shared response (the first such set seen
    // for the status; routes are registered in a fixed order); one with a domain code is inline.
    if (!problems.every((p) => CORE.has(p))) return body;
    const key = `${problems.map((p) => p.code).join(',')}|${headers.join(',')}`;
    if (!shared.has(status)) shared.set(status, key);
    if (shared.get(status) !== key) return body;
    responses[name] ??= body;
    return { $ref: `#/components/responses/${name}` };
  };
  for (const item of Object.values<Record<string, any>>(document.paths ?? {})) {
    for (const op of Object.values<any>(item)) {
      const f = op && typeof op === 'object' ? facts.get(op.operationId) : undefined;
      if (!f) continue;
      // Answers the route declares itself (a probe's 503 too) keep their content and gain the
      // headers; the problem responses are added where the route declares none of its own.
      for (const [status, answer] of Object.entries<any>(op.responses ?? {})) {
        const limits = f.rateLimited && status.startsWith('2') ? RATE_LIMIT_HEADERS.map((h) => [h, headerRef(h)]) : [];
        answer.headers = { 'X-Request-Id': headerRef('X-Request-Id'), ...Object.fromEntries(limits), ...answer.headers };
      }
      const byStatus = new Map<string, ProblemType[]>();
      for (const p of routeProblems(f)) {
        const status = String(statusOf(p.kind));
        const list = byStatus.get(status) ?? [];
        if (!list.some((q) => q.code === p.code)) list.push(p);
        byStatus.set(status, list);
      }
      for (const [status, problems] of [...byStatus].sort(([a], [b]) => a.localeCompare(b))) {
        op.responses[status] ??= response(status, problems, f.rateLimited);
      }
    }
  }
  document.components ??= {};
  document.components.headers = { ...document.components.headers, ...HEADERS };
  document.components.responses = { ...document.components.responses, ...responses };
  document.components.schemas = { ...document.components.schemas, ...sortedByKey(schemas) };
}

/** `Problem` with the code as a constant and the code's own members, required where they are. */
function problemSchema(p: ProblemType): object {
  const ext = (p.extensions ?? { properties: {}, required: [] }) as { properties: Record<string, unknown>; required?: string[] };
  return {
    description: `\`${p.code}\`: ${p.description}`,
    allOf: [
      { $ref: '#/components/schemas/Problem' },
      {
        type: 'object',
        required: ['code', ...(ext.required ?? [])],
        properties: { code: { type: 'string', const: p.code }, ...ext.properties },
      },
    ],
  };
}

const sortedByKey = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
