import { describe, expect, it } from 'vitest';
import { approxRowSize, decimalValue, integerValue, ResultCaps, timestampUtcValue, timestampValue } from './values.ts';

describe('integerValue', () => {
  it('is a number while safe, else the exact string', () => {
    expect(integerValue('42')).toBe(42);
    expect(integerValue('-9007199254740991')).toBe(-9007199254740991);
    expect(integerValue('9007199254740992')).toBe('9007199254740992');
    expect(integerValue(12n)).toBe(12);
    expect(integerValue(2n ** 64n)).toBe('18446744073709551616');
  });
});

describe('decimalValue', () => {
  it('is a number up to 15 significant digits, else the string', () => {
    expect(decimalValue('12345.67')).toBe(12345.67);
    expect(decimalValue('0.000000000000001')).toBe(1e-15);
    expect(decimalValue('123456789012345')).toBe(123456789012345);
    expect(decimalValue('1234567890123456')).toBe('1234567890123456');
    expect(decimalValue('10.500000000000000000')).toBe(10.5);
    expect(decimalValue('-0.10')).toBe(-0.1);
    expect(decimalValue('NaN')).toBe('NaN');
    expect(decimalValue('Infinity')).toBe('Infinity');
  });
});

describe('timestamps', () => {
  it('become ISO 8601', () => {
    expect(timestampValue('2024-01-02 03:04:05.5')).toBe('2024-01-02T03:04:05.5');
    expect(timestampUtcValue('2024-01-02 03:04:05+00')).toBe('2024-01-02T03:04:05Z');
    expect(timestampUtcValue('2024-01-02 03:04:05.123456+00:00')).toBe('2024-01-02T03:04:05.123456Z');
    expect(timestampUtcValue('2024-01-02 03:04:05+05:30')).toBe('2024-01-02T03:04:05+05:30');
    expect(timestampUtcValue('infinity')).toBe('infinity');
  });
});

describe('ResultCaps', () => {
  const limits = { maxRows: 3, maxBytes: 1000, timeoutMs: 1000 };

  it('asks for one row past the cap and marks the result truncated only when it exists', () => {
    const caps = new ResultCaps(limits);
    expect(caps.nextBatch(500)).toBe(4);
    expect(caps.admit([[1], [2], [3]])).toHaveLength(3);
    expect(caps.truncated).toBe(false);
    expect(caps.nextBatch(500)).toBe(1);
    expect(caps.admit([[4]])).toHaveLength(0);
    expect(caps.truncated).toBe(true);
  });

  it('stops at the byte cap', () => {
    const caps = new ResultCaps({ ...limits, maxRows: 100, maxBytes: 25 });
    const rows = caps.admit([['aaaaaaaaaa'], ['bbbbbbbbbb'], ['cccccccccc']]);
    expect(rows).toHaveLength(1);
    expect(caps.truncated).toBe(true);
  });

  it('sizes a row about as JSON does', () => {
    const row = ['abc', 12, null, true, { a: [1, 2] }, [1, 'x']];
    expect(approxRowSize(row)).toBe(JSON.stringify(row).length);
  });
});
