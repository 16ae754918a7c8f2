import { describe, expect, it } from 'vitest';
import type { Dashboard, DashboardData } from './service.ts';
import { type DrawnFiles, fitAttachments, resultCsv, subscriptionMail } from './subscription-mail.ts';

const file = (filename: string, bytes: number) => ({ filename, contentType: 'application/octet-stream', content: Buffer.alloc(bytes) });

describe('fitAttachments', () => {
  it('leaves out the biggest files until the rest fit, and nothing when all fit', () => {
    const files = [file('a', 40), file('b', 70), file('c', 20), file('d', 50)];
    const { kept, left } = fitAttachments(files, 100);
    expect(left.map((f) => f.filename)).toEqual(['b', 'd']);
    expect(kept.map((f) => f.filename)).toEqual(['a', 'c']);
    expect(fitAttachments(files, 180).left).toEqual([]);
  });
});

describe('resultCsv', () => {
  it('writes a marked UTF-8 file with a header row; text a spreadsheet would run is written as text, numbers stay numbers', () => {
    const csv = resultCsv({ columns: [{ name: '=cmd' }, { name: 'n' }], rows: [['@SUM(A1)', -3], ['Zoë', null], [{ a: 1 }, true]] });
    expect(csv.toString('utf8')).toBe(`\uFEFF'=cmd,n\r\n'@SUM(A1),-3\r\nZoë,\r\n"{""a"":1}",true\r\n`);
  });
});

describe('subscriptionMail', () => {
  const result = { columns: [{ name: 'label', type: 'text' }, { name: 'n', type: 'number' }], rows: [['Alpha', 5], ['Beta', 9]], rowCount: 2, truncated: false, durationMs: 1, cached: false, cachedAt: null };
  // A chart widget's spec as the visualizations module answers it: Vega-Lite with the data inline.
  const spec = {
    data: { values: [{ label: 'Alpha', n: 5 }, { label: 'Beta', n: 9 }] },
    mark: 'bar',
    encoding: { x: { field: 'label', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } },
  };
  const snapshot = {
    dashboard: { name: 'Sales', filters: [], widgets: [
      { id: 'table', kind: 'question', title: 'Per label', x: 0, y: 4, w: 6, h: 3 },
      { id: 'bars', kind: 'chart', title: 'Bars', x: 0, y: 0, w: 6, h: 4 },
    ] } as unknown as Dashboard,
    data: { dashboardId: 'd', filters: [], widgets: [
      { widgetId: 'table', kind: 'question', status: 'ok', result },
      { widgetId: 'bars', kind: 'chart', status: 'ok', spec, result },
    ] } as unknown as DashboardData,
  };
  const input = { link: 'https://trellis.example/d', snapshot, formats: ['inline', 'csv'] as const, org: { name: 'Acme', timezone: 'UTC' }, at: new Date() };

  it('shows the charts first in reading order, and the tables with their CSV', async () => {
    const mail = await subscriptionMail({ ...input, formats: ['inline', 'csv'] });
    expect(mail.attachments.map((a) => a.filename)).toEqual(['Bars.png', 'Per-label.csv']);
    expect(mail.html.indexOf('cid:')).toBeLessThan(mail.html.indexOf('Per label'));
    expect(mail.html).not.toContain('Left out');
  });

  it('over the cap, leaves out the biggest file, takes its picture out of the body and says so', async () => {
    const all = await subscriptionMail({ ...input, formats: ['inline', 'csv'] });
    const png = all.attachments.find((a) => a.contentId)!;
    const mail = await subscriptionMail({ ...input, formats: ['inline', 'csv'], maxAttachmentBytes: png.content.length - 1 });
    expect(mail.attachments.map((a) => a.filename)).toEqual(['Per-label.csv']);
    expect(mail.html).not.toContain('cid:');
    expect(mail.html).toContain('See the chart on the dashboard.');
    expect(mail.html).toMatch(/Left out to keep this mail under \d+ kB: Bars\.png \(\d+ kB\)\. The dashboard has everything\./);
    expect(mail.text).toContain('Left out to keep this mail under');
  });

  it('draws a chart and a PDF once for recipients who see the same, again for one who sees other values', async () => {
    const drawn: DrawnFiles = new Map();
    const files = async (snap: typeof snapshot) => (await subscriptionMail({ ...input, snapshot: snap, formats: ['inline', 'pdf'], drawn })).attachments.map((a) => a.content);
    const first = await files(snapshot);
    // The same values computed again: other timings and cache state, the same drawing.
    const again = structuredClone(snapshot);
    for (const w of again.data.widgets) if (w.result) Object.assign(w.result, { durationMs: 99, cached: true });
    const second = await files(again);
    expect(second).toHaveLength(2);
    for (const [i, content] of second.entries()) expect(content).toBe(first[i]);
    expect(drawn.size).toBe(2);
    const other = structuredClone(snapshot);
    other.data.widgets[1].spec = { ...spec, data: { values: [{ label: 'Alpha', n: 6 }] } };
    const third = await files(other);
    expect(third[0]).not.toBe(first[0]);
    expect(third[1]).not.toBe(first[1]); // the PDF draws that chart too
    expect(drawn.size).toBe(4);
  });
});
