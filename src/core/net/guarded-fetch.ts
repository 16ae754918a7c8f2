// A `fetch` for addresses users gave (an organization's own language model provider): each
// request's URL is checked (ssrf-guard.ts) and the connection goes to one of the addresses that
// were checked (a pinned `lookup`, so a second DNS answer can never be used); redirects come back
// as they are, never followed. The response body is streamed as it arrives (a model's answer),
// and the caller's signal aborts the request. Plain node:http underneath: the global fetch takes
// no `lookup`. `createNodeRequest` is the same request without the fetch on top.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { pinnedLookup } from './guarded-post.ts';
import { assertPublicUrl, type GuardOptions } from './ssrf-guard.ts';

function headersOf(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** A request as node:http sends it: the body whole, with its length. */
export interface NodeRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
}

/**
 * Sends a request and resolves with the response as node:http gives it (the body not read yet):
 * what a caller that reads a long streamed body itself uses, without a web stream in between
 * (core/llm/chat-completions.ts). Rejects with the guard's UrlNotAllowedError before any
 * connection when it has `guard`, with the signal's reason when aborted, else with the socket's error.
 */
export type NodeRequest = (url: string, init: NodeRequestInit) => Promise<IncomingMessage>;

/** node:http as it is (an address from the settings), or through the SSRF guard (an address users gave). */
export function createNodeRequest(guard?: GuardOptions): NodeRequest {
  return async (target, init) => {
    // Read once here: the request's listeners live as long as its response is read (a streamed
    // answer), and whatever their closures can reach stays with them; the body is let go once sent.
    const { method, signal } = init;
    let body = init.body;
    const headers = body ? { ...init.headers, 'content-length': String(body.length) } : init.headers;
    signal?.throwIfAborted();
    let url = new URL(target);
    let lookup: ReturnType<typeof pinnedLookup> | undefined;
    if (guard) {
      const checked = await assertPublicUrl(target, guard);
      url = checked.url;
      lookup = pinnedLookup(checked.addresses);
    }
    signal?.throwIfAborted();
    return new Promise<IncomingMessage>((resolve, reject) => {
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request(url, { method, headers, ...(lookup ? { lookup } : {}), signal }, resolve);
      req.on('error', (err) => reject(signal?.aborted ? signal.reason : err));
      req.end(body);
      body = undefined;
    });
  };
}

/** Throws UrlNotAllowedError (before any connection) for a URL the guard refuses. */
export function createGuardedFetch(opts: GuardOptions = {}): typeof globalThis.fetch {
  const send = createNodeRequest(opts);
  return async (input, init) => {
    const request = new Request(input, init);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const res = await send(request.url, { method: request.method, headers: Object.fromEntries(request.headers), body, signal: init?.signal ?? undefined });
    const status = res.statusCode ?? 502;
    // A body is not allowed with these statuses; the Response constructor refuses one.
    const nobody = status === 204 || status === 205 || status === 304 || request.method === 'HEAD';
    if (nobody) res.resume();
    return new Response(nobody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage, headers: headersOf(res.headers) });
  };
}
