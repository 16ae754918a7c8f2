import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { type ChartConfig, ChartOptionsInput, type ChartType } from './chart-model.ts';
import { compileChart } from './compile.ts';
import { checkSpec, renderChart } from './render.ts';

const sales = {
  columns: [
    { name: 'month', type: 'date' },
    { name: 'client', type: 'text' },
    { name: 'amount', type: 'number' },
    { name: 'hours', type: 'integer' },
  ],
  rows: [
    ['2026-01-01', 'Acme', 1200.5, 7200],
    ['2026-01-01', 'Globex', 300, 3600],
    ['2026-02-01', 'Acme', 900, 1800],
    ['2026-02-01', 'Initech', 50, 900],
  ],
};

const cases: [ChartType, ChartConfig][] = [
  ['bar', { encoding: { x: 'client', y: 'amount' }, options: { sort: 'descending', yFormat: 'currency', currency: 'EUR' } }],
  ['bar', { encoding: { x: 'month', y: 'amount', series: 'client' }, options: {} }],
  ['bar', { encoding: { x: 'month', y: 'amount', series: 'client', stack: 'stacked' }, options: {} }],
  ['bar', { encoding: { x: 'client', y: 'hours' }, options: { orientation: 'horizontal', yFormat: 'duration', limit: 2 } }],
  ['line', { encoding: { x: 'month', y: 'amount', series: 'client' }, options: { dateFormat: 'month', yFormat: 'thousands' } }],
  ['area', { encoding: { x: 'month', y: 'amount', series: 'client', stack: 'normalized' }, options: {} }],
  ['scatter', { encoding: { x: 'hours', y: 'amount', color: 'client', size: 'hours' }, options: {} }],
  ['pie', { encoding: { x: 'client', y: 'amount' }, options: { donut: true, colors: ['#112233', '#aabbcc'] } }],
  ['histogram', { encoding: { x: 'amount' }, options: { bins: 5 } }],
  ['heatmap', { encoding: { x: 'month', y: 'client', color: 'amount' }, options: {} }],
  ['table', { encoding: { y: 'amount' }, options: { sort: 'descending', limit: 3 } }],
  ['pivot', { encoding: { x: 'client', series: 'month', y: 'amount' }, options: {} }],
  ['single_number', { encoding: { y: 'amount' }, options: { yFormat: 'compact' } }],
  ['progress', { encoding: { y: 'amount' }, options: { goal: 2000 } }],
];

describe('compileChart', () => {
  it.each(cases)('compiles a %s chart that vega-lite accepts and vega renders', async (type, config) => {
    const spec = compileChart(type, config, sales);
    await checkSpec(spec);
    const svg = (await renderChart(spec, { format: 'svg', width: 400, height: 300, theme: 'light' })).body.toString();
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<text');
  });

  it('never puts a column name in a field path: columns become c0, c1…', () => {
    const spec = compileChart('bar', { encoding: { x: 'a.b[0]', y: 'v' }, options: {} }, { columns: [{ name: 'a.b[0]', type: 'text' }, { name: 'v', type: 'number' }], rows: [['x', 1]] });
    expect(spec.encoding).toMatchObject({ x: { field: 'c0', title: 'a.b[0]' }, y: { field: 'c1' } });
    expect(spec.data).toEqual({ values: [{ c0: 'x', c1: 1 }] });
  });

  it('sums past the top N into "Other", and shows durations in hours', () => {
    const spec = compileChart('bar', { encoding: { x: 'client', y: 'hours' }, options: { limit: 2, yFormat: 'duration' } }, sales);
    expect((spec.data as { values: unknown[] }).values).toEqual([
      { c0: '2026-01-01', c1: 'Acme', c2: 1200.5, c3: 2 },
      { c1: 'Other', c3: 1.75 },
    ]);
  });

  it('compares a single number with the previous row', async () => {
    const spec = compileChart('single_number', { encoding: { y: 'amount' }, options: {} }, { columns: [{ name: 'amount', type: 'number' }], rows: [[150], [100]] });
    const svg = (await renderChart(spec, { format: 'svg', width: 300, height: 200, theme: 'dark' })).body.toString();
    expect(svg).toContain('150');
    expect(svg).toContain('+50.0%');
    expect(svg).toContain('#1e1e1e');
  });

  it('colours the table cells a highlight rule matches, and only those', async () => {
    const spec = compileChart('table', { encoding: {}, options: { highlight: [{ column: 'amount', above: 1000, color: '#c62828' }, { column: 'amount', below: 100, color: '#2e7d32' }] } }, sales);
    const svg = (await renderChart(spec, { format: 'svg', width: 500, height: 300, theme: 'light' })).body.toString();
    const red = [...svg.matchAll(/<text[^>]*fill="#c62828"[^>]*>([^<]*)</g)].map((m) => m[1]);
    const green = [...svg.matchAll(/<text[^>]*fill="#2e7d32"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(red).toEqual(['1,200.5']);
    expect(green).toEqual(['50']);
    expect(svg).toContain('Globex');
  });

  it('sums a pivot table by its row and column values', () => {
    const rows = [...sales.rows, ['2026-01-01', 'Acme', 99.5, 0]];
    const spec = compileChart('pivot', { encoding: { x: 'client', series: 'month', y: 'amount' }, options: {} }, { ...sales, rows });
    expect((spec.data as { values: unknown[] }).values).toEqual([
      { r: 'Acme', c: '2026-01-01', v: 1300 },
      { r: 'Acme', c: '2026-02-01', v: 900 },
      { r: 'Globex', c: '2026-01-01', v: 300 },
      { r: 'Initech', c: '2026-02-01', v: 50 },
    ]);
  });

  it('refuses unknown columns, text where a number is needed, and missing channels', () => {
    expect(() => compileChart('bar', { encoding: { x: 'nope', y: 'amount' }, options: {} }, sales)).toThrow(expect.objectContaining({ code: 'VISUALIZATIONS.UNKNOWN_COLUMN' }));
    expect(() => compileChart('bar', { encoding: { x: 'client', y: 'client' }, options: {} }, sales)).toThrow(expect.objectContaining({ code: 'VISUALIZATIONS.COLUMN_NOT_NUMERIC' }));
    expect(() => compileChart('progress', { encoding: { y: 'amount' }, options: {} }, sales)).toThrow(expect.objectContaining({ code: 'VISUALIZATIONS.ENCODING_REQUIRED' }));
  });

  it('renders hostile titles and data as inert text', async () => {
    const hostile = '<script>alert(1)</script>"}]<svg onload="alert(2)"><a href="javascript:alert(3)">x</a>';
    const spec = compileChart('bar', { encoding: { x: 'client', y: 'amount' }, options: { title: hostile, xTitle: hostile } }, {
      columns: [{ name: 'client', type: 'text' }, { name: 'amount', type: 'number' }],
      rows: [[hostile, 1]],
    });
    const svg = (await renderChart(spec, { format: 'svg', width: 500, height: 300, theme: 'light' })).body.toString();
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // The markup without its text and attribute values: no element or attribute came from the payload.
    const markup = svg.replace(/>[^<]*</g, '><').replace(/="[^"]*"/g, '=""');
    expect(new Set(markup.match(/<\w+/g))).toEqual(new Set(['<svg', '<rect', '<g', '<path', '<line', '<text']));
    const attributes = new Set(markup.match(/\s[\w:-]+(?==)/g)?.map((a) => a.trim()));
    expect([...attributes].filter((a) => /^on|href/i.test(a))).toEqual([]);
    expect(markup.match(/<svg/g)).toHaveLength(1);
    expect(svg).not.toContain('c0');
    const png = await renderChart(spec, { format: 'png', width: 500, height: 300, theme: 'light' });
    expect(png.body.subarray(1, 4).toString()).toBe('PNG');
  });

  it('keeps options to the vocabulary: unknown keys, overlong titles, free colours and formats are refused', () => {
    expect(Value.Check(ChartOptionsInput, { title: 'Revenue', colors: ['#aabbcc'], currency: 'EUR' })).toBe(true);
    expect(Value.Check(ChartOptionsInput, { title: 'x'.repeat(201) })).toBe(false);
    expect(Value.Check(ChartOptionsInput, { signal: 'alert(1)' })).toBe(false);
    expect(Value.Check(ChartOptionsInput, { colors: ['red;}'] })).toBe(false);
    expect(Value.Check(ChartOptionsInput, { yFormat: '$,.2f' })).toBe(false);
    expect(Value.Check(ChartOptionsInput, { currency: 'eur' })).toBe(false);
  });
});

describe('renderChart', () => {
  it('renders a 500-point line chart to SVG and PNG at the bounded size', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => [new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString(), Math.sin(i / 20) * 100 + i]);
    const spec = compileChart('line', { encoding: { x: 'day', y: 'value' }, options: { title: 'Daily value' } }, { columns: [{ name: 'day', type: 'timestamp' }, { name: 'value', type: 'number' }], rows });
    const svg = (await renderChart(spec, { format: 'svg', width: 800, height: 400, theme: 'light' })).body.toString();
    expect(svg).toMatch(/<svg[^>]*width="800"[^>]*height="400"/);
    expect(svg).toContain('<path');
    const png = await renderChart(spec, { format: 'png', width: 5000, height: 10, theme: 'dark' });
    expect(png.contentType).toBe('image/png');
    // IHDR: width and height clamped to 2000 × 100.
    expect(png.body.readUInt32BE(16)).toBe(2000);
    expect(png.body.readUInt32BE(20)).toBe(100);
  });
});
