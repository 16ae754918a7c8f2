// Keys derived from the one configured secret (HS256 secret or EdDSA private key), so
// no further secret has to be configured: HKDF gives an independent key per purpose.
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import type { JwtKeys } from '../config.ts';

export interface Secrets {
  /** A 32-byte key for one purpose (`label`), stable across restarts. */
  derive(label: string): Buffer;
  /** Keyed, deterministic token for (purpose, input): lets a retried side effect reproduce the same secret. */
  mac(label: string, input: string): string;
  /** AES-256-GCM: confidentiality and integrity for small secrets at rest. */
  seal(plain: string): string;
  /** Opens a value sealed with the current key or one of the previous ones (SEALING_PREVIOUS_KEYS). */
  open(sealed: string): string;
  /**
   * Names the current sealing key (not secret: a hash of it). A row that records the key id it
   * was sealed with can be found and re-sealed after the master key rotates.
   */
  readonly keyId: string;
}

// A KeyObject, not a Buffer: each cipher made from a Buffer first copies it into a key object of
// its own (about 12 µs of the 15 an open takes), and a source's password is opened at every query.
const boxKeyOf = (material: string) => createSecretKey(Buffer.from(hkdfSync('sha256', material, 'trellis', 'secret-box', 32)));

function openWith(key: KeyObject, sealed: string): string {
  const parts = sealed.split('.');
  const [v, iv, body, tag] = parts;
  // The body is empty when the sealed value was the empty string.
  if (parts.length !== 4 || v !== 'v1' || !iv || !tag) throw new Error('not a sealed value');
  // Pinned tag length: without it GCM accepts a truncated tag (down to 4 bytes), which is far easier to forge.
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/**
 * `previous`: the key material in use before the last rotations (former JWT_SECRET values or
 * EdDSA private keys), newest first. Values they sealed still open; new ones use the current key.
 */
export function createSecrets(keys: JwtKeys, previous: readonly string[] = []): Secrets {
  const material = keys.algorithm === 'EdDSA' ? keys.privateKey! : keys.secret!;
  const cache = new Map<string, Buffer>();
  const derive = (label: string) => {
    let key = cache.get(label);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', material, 'trellis', label, 32));
      cache.set(label, key);
    }
    return key;
  };
  const boxKey = createSecretKey(derive('secret-box'));
  const previousKeys = previous.filter((m) => m && m !== material).map(boxKeyOf);
  return {
    derive,
    mac: (label, input) => createHmac('sha256', derive(label)).update(input).digest('base64url'),
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', boxKey, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed) {
      try {
        return openWith(boxKey, sealed);
      } catch (err) {
        for (const key of previousKeys) {
          try {
            return openWith(key, sealed);
          } catch {
            // Not this one either.
          }
        }
        throw err;
      }
    },
    keyId: createHash('sha256').update(derive('secret-box')).digest('base64url').slice(0, 12),
  };
}
