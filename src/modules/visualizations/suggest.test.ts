import { describe, expect, it } from 'vitest';
import { compileChart } from './compile.ts';
import { MAX_CATEGORIES, suggestCharts } from './suggest.ts';

const types = (s: { type: string }[]) => s.map((x) => x.type);

describe('suggestCharts', () => {
  it('proposes a line for time and a number, one line per small category', () => {
    const s = suggestCharts({
      columns: [{ name: 'day', type: 'date' }, { name: 'team', type: 'text' }, { name: 'hours', type: 'number' }],
      rows: [['2026-01-01', 'a', 1], ['2026-01-02', 'b', 2]],
    });
    expect(s[0]).toMatchObject({ type: 'line', encoding: { x: 'day', y: 'hours', series: 'team' } });
  });

  it('proposes a scatter for two numbers, and a single number for one row', () => {
    expect(suggestCharts({ columns: [{ name: 'hours', type: 'number' }, { name: 'amount', type: 'integer' }], rows: [[1, 2], [3, 4]] }).find((x) => x.type === 'scatter')).toMatchObject({ encoding: { x: 'hours', y: 'amount' } });
    expect(types(suggestCharts({ columns: [{ name: 'total', type: 'number' }], rows: [[42]] }))).toEqual(['single_number', 'table']);
  });

  it('keeps the top categories and sums the rest as "Other" past 12', () => {
    const rows = Array.from({ length: 30 }, (_, i) => [`client ${i}`, i + 1]);
    const data = { columns: [{ name: 'client', type: 'text' }, { name: 'hours', type: 'number' }], rows };
    const [bar] = suggestCharts(data);
    expect(bar).toMatchObject({ type: 'bar', options: { limit: MAX_CATEGORIES, sort: 'descending' } });
    const values = (compileChart(bar.type, bar, data).data as { values: { c0: string; c1: number }[] }).values;
    expect(values).toHaveLength(MAX_CATEGORIES);
    expect(values[0]).toEqual({ c0: 'client 29', c1: 30 });
    // 1 + … + 19: the 19 smallest.
    expect(values.at(-1)).toEqual({ c0: 'Other', c1: 190 });
  });

  it('always offers the table, and every suggestion compiles', () => {
    const data = { columns: [{ name: 'client', type: 'text' }, { name: 'hours', type: 'number' }, { name: 'amount', type: 'number' }], rows: [['a', 1, 2], ['b', 3, 4]] };
    const s = suggestCharts(data);
    expect(types(s)).toEqual(['bar', 'pie', 'scatter', 'table']);
    for (const x of s) expect(() => compileChart(x.type, x, data)).not.toThrow();
  });
});
