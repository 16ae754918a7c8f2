// Checks a user-given URL before the server sends anything to it: http(s) only, no
// credentials, a host name that is not reserved, and every address it resolves to public
// (or allowed by the operator). The checked addresses are returned so the caller can
// connect to exactly them: checking one DNS answer and connecting with another would let
// a host switch to 127.0.0.1 in between (DNS rebinding).
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { bareAddress, isBlockedHostname, isPublicAddress } from './address-policy.ts';
import { type AllowList, EMPTY_ALLOW_LIST } from './allow-list.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (node:dns lookup by default; tests pass their own). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => (await dnsLookup(hostname, { all: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export type UrlRefusal = 'invalid' | 'scheme' | 'credentials' | 'blocked_host' | 'blocked_address' | 'unresolvable';

/** The URL may not be reached. `reason` is stable; the message names what was refused. */
export class UrlNotAllowedError extends Error {
  readonly reason: UrlRefusal;
  constructor(reason: UrlRefusal, message: string) {
    super(message);
    this.name = 'UrlNotAllowedError';
    this.reason = reason;
  }
}

export interface GuardOptions {
  allow?: AllowList;
  resolve?: Resolver;
}

export interface CheckedUrl {
  url: URL;
  /** The host name without IPv6 brackets. */
  host: string;
  /** Every address the host resolved to, all checked; connect only to these. */
  addresses: ResolvedAddress[];
}

/** Parses and checks `raw`; throws UrlNotAllowedError when it may not be reached. */
export async function assertPublicUrl(raw: string | URL, opts: GuardOptions = {}): Promise<CheckedUrl> {
  const allow = opts.allow ?? EMPTY_ALLOW_LIST;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlNotAllowedError('invalid', 'is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlNotAllowedError('scheme', `must use http or https, not ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password) throw new UrlNotAllowedError('credentials', 'must not contain a user name or password');
  // WHATWG URL parsing has already normalized numeric forms (0x7f.1, 2130706433) to dotted quads.
  const host = bareAddress(url.hostname);
  if (!host) throw new UrlNotAllowedError('invalid', 'has no host');
  const hostAllowed = allow.allowsHost(host);
  if (!hostAllowed && isBlockedHostname(host)) throw new UrlNotAllowedError('blocked_host', `may not point to ${host}`);

  const family = isIP(host);
  let addresses: ResolvedAddress[];
  if (family) {
    addresses = [{ address: host, family: family === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await (opts.resolve ?? systemResolver)(host);
    } catch (err: any) {
      throw new UrlNotAllowedError('unresolvable', `host ${host} could not be resolved (${err?.code ?? 'error'})`);
    }
    if (!addresses.length) throw new UrlNotAllowedError('unresolvable', `host ${host} has no address`);
  }
  if (!hostAllowed) {
    // Every answer must pass: a name with one public and one private address would reach
    // the private one as soon as the connection picks it.
    const refused = addresses.find((a) => !isPublicAddress(a.address) && !allow.allowsAddress(a.address));
    if (refused) {
      throw new UrlNotAllowedError('blocked_address', family ? `may not point to the non-public address ${host}` : `host ${host} resolves to the non-public address ${refused.address}`);
    }
  }
  return { url, host, addresses };
}
