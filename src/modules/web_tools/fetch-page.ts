// GETs a page a model asked for, as safely as the webhooks POST (core/net/guarded-post.ts): every
// URL, the first and each redirect's, passes the SSRF guard, and the connection goes to the
// addresses that were checked (a second DNS answer is never used); redirects are followed here,
// at most MAX_REDIRECTS, never by the client; the body is read up to a byte cap (after
// decompression: a small gzip cannot become a huge page) and the rest is not read; one deadline
// covers every hop and the body. Only text is read: HTML, plain text, Markdown, JSON.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { AllowList } from '../../core/net/allow-list.ts';
import { pinnedLookup } from '../../core/net/guarded-post.ts';
import { assertPublicUrl, type CheckedUrl, type Resolver, UrlNotAllowedError } from '../../core/net/ssrf-guard.ts';
import { WebToolsProblems as P } from './problems.ts';

export const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'TrellisBot/1.0 (+fetch_page; reads one page for a user who asked)';

export interface FetchOptions {
  maxBytes: number;
  timeoutMs: number;
  allow: AllowList;
  /** Tests give their own; default: the system's DNS. */
  resolve?: Resolver;
  signal: AbortSignal;
}

export interface FetchedPage {
  /** The URL the page was read from, after redirects. */
  url: string;
  /** Lower case, without parameters: `text/html`. */
  mediaType: string;
  /** The body as text, in its declared (or `<meta>`) charset, UTF-8 when none or unknown. */
  body: string;
  /** The byte cap stopped the reading: the page is longer. */
  truncated: boolean;
}

/** The media types read: anything else is refused before its body is read. */
export function isReadableType(mediaType: string): boolean {
  return ['text/html', 'application/xhtml+xml', 'text/plain', 'text/markdown', 'text/x-markdown', 'application/json'].includes(mediaType) || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/** Throws WEB.* problems (AppError); the caller's own abort is thrown as its reason. */
export async function fetchPage(raw: string, opts: FetchOptions): Promise<FetchedPage> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = AbortSignal.any([deadline, opts.signal]);
  try {
    return await follow(raw, opts, signal);
  } catch (err) {
    if (opts.signal.aborted) throw opts.signal.reason ?? err;
    if (deadline.aborted) throw P.fetchTimeout.error(`The page did not arrive within ${opts.timeoutMs} ms`);
    throw err;
  }
}

async function follow(raw: string, opts: FetchOptions, signal: AbortSignal): Promise<FetchedPage> {
  let url = raw;
  for (let redirects = 0; ; redirects++) {
    const checked = await check(url, redirects > 0, opts);
    signal.throwIfAborted();
    const res = await get(checked, signal);
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      res.destroy();
      const location = res.headers.location;
      if (!location) throw P.fetchFailed.error(`The page answered HTTP ${status} without saying where to go`);
      if (redirects >= MAX_REDIRECTS) throw P.fetchFailed.error(`The page redirects more than ${MAX_REDIRECTS} times`);
      url = URL.parse(location, checked.url.href)?.href ?? '';
      if (!url) throw P.fetchFailed.error('The page redirects to something that is not a URL');
      continue;
    }
    if (status < 200 || status > 299) {
      res.destroy();
      throw P.fetchFailed.error(`The page answered HTTP ${status}`);
    }
    const { mediaType, charset } = contentType(res.headers['content-type']);
    if (!isReadableType(mediaType)) {
      res.destroy();
      throw P.unsupportedContent.error(`The page is ${mediaType ? `of type ${mediaType}` : 'of no stated type'}: only HTML, plain text, Markdown and JSON are read`);
    }
    const { bytes, truncated } = await readCapped(res, opts.maxBytes);
    return { url: checked.url.href, mediaType, body: decode(bytes, charset, mediaType), truncated };
  }
}

/** The guard's check, its refusal told as the tool's problem (a redirect's as such). */
async function check(url: string, redirected: boolean, opts: FetchOptions): Promise<CheckedUrl> {
  try {
    return await assertPublicUrl(url, { allow: opts.allow, resolve: opts.resolve });
  } catch (err) {
    if (!(err instanceof UrlNotAllowedError)) throw err;
    throw P.urlNotAllowed.error(redirected ? `The page redirects to a URL that ${err.message}` : `The URL ${err.message}`);
  }
}

const NETWORK_FAILURES: [RegExp, string][] = [
  [/^ECONNREFUSED$/, 'connection refused'],
  [/^(ECONNRESET|EPIPE)$/, 'connection reset'],
  [/^(EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENETDOWN)$/, 'host unreachable'],
  [/^ETIMEDOUT$/, 'connection timed out'],
  [/^(ERR_TLS_CERT_ALTNAME_INVALID|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT)/, 'TLS certificate not accepted'],
  [/^(ERR_SSL_|ERR_TLS_|EPROTO$)/, 'TLS handshake failed'],
];

function unreachable(err: unknown) {
  const code = String((err as { code?: unknown })?.code ?? '');
  const why = NETWORK_FAILURES.find(([pattern]) => pattern.test(code))?.[1] ?? 'connection failed';
  return P.fetchFailed.error(`The page could not be reached: ${why}`);
}

function get(checked: CheckedUrl, signal: AbortSignal): Promise<IncomingMessage> {
  const send = checked.url.protocol === 'https:' ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = send(
      checked.url,
      {
        headers: { 'user-agent': USER_AGENT, accept: 'text/html, application/xhtml+xml, text/plain, text/markdown, application/json;q=0.9, */*;q=0.1', 'accept-encoding': 'gzip, deflate, br' },
        // A fresh connection to a checked address each time; never a pooled one.
        agent: false,
        lookup: pinnedLookup(checked.addresses),
        signal,
      },
      resolve,
    );
    req.on('error', (err) => reject(signal.aborted ? signal.reason : unreachable(err)));
  });
}

/** Reads at most `maxBytes` of the decoded body, then stops reading and drops the connection. */
async function readCapped(res: IncomingMessage, maxBytes: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const encoding = String(res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let decoded: Readable = res;
  if (encoding === 'gzip' || encoding === 'x-gzip') decoded = res.pipe(createGunzip());
  else if (encoding === 'deflate') decoded = res.pipe(createInflate());
  else if (encoding === 'br') decoded = res.pipe(createBrotliDecompress());
  else if (encoding !== 'identity' && encoding !== '') {
    res.destroy();
    throw P.fetchFailed.error(`The page is sent in an unknown content encoding (${encoding.slice(0, 20)})`);
  }
  if (decoded !== res) res.on('error', (err) => decoded.destroy(err));
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      const room = maxBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('Z_') || (err as { code?: string }).code === 'ERR__ERROR') throw P.fetchFailed.error('The page could not be decompressed');
    throw (err as { name?: string }).name === 'AbortError' ? err : P.fetchFailed.error('The page ended before it was complete');
  } finally {
    // Enough read (or a failure): the rest of the body is never downloaded.
    res.destroy();
  }
  return { bytes: Buffer.concat(chunks), truncated };
}

function contentType(header: string | undefined): { mediaType: string; charset: string | undefined } {
  const [type, ...params] = (header ?? '').split(';');
  const charset = params
    .map((p) => /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(p)?.[1])
    .find(Boolean)
    ?.toLowerCase();
  return { mediaType: type.trim().toLowerCase(), charset };
}

/** The declared charset, else an HTML page's `<meta charset>`, else UTF-8; an unknown label reads as UTF-8. */
function decode(bytes: Buffer, charset: string | undefined, mediaType: string): string {
  let label = charset;
  if (!label && mediaType.includes('html')) label = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(bytes.subarray(0, 2048).toString('latin1'))?.[1];
  try {
    return new TextDecoder(label ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
