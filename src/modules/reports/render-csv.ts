// CSV: one header row, one row per group, a totals row. Raw and rounded hours stand side by
// side; amounts get one column per currency. Plain numbers (dot decimals, no grouping) so a
// spreadsheet or a script reads them as numbers.
import { stringify } from 'csv-stringify/sync';
import { neutralizeCell } from '../../core/spreadsheet.ts';
import { amountIn, amountText, GROUP_TITLES, hoursText, type ReportTotals, type TimeReport } from './model.ts';

export { neutralizeCell };

function figures(t: ReportTotals, currencies: string[]): string[] {
  return [
    String(t.entries),
    hoursText(t.durationSeconds),
    hoursText(t.roundedSeconds),
    hoursText(t.billableSeconds),
    hoursText(t.billableRoundedSeconds),
    ...currencies.map((c) => amountText(amountIn(t.amounts, c))),
  ];
}

export function timeReportCsvHeader(report: TimeReport): string[] {
  const g = GROUP_TITLES[report.groupBy];
  return [
    g.column,
    ...(g.detail ? [g.detail] : []),
    'Entries',
    'Hours',
    'Rounded hours',
    'Billable hours',
    'Billable rounded hours',
    ...report.currencies.map((c) => `Amount ${c}`),
  ];
}

export function renderTimeReportCsv(report: TimeReport): Buffer {
  const hasDetail = GROUP_TITLES[report.groupBy].detail !== null;
  const records: string[][] = [timeReportCsvHeader(report)];
  for (const row of report.rows) {
    records.push([neutralizeCell(row.label), ...(hasDetail ? [neutralizeCell(row.detail ?? '')] : []), ...figures(row, report.currencies)]);
  }
  records.push(['Total', ...(hasDetail ? [''] : []), ...figures(report.totals, report.currencies)]);
  // CRLF (RFC 4180) and a BOM so spreadsheet programs read UTF-8 names correctly.
  return Buffer.from(`\uFEFF${stringify(records, { record_delimiter: 'windows' })}`, 'utf8');
}
