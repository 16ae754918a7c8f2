import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { parseCsv, pdfInfo, pdfPageCount, pdfText } from '../../../test/reports-files.ts';
import { currencyDigits, moneyText, type ReportRow, safeFilename, type TimeReport } from './model.ts';
import { neutralizeCell, renderTimeReportCsv } from './render-csv.ts';
import { pdfSafe, renderTimeReportPdf } from './render-pdf.ts';
import { renderTimeReportXlsx } from './render-xlsx.ts';

function row(i: number, over: Partial<ReportRow> = {}): ReportRow {
  return {
    key: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
    label: `Project ${i}`,
    detail: `P${i}`,
    entries: i + 1,
    durationSeconds: 3600 * i + 900, // i h 15 min
    roundedSeconds: 3600 * i + 1800, // i h 30 min
    billableSeconds: 1800,
    billableRoundedSeconds: 3600,
    amounts: [{ currency: 'EUR', amountMinor: 12_345 }],
    ...over,
  };
}

function report(rows: ReportRow[], over: Partial<TimeReport> = {}): TimeReport {
  const sum = (f: (r: ReportRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const currencies = [...new Set(rows.flatMap((r) => r.amounts.map((a) => a.currency)))].sort();
  return {
    title: 'Time report by project',
    organization: { id: '00000000-0000-7000-8000-00000000000a', name: 'Acme Studio' },
    period: { from: '2024-02-29T23:00:00.000Z', to: '2024-03-31T22:00:00.000Z', fromDate: '2024-03-01', toDate: '2024-03-31', timeZone: 'Europe/Zurich' },
    groupBy: 'project',
    scope: 'organization',
    filters: { projectId: null, userId: null, billable: null },
    filterLabels: [],
    currencies,
    rows,
    totals: {
      entries: sum((r) => r.entries),
      durationSeconds: sum((r) => r.durationSeconds),
      roundedSeconds: sum((r) => r.roundedSeconds),
      billableSeconds: sum((r) => r.billableSeconds),
      billableRoundedSeconds: sum((r) => r.billableRoundedSeconds),
      amounts: currencies.map((c) => ({ currency: c, amountMinor: sum((r) => r.amounts.find((a) => a.currency === c)?.amountMinor ?? 0) })),
    },
    generatedAt: '2024-04-01T08:30:00.000Z',
    ...over,
  };
}

describe('reports: formatting', () => {
  it('knows each currency minor unit', () => {
    expect([currencyDigits('EUR'), currencyDigits('JPY'), currencyDigits('KWD')]).toEqual([2, 0, 3]);
    expect(moneyText({ currency: 'EUR', amountMinor: 123_456 })).toBe('1,234.56 EUR');
    expect(moneyText({ currency: 'JPY', amountMinor: 5000 })).toBe('5,000 JPY');
  });

  it('makes file names safe for a Content-Disposition header', () => {
    expect(safeFilename('time-report', 'Acme "Studio"/../é', '2024-03-01')).toBe('time-report-Acme-Studio-.-e-2024-03-01');
    expect(safeFilename('\r\n')).toBe('report');
  });

  it('neutralizes cells a spreadsheet would run as formulas', () => {
    expect(neutralizeCell('=HYPERLINK("http://x")')).toBe(`'=HYPERLINK("http://x")`);
    expect(neutralizeCell('+1')).toBe("'+1");
    expect(neutralizeCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutralizeCell('Plain')).toBe('Plain');
  });
});

describe('reports: CSV', () => {
  it('has a header, raw and rounded hours side by side, amounts per currency and a totals row', () => {
    const r = report([row(1), row(2, { amounts: [{ currency: 'JPY', amountMinor: 5000 }], label: 'Web, "new"' })]);
    const buf = renderTimeReportCsv(r);
    expect(buf.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = buf.toString('utf8');
    expect(text).toContain('\r\n');
    expect(parseCsv(text)).toEqual([
      ['Project', 'Key', 'Entries', 'Hours', 'Rounded hours', 'Billable hours', 'Billable rounded hours', 'Amount EUR', 'Amount JPY'],
      ['Project 1', 'P1', '2', '1.25', '1.50', '0.50', '1.00', '123.45', '0'],
      ['Web, "new"', 'P2', '3', '2.25', '2.50', '0.50', '1.00', '0.00', '5000'],
      ['Total', '', '5', '3.50', '4.00', '1.00', '2.00', '123.45', '5000'],
    ]);
  });

  it('has no detail column where the grouping has none, and survives an empty report', () => {
    const r = report([], { groupBy: 'week', title: 'Time report by week' });
    expect(parseCsv(renderTimeReportCsv(r).toString('utf8'))).toEqual([
      ['Week', 'Entries', 'Hours', 'Rounded hours', 'Billable hours', 'Billable rounded hours'],
      ['Total', '0', '0.00', '0.00', '0.00', '0.00'],
    ]);
  });

  it('writes user-given names that look like formulas as text', () => {
    const csv = parseCsv(renderTimeReportCsv(report([row(1, { label: '=cmd|calc', detail: '-2' })])).toString('utf8'));
    expect(csv[1].slice(0, 2)).toEqual(["'=cmd|calc", "'-2"]);
  });
});

describe('reports: XLSX', () => {
  it('is a workbook exceljs reads back: title, period, header, typed rows with formats, SUM totals', async () => {
    const r = report([row(1), row(2)], { filterLabels: ['Billable entries only'] });
    const buf = await renderTimeReportXlsx(r);
    expect(buf.subarray(0, 2).toString()).toBe('PK');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as any);
    const ws = wb.getWorksheet('Time report')!;
    expect(ws.getCell('A1').value).toBe('Time report by project');
    expect(ws.getCell('A2').value).toBe('Acme Studio · 1 March 2024 – 31 March 2024 (Europe/Zurich)');
    expect(String(ws.getCell('A3').value)).toMatch(/^Billable entries only · Generated 2024-04-01 08:30 UTC$/);
    expect(ws.getRow(5).values).toEqual([undefined, 'Project', 'Key', 'Entries', 'Hours', 'Rounded hours', 'Billable hours', 'Billable rounded hours', 'Amount EUR']);
    expect(ws.getRow(6).values).toEqual([undefined, 'Project 1', 'P1', 2, 1.25, 1.5, 0.5, 1, 123.45]);
    expect(ws.getCell('D6').numFmt).toBe('#,##0.00');
    expect(ws.getCell('H6').numFmt).toBe('#,##0.00 "EUR"');
    const total = ws.getRow(8);
    expect(total.getCell(1).value).toBe('Total');
    expect(total.getCell(4).value).toEqual({ formula: 'SUM(D6:D7)', result: 3.5 });
    expect(total.getCell(8).value).toEqual({ formula: 'SUM(H6:H7)', result: 246.9 });
    expect(total.font?.bold).toBe(true);
  });

  it('uses the currency decimals in the money format and plain totals for an empty report', async () => {
    const r = report([row(1, { amounts: [{ currency: 'JPY', amountMinor: 5000 }] })], { groupBy: 'user', title: 'Time report by person' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await renderTimeReportXlsx(r)) as any);
    const ws = wb.worksheets[0];
    expect(ws.getRow(5).values).toEqual([undefined, 'Person', 'Entries', 'Hours', 'Rounded hours', 'Billable hours', 'Billable rounded hours', 'Amount JPY']);
    expect(ws.getCell('G6').value).toBe(5000);
    expect(ws.getCell('G6').numFmt).toBe('#,##0 "JPY"');
    const empty = new ExcelJS.Workbook();
    await empty.xlsx.load((await renderTimeReportXlsx(report([]))) as any);
    expect(empty.worksheets[0].getRow(6).values).toEqual([undefined, 'Total', '', 0, 0, 0, 0, 0]);
  });
});

describe('reports: PDF', () => {
  it('is a valid PDF with the organization, title, period, zone, headers, rows, totals and footer', async () => {
    const r = report([row(1), row(2)], { filterLabels: ['Billable entries only'] });
    const buf = await renderTimeReportPdf(r);
    expect(buf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(buf.subarray(-6).toString().trim()).toMatch(/%%EOF$/);
    expect(pdfInfo(buf, 'Title')).toBe('Time report by project');
    expect(pdfInfo(buf, 'Author')).toBe('Acme Studio');
    expect(pdfPageCount(buf)).toBe(1);
    const text = pdfText(buf);
    expect(text).toEqual(
      expect.arrayContaining([
        'Acme Studio',
        'Time report by project',
        'Billable entries only',
        'Project 1',
        'P2',
        '1.25',
        '123.45 EUR',
        'Total',
        '246.90 EUR',
        'Page 1 of 1',
        'Generated 2024-04-01 08:30 UTC by Trellis',
      ]),
    );
    expect(text.join('\n')).toContain('Period: 1 March 2024 – 31 March 2024');
    expect(text.join('\n')).toContain('Time zone: Europe/Zurich');
  });

  it('breaks long tables over pages, repeating the column headers, with the totals on the last page', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => row(i));
    const buf = await renderTimeReportPdf(report(rows));
    const pages = pdfPageCount(buf);
    expect(pages).toBeGreaterThanOrEqual(4);
    const text = pdfText(buf);
    expect(text.filter((s) => s === 'Entries')).toHaveLength(pages);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(text.filter((s) => s.endsWith('(continued)'))).toHaveLength(pages - 1);
    for (const i of [0, 59, 119]) expect(text).toContain(`Project ${i}`);
    expect(text.indexOf('Total')).toBeGreaterThan(text.indexOf('Project 119'));
  });

  it('says so when the period has no time, and draws only what the standard fonts can', async () => {
    const text = pdfText(await renderTimeReportPdf(report([], { organization: { id: 'x', name: 'Zürich 東京 GmbH' } })));
    expect(text).toContain('No time was recorded in this period.');
    expect(text).toContain('Zürich ?? GmbH');
    expect(pdfSafe('a\tb–c€😀')).toBe('a b–c€?');
  });
});
