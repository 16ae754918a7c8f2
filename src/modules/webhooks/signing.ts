// Standard Webhooks signing: the secret is `whsec_` + base64 of random bytes, and a
// signature is `v1,` + base64(HMAC-SHA256(secret bytes, "<webhook-id>.<webhook-timestamp>.<body>")).
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** 32 random bytes: the spec asks for 24 to 64. */
const SECRET_BYTES = 32;

export const generateSecret = (): string => SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');

/** The HMAC key of a secret, with or without its `whsec_` prefix. */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (!key.length) throw new Error('the webhook secret is empty or not base64');
  return key;
}

/** The raw HMAC-SHA256 of one message. */
export function signatureBytes(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** `v1,<base64>` for one secret. */
export const sign = (secret: string, id: string, timestamp: number, body: string | Uint8Array): string =>
  `v1,${signatureBytes(secretKey(secret), id, timestamp, body).toString('base64')}`;

/** The `webhook-signature` header: one signature per secret, separated by spaces (rotation overlap). */
export const signatureHeader = (secrets: readonly string[], id: string, timestamp: number, body: string): string =>
  secrets.map((s) => sign(s, id, timestamp, body)).join(' ');
