import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { JwtKeys } from '../config.ts';
import { createAccessTokenService } from './tokens.ts';

const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const hs: JwtKeys = { algorithm: 'HS256', secret: SECRET };
const base = { keys: hs, issuer: 'trellis', audience: 'trellis-api', ttlSeconds: 900 };
const claims = { sub: '0190a000-0000-7000-8000-000000000001', sid: '0190a000-0000-7000-8000-000000000002' };

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decode = (token: string, part: 0 | 1) => JSON.parse(Buffer.from(token.split('.')[part], 'base64url').toString('utf8'));
const now = () => Math.floor(Date.now() / 1000);

function edPair(): JwtKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { algorithm: 'EdDSA', privateKey, publicKey };
}

/** Signs arbitrary claims with the test secret (for tokens the service would never issue). */
function signRaw(payload: Record<string, unknown>, opts: { iat?: number; exp?: number } = {}) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(opts.iat ?? now())
    .setExpirationTime(opts.exp ?? now() + 600)
    .sign(Buffer.from(SECRET, 'utf8'));
}

describe('access tokens', () => {
  const tokens = createAccessTokenService(base);

  it('round-trips sub and sid with iss, aud, iat and exp set', async () => {
    const token = await tokens.issue(claims);
    expect(await tokens.verify(token)).toEqual(claims);
    expect(decode(token, 0)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const payload = decode(token, 1);
    expect(payload).toMatchObject({ ...claims, iss: 'trellis', aud: 'trellis-api' });
    expect(payload.exp - payload.iat).toBe(900);
    expect(Math.abs(payload.iat - now())).toBeLessThanOrEqual(2);
  });

  it('refuses alg "none"', async () => {
    const payload = { ...claims, iss: 'trellis', aud: 'trellis-api', iat: now(), exp: now() + 600 };
    expect(await tokens.verify(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`)).toBeNull();
    // The same claims, signed properly, pass: the refusal is about the algorithm.
    expect(await tokens.verify(await signRaw({ sid: claims.sid, sub: claims.sub, iss: 'trellis', aud: 'trellis-api' }))).toEqual(claims);
  });

  it('refuses a token signed with another key', async () => {
    const other = createAccessTokenService({ ...base, keys: { algorithm: 'HS256', secret: 'another-secret-another-secret-0123456789' } });
    expect(await tokens.verify(await other.issue(claims))).toBeNull();
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = (await tokens.issue(claims)).split('.');
    const forged = b64({ ...claims, sub: 'someone-else', iss: 'trellis', aud: 'trellis-api', iat: now(), exp: now() + 600 });
    expect(await tokens.verify(`${h}.${forged}.${s}`)).toBeNull();
  });

  it('keeps refusing tampered copies of a token it has already accepted, and drops it when it expires', async () => {
    let clockMs = Date.now();
    const timed = createAccessTokenService({ ...base, now: () => clockMs });
    const token = await timed.issue(claims);
    expect(timed.verifySync(token)).toEqual(claims);
    expect(timed.verifySync(token)).toEqual(claims); // the second check comes from the cache
    const [h, p, s] = token.split('.');
    const otherSig = Buffer.from(s, 'base64url');
    otherSig[0] ^= 1;
    expect(timed.verifySync(`${h}.${p}.${otherSig.toString('base64url')}`)).toBeNull();
    expect(timed.verifySync(`${h}.${b64({ ...decode(token, 1), sub: 'someone-else' })}.${s}`)).toBeNull();
    expect(timed.verifySync(`${token} `)).toBeNull();
    clockMs += 899_000;
    expect(timed.verifySync(token)).toEqual(claims);
    clockMs += 1_000; // exp reached: refused, cached or not
    expect(timed.verifySync(token)).toBeNull();
    expect(timed.verifySync(token)).toBeNull();
  });

  it('refuses an expired token', async () => {
    const expired = await signRaw({ ...claims, iss: 'trellis', aud: 'trellis-api' }, { iat: now() - 1000, exp: now() - 10 });
    expect(await tokens.verify(expired)).toBeNull();
  });

  it('refuses a wrong audience or issuer', async () => {
    const wrongAud = createAccessTokenService({ ...base, audience: 'another-api' });
    const wrongIss = createAccessTokenService({ ...base, issuer: 'someone-else' });
    expect(await tokens.verify(await wrongAud.issue(claims))).toBeNull();
    expect(await tokens.verify(await wrongIss.issue(claims))).toBeNull();
  });

  it('refuses a token without sid or sub', async () => {
    expect(await tokens.verify(await signRaw({ sub: claims.sub, iss: 'trellis', aud: 'trellis-api' }))).toBeNull();
    expect(await tokens.verify(await signRaw({ sid: claims.sid, iss: 'trellis', aud: 'trellis-api' }))).toBeNull();
  });

  it('refuses garbage', async () => {
    for (const bad of ['', 'abc', 'a.b.c', `${b64({ alg: 'HS256' })}..`]) expect(await tokens.verify(bad)).toBeNull();
  });

  it('round-trips with an EdDSA key pair and pins the algorithm', async () => {
    const keys = edPair();
    const ed = createAccessTokenService({ ...base, keys });
    const token = await ed.issue(claims);
    expect(decode(token, 0).alg).toBe('EdDSA');
    expect(await ed.verify(token)).toEqual(claims);
    // Another pair's tokens, and HS256 tokens, are refused.
    expect(await ed.verify(await createAccessTokenService({ ...base, keys: edPair() }).issue(claims))).toBeNull();
    expect(await ed.verify(await tokens.issue(claims))).toBeNull();
    // An HS256 service does not accept EdDSA tokens either.
    expect(await tokens.verify(token)).toBeNull();
    // Algorithm confusion: an HS256 token keyed with the public key's PEM text is refused.
    const confused = await new SignJWT({ ...claims, iss: 'trellis', aud: 'trellis-api' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(Buffer.from(keys.publicKey!, 'utf8'));
    expect(await ed.verify(confused)).toBeNull();
  });
});

describe('access tokens: interoperability and header rules', () => {
  const tokens = createAccessTokenService(base);

  it('issues tokens that jose verifies (HS256 and EdDSA)', async () => {
    const { jwtVerify, importSPKI } = await import('jose');
    const hsToken = await tokens.issue(claims);
    const verified = await jwtVerify(hsToken, Buffer.from(SECRET, 'utf8'), { algorithms: ['HS256'], issuer: 'trellis', audience: 'trellis-api' });
    expect(verified.payload).toMatchObject(claims);

    const keys = edPair();
    const ed = createAccessTokenService({ ...base, keys });
    const edToken = await ed.issue(claims);
    const edVerified = await jwtVerify(edToken, await importSPKI(keys.publicKey!, 'EdDSA'), { algorithms: ['EdDSA'], issuer: 'trellis', audience: 'trellis-api' });
    expect(edVerified.payload).toMatchObject(claims);
    expect(await ed.verify(edToken)).toEqual(claims);
  });

  it('refuses critical header extensions, a foreign typ, and a future nbf', async () => {
    const body = { ...claims, iss: 'trellis', aud: 'trellis-api' };
    const crit = await new SignJWT(body)
      .setProtectedHeader({ alg: 'HS256', crit: ['b64'], b64: true } as any)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(Buffer.from(SECRET, 'utf8'));
    expect(await tokens.verify(crit)).toBeNull();
    const typ = await new SignJWT(body).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).setIssuedAt().setExpirationTime('10m').sign(Buffer.from(SECRET, 'utf8'));
    expect(await tokens.verify(typ)).toBeNull();
    const early = await signRaw({ ...body, nbf: now() + 600 });
    expect(await tokens.verify(early)).toBeNull();
    expect(await tokens.verify(await signRaw(body))).toEqual(claims);
  });

  it('refuses garbage of every shape without throwing', async () => {
    for (const junk of ['', 'a', 'a.b', 'a.b.c', '...', 'x'.repeat(5000), `${b64({ alg: 'HS256' })}.${b64([])}.AAAA`]) {
      expect(await tokens.verify(junk)).toBeNull();
    }
  });
});
