// The operator's exceptions to the address policy (e.g. WEBHOOK_ALLOWED_HOSTS): host names
// that may be reached whatever they resolve to, and IP addresses or CIDR ranges that may be
// reached although they are not public (an internal receiver, a test server on 127.0.0.1).
import { BlockList, isIP } from 'node:net';
import { bareAddress } from './address-policy.ts';

export interface AllowList {
  /** An exact host name (case-insensitive) the operator trusts. */
  allowsHost(hostname: string): boolean;
  /** An address inside an allowed IP or CIDR. */
  allowsAddress(address: string): boolean;
  readonly entries: readonly string[];
}

export class AllowListError extends Error {}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Parses entries like `hooks.internal`, `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`; throws AllowListError on a bad one. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const ranges = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const [address, prefixText, extra] = bareAddress(entry).split('/');
    const family = isIP(address);
    if (family) {
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
      if (extra !== undefined || !(prefix >= 0 && prefix <= max)) throw new AllowListError(`"${raw}" is not a valid CIDR range`);
      ranges.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    } else if (prefixText === undefined && HOSTNAME.test(entry.replace(/\.$/, ''))) {
      hosts.add(entry.replace(/\.$/, ''));
    } else {
      throw new AllowListError(`"${raw}" is neither a host name, an IP address nor a CIDR range`);
    }
  }
  return {
    entries: [...entries],
    allowsHost: (hostname) => hosts.has(hostname.toLowerCase().replace(/\.$/, '')),
    allowsAddress(address) {
      const ip = bareAddress(address);
      const family = isIP(ip);
      return family !== 0 && ranges.check(ip, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

export const EMPTY_ALLOW_LIST: AllowList = parseAllowList([]);
