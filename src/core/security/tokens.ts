// Access tokens are compact JWS (RFC 7515/7519) with one pinned algorithm: HS256 or EdDSA.
// Verification checks the header's alg, the signature, iss, aud, exp (and nbf), and
// requires sub, sid and iat, so a token without a session cannot authenticate.
//
// Signing and checking use node:crypto directly, synchronously: jose's WebCrypto path costs
// 100-230 µs per check and runs on libuv's thread pool, where it queues behind password
// hashing (a 258 ms check was measured under login load). This is the only JWT shape the
// service issues or accepts, which keeps the code small; jose signs the foreign and forged
// tokens of the tests, as an independent implementation. See docs/decisions/0011.
import { createHmac, createPrivateKey, createPublicKey, createSecretKey, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto';
import type { JwtKeys } from '../config.ts';

export interface AccessClaims {
  sub: string;
  sid: string;
}

export interface AccessTokenService {
  readonly ttlSeconds: number;
  issue(claims: AccessClaims): Promise<string>;
  /** Returns the claims, or null for any invalid, expired or foreign token. */
  verify(token: string): Promise<AccessClaims | null>;
  /** The same check, synchronously (the auth hook's fast path). */
  verifySync(token: string): AccessClaims | null;
}

const MAX_TOKEN_LENGTH = 4096;
/** Tokens whose signature and claims were checked, kept until they expire (bounded). */
const VERIFIED_CACHE_SIZE = 10_000;

function parseJson(segment: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

export function createAccessTokenService(opts: {
  keys: JwtKeys;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now?: () => number;
}): AccessTokenService {
  const { keys, issuer, audience, ttlSeconds } = opts;
  const nowMs = opts.now ?? Date.now;
  const algorithm = keys.algorithm;
  const header = Buffer.from(JSON.stringify({ alg: algorithm, typ: 'JWT' })).toString('base64url');

  let signer: (data: string) => string;
  let checker: (data: string, signature: Buffer) => boolean;
  if (algorithm === 'EdDSA') {
    const privateKey: KeyObject = createPrivateKey(keys.privateKey!);
    const publicKey: KeyObject = createPublicKey(keys.publicKey!);
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('JWT_PUBLIC_KEY must be an Ed25519 key');
    signer = (data) => sign(null, Buffer.from(data), privateKey).toString('base64url');
    checker = (data, signature) => signature.length === 64 && verify(null, Buffer.from(data), publicKey, signature);
  } else {
    const secret: KeyObject = createSecretKey(Buffer.from(keys.secret!, 'utf8'));
    const mac = (data: string) => createHmac('sha256', secret).update(data).digest();
    signer = (data) => mac(data).toString('base64url');
    checker = (data, signature) => signature.length === 32 && timingSafeEqual(mac(data), signature);
  }

  // A client sends the same access token on every request of its lifetime. Once its signature
  // and claims have checked out, the exact same string needs only its time window checked
  // again: a Map lookup instead of an HMAC and two base64 + JSON decodes (~15 µs, a tenth
  // of an authenticated read; decision 0019). Only successes are kept, so forged or random
  // tokens cannot fill it; a token is its own key, so nothing else can match it. Revocation
  // is unaffected: it is decided by the session behind `sid`, checked on every request.
  const verified = new Map<string, { claims: AccessClaims; exp: number; nbf: number }>();

  function checkCached(token: string): AccessClaims | null {
    const hit = verified.get(token);
    if (hit) {
      const now = Math.floor(nowMs() / 1000);
      if (hit.exp > now && hit.nbf <= now) return hit.claims;
      verified.delete(token);
      return null;
    }
    return check(token);
  }

  function check(token: string): AccessClaims | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
    const parts = token.split('.');
    if (parts.length !== 3 || !parts[2]) return null;
    const [h, p, s] = parts;
    const head = parseJson(h);
    // The algorithm is pinned: `none`, a different algorithm, or critical extensions are refused.
    if (!head || head.alg !== algorithm || 'crit' in head || (head.typ !== undefined && head.typ !== 'JWT')) return null;
    // Buffer's base64url decoder skips characters outside the alphabet; only the canonical
    // spelling of a signature is accepted, so one token has exactly one valid string.
    const signature = Buffer.from(s, 'base64url');
    if (signature.toString('base64url') !== s) return null;
    if (!checker(`${h}.${p}`, signature)) return null;
    const claims = parseJson(p);
    if (!claims) return null;
    const now = Math.floor(nowMs() / 1000);
    const aud = claims.aud;
    if (claims.iss !== issuer) return null;
    if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) return null;
    if (typeof claims.exp !== 'number' || claims.exp <= now) return null;
    if (typeof claims.iat !== 'number') return null;
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) return null;
    if (typeof claims.sub !== 'string' || !claims.sub || typeof claims.sid !== 'string' || !claims.sid) return null;
    const result = { sub: claims.sub, sid: claims.sid };
    // Full: drop the oldest entry (a Map iterates in insertion order).
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, { claims: result, exp: claims.exp, nbf: typeof claims.nbf === 'number' ? claims.nbf : 0 });
    return result;
  }

  return {
    ttlSeconds,
    async issue(claims) {
      const iat = Math.floor(nowMs() / 1000);
      const payload = Buffer.from(
        JSON.stringify({ sid: claims.sid, sub: claims.sub, iss: issuer, aud: audience, iat, exp: iat + ttlSeconds }),
      ).toString('base64url');
      const data = `${header}.${payload}`;
      return `${data}.${signer(data)}`;
    },
    verifySync(token) {
      try {
        return checkCached(token);
      } catch {
        return null; // malformed input of any kind is simply not a valid token
      }
    },
    async verify(token) {
      return this.verifySync(token);
    },
  };
}
