import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

// Spy on readFileSync (still reading for real) to see when the list is loaded.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return { ...fs, readFileSync: vi.fn(fs.readFileSync) };
});

const listUrl = new URL('./common-passwords.txt', import.meta.url);

function listReads(): number {
  return vi.mocked(readFileSync).mock.calls.filter(([path]) => String(path) === listUrl.href).length;
}

function readList(): string[] {
  return readFileSync(listUrl, 'utf8').split('\n').slice(0, -1);
}

const TOO_COMMON = 'Password is too common; choose one that is harder to guess.';

describe('common-passwords.txt', () => {
  it('has exactly 10,000 unique lowercase lines and a trailing newline', () => {
    const text = readFileSync(listUrl, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = readList();
    expect(lines).toHaveLength(10_000);
    expect(new Set(lines).size).toBe(10_000);
    expect(lines.every((line) => line.length > 0 && line === line.toLowerCase() && line.trim() === line)).toBe(true);
    expect(lines.slice(0, 4)).toEqual(['123456', 'password', '12345678', 'qwerty']);
  });
});

describe('checkPasswordPolicy', () => {
  it('reads the list lazily, once', async () => {
    vi.resetModules();
    const before = listReads();
    const policy = await import('./password-policy.ts');
    expect(listReads()).toBe(before);
    expect(policy.checkPasswordPolicy('password')).toBe(TOO_COMMON);
    expect(policy.checkPasswordPolicy('Tr0ub4dor&3-vintage-kettle')).toBeNull();
    expect(listReads()).toBe(before + 1);
  });

  it('accepts a strong password', async () => {
    const { checkPasswordPolicy } = await import('./password-policy.ts');
    expect(checkPasswordPolicy('Tr0ub4dor&3-vintage-kettle')).toBeNull();
    expect(checkPasswordPolicy('Tr0ub4dor&3-vintage-kettle', { email: 'jane@example.com', displayName: 'Jane' })).toBeNull();
  });

  it('refuses too short and too long passwords, counting code points', async () => {
    const { checkPasswordPolicy, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } = await import('./password-policy.ts');
    expect(PASSWORD_MIN_LENGTH).toBe(8);
    expect(PASSWORD_MAX_LENGTH).toBe(256);
    expect(checkPasswordPolicy('xK9#qL2')).toMatch(/at least 8 characters/);
    expect(checkPasswordPolicy('xK9#qL2!')).toBeNull();
    expect(checkPasswordPolicy('')).toMatch(/at least 8 characters/);

    const long = 'xK9#qL2!'.repeat(32);
    expect(checkPasswordPolicy(long)).toBeNull();
    expect(checkPasswordPolicy(long + 'z')).toMatch(/at most 256 characters/);
    expect(checkPasswordPolicy('z'.repeat(100_000))).toMatch(/at most 256 characters/);

    // An emoji is two UTF-16 units but one character.
    const emoji = '\u{1F512}';
    expect(emoji).toHaveLength(2);
    expect(checkPasswordPolicy(emoji.repeat(7))).toMatch(/at least 8 characters/);
    expect(checkPasswordPolicy(emoji.repeat(8))).toBeNull();
    expect(checkPasswordPolicy(`xK9#qL2${emoji}`)).toBeNull();
    expect(checkPasswordPolicy(emoji.repeat(256))).toBeNull();
    expect(checkPasswordPolicy(emoji.repeat(257))).toMatch(/at most 256 characters/);
  });

  it('refuses common passwords, whatever their case', async () => {
    const { checkPasswordPolicy } = await import('./password-policy.ts');
    const list = readList();
    for (const common of ['password', '123456', 'qwerty']) {
      expect(list).toContain(common);
      expect(checkPasswordPolicy(common)).not.toBeNull();
    }
    expect(checkPasswordPolicy('password')).toBe(TOO_COMMON);
    expect(checkPasswordPolicy('PassWord')).toBe(TOO_COMMON);
    expect(checkPasswordPolicy('12345678')).toBe(TOO_COMMON);
    expect(checkPasswordPolicy('qwertyuiop')).toBe(TOO_COMMON);

    // A mid-list entry and the very last one, both long enough to pass the length rule.
    expect(list[5006]).toBe('matthews');
    expect(checkPasswordPolicy('Matthews')).toBe(TOO_COMMON);
    expect(list[9999]).toBe('19071983');
    expect(checkPasswordPolicy('19071983')).toBe(TOO_COMMON);
  });

  it('refuses the email, its local part and the display name, case-insensitively', async () => {
    const { checkPasswordPolicy } = await import('./password-policy.ts');
    const context = { email: 'Jane.Doe1984@Example.com', displayName: 'Jane the Builder' };
    expect(checkPasswordPolicy('jane.doe1984', context)).toMatch(/email/);
    expect(checkPasswordPolicy('JANE.DOE1984', context)).toMatch(/email/);
    expect(checkPasswordPolicy('jane.doe1984@example.com', context)).toMatch(/email/);
    expect(checkPasswordPolicy('jane the builder', context)).toMatch(/display name/);
    expect(checkPasswordPolicy('jane.doe1984!', context)).toBeNull();
    expect(checkPasswordPolicy('jane.doe1984', {})).toBeNull();
  });

  it('never echoes the password', async () => {
    const { checkPasswordPolicy } = await import('./password-policy.ts');
    const cases: [string, { email?: string; displayName?: string }?][] = [
      ['sEcr3t!', undefined],
      ['12345678', undefined],
      ['s'.repeat(300), undefined],
      ['jane.doe1984', { email: 'jane.doe1984@example.com' }],
    ];
    for (const [password, context] of cases) {
      const message = checkPasswordPolicy(password, context);
      expect(message).not.toBeNull();
      expect(message!.toLowerCase()).not.toContain(password.toLowerCase());
    }
  });
});
