import { describe, expect, it } from 'vitest';
import { hashToken, randomDigits, randomToken, safeEqual } from './random.ts';

describe('safeEqual', () => {
  it('is true only for equal strings', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'ABC')).toBe(false);
  });

  it('handles different lengths without throwing', () => {
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'a')).toBe(false);
    expect(safeEqual('a'.repeat(1000), 'a')).toBe(false);
  });
});

describe('random helpers', () => {
  it('randomToken is URL-safe, of the requested entropy, and unique', () => {
    const t = randomToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(Array.from({ length: 100 }, () => randomToken())).size).toBe(100);
  });

  it('hashToken is a deterministic SHA-256 hex digest', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashToken('abc')).not.toBe(hashToken('abd'));
  });

  it('randomDigits gives only digits, of the given length, covering 0-9', () => {
    const s = randomDigits(2000);
    expect(s).toMatch(/^\d{2000}$/);
    expect(new Set(s).size).toBe(10);
    expect(randomDigits(6)).toHaveLength(6);
  });
});
