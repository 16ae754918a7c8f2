// XLSX: a real workbook, not a CSV in disguise. Title, organization and period on top, then
// a header, one row per group and a totals row whose cells are SUM formulas (with their
// computed results cached, so viewers that do not recalculate still show the figures).
// Hours are exact numbers shown with two decimals; amounts are major units with the
// currency's own decimals.
import ExcelJS from 'exceljs';
import { amountIn, currencyDigits, GROUP_TITLES, hours, longDate, majorUnits, type ReportTotals, type TimeReport } from './model.ts';

const HOURS_FORMAT = '#,##0.00';
const moneyFormat = (currency: string) => {
  const d = currencyDigits(currency);
  return `#,##0${d ? `.${'0'.repeat(d)}` : ''} "${currency}"`;
};

function figures(t: ReportTotals, currencies: string[]): number[] {
  return [
    t.entries,
    hours(t.durationSeconds),
    hours(t.roundedSeconds),
    hours(t.billableSeconds),
    hours(t.billableRoundedSeconds),
    ...currencies.map((c) => majorUnits(amountIn(t.amounts, c))),
  ];
}

export async function renderTimeReportXlsx(report: TimeReport): Promise<Buffer> {
  const g = GROUP_TITLES[report.groupBy];
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Trellis';
  wb.created = new Date(report.generatedAt);
  wb.title = report.title;
  const ws = wb.addWorksheet('Time report', { views: [{ state: 'frozen', ySplit: 5 }] });

  const labelCols = g.detail ? 2 : 1;
  const header = [g.column, ...(g.detail ? [g.detail] : []), 'Entries', 'Hours', 'Rounded hours', 'Billable hours', 'Billable rounded hours', ...report.currencies.map((c) => `Amount ${c}`)];
  const width = header.length;

  const title = ws.addRow([report.title]);
  title.font = { bold: true, size: 14 };
  ws.mergeCells(1, 1, 1, width);
  ws.addRow([`${report.organization.name} · ${longDate(report.period.fromDate)} – ${longDate(report.period.toDate)} (${report.period.timeZone})`]);
  ws.mergeCells(2, 1, 2, width);
  ws.addRow([[...report.filterLabels, `Generated ${report.generatedAt.slice(0, 16).replace('T', ' ')} UTC`].join(' · ')]);
  ws.mergeCells(3, 1, 3, width);
  ws.getRow(3).font = { italic: true, color: { argb: 'FF666666' } };
  ws.addRow([]);

  const head = ws.addRow(header);
  head.font = { bold: true };
  head.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF4' } };
    cell.border = { bottom: { style: 'thin' } };
  });

  const firstDataRow = 6;
  for (const row of report.rows) ws.addRow([row.label, ...(g.detail ? [row.detail ?? ''] : []), ...figures(row, report.currencies)]);
  const lastDataRow = firstDataRow + report.rows.length - 1;

  // Totals: SUM over the rows with the server's totals as cached results (they are equal:
  // the totals are the sum of the groups).
  const totals = figures(report.totals, report.currencies);
  const totalRow = ws.addRow([
    'Total',
    ...(g.detail ? [''] : []),
    ...totals.map((value, i) => {
      const col = ws.getColumn(labelCols + 1 + i).letter;
      return report.rows.length ? { formula: `SUM(${col}${firstDataRow}:${col}${lastDataRow})`, result: value } : value;
    }),
  ]);
  totalRow.font = { bold: true };
  totalRow.eachCell((cell) => {
    cell.border = { top: { style: 'thin' } };
  });

  ws.getColumn(1).width = 36;
  if (g.detail) ws.getColumn(2).width = 24;
  ws.getColumn(labelCols + 1).width = 9;
  ws.getColumn(labelCols + 1).numFmt = '0';
  for (let i = 2; i <= 5; i++) {
    ws.getColumn(labelCols + i).width = 14;
    ws.getColumn(labelCols + i).numFmt = HOURS_FORMAT;
  }
  report.currencies.forEach((c, i) => {
    const col = ws.getColumn(labelCols + 6 + i);
    col.width = 16;
    col.numFmt = moneyFormat(c);
  });

  return Buffer.from(await wb.xlsx.writeBuffer());
}
