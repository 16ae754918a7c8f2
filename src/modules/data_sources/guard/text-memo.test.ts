import { describe, expect, it } from 'vitest';
import { textMemo } from './text-memo.ts';

describe('textMemo', () => {
  it('computes a key once and answers it from memory after', () => {
    const memo = textMemo<number>({ maxEntries: 10, maxChars: 1000 });
    let calls = 0;
    const compute = () => ++calls;
    expect(memo.get('select 1', compute)).toBe(1);
    expect(memo.get('select 1', compute)).toBe(1);
    expect(memo.get('select 2', compute)).toBe(2);
    expect(calls).toBe(2);
  });

  it('lets the oldest go past its number of entries', () => {
    const memo = textMemo<string>({ maxEntries: 2, maxChars: 1000 });
    memo.get('a', () => 'A');
    memo.get('b', () => 'B');
    memo.get('c', () => 'C');
    expect(memo.size).toBe(2);
    expect(memo.get('a', () => 'again')).toBe('again');
    expect(memo.get('c', () => 'not again')).toBe('C');
  });

  it('holds no more characters of keys than its budget, and never a key longer than it', () => {
    const memo = textMemo<number>({ maxEntries: 100, maxChars: 10 });
    memo.get('12345', () => 1);
    memo.get('67890', () => 2);
    memo.get('abc', () => 3);
    // 5 + 5 + 3 > 10: the oldest went.
    expect(memo.get('12345', () => 4)).toBe(4);
    let calls = 0;
    const long = 'x'.repeat(11);
    memo.get(long, () => ++calls);
    memo.get(long, () => ++calls);
    expect(calls).toBe(2);
    expect(memo.size).toBeLessThanOrEqual(3);
  });
});
