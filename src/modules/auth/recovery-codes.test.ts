import { describe, expect, it } from 'vitest';
import { createSecrets } from '../../core/security/secrets.ts';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_FORMAT } from './recovery-codes.ts';

describe('recovery codes', () => {
  it('come as ten distinct xxxx-xxxx lowercase base32 codes', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(RECOVERY_CODE_FORMAT);
    expect(RECOVERY_CODE_FORMAT.source).toBe('^[a-z2-7]{4}-[a-z2-7]{4}$');
  });

  it('are random from one batch to the next', () => {
    const a = new Set(generateRecoveryCodes());
    expect(generateRecoveryCodes().some((c) => a.has(c))).toBe(false);
  });

  it('normalize what a user types, or refuse it', () => {
    expect(normalizeRecoveryCode('abcd-ef23')).toBe('abcd-ef23');
    expect(normalizeRecoveryCode('ABCD-EF23')).toBe('abcd-ef23');
    expect(normalizeRecoveryCode(' abcd ef23 ')).toBe('abcd-ef23');
    expect(normalizeRecoveryCode('abcdef23')).toBe('abcd-ef23');
    expect(normalizeRecoveryCode('abcd-ef2')).toBeNull();
    expect(normalizeRecoveryCode('abcd-ef01')).toBeNull(); // 0 and 1 are not base32
    expect(normalizeRecoveryCode('abcd-ef23-x')).toBeNull();
  });

  it('hash with a server key, bound to the account', () => {
    const secrets = createSecrets({ algorithm: 'HS256', secret: 'k'.repeat(48) });
    const h = hashRecoveryCode(secrets, 'acc-1', 'abcd-ef23');
    expect(hashRecoveryCode(secrets, 'acc-1', 'abcd-ef23')).toBe(h);
    expect(hashRecoveryCode(secrets, 'acc-2', 'abcd-ef23')).not.toBe(h);
    expect(h).not.toContain('abcd');
  });
});
