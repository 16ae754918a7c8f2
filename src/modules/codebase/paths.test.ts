import { describe, expect, it } from 'vitest';
import { ArchiveRefusal } from './refusal.ts';
import { checkEntryName, createNameRegistry, decodeName } from './paths.ts';

const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ArchiveRefusal) return `${err.reason}:${err.entry}`;
    throw err;
  }
  return 'accepted';
};

describe('checkEntryName', () => {
  it('keeps relative paths, dropping `.` and empty segments, and knows folders', () => {
    expect(checkEntryName('src/a.ts')).toEqual({ path: 'src/a.ts', folder: false });
    expect(checkEntryName('./src//a.ts')).toEqual({ path: 'src/a.ts', folder: false });
    expect(checkEntryName('src/')).toEqual({ path: 'src', folder: true });
    expect(checkEntryName('a..b/c...d')).toEqual({ path: 'a..b/c...d', folder: false });
  });

  it('gives the NFC form of a name', () => {
    expect(checkEntryName('cafe\u0301.txt').path).toBe('caf\u00e9.txt');
  });

  it('refuses names that leave the folder or hide a separator, naming the entry', () => {
    expect(reason(() => checkEntryName('../x'))).toBe('path_traversal:../x');
    expect(reason(() => checkEntryName('a/../../x'))).toBe('path_traversal:a/../../x');
    expect(reason(() => checkEntryName('a/..'))).toBe('path_traversal:a/..');
    expect(reason(() => checkEntryName('/etc/passwd'))).toBe('absolute_path:/etc/passwd');
    expect(reason(() => checkEntryName('C:/Windows/x'))).toBe('drive_letter:C:/Windows/x');
    expect(reason(() => checkEntryName('c:x'))).toBe('drive_letter:c:x');
    expect(reason(() => checkEntryName('a\\..\\..\\x'))).toBe('backslash:a\\..\\..\\x');
    expect(reason(() => checkEntryName('evil\u202etxt.exe'))).toBe('invalid_name:evil\u202etxt.exe');
    expect(reason(() => checkEntryName('a\nb'))).toBe('invalid_name:a\nb');
    expect(reason(() => checkEntryName('./'))).toBe('invalid_name:./');
    expect(reason(() => checkEntryName(`${'x'.repeat(256)}.ts`))).toMatch(/^invalid_name:/);
  });
});

describe('name registry', () => {
  const clash = (...names: string[]) =>
    reason(() => {
      const r = createNameRegistry();
      for (const n of names) r.add(checkEntryName(n), n);
    });

  it('accepts distinct names and a folder named more than once', () => {
    expect(clash('src/', 'src/a.ts', 'src/b.ts', 'src/lib/', 'README.md')).toBe('accepted');
  });

  it('refuses names equal once case is folded or Unicode normalized, duplicates, and a file where a folder is', () => {
    expect(clash('A.txt', 'a.txt')).toBe('name_clash:a.txt');
    expect(clash('caf\u00e9.txt', 'cafe\u0301.txt')).toBe('name_clash:cafe\u0301.txt');
    expect(clash('Src/a.ts', 'src/b.ts')).toBe('name_clash:src/b.ts');
    expect(clash('a.ts', 'a.ts')).toBe('name_clash:a.ts');
    expect(clash('lib', 'lib/x.ts')).toBe('name_clash:lib/x.ts');
    expect(clash('lib/x.ts', 'lib')).toBe('name_clash:lib');
  });
});

describe('decodeName', () => {
  it('decodes UTF-8 and refuses other bytes, showing them as U+FFFD', () => {
    expect(decodeName(Buffer.from('h\u00e9.txt'))).toBe('h\u00e9.txt');
    expect(reason(() => decodeName(Buffer.from([0x68, 0xe9, 0x2e, 0x74])))).toBe('not_utf8:h\ufffd.t');
  });
});
