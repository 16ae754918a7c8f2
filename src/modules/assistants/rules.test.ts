import { describe, expect, it } from 'vitest';
import { mayChange, normalizeName, visibleTo } from './rules.ts';

const creator = 'c';
const other = 'o';

describe('visibleTo', () => {
  it('shows a private one to its creator only, an org one to everyone', () => {
    expect(visibleTo({ visibility: 'private', created_by: creator }, creator)).toBe(true);
    expect(visibleTo({ visibility: 'private', created_by: creator }, other)).toBe(false);
    expect(visibleTo({ visibility: 'org', created_by: creator }, other)).toBe(true);
  });
});

describe('mayChange', () => {
  it('lets the creator change theirs, an admin an org one, nobody else', () => {
    expect(mayChange({ visibility: 'private', created_by: creator }, creator, false)).toBe(true);
    expect(mayChange({ visibility: 'org', created_by: creator }, creator, false)).toBe(true);
    expect(mayChange({ visibility: 'org', created_by: creator }, other, true)).toBe(true);
    expect(mayChange({ visibility: 'org', created_by: creator }, other, false)).toBe(false);
    // A private one is not an admin's: they do not see it.
    expect(mayChange({ visibility: 'private', created_by: creator }, other, true)).toBe(false);
  });
});

describe('normalizeName', () => {
  it('trims and folds runs of spaces', () => {
    expect(normalizeName('  Support   writer ')).toBe('Support writer');
  });
});
