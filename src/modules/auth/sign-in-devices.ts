// "New sign-in from a new device": a device is the browser and system as its user agent
// names them, without version numbers (a browser update is not a new device), seen from a
// network (IPv4 /24, IPv6 /48: an address that changes inside a home or office network is
// not a new device either). Only the hash is stored, in `auth.known_devices`, which holds
// nothing else: the sightings exist for the `new_sign_in` notice (notifications.ts).
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { type Kysely, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

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

/** "Firefox on Linux": enough for a person to recognise the device, without a UA database. */
export function deviceInWords(userAgent: string | null): string {
  if (!userAgent) return 'an unknown device';
  const browser =
    [
      ['Edge', /Edg(?:e|A|iOS)?\//],
      ['Opera', /OPR\//],
      ['Firefox', /Firefox\//],
      ['Chrome', /Chrome\/|CriOS\//],
      ['Safari', /Safari\//],
    ].find(([, re]) => (re as RegExp).test(userAgent))?.[0] ?? null;
  const os =
    [
      ['Android', /Android/],
      ['iOS', /iPhone|iPad|iPod/],
      ['Windows', /Windows/],
      ['macOS', /Mac OS X|Macintosh/],
      ['ChromeOS', /CrOS/],
      ['Linux', /Linux/],
    ].find(([, re]) => (re as RegExp).test(userAgent))?.[0] ?? null;
  if (browser && os) return `${browser} on ${os}`;
  if (browser || os) return (browser ?? os) as string;
  // A client that is not a browser (curl, an app): its first product token.
  return userAgent.split(/[\s;(]/)[0].slice(0, 60) || 'an unknown device';
}

interface KnownDevicesTables {
  'auth.known_devices': { user_id: string; fingerprint: string; first_seen_at: Date; last_seen_at: Date };
}
const q = (db: Executor) => db as unknown as Kysely<KnownDevicesTables>;

export const knownDevices = {
  count: async (db: Executor, userId: string) => {
    const r = await q(db)
      .selectFrom('auth.known_devices')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return r.n;
  },

  /** Records a sighting; returns true when the device was new. */
  see: async (db: Executor, userId: string, fingerprint: string, at: Date) => {
    const r = await q(db)
      .insertInto('auth.known_devices')
      .values({ user_id: userId, fingerprint, first_seen_at: at, last_seen_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'fingerprint']).doUpdateSet({ last_seen_at: at }))
      .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
      .executeTakeFirstOrThrow();
    return r.inserted;
  },

  /** A deleted account keeps no trace of where it signed in from. */
  forget: (db: Executor, userId: string) => q(db).deleteFrom('auth.known_devices').where('user_id', '=', userId).execute(),
};
