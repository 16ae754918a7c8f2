import { describe, expect, it } from 'vitest';
import { drawChart } from './drawing.ts';

const bars = (n: number) => ({
  data: { values: Array.from({ length: n }, (_, i) => ({ label: `L${i}`, n: i + 1 })) },
  mark: 'bar',
  encoding: { x: { field: 'label', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } },
});

describe('the drawing thread', () => {
  it('answers each drawing with its own bytes, several at once', async () => {
    const sizes = [
      [300, 150],
      [500, 250],
      [200, 400],
    ] as const;
    const pngs = await Promise.all(sizes.map(([width, height], i) => drawChart(bars(i + 2), { format: 'png', width, height, theme: 'light' })));
    for (const [i, png] of pngs.entries()) {
      expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual(sizes[i]);
    }
  });

  it('fails a drawing the renderer refuses with its reason, and keeps drawing the next', async () => {
    await expect(drawChart({ mark: 'no-such-mark' }, { format: 'svg', width: 300, height: 150, theme: 'light' })).rejects.toThrow(/\S/);
    const svg = await drawChart(bars(2), { format: 'svg', width: 300, height: 150, theme: 'dark' });
    expect(svg.toString('utf8')).toContain('<svg');
  });
});
