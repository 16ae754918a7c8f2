import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, generateTotpSecret, hotp, otpauthUrl, totpAt, totpStep, verifyTotp } from './totp.ts';

const ascii = (s: string) => Buffer.from(s, 'ascii');

describe('HOTP (RFC 4226, appendix D)', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  it.each(expected.map((code, counter) => [counter, code]))('counter %i gives %s', (counter, code) => {
    expect(hotp(ascii('12345678901234567890'), counter)).toBe(code);
  });
});

describe('TOTP (RFC 6238, appendix B)', () => {
  const keys = {
    sha1: ascii('12345678901234567890'),
    sha256: ascii('12345678901234567890123456789012'),
    sha512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
  };
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  it.each(vectors)('T=%i', (seconds, sha1, sha256, sha512) => {
    const t = seconds * 1000;
    expect(totpAt(keys.sha1, t, { digits: 8 })).toBe(sha1);
    expect(totpAt(keys.sha256, t, { digits: 8, algorithm: 'sha256' })).toBe(sha256);
    expect(totpAt(keys.sha512, t, { digits: 8, algorithm: 'sha512' })).toBe(sha512);
  });

  it('uses 30-second steps', () => {
    expect(totpStep(59_000)).toBe(1);
    expect(totpStep(60_000)).toBe(2);
    expect(totpStep(1111111109_000)).toBe(0x23523ec);
  });
});

describe('verifyTotp', () => {
  const key = ascii('12345678901234567890');
  const now = 1_700_000_015_000; // mid-step
  const step = totpStep(now);
  const codeAt = (s: number) => hotp(key, s);

  it('accepts the current step and one step either side, and says which step matched', () => {
    expect(verifyTotp(key, codeAt(step), now)).toBe(step);
    expect(verifyTotp(key, codeAt(step - 1), now)).toBe(step - 1);
    expect(verifyTotp(key, codeAt(step + 1), now)).toBe(step + 1);
  });

  it('refuses codes two steps away', () => {
    expect(verifyTotp(key, codeAt(step - 2), now)).toBeNull();
    expect(verifyTotp(key, codeAt(step + 2), now)).toBeNull();
  });

  it('refuses a step at or before the last used one (no replay)', () => {
    expect(verifyTotp(key, codeAt(step), now, { lastUsedStep: step })).toBeNull();
    expect(verifyTotp(key, codeAt(step - 1), now, { lastUsedStep: step - 1 })).toBeNull();
    expect(verifyTotp(key, codeAt(step - 1), now, { lastUsedStep: step })).toBeNull();
    expect(verifyTotp(key, codeAt(step + 1), now, { lastUsedStep: step })).toBe(step + 1);
  });

  it('refuses malformed codes', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 12345', codeAt(step).replace(/./, 'x')]) {
      expect(verifyTotp(key, bad, now)).toBeNull();
    }
  });
});

describe('base32 (RFC 4648 §10, unpadded)', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  it.each(vectors)('%j <-> %s', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(base32Decode(encoded).toString()).toBe(plain);
  });

  it('decodes lowercase, spaced and padded input, and rejects other characters', () => {
    expect(base32Decode('mzxw 6ytb oi======').toString()).toBe('foobar');
    expect(() => base32Decode('MZXW1')).toThrow(/invalid base32/);
  });

  it('generates 160-bit secrets that round-trip', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });
});

describe('otpauthUrl', () => {
  it('follows the Key Uri Format', () => {
    const url = otpauthUrl({ issuer: 'Trellis', account: 'ann+mfa@example.com', secret: 'JBSWY3DPEHPK3PXP' });
    expect(url).toBe('otpauth://totp/Trellis:ann%2Bmfa@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Trellis&algorithm=SHA1&digits=6&period=30');
    const parsed = new URL(url);
    expect(parsed.host).toBe('totp');
    expect(decodeURIComponent(parsed.pathname)).toBe('/Trellis:ann+mfa@example.com');
    expect(parsed.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXP');
  });
});
