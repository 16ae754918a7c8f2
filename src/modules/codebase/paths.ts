// The path rules of a codebase: what an archive entry's name may be, and when two names are one.
// Nothing is ever extracted to a file system, but a name is kept as a path that later exports
// (ZIP, Git) and clients will write somewhere, so a name that could leave its folder or land on
// another file there is refused, never repaired.
import { refuse } from './refusal.ts';

/** Longest path kept, in characters; one segment at most 255 UTF-8 bytes (common file systems). */
export const MAX_PATH = 1024;
const MAX_SEGMENT_BYTES = 255;
// C0 and C1 controls, DEL, and the bidirectional controls that make `exe.txt` show as `txt.exe`.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const DRIVE = /^[A-Za-z]:/;

export interface EntryName {
  /** The path kept: NFC, `/`-separated, relative, without `.` or empty segments. */
  path: string;
  /** The name ended with `/`: a folder entry. */
  folder: boolean;
}

/**
 * The checked path of an entry name, or a refusal naming it: `..` anywhere (`path_traversal`),
 * a leading `/` (`absolute_path`), `C:` (`drive_letter`), any `\` (`backslash`: Windows tools
 * read it as a separator, so `a\..\..\x` is a traversal there), controls or bidi characters, an
 * over-long path or segment, or nothing left (`invalid_name`). `./a` and `a//b` are `a`, `a/b`.
 */
export function checkEntryName(raw: string): EntryName {
  if (raw.includes('\\')) throw refuse('backslash', raw, 'An entry name contains a backslash');
  if (raw.startsWith('/')) throw refuse('absolute_path', raw, 'An entry name is an absolute path');
  if (DRIVE.test(raw)) throw refuse('drive_letter', raw, 'An entry name starts with a drive letter');
  if (UNSAFE.test(raw)) throw refuse('invalid_name', raw, 'An entry name contains control or bidirectional characters');
  const segments = raw.normalize('NFC').split('/');
  if (segments.includes('..')) throw refuse('path_traversal', raw, 'An entry name has a `..` segment');
  const kept = segments.filter((s) => s !== '' && s !== '.');
  const path = kept.join('/');
  if (path === '') throw refuse('invalid_name', raw, 'An entry name is empty');
  if (path.length > MAX_PATH || kept.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)) throw refuse('invalid_name', raw, 'An entry name is too long');
  return { path, folder: raw.endsWith('/') };
}

/** What two names must not share: the same letters once case is folded (NFC already applied). */
export const foldName = (path: string) => path.toLocaleLowerCase('und');

/**
 * Remembers every path of an archive and its folders, and refuses (`name_clash`) one that is
 * another already seen once case is folded and Unicode normalized (`A.txt`/`a.txt`, `é` as one
 * or two code points), a duplicate, and a file where a folder is (`a` and `a/b`): extracted on
 * a case-insensitive or normalizing file system, one would land on the other.
 */
export function createNameRegistry() {
  // folded path -> what it is and how the archive spelled it first
  const seen = new Map<string, { path: string; folder: boolean }>();

  function add(path: string, folder: boolean, raw: string) {
    const key = foldName(path);
    const before = seen.get(key);
    if (!before) {
      seen.set(key, { path, folder });
      return;
    }
    // A folder named again (its own entry, or a parent of several files) is the same folder.
    if (folder && before.folder && before.path === path) return;
    throw refuse('name_clash', raw, `An entry name clashes with "${before.path}" (same name ignoring case or Unicode form, or a file where a folder is)`);
  }

  return {
    /** Adds a file's or folder's path and each of its parent folders. */
    add(name: EntryName, raw: string) {
      const segments = name.path.split('/');
      for (let i = 1; i < segments.length; i++) add(segments.slice(0, i).join('/'), true, raw);
      add(name.path, name.folder, raw);
    },
  };
}

/** Decodes an entry name's bytes as UTF-8, or refuses it (`not_utf8`), naming it as well as it can be shown. */
export function decodeName(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const shown = new TextDecoder('utf-8').decode(bytes);
    throw refuse('not_utf8', shown, 'An entry name is not valid UTF-8');
  }
}
