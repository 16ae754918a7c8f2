// OpenAPI 3.x and Swagger 2.0 descriptions found among a codebase's files, as reference pages:
// each operation with its parameters (the path's own included), request body and responses.
// Only local `$ref`s (`#/components/…`, `#/parameters/…`) are followed; a remote one is shown as
// the name it points to and never fetched.
import { parse as parseYaml } from 'yaml';
import type { ApiDoc } from '../model.ts';
import { MAX_OPERATIONS } from './limits.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** A top-level `openapi: 3…` or `swagger: "2.0"` key, checked before a full parse. */
const MARKER = /^\s*["']?(openapi|swagger)["']?\s*:\s*["']?[23]\./m;
const NAMED = /(^|\/)[^/]*(openapi|swagger)[^/]*\.(json|ya?ml)$/i;

type Json = Record<string, unknown>;
type Operation = ApiDoc['operations'][number];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Whether a file may be an API description: by its name, or a JSON/YAML file whose text has the top-level key. */
export function mayBeApi(path: string, text: string): boolean {
  if (!/\.(json|ya?ml)$/i.test(path)) return false;
  return NAMED.test(path) || MARKER.test(text) || /"(openapi|swagger)"\s*:\s*"[23]\./.test(text.slice(0, 4096));
}

/** The API description in a file, or null when it is not one (or not valid JSON/YAML). Never throws. */
export function extractApi(path: string, text: string): ApiDoc | null {
  let doc: unknown;
  try {
    // YAML aliases are bounded by the parser's own limit (maxAliasCount), so a "billion laughs" file fails fast.
    doc = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100, logLevel: 'silent' });
  } catch {
    return null;
  }
  if (!isObject(doc)) return null;
  const v3 = typeof doc.openapi === 'string' && doc.openapi.startsWith('3.');
  const v2 = String(doc.swagger) === '2.0';
  if (!v3 && !v2) return null;
  const info = isObject(doc.info) ? doc.info : {};
  const api: ApiDoc = { path, title: str(info.title) ?? path, version: str(info.version) ?? (typeof info.version === 'number' ? String(info.version) : null), description: str(info.description), operations: [] };
  const resolve = (v: unknown): Json | null => resolveLocal(doc as Json, v);
  const globalConsumes = v2 && Array.isArray(doc.consumes) ? doc.consumes.filter((c): c is string => typeof c === 'string') : [];
  for (const [route, rawItem] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    const item = resolve(rawItem);
    if (!item) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = resolve(item[method]);
      if (!op) continue;
      if (api.operations.length >= MAX_OPERATIONS) return api;
      api.operations.push(operation(method, route, op, shared, resolve, v2 ? globalConsumes : null));
    }
  }
  return api;
}

function operation(method: string, route: string, op: Json, shared: unknown[], resolve: (v: unknown) => Json | null, swaggerConsumes: string[] | null): Operation {
  // An operation's parameter replaces the path's of the same name and location.
  const byKey = new Map<string, Json>();
  for (const raw of [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
    const p = resolve(raw);
    if (p && typeof p.name === 'string') byKey.set(`${p.in}:${p.name}`, p);
  }
  const params = [...byKey.values()];
  let requestBody: string | null = null;
  if (swaggerConsumes) {
    // Swagger 2: the body is a parameter `in: body`; its media types are `consumes`.
    const body = params.find((p) => p.in === 'body');
    if (body) {
      const consumes = Array.isArray(op.consumes) ? op.consumes.filter((c): c is string => typeof c === 'string') : swaggerConsumes;
      const schema = schemaName(body.schema);
      requestBody = (consumes.length ? consumes : ['application/json']).map((m) => (schema ? `${m}: ${schema}` : m)).join(', ');
    }
  } else {
    const body = resolve(op.requestBody);
    const content = body && isObject(body.content) ? body.content : null;
    if (content) requestBody = Object.entries(content).map(([media, m]) => (isObject(m) && schemaName(m.schema) ? `${media}: ${schemaName(m.schema)}` : media)).join(', ') || null;
  }
  return {
    method: method.toUpperCase(),
    path: route,
    operationId: str(op.operationId),
    summary: str(op.summary),
    description: str(op.description),
    tags: Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === 'string') : [],
    parameters: params
      .filter((p) => p.in !== 'body')
      .map((p) => ({ name: p.name as string, in: String(p.in ?? 'query'), required: p.required === true, description: str(p.description), type: schemaName(p.schema) ?? typeName(p) })),
    requestBody,
    responses: Object.entries(isObject(op.responses) ? op.responses : {}).map(([status, r]) => ({ status, description: str(resolve(r)?.description) })),
  };
}

/** `{ $ref: '#/components/x/y' }` → the object at that pointer in the same document; other objects as they are. */
function resolveLocal(doc: Json, value: unknown, depth = 0): Json | null {
  if (!isObject(value)) return null;
  const ref = value.$ref;
  if (typeof ref !== 'string') return value;
  if (!ref.startsWith('#/') || depth > 8) return null;
  let at: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    const key = decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~');
    at = isObject(at) ? at[key] : undefined;
  }
  return resolveLocal(doc, at, depth + 1);
}

/** A schema's name when it is a `$ref` (the last part, local or remote), its type otherwise (`Pet[]` for an array of Pet). */
function schemaName(schema: unknown): string | null {
  if (!isObject(schema)) return null;
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() || schema.$ref;
  if (schema.type === 'array') {
    const items = schemaName(schema.items);
    return items ? `${items}[]` : 'array';
  }
  return typeName(schema);
}

function typeName(s: Json): string | null {
  if (s.type === 'array' && isObject(s.items)) return `${schemaName(s.items) ?? 'array'}[]`;
  const type = Array.isArray(s.type) ? s.type.filter((t) => typeof t === 'string').join(' | ') : str(s.type);
  return type && str(s.format) ? `${type} (${s.format})` : type;
}
