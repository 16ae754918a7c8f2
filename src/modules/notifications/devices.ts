// "New sign-in from a new device": a device is the browser and system as its user agent
// names them, without version numbers (a browser update is not a new device), seen from a
// network (IPv4 /24, IPv6 /48: an address that changes inside a home or office network is
// not a new device either). Only the hash is stored.
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** The user agent with every version number folded to one marker, case and spacing normalized. */
export function userAgentFamily(userAgent: string | null | undefined): string {
  if (!userAgent) return 'unknown';
  return userAgent
    .toLowerCase()
    .replace(/\d+(?:[._]\d+)*/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The network an address belongs to: IPv4 /24, IPv6 /48; IPv4-mapped IPv6 counts as IPv4. */
export function networkOf(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1] : ip;
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(address)) return `${expandIPv6(address).slice(0, 3).join(':')}::/48`;
  return 'unknown';
}

function expandIPv6(address: string): string[] {
  const [head, tail = ''] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

export function deviceFingerprint(userAgent: string | null | undefined, ip: string | null | undefined): string {
  return createHash('sha256').update(`${userAgentFamily(userAgent)}\n${networkOf(ip)}`).digest('hex');
}

/**
 * The rule itself: alert when the fingerprint is new, unless the user had no known device
 * at all (the first sign-in after registration, or the first since this feature existed).
 */
export function isNewDeviceAlert(knownFingerprints: number, fingerprintWasKnown: boolean): boolean {
  return knownFingerprints > 0 && !fingerprintWasKnown;
}
