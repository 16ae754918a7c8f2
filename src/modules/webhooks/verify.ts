// For receivers: checks a Standard Webhooks delivery. Use the raw request body exactly as
// received (not re-serialized JSON), and the secret shown when the endpoint was created or
// its secret rotated. Example in docs/webhooks.md.
import { timingSafeEqual } from 'node:crypto';
import { secretKey, signatureBytes } from './signing.ts';

export type HeaderBag = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

export type VerifyResult =
  | { valid: true; id: string; timestamp: number }
  | { valid: false; reason: 'missing_headers' | 'invalid_timestamp' | 'timestamp_out_of_tolerance' | 'no_matching_signature' };

export interface VerifyOptions {
  /** How far (seconds) the timestamp may be from now, either way: limits replays. Default 300. */
  toleranceSeconds?: number;
  /** Unix seconds to compare the timestamp with (default: now). */
  now?: number;
}

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const value = bag[name] ?? Object.entries(bag).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies `webhook-signature` against `webhook-id`, `webhook-timestamp` and the raw body.
 * The header may hold several space-separated signatures (during a secret rotation); one
 * valid `v1` signature is enough. Comparison is constant-time.
 */
export function verifyWebhook(secret: string, headers: HeaderBag, rawBody: string | Uint8Array, opts: VerifyOptions = {}): VerifyResult {
  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) return { valid: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestampText)) return { valid: false, reason: 'invalid_timestamp' };
  const timestamp = Number(timestampText);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (opts.toleranceSeconds ?? 300)) return { valid: false, reason: 'timestamp_out_of_tolerance' };

  const expected = signatureBytes(secretKey(secret), id, timestamp, rawBody);
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma === -1 || entry.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    // Lengths are public (32 bytes for SHA-256); only equal-length buffers can be compared.
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { valid: true, id, timestamp };
  }
  return { valid: false, reason: 'no_matching_signature' };
}
