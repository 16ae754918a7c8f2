// A client's file name is only ever shown: kept as the name a download is saved under, never
// used as a key or a path. It is cleaned once when the file is saved, and written into
// Content-Disposition so no header can be broken or smuggled through it.

const MAX_NAME = 200;
// Control characters, and the bidirectional controls that make `exe.txt` display as `txt.exe`.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * The name to show for a file: its last path segment (`C:\fakepath\a.csv` → `a.csv`), without
 * control or bidi characters, trimmed, at most 200 characters; `file` when nothing is left.
 */
export function displayName(fileName: string): string {
  const last = String(fileName ?? '').split(/[/\\]/).pop() ?? '';
  const clean = last.normalize('NFC').replace(/\s+/g, ' ').replace(UNSAFE, '').trim();
  const chars = [...clean].slice(0, MAX_NAME).join('').trim();
  return chars === '' || chars === '.' || chars === '..' ? 'file' : chars;
}

/** RFC 8187's encoding of a value: UTF-8, every byte but the unreserved ones percent-encoded. */
const extValue = (s: string) => encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `attachment; filename="<ASCII>"; filename*=UTF-8''<name>` (RFC 6266): browsers take the
 * UTF-8 name, older clients the ASCII one, in which every other character is `_`.
 */
export function attachmentDisposition(name: string): string {
  const shown = displayName(name);
  const ascii = shown
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9 ._()+,-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${extValue(shown)}`;
}
