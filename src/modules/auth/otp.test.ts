import { describe, expect, it } from 'vitest';
import { createSecrets } from '../../core/security/secrets.ts';
import { deriveOtpCode } from './otp.ts';

const mac = (bytes: number[]) => Buffer.from([...bytes, ...new Array(26).fill(0xff)]).toString('base64url');

describe('deriveOtpCode', () => {
  it('takes the first 48 bits mod 10^6, zero-padded to six digits', () => {
    expect(deriveOtpCode(mac([0, 0, 0, 0, 0, 0]))).toBe('000000');
    expect(deriveOtpCode(mac([0, 0, 0, 0, 0x03, 0xe8]))).toBe('001000');
    expect(deriveOtpCode(mac([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(String((2 ** 48 - 1) % 1_000_000).padStart(6, '0'));
  });

  it('is deterministic per event id and differs across ids and keys', () => {
    const secrets = createSecrets({ algorithm: 'HS256', secret: 'a'.repeat(48) });
    const other = createSecrets({ algorithm: 'HS256', secret: 'b'.repeat(48) });
    const id = '01900000-0000-7000-8000-000000000001';
    const code = deriveOtpCode(secrets.mac('otp-code', id));
    expect(code).toMatch(/^\d{6}$/);
    expect(deriveOtpCode(secrets.mac('otp-code', id))).toBe(code);
    const codes = new Set(Array.from({ length: 50 }, (_, i) => deriveOtpCode(secrets.mac('otp-code', `${id}-${i}`))));
    expect(codes.size).toBeGreaterThan(45);
    expect(deriveOtpCode(other.mac('otp-code', id))).not.toBe(code);
  });

  it('spreads codes over all six digits', () => {
    const secrets = createSecrets({ algorithm: 'HS256', secret: 'c'.repeat(48) });
    const firsts = new Set(Array.from({ length: 200 }, (_, i) => deriveOtpCode(secrets.mac('otp-code', String(i)))[0]));
    expect(firsts.size).toBe(10);
  });
});
