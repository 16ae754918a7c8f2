// The drift check of the API document (issue #19, decision 0028): every answer a test app gives
// through `request()` is checked against the operation the app's own /openapi.json declares for
// it: the status is declared (the code, its range `4XX`, or `default`), the media type is one the
// status declares (no body where it declares none), and a JSON body validates against the
// declared schema (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). Bodies that are not JSON (CSV,
// XLSX, PDF, ZIP, HTML) are checked for status and media type only. A mismatch throws from
// `request()`, so the test that sent the request fails at that line.
//
// Not checked: servers that tests spawn as processes (test/processes.ts) and requests a test
// sends over a real socket (fetch, raw HTTP) to an app that listens; those suites test the
// transport, and every operation they reach is also reached through `request()` elsewhere.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Doc = Record<string, any>;

/**
 * Answers not looked up in the document: the routes it hides on purpose (they are not part of
 * the API a client is generated from) and URLs no route matches.
 */
const UNDOCUMENTED: { test(path: string): boolean; why: string }[] = [
  { test: (p) => p === '/openapi.json', why: 'the document itself' },
  { test: (p) => p === '/docs' || p.startsWith('/docs/'), why: 'the rendered docs (HTML, scripts, styles)' },
  { test: (p) => p === '/metrics', why: 'Prometheus metrics (hidden: for scrapers, not clients)' },
];

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

interface Operation {
  method: string;
  /** The path as the server routes it: the document's path under its server URL. */
  segments: string[];
  template: string;
  op: Doc;
}

export interface Answer {
  method: string;
  /** The URL as sent (path and query). */
  url: string;
  status: number;
  contentType: string | undefined;
  body: string;
}

/** Checks answers against one document; schemas are compiled once each, on first use. */
export class ContractChecker {
  private readonly operations: Operation[] = [];
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  private readonly doc: Doc;

  constructor(doc: Doc) {
    this.doc = doc;
    const base = (doc.servers?.[0]?.url ?? '') as string;
    for (const [template, item] of Object.entries<Doc>(doc.paths ?? {})) {
      for (const [method, op] of Object.entries<Doc>(item)) {
        if (!METHODS.has(method)) continue;
        const server = ((op.servers ?? item.servers)?.[0]?.url ?? base) as string;
        const full = `${server.replace(/\/$/, '')}${template}`;
        this.operations.push({ method: method.toUpperCase(), segments: full.split('/').filter(Boolean), template, op });
      }
    }
    // strict off: the document carries OpenAPI keywords (`discriminator`, `example`) and the
    // server's own (`x-text`, `x-years`), which say nothing about a response's validity.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats.default(this.ajv);
    // The server's request-only formats: answers carry what it stored, in the standard formats.
    for (const name of ['date-or-date-time', 'week-or-month']) this.ajv.addFormat(name, true);
    this.ajv.addSchema({ ...doc, $id: 'openapi.json' });
  }

  /** The operation a request reached, as Fastify routes it: static segments before parameters. */
  private find(method: string, path: string): Operation | undefined {
    const segments = path.split('/').filter(Boolean);
    let best: Operation | undefined;
    let bestScore = '';
    for (const o of this.operations) {
      if (o.method !== method || o.segments.length !== segments.length) continue;
      let score = '';
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const s = o.segments[i];
        if (s.startsWith('{') && s.endsWith('}')) score += '0';
        else if (s === segments[i]) score += '1';
        else ok = false;
      }
      if (ok && score > bestScore) [best, bestScore] = [o, score];
      else if (ok && !best) best = o;
    }
    return best;
  }

  private deref(node: Doc): Doc {
    let out = node;
    while (out && typeof out.$ref === 'string' && out.$ref.startsWith('#/')) {
      out = out.$ref
        .slice(2)
        .split('/')
        .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((n: Doc, key: string) => n?.[key], this.doc);
    }
    return out;
  }

  private validator(pointer: string): ValidateFunction {
    let fn = this.compiled.get(pointer);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `openapi.json#${pointer}` });
      this.compiled.set(pointer, fn);
    }
    return fn;
  }

  /** The mismatches of one answer, empty when it agrees with the document (or is not in it). */
  check(a: Answer): string[] {
    const method = a.method.toUpperCase();
    // HEAD is answered by the GET route without a body; OPTIONS is CORS preflight.
    if (method === 'HEAD' || method === 'OPTIONS') return [];
    const path = decodePath(a.url.split('?')[0]);
    if (UNDOCUMENTED.some((u) => u.test(path))) return [];
    const found = this.find(method, path);
    // No route for the method and path: the app's not-found answer, which no operation owns
    // (404, or 429 once a scan of random paths hits the global rate limit).
    if (!found) return a.status === 404 || a.status === 429 ? [] : [`no operation in the document for ${method} ${path}, answered ${a.status}`];
    const { op, template } = found;
    const responses = (op.responses ?? {}) as Doc;
    const code = String(a.status);
    const key = code in responses ? code : `${code[0]}XX` in responses ? `${code[0]}XX` : 'default' in responses ? 'default' : undefined;
    if (!key) return [`status ${code} is not declared by ${op.operationId} (declares ${Object.keys(responses).join(', ')})`];
    const response = this.deref(responses[key]);
    const content = (response.content ?? {}) as Doc;
    const declared = Object.keys(content);
    const mediaType = a.contentType?.split(';')[0].trim().toLowerCase();
    if (declared.length === 0) {
      return a.body.length > 0 ? [`${op.operationId} declares no body for ${key}, got ${a.body.length} bytes of ${mediaType ?? 'no type'}`] : [];
    }
    if (!mediaType) return [`${op.operationId} ${key}: no Content-Type, declared ${declared.join(', ')}`];
    const match =
      declared.find((d) => d.toLowerCase() === mediaType) ?? declared.find((d) => d === '*/*' || (d.endsWith('/*') && mediaType.startsWith(d.slice(0, -1))));
    if (!match) return [`${op.operationId} ${key}: Content-Type ${mediaType} is not declared (declared ${declared.join(', ')})`];
    if (!/^application\/([\w.-]+\+)?json$/.test(mediaType) || !content[match].schema) return [];
    let body: unknown;
    try {
      body = JSON.parse(a.body);
    } catch {
      return [`${op.operationId} ${key}: the ${mediaType} body is not JSON`];
    }
    // The schema is reached through the operation's own path in the document (its $refs,
    // response and schema alike, resolve against the whole document).
    const responsePointer = refPointer(responses[key]) ?? `/paths/${pointerPart(template)}/${method.toLowerCase()}/responses/${pointerPart(key)}`;
    const validate = this.validator(`${responsePointer}/content/${pointerPart(match)}/schema`);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${op.operationId} ${key} ${match}: body${e.instancePath} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
  }
}

const pointerPart = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const refPointer = (node: Doc): string | undefined => (typeof node?.$ref === 'string' && node.$ref.startsWith('#/') ? node.$ref.slice(1) : undefined);
const decodePath = (p: string) => {
  try {
    return decodeURI(p);
  } catch {
    return p;
  }
};

/** One checker per document text: apps built alike share compiled schemas. */
const checkers = new Map<string, ContractChecker>();
export function checkerFor(text: string): ContractChecker {
  let c = checkers.get(text);
  if (!c) {
    c = new ContractChecker(JSON.parse(text));
    checkers.set(text, c);
  }
  return c;
}

/** The URL an inject call sends (path and query), from its options. */
function injectedUrl(opts: InjectOptions | string): string {
  if (typeof opts === 'string') return opts;
  const url = opts.url ?? opts.path ?? '/';
  return typeof url === 'string' ? url : `${url.pathname ?? '/'}${url.query ? `?${url.query}` : ''}`;
}

type Inject = (opts: InjectOptions | string) => Promise<LightMyRequestResponse>;

/**
 * Wraps an app's `inject` so each answer is checked against the document the app serves
 * (`document()`, read once on first use, not requested: a request would count against the rate
 * limits tests measure). A mismatch throws with the method, the URL without its query (which may
 * carry a token), the status and what does not match; never headers or bodies.
 */
export function checkedInject(inject: Inject, document: () => unknown): Inject {
  let checker: ContractChecker | undefined;
  return async (opts) => {
    const res = await inject(opts);
    checker ??= checkerFor(JSON.stringify(document()));
    const method = typeof opts === 'string' ? 'GET' : (opts.method ?? 'GET');
    const url = injectedUrl(opts);
    const problems = checker.check({ method, url, status: res.statusCode, contentType: res.headers['content-type'] as string | undefined, body: res.rawPayload.length ? res.body : '' });
    if (problems.length) {
      throw new Error(`the answer does not match /openapi.json: ${method} ${url.split('?')[0]} → ${res.statusCode}\n  ${problems.slice(0, 10).join('\n  ')}`);
    }
    return res;
  };
}
