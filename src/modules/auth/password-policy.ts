// The password policy: a length range counted in Unicode code points, a refusal of the
// 10,000 most common passwords (common-passwords.txt, see common-passwords.SOURCE.md),
// and a refusal of passwords that merely repeat the account's email or display name.
// Messages say why a password was refused and never echo it.
import { readFileSync } from 'node:fs';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

let commonPasswords: Set<string> | undefined;

/** Reads the list on first use only, so importing this module costs nothing. */
function getCommonPasswords(): Set<string> {
  if (commonPasswords === undefined) {
    const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8');
    commonPasswords = new Set(text.split(/\r?\n/).filter((line) => line.length > 0));
  }
  return commonPasswords;
}

/** Length in Unicode code points, so an emoji or any astral character counts as one. */
function codePointLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Returns null when acceptable, else a human message saying why not (never echo the password). */
export function checkPasswordPolicy(password: string, context?: { email?: string; displayName?: string }): string | null {
  // A code point is one or two UTF-16 units, so the unit count bounds the code point count
  // from both sides: this refuses a huge input without walking it.
  if (password.length > PASSWORD_MAX_LENGTH * 2) {
    return `Password must be at most ${PASSWORD_MAX_LENGTH} characters long.`;
  }
  const length = codePointLength(password);
  if (length < PASSWORD_MIN_LENGTH) {
    return `Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return `Password must be at most ${PASSWORD_MAX_LENGTH} characters long.`;
  }

  const lowered = password.toLowerCase();
  if (getCommonPasswords().has(lowered)) {
    return 'Password is too common; choose one that is harder to guess.';
  }

  const email = context?.email?.trim().toLowerCase();
  if (email) {
    const at = email.lastIndexOf('@');
    const localPart = at > 0 ? email.slice(0, at) : email;
    if (lowered === email || lowered === localPart) {
      return 'Password must not be the same as your email address.';
    }
  }
  const displayName = context?.displayName?.trim().toLowerCase();
  if (displayName && lowered === displayName) {
    return 'Password must not be the same as your display name.';
  }
  return null;
}
