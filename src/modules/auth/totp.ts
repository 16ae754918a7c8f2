// RFC 4226 (HOTP) and RFC 6238 (TOTP) on node:crypto, plus the base32 (RFC 4648) that
// authenticator apps exchange secrets in. Pure functions: no clock, no storage.
import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../../core/security/random.ts';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted on either side of the current one (clock drift between phone and server). */
export const TOTP_WINDOW = 1;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32, ignoring case, spaces, dashes and padding; throws on other characters. */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index < 0) throw new Error(`invalid base32 character "${ch}"`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new 160-bit secret (the size RFC 4226 recommends for SHA-1), base32-encoded. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, mod 10^digits. */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS, algorithm: TotpAlgorithm = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/** The time step (counter) that contains `timeMs`. */
export function totpStep(timeMs: number, period = TOTP_PERIOD_SECONDS): number {
  return Math.floor(timeMs / 1000 / period);
}

export function totpAt(key: Uint8Array, timeMs: number, opts: { digits?: number; period?: number; algorithm?: TotpAlgorithm } = {}): string {
  return hotp(key, totpStep(timeMs, opts.period), opts.digits, opts.algorithm);
}

/**
 * Checks a code against the steps around `timeMs`. Returns the matching step, or null.
 * Steps at or before `lastUsedStep` are refused, so a code (or an older one) cannot be
 * replayed once a step was accepted. Every candidate is compared, in constant time.
 */
export function verifyTotp(
  key: Uint8Array,
  code: string,
  timeMs: number,
  opts: { window?: number; lastUsedStep?: number | null; period?: number; digits?: number } = {},
): number | null {
  const digits = opts.digits ?? TOTP_DIGITS;
  if (code.length !== digits || !/^\d+$/.test(code)) return null;
  const window = opts.window ?? TOTP_WINDOW;
  const current = totpStep(timeMs, opts.period);
  let matched: number | null = null;
  for (let step = current - window; step <= current + window; step++) {
    const equal = safeEqual(hotp(key, step, digits), code);
    if (equal && matched === null && step >= 0 && (opts.lastUsedStep == null || step > opts.lastUsedStep)) matched = step;
  }
  return matched;
}

/** The Key Uri Format that authenticator apps scan from a QR code. */
export function otpauthUrl(opts: { issuer: string; account: string; secret: string }): string {
  // '@' is legal in a URI path, and apps show the label as it is written.
  const label = `${encodeURIComponent(opts.issuer)}:${encodeURIComponent(opts.account).replace(/%40/g, '@')}`;
  const query = new URLSearchParams({
    secret: opts.secret,
    issuer: opts.issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_PERIOD_SECONDS),
  });
  return `otpauth://totp/${label}?${query.toString()}`;
}
