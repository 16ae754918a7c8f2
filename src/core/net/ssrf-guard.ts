// Checks a user-given URL before the server sends anything to it: http(s) only, no
// credentials, a host name that is not reserved, and every address it resolves to public
// (or allowed by the operator). The checked addresses are returned so the caller can
// connect to exactly them: checking one DNS answer and connecting with another would let
// a host switch to 127.0.0.1 in between (DNS rebinding). A refusal tells the caller only
// which general rule the URL broke; what the name resolved to stays in the server log.
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

/**
 * Why a URL was refused, as the caller may learn it. A host that is not public is one reason
 * whatever the cause: telling "does not resolve" from "resolves to a private address" would
 * let a caller probe which internal names exist (docs/platform.md, "SSRF guard").
 */
export type UrlRefusal = 'invalid' | 'scheme' | 'credentials' | 'not_public';

/** Which rule refused the URL: for the server log and tests, never for the caller. */
export type UrlCheck = 'invalid' | 'scheme' | 'credentials' | 'blocked_host' | 'blocked_address' | 'unresolvable';

/** One fixed message per reason: nothing of the URL, its addresses or the resolver's answer. */
export const REFUSAL_MESSAGES: Record<UrlRefusal, string> = {
  invalid: 'is not a valid URL',
  scheme: 'must use http or https',
  credentials: 'must not contain a user name or password',
  not_public: 'must point to a host with public addresses only',
};

const REASON_OF: Record<UrlCheck, UrlRefusal> = {
  invalid: 'invalid',
  scheme: 'scheme',
  credentials: 'credentials',
  blocked_host: 'not_public',
  blocked_address: 'not_public',
  unresolvable: 'not_public',
};

/**
 * The URL may not be reached. `reason` and `message` are safe to show to whoever gave the URL;
 * `check` and `detail` (the name, the addresses it resolved to, the resolver's error code) are
 * for the server log only.
 */
export class UrlNotAllowedError extends Error {
  readonly reason: UrlRefusal;
  readonly check: UrlCheck;
  readonly detail: string;
  constructor(check: UrlCheck, detail: string) {
    const reason = REASON_OF[check];
    super(REFUSAL_MESSAGES[reason]);
    this.name = 'UrlNotAllowedError';
    this.reason = reason;
    this.check = check;
    this.detail = detail;
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
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlNotAllowedError('invalid', 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlNotAllowedError('scheme', `scheme ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password) throw new UrlNotAllowedError('credentials', 'user name or password in the URL');
  // WHATWG URL parsing has already normalized numeric forms (0x7f.1, 2130706433) to dotted quads.
  const { host, addresses } = await assertPublicHost(url.hostname, opts);
  return { url, host, addresses };
}

/**
 * Checks a host name or address the server is about to dial (a database a user named), by the
 * same rules as a URL's host; throws UrlNotAllowedError. Connect only to the returned addresses.
 */
export async function assertPublicHost(hostname: string, opts: GuardOptions = {}): Promise<{ host: string; addresses: ResolvedAddress[] }> {
  const allow = opts.allow ?? EMPTY_ALLOW_LIST;
  const host = normalizedHost(hostname);
  if (!host) throw new UrlNotAllowedError('invalid', 'no host');
  const hostAllowed = allow.allowsHost(host);
  if (!hostAllowed && isBlockedHostname(host)) throw new UrlNotAllowedError('blocked_host', `reserved host name ${host}`);

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
      throw new UrlNotAllowedError('blocked_address', family ? `non-public address ${host}` : `host ${host} resolves to the non-public address ${refused.address}`);
    }
  }
  return { host, addresses };
}

/** The host as a URL parser reads it: numeric forms (0x7f.1, 2130706433) become dotted quads; '' when it is not a host. */
function normalizedHost(hostname: string): string {
  const bare = bareAddress(hostname.trim().toLowerCase());
  if (!bare || /[/?#@\s]/.test(bare)) return '';
  try {
    return bareAddress(new URL(`http://${isIP(bare) === 6 ? `[${bare}]` : bare}/`).hostname);
  } catch {
    return '';
  }
}
