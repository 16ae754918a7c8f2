import { describe, expect, it } from 'vitest';
import { profileRows } from './profile.ts';

async function* once(rows: unknown[][]) {
  yield rows;
}

describe('profileRows', () => {
  it('computes counts, nulls, distinct values, extremes, moments, quantiles, histogram and top values per column', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i + 1, i % 10 === 0 ? null : 'abc'[i % 3], i % 4 === 0, `2024-03-${String((i % 28) + 1).padStart(2, '0')}`]);
    const p = await profileRows({
      columns: [
        { name: 'n', type: 'integer' },
        { name: 'letter', type: 'text' },
        { name: 'flag', type: 'boolean' },
        { name: 'day', type: 'date' },
      ],
      batches: once(rows),
      sampled: () => false,
    });
    expect(p.rowCount).toBe(100);
    const [n, letter, flag, day] = p.columns;
    expect(n).toMatchObject({ count: 100, nulls: 0, distinct: 100, min: 1, max: 100, mean: 50.5 });
    expect(n.stddev).toBeCloseTo(29.011, 2);
    expect(n.quantiles).toEqual({ p05: 5.95, p25: 25.75, p50: 50.5, p75: 75.25, p95: 95.05 });
    expect(n.histogram).toHaveLength(20);
    expect(n.histogram!.reduce((s, b) => s + b.count, 0)).toBe(100);
    expect(n.histogram![0]).toEqual({ from: 1, to: 5.95, count: 5 });
    expect(letter).toMatchObject({ nulls: 10, distinct: 3, min: 'a', max: 'c', mean: null, histogram: null });
    expect(letter.topValues.map((t) => t.count).reduce((a, b) => a + b, 0)).toBe(90);
    expect(flag.topValues).toEqual([
      { value: 'false', count: 75 },
      { value: 'true', count: 25 },
    ]);
    expect(day).toMatchObject({ min: '2024-03-01', max: '2024-03-28', distinct: 28 });
  });

  it('correlates numeric columns pairwise (Pearson)', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => [i, 3 * i + 1, 100 - i, i % 2]);
    const p = await profileRows({
      columns: ['x', 'up', 'down', 'parity'].map((name) => ({ name, type: 'number' })),
      batches: once(rows),
      sampled: () => true,
    });
    const r = (a: string, b: string) => p.correlations.find((c) => c.a === a && c.b === b)?.pearson;
    expect(r('x', 'up')).toBe(1);
    expect(r('x', 'down')).toBe(-1);
    expect(Math.abs(r('x', 'parity')!)).toBeLessThan(0.1);
    expect(p.correlations).toHaveLength(6);
    expect(p.sampled).toBe(true);
  });

  it('handles duplicate and hostile column names and an empty result', async () => {
    const p = await profileRows({
      columns: [
        { name: 'a"; DROP TABLE raw; --', type: 'text' },
        { name: 'a"; DROP TABLE raw; --', type: 'integer' },
      ],
      batches: once([]),
      sampled: () => false,
    });
    expect(p.rowCount).toBe(0);
    expect(p.columns[1]).toMatchObject({ count: 0, nulls: 0, distinct: 0, min: null, max: null, quantiles: null, histogram: null, topValues: [] });
  });
});
