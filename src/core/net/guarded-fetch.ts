// A `fetch` for addresses users gave (an organization's own language model provider): each
// request's URL is checked (ssrf-guard.ts) and the connection goes to one of the addresses that
// were checked (a pinned `lookup`, so a second DNS answer can never be used); redirects come back
// as they are, never followed. The response body is streamed as it arrives (a model's answer),
// and the caller's signal aborts the request. Plain node:http underneath: the global fetch takes
// no `lookup`.
import type { IncomingHttpHeaders } from 'node:http';
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

/** Throws UrlNotAllowedError (before any connection) for a URL the guard refuses. */
export function createGuardedFetch(opts: GuardOptions = {}): typeof globalThis.fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const { url, addresses } = await assertPublicUrl(request.url, opts);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    return new Promise<Response>((resolve, reject) => {
      const client = url.protocol === 'https:' ? https : http;
      const headers: Record<string, string> = Object.fromEntries(request.headers);
      if (body) headers['content-length'] = String(body.length);
      const req = client.request(url, { method: request.method, headers, lookup: pinnedLookup(addresses), signal }, (res) => {
        const status = res.statusCode ?? 502;
        // A body is not allowed with these statuses; the Response constructor refuses one.
        const nobody = status === 204 || status === 205 || status === 304 || request.method === 'HEAD';
        if (nobody) res.resume();
        resolve(new Response(nobody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage, headers: headersOf(res.headers) }));
      });
      req.on('error', (err) => reject(signal?.aborted ? signal.reason : err));
      req.end(body);
    });
  };
}
