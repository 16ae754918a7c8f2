// Recovery codes: ten single-use `xxxx-xxxx` codes (40 random bits each, lowercase base32)
// shown once when TOTP is enabled. Stored as a keyed MAC bound to the account, so a leaked
// table cannot be brute-forced offline without the server key.
import { randomBytes } from 'node:crypto';
import type { Secrets } from '../../core/security/secrets.ts';
import { base32Encode } from './totp.ts';

export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_CODE_FORMAT = /^[a-z2-7]{4}-[a-z2-7]{4}$/;

export function generateRecoveryCode(): string {
  const text = base32Encode(randomBytes(5)).toLowerCase(); // 5 bytes = exactly 8 characters
  return `${text.slice(0, 4)}-${text.slice(4)}`;
}

export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(generateRecoveryCode());
  return [...codes];
}

/** The canonical form of what a user typed (any case, spaces, with or without the dash); null if it cannot be a code. */
export function normalizeRecoveryCode(input: string): string | null {
  const text = input.toLowerCase().replace(/[\s-]/g, '');
  if (!/^[a-z2-7]{8}$/.test(text)) return null;
  return `${text.slice(0, 4)}-${text.slice(4)}`;
}

export function hashRecoveryCode(secrets: Secrets, accountId: string, normalized: string): string {
  return secrets.mac('recovery-code', `${accountId}:${normalized}`);
}
