import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecrets } from './secrets.ts';

const keys = { algorithm: 'HS256' as const, secret: 'test-secret-test-secret-test-secret-0123456789' };

/** Flips one base64url character of part `i` of a sealed value. */
function tamper(sealed: string, i: number): string {
  const parts = sealed.split('.');
  const p = parts[i];
  parts[i] = (p[0] === 'A' ? 'B' : 'A') + p.slice(1);
  return parts.join('.');
}

describe('secrets', () => {
  const secrets = createSecrets(keys);

  it('seals and opens a value', () => {
    for (const plain of ['JBSWY3DPEHPK3PXP', '', 'ünïcødé ✓ and spaces']) {
      const sealed = secrets.seal(plain);
      expect(sealed).not.toContain(plain || '\u0000');
      expect(sealed.split('.')[0]).toBe('v1');
      expect(secrets.open(sealed)).toBe(plain);
    }
  });

  it('uses a fresh IV for every seal', () => {
    const a = secrets.seal('same');
    const b = secrets.seal('same');
    expect(a).not.toBe(b);
    expect(secrets.open(a)).toBe(secrets.open(b));
  });

  it('detects tampering with the IV, the ciphertext or the tag', () => {
    const sealed = secrets.seal('a secret long enough to tamper with');
    for (const i of [1, 2, 3]) expect(() => secrets.open(tamper(sealed, i))).toThrow();
    expect(() => secrets.open(sealed.split('.').slice(0, 3).join('.'))).toThrow(/not a sealed value/);
    expect(() => secrets.open(`v2.${sealed.slice(3)}`)).toThrow(/not a sealed value/);
    expect(() => secrets.open(`${sealed}.extra`)).toThrow(/not a sealed value/);
    expect(() => secrets.open('garbage')).toThrow();
  });

  it('refuses a truncated authentication tag (a short tag is far easier to forge)', () => {
    const sealed = secrets.seal('needs the full tag');
    const [v, iv, body, tag] = sealed.split('.');
    const short = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => secrets.open([v, iv, body, short].join('.'))).toThrow();
  });

  it('opens only with the same key material, across instances', () => {
    const sealed = secrets.seal('portable');
    expect(createSecrets({ ...keys }).open(sealed)).toBe('portable');
    expect(() => createSecrets({ algorithm: 'HS256', secret: 'another-secret-another-secret-0123456789' }).open(sealed)).toThrow();
  });

  it('derives a stable, independent key per label, and from an EdDSA private key', () => {
    expect(secrets.derive('a')).toHaveLength(32);
    expect(secrets.derive('a').equals(createSecrets({ ...keys }).derive('a'))).toBe(true);
    expect(secrets.derive('a').equals(secrets.derive('b'))).toBe(false);
    expect(secrets.mac('a', 'x')).toBe(createSecrets({ ...keys }).mac('a', 'x'));
    expect(secrets.mac('a', 'x')).not.toBe(secrets.mac('b', 'x'));
    expect(secrets.mac('a', 'x')).not.toBe(secrets.mac('a', 'y'));

    const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const ed = createSecrets({ algorithm: 'EdDSA', privateKey, publicKey });
    expect(ed.open(ed.seal('with eddsa'))).toBe('with eddsa');
    expect(ed.derive('a').equals(secrets.derive('a'))).toBe(false);
  });
});

describe('secrets after the master key rotates', () => {
  const before = createSecrets({ algorithm: 'HS256', secret: 'the-old-secret-the-old-secret-0123456789' });
  const after = createSecrets({ algorithm: 'HS256', secret: 'the-new-secret-the-new-secret-0123456789' }, ['the-old-secret-the-old-secret-0123456789']);

  it('opens what the previous key sealed, and seals with the new one', () => {
    const old = before.seal('s3cret');
    expect(after.open(old)).toBe('s3cret');
    const fresh = after.seal('s3cret');
    expect(() => before.open(fresh)).toThrow();
    expect(after.keyId).not.toBe(before.keyId);
  });

  it('refuses what no known key sealed', () => {
    const stranger = createSecrets({ algorithm: 'HS256', secret: 'a-third-secret-a-third-secret-0123456789' });
    expect(() => after.open(stranger.seal('x'))).toThrow();
    expect(() => createSecrets(keys).open(before.seal('x'))).toThrow();
  });
});
