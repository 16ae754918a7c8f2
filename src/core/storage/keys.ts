// Storage keys. The service makes them (`<scope>/<uuidv7>`); a client's file name never becomes
// one. Every driver checks each key it is given against one rule, so the local driver can never
// be led outside its folder and both drivers accept exactly the same keys: segments of ASCII
// letters, digits, `.`, `_` and `-`, none empty and none starting with a dot (no `.`, no `..`,
// and the local driver's own dot-files, its temporary and metadata files, cannot be named).
import { uuidv7 } from 'uuidv7';
import { StorageProblems } from './problems.ts';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
/** Well under S3's 1,024 bytes, and under common file-system path limits with the folder in front. */
export const MAX_KEY_LENGTH = 512;

export function isValidKey(key: string): boolean {
  return typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH && key.split('/').every((s) => SEGMENT.test(s));
}

/** The key, or 400 `STORAGE.INVALID_KEY`. */
export function checkKey(key: string): string {
  if (!isValidKey(key)) throw StorageProblems.invalidKey.error('Not a valid storage key');
  return key;
}

/**
 * A prefix to list by: '' (everything), whole segments ending with `/`, or whole segments and
 * the start of one more (`orgs/1/data-so`), as S3 lists by a string prefix.
 */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const segments = prefix.split('/');
  const last = segments.pop()!;
  const ok = prefix.length <= MAX_KEY_LENGTH && segments.every((s) => SEGMENT.test(s)) && (last === '' ? segments.length > 0 : SEGMENT.test(last));
  if (!ok) throw StorageProblems.invalidKey.error('Not a valid storage key prefix');
  return prefix;
}

/** A new key under `scope` (a key itself: `orgs/<orgId>/data-sources`), unique and in time order. */
export function newKey(scope: string): string {
  return checkKey(`${checkKey(scope)}/${uuidv7()}`);
}
