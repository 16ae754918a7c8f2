// The payload as the audit log keeps it: every fact of the event except secrets. Events are
// not supposed to carry secrets at all; this is the second line, for the module that slips,
// because an audit log is read by more people than the tables it describes.

export const REDACTED = '[redacted]';

/** Deeper than any event payload; a pathological one is cut here rather than walked. */
const MAX_DEPTH = 16;

/** Names of references (`apiKeyId`, `sessionIds`, `token_id`): ids are never secrets. */
const ID_NAME = /(Id|Ids|ID|IDs|_id|_ids)$/;

/**
 * Names of secrets, matched on the lowercased name without `_` and `-`. `code` only alone or
 * after a word that makes it a credential (`otpCode`, `recoveryCodes`), so `statusCode` or
 * `currencyCode` stay. A bare `key` stays too: here it is a project's short code (`WEB`);
 * key material always has a qualifier (`privateKey`, `apiKey`, `signingKey`).
 */
const SECRET_NAME =
  /password|passwd|passphrase|secret|token|hash|salt|credential|signature|otpauth|cookie|authorization|keymaterial|(private|signing|encryption|api|access|secret|master|raw|hmac|session)keys?$|^codes?$|(otp|totp|mfa|recovery|verification|backup|reset|auth|login|security|confirmation|onetime)codes?$/;

/** Values that are credentials whatever their field is called. */
const SECRET_VALUE = [
  /^trl_[A-Za-z0-9_-]{8,}/, // Trellis API keys
  /^whsec_/, // webhook signing secrets
  /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, // JWTs
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

/** `https://user:pass@host/…` keeps the user and loses the password. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi;

export function isSecretName(name: string): boolean {
  if (ID_NAME.test(name)) return false;
  return SECRET_NAME.test(name.toLowerCase().replace(/[_-]/g, ''));
}

const isSecretValue = (value: unknown) => typeof value === 'string' && SECRET_VALUE.some((p) => p.test(value));

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.includes('@') ? value.replace(URL_PASSWORD, `$1:${REDACTED}@`) : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => (isSecretValue(item) ? REDACTED : scrub(item, depth + 1)));
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    if (isSecretName(name) || isSecretValue(item)) continue;
    out[name] = scrub(item, depth + 1);
  }
  return out;
}

/**
 * A copy of `payload` without keys that name secrets (passwords, tokens, secrets, one-time
 * codes, hashes, key material), at any depth, and without values shaped like credentials.
 * Ids are kept even when their name mentions one (`apiKeyId`).
 */
export function redactPayload(payload: unknown): unknown {
  return scrub(payload, 0);
}
