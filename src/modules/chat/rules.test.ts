import { describe, expect, it } from 'vitest';
import { normalizeName } from './rules.ts';

describe('normalizeName', () => {
  it('trims and folds runs of spaces', () => {
    expect(normalizeName('  Blue   widget ')).toBe('Blue widget');
  });
});
