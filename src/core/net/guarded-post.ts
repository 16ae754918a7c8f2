// POSTs to a user-given URL safely: the URL is checked (ssrf-guard.ts), the connection goes
// to one of the addresses that were checked (a custom `lookup`, so a second DNS answer can
// never be used), redirects are returned as they are, never followed, the response body
// read is capped, and the whole exchange has a deadline.
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { tracing } from '../telemetry/tracing.ts';
import { assertPublicUrl, type GuardOptions, type ResolvedAddress } from './ssrf-guard.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

export interface GuardedPostOptions extends GuardOptions {
  headers?: Record<string, string>;
  body: string | Buffer;
  /** Deadline for connecting, sending and reading the response (default 10 s). */
  timeoutMs?: number;
  /** Bytes of the response body kept (default 64 KiB); the rest is not read. */
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

export interface GuardedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The first maxResponseBytes of the body, as UTF-8. */
  body: string;
  truncated: boolean;
  latencyMs: number;
  /** The address the request went to. */
  remoteAddress: string | undefined;
}

/**
 * The request was sent (or tried) but no complete response came back. `message` is one of a
 * few fixed phrases, safe to show to whoever gave the URL; the socket's own error, which names
 * the address and port it tried (or a certificate's names), is kept as `cause` for the log.
 */
export class OutboundRequestError extends Error {
  readonly kind: 'timeout' | 'aborted' | 'network';
  readonly latencyMs: number;
  constructor(kind: OutboundRequestError['kind'], message: string, latencyMs: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'OutboundRequestError';
    this.kind = kind;
    this.latencyMs = latencyMs;
  }
}

/** Socket and TLS error codes, in general terms. */
const NETWORK_FAILURES: [RegExp, string][] = [
  [/^ECONNREFUSED$/, 'connection refused'],
  [/^RESPONSE_ENDED_EARLY$/, 'the response ended early'],
  [/^(ECONNRESET|EPIPE)$/, 'connection reset'],
  [/^(EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENETDOWN)$/, 'host unreachable'],
  [/^ETIMEDOUT$/, 'connection timed out'],
  [/^(ERR_TLS_CERT_ALTNAME_INVALID|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT)/, 'TLS certificate not accepted'],
  [/^(ERR_SSL_|ERR_TLS_|EPROTO$)/, 'TLS handshake failed'],
];

function networkFailure(err: unknown): string {
  const code = String((err as { code?: unknown })?.code ?? '');
  return NETWORK_FAILURES.find(([pattern]) => pattern.test(code))?.[1] ?? 'connection failed';
}

/** A `lookup` that answers only with the checked addresses (of the family asked for). */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const asked = options?.family;
    const family = asked === 4 || asked === 'IPv4' ? 4 : asked === 6 || asked === 'IPv6' ? 6 : 0;
    const usable = family ? addresses.filter((a) => a.family === family) : addresses;
    if (!usable.length) {
      const err = Object.assign(new Error(`no checked IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' });
      callback(err, '', 0);
      return;
    }
    if (options?.all) (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, usable.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, usable[0].address, usable[0].family);
  };
}

/** Throws UrlNotAllowedError before sending when the URL may not be reached, OutboundRequestError when no response came. */
export async function guardedPost(url: string | URL, opts: GuardedPostOptions): Promise<GuardedResponse> {
  const checked = await assertPublicUrl(url, opts);
  const tracer = tracing();
  if (!tracer) return post(checked, opts);
  const { hostname, port, protocol } = checked.url;
  // Host and port only: webhook URLs often carry a secret in their path or query.
  const attributes = { 'http.request.method': 'POST', 'server.address': hostname, 'server.port': Number(port) || (protocol === 'https:' ? 443 : 80), 'url.scheme': protocol.slice(0, -1) };
  return tracer.inSpan('POST', { kind: 'client', attributes }, async (span) => {
    // `traceparent` lets a receiver that traces continue this trace; others ignore it.
    const res = await post(checked, { ...opts, headers: { ...opts.headers, ...span.headers() } });
    span.setAttributes({ 'http.response.status_code': res.status });
    if (res.status >= 400) span.fail(`HTTP ${res.status}`);
    return res;
  });
}

async function post(checked: Awaited<ReturnType<typeof assertPublicUrl>>, opts: GuardedPostOptions): Promise<GuardedResponse> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const send = checked.url.protocol === 'https:' ? https.request : http.request;

  return new Promise<GuardedResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      if (deadline.aborted) reject(new OutboundRequestError('timeout', `no complete response within ${timeoutMs} ms`, elapsed()));
      else if (signal.aborted) reject(new OutboundRequestError('aborted', 'the request was cancelled', elapsed()));
      else reject(new OutboundRequestError('network', networkFailure(err), elapsed(), err));
    };
    const req = send(
      checked.url,
      {
        method: 'POST',
        headers: { ...opts.headers, 'content-length': String(body.length) },
        // A fresh connection each time: a pooled socket may have been opened for an earlier check.
        agent: false,
        lookup: pinnedLookup(checked.addresses),
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = (truncated: boolean) => {
          if (settled) return;
          settled = true;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            truncated,
            latencyMs: elapsed(),
            remoteAddress: res.socket?.remoteAddress ?? req.socket?.remoteAddress,
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          const room = maxBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            // Enough kept: stop reading, so a huge or endless body costs nothing more.
            done(true);
            res.destroy();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => done(false));
        res.on('error', fail);
        res.on('close', () => (res.complete ? done(false) : fail(Object.assign(new Error('the response ended early'), { code: 'RESPONSE_ENDED_EARLY' }))));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}
