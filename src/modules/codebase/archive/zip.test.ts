import { describe, expect, it } from 'vitest';
import { ArchiveRefusal } from '../refusal.ts';
import { checkUnicodePath } from './zip.ts';

/** An Info-ZIP Unicode Path field: version 1, a CRC-32 (not checked here), the UTF-8 name. */
const unicodePath = (name: string) => ({ id: 0x7075, data: Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), Buffer.from(name)]) });

describe('checkUnicodePath', () => {
  it('accepts an entry without the field, or whose field says its own name', () => {
    expect(() => checkUnicodePath([], 'a.txt')).not.toThrow();
    expect(() => checkUnicodePath([{ id: 0x5455, data: Buffer.alloc(5) }, unicodePath('caf\u00e9.txt')], 'caf\u00e9.txt')).not.toThrow();
  });

  it('refuses a second name that differs, which an extractor could write instead', () => {
    try {
      checkUnicodePath([unicodePath('../escape.txt')], 'escape.txt');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ArchiveRefusal);
      expect(err).toMatchObject({ reason: 'invalid_name', entry: 'escape.txt' });
    }
  });
});
