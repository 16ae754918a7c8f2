import { describe, expect, it } from 'vitest';
import { attachmentDisposition, displayName } from './file-names.ts';

describe('displayName', () => {
  it('keeps the last path segment of any client, never a path', () => {
    expect(displayName('../../etc/passwd')).toBe('passwd');
    expect(displayName('C:\\fakepath\\Budget 2026.xlsx')).toBe('Budget 2026.xlsx');
    expect(displayName('/abs/a.csv')).toBe('a.csv');
  });

  it('removes control and bidirectional characters, folds spaces, trims and bounds the length', () => {
    expect(displayName('invoice\u202Etxt.exe')).toBe('invoicetxt.exe');
    expect(displayName('a\r\nContent-Type: evil')).toBe('a Content-Type: evil');
    expect(displayName('  two   spaces\t.csv ')).toBe('two spaces .csv');
    expect([...displayName('é'.repeat(500))]).toHaveLength(200);
    expect(displayName('e\u0301t\u00e9.csv')).toBe('\u00e9t\u00e9.csv');
  });

  it('names a file `file` when nothing is left', () => {
    for (const name of ['', '   ', '..', '.', 'dir/', '\u202E']) expect(displayName(name), JSON.stringify(name)).toBe('file');
  });
});

describe('attachmentDisposition', () => {
  it('gives an ASCII name and the UTF-8 one (RFC 6266, 8187)', () => {
    expect(attachmentDisposition('Relevé été.csv')).toBe(`attachment; filename="Releve ete.csv"; filename*=UTF-8''Relev%C3%A9%20%C3%A9t%C3%A9.csv`);
    expect(attachmentDisposition('日本.txt')).toBe(`attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`);
  });

  it('cannot be broken out of: quotes, backslashes, semicolons and line breaks never reach the header raw', () => {
    const header = attachmentDisposition('a"; filename="evil.html\r\nSet-Cookie: x=1;\\.csv');
    expect(header).not.toMatch(/[\r\n\\]/);
    const [, ascii] = /filename="([^"]*)"/.exec(header)!;
    expect(ascii).toMatch(/^[A-Za-z0-9 ._()+,-]+$/);
    expect(header.split('; ')).toHaveLength(3);
    expect(header).toContain("filename*=UTF-8''");
    expect(header.split("filename*=UTF-8''")[1]).toMatch(/^[A-Za-z0-9%._~!-]+$/);
  });
});
