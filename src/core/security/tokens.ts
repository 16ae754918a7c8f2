// Access tokens are JWTs with a pinned algorithm; verification checks iss, aud, exp
// and requires sub and sid, so a token without a session cannot authenticate.
import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
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
}

export function createAccessTokenService(opts: { keys: JwtKeys; issuer: string; audience: string; ttlSeconds: number }): AccessTokenService {
  const { keys, issuer, audience, ttlSeconds } = opts;
  const algorithm = keys.algorithm;
  let signKey: KeyObject;
  let verifyKey: KeyObject;
  if (algorithm === 'EdDSA') {
    signKey = createPrivateKey(keys.privateKey!);
    verifyKey = createPublicKey(keys.publicKey!);
  } else {
    signKey = verifyKey = createSecretKey(Buffer.from(keys.secret!, 'utf8'));
  }
  return {
    ttlSeconds,
    issue: (claims) =>
      new SignJWT({ sid: claims.sid })
        .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
        .setSubject(claims.sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(signKey),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, verifyKey, {
          algorithms: [algorithm],
          issuer,
          audience,
          requiredClaims: ['sub', 'sid', 'exp', 'iat'],
        });
        if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return null;
        return { sub: payload.sub, sid: payload.sid };
      } catch {
        return null;
      }
    },
  };
}
