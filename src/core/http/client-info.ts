// The client's address and user agent as the app stores them (sessions, trusted devices, the
// outbox and so the audit log, webhooks and sign-in notifications). Both come from headers:
// Node's parser refuses NUL and most control bytes there, but passes TAB and bytes 0x80–0xFF,
// which arrive as Latin-1 characters (U+0080–U+009F are C1 controls); and behind a trusted
// proxy, `request.ip` is whatever X-Forwarded-For said, `<script>` included (proxy-addr does
// not check it). So each value is normalised, never refused: a request is not wrong because of
// its user agent, and a forwarded address is the proxy's word, not the client's.
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

export const MAX_USER_AGENT = 512;

const CONTROLS = /[\p{Cc}\u2028\u2029]+/gu;

/**
 * A valid IP address: `request.ip` when it is one (an IPv6 zone id dropped), else the address
 * of the peer that connected, which always is.
 */
export function clientIp(request: FastifyRequest): string {
  const ip = request.ip;
  if (ip && isIP(ip)) {
    const zone = ip.indexOf('%');
    return zone === -1 ? ip : ip.slice(0, zone);
  }
  return request.socket?.remoteAddress ?? '0.0.0.0';
}

/** The User-Agent header with control characters turned into spaces, at most 512 characters; undefined when empty. */
export function clientUserAgent(request: FastifyRequest): string | undefined {
  const header = request.headers['user-agent'];
  if (typeof header !== 'string') return undefined;
  const clean = header.slice(0, MAX_USER_AGENT * 2).replace(CONTROLS, ' ').trim().slice(0, MAX_USER_AGENT);
  return clean || undefined;
}
