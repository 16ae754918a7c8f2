// PDF: a document a person would send to a client. Organization, title, period and time zone
// on top, a summary, then the table: column headers repeated on every page, zebra rows, a
// totals row, and on every page a footer with the generation time and "page x of y".
// Only pdfkit's built-in Helvetica (no font files), so text is limited to Windows-1252.
import PDFDocument from 'pdfkit';
import { amountIn, GROUP_TITLES, hoursText, longDate, moneyText, type ReportTotals, type TimeReport } from './model.ts';
import { fitText, pdfSafe } from '../../core/pdf-text.ts';

const MARGIN = 48;
const FOOTER = 28;
const ROW_H = 16;
const HEAD_H = 26;
const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const GREY = '#555555';
const LINE = '#999999';

interface Column {
  header: string;
  width: number;
  align: 'left' | 'right';
  cell(t: ReportTotals & { label?: string; detail?: string | null }): string;
}

export { pdfSafe };

function columnsFor(report: TimeReport, usable: number): Column[] {
  const g = GROUP_TITLES[report.groupBy];
  const numbers: Column[] = [
    { header: 'Entries', width: 42, align: 'right', cell: (t) => String(t.entries) },
    { header: 'Hours', width: 52, align: 'right', cell: (t) => hoursText(t.durationSeconds) },
    { header: 'Rounded hours', width: 54, align: 'right', cell: (t) => hoursText(t.roundedSeconds) },
    { header: 'Billable hours', width: 54, align: 'right', cell: (t) => hoursText(t.billableSeconds) },
    { header: 'Billable rounded', width: 56, align: 'right', cell: (t) => hoursText(t.billableRoundedSeconds) },
    ...report.currencies.map<Column>((c) => ({ header: `Amount ${c}`, width: 84, align: 'right', cell: (t) => moneyText(amountIn(t.amounts, c)) })),
  ];
  const detailWidth = g.detail ? 80 : 0;
  const fixed = numbers.reduce((s, c) => s + c.width, 0) + detailWidth;
  const label: Column = { header: g.column, width: usable - fixed, align: 'left', cell: (t) => t.label ?? '' };
  const detail: Column[] = g.detail ? [{ header: g.detail, width: detailWidth, align: 'left', cell: (t) => t.detail ?? '' }] : [];
  return [label, ...detail, ...numbers];
}


export function renderTimeReportPdf(report: TimeReport, opts: { compress?: boolean } = {}): Promise<Buffer> {
  // Portrait unless the columns would leave the label too narrow (several currencies).
  const portraitUsable = 595.28 - 2 * MARGIN;
  const layout = columnsFor(report, portraitUsable)[0].width < 150 ? 'landscape' : 'portrait';
  const doc = new PDFDocument({
    size: 'A4',
    layout,
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    compress: opts.compress ?? true,
    info: { Title: pdfSafe(report.title), Author: pdfSafe(report.organization.name), Creator: 'Trellis', Producer: 'Trellis', CreationDate: new Date(report.generatedAt) },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = MARGIN;
  const usable = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - MARGIN - FOOTER;
  const columns = columnsFor(report, usable);

  // Title block.
  doc.font(FONT).fontSize(10).fillColor(GREY).text(pdfSafe(report.organization.name), left, MARGIN, { width: usable });
  doc.font(BOLD).fontSize(20).fillColor('#000000').text(pdfSafe(report.title), left, doc.y + 4, { width: usable });
  doc.font(FONT).fontSize(10).fillColor('#000000');
  doc.text(`Period: ${longDate(report.period.fromDate)} – ${longDate(report.period.toDate)}   ·   Time zone: ${pdfSafe(report.period.timeZone)}`, left, doc.y + 6, { width: usable });
  for (const f of report.filterLabels) doc.text(pdfSafe(f), left, doc.y + 2, { width: usable });

  // Summary.
  const t = report.totals;
  const summary: [string, string][] = [
    ['Hours', hoursText(t.durationSeconds)],
    ['Rounded hours', hoursText(t.roundedSeconds)],
    ['Billable rounded hours', hoursText(t.billableRoundedSeconds)],
    ...report.currencies.map<[string, string]>((c) => [`Amount ${c}`, moneyText(amountIn(t.amounts, c))]),
  ];
  let y = doc.y + 14;
  const boxW = usable / summary.length;
  summary.forEach(([name, value], i) => {
    doc.font(FONT).fontSize(8).fillColor(GREY).text(name, left + i * boxW, y, { width: boxW - 6, lineBreak: false });
    doc.font(BOLD).fontSize(13).fillColor('#000000').text(value, left + i * boxW, y + 11, { width: boxW - 6, lineBreak: false });
  });
  y += 38;

  const drawHeader = () => {
    doc.rect(left, y, usable, HEAD_H).fill('#E8EEF4');
    doc.font(BOLD).fontSize(8).fillColor('#000000');
    let x = left;
    for (const c of columns) {
      doc.text(c.header, x + 3, y + 4, { width: c.width - 6, align: c.align, height: HEAD_H - 4 });
      x += c.width;
    }
    y += HEAD_H;
  };
  const drawRow = (cells: string[], opts: { bold?: boolean; shade?: boolean }) => {
    if (opts.shade) doc.rect(left, y, usable, ROW_H).fill('#F6F6F6');
    doc.font(opts.bold ? BOLD : FONT).fontSize(9).fillColor('#000000');
    let x = left;
    columns.forEach((c, i) => {
      doc.text(fitText(doc, pdfSafe(cells[i]), c.width - 6), x + 3, y + 4, { width: c.width - 6, align: c.align, lineBreak: false });
      x += c.width;
    });
    y += ROW_H;
  };
  const newPage = () => {
    doc.addPage();
    y = MARGIN;
    doc.font(FONT).fontSize(9).fillColor(GREY).text(pdfSafe(`${report.title} — ${report.organization.name} (continued)`), left, y, { width: usable, lineBreak: false });
    y += 18;
    drawHeader();
  };

  drawHeader();
  if (report.rows.length === 0) {
    doc.font(FONT).fontSize(9).fillColor(GREY).text('No time was recorded in this period.', left + 3, y + 4, { width: usable - 6 });
    y += ROW_H;
  }
  report.rows.forEach((row, i) => {
    if (y + ROW_H > bottom()) newPage();
    drawRow(
      columns.map((c) => c.cell(row)),
      { shade: i % 2 === 1 },
    );
  });
  // The totals row never sits alone at the top of a page without its rule.
  if (y + ROW_H + 2 > bottom()) newPage();
  doc.lineWidth(0.8).strokeColor(LINE).moveTo(left, y).lineTo(left + usable, y).stroke();
  y += 1;
  drawRow(
    columns.map((c, i) => (i === 0 ? 'Total' : GROUP_TITLES[report.groupBy].detail && i === 1 ? '' : c.cell(report.totals))),
    { bold: true },
  );

  // Footer on every page. The bottom margin is lifted while writing it, or pdfkit would
  // start a new page for text below the margin.
  const range = doc.bufferedPageRange();
  const generated = `Generated ${report.generatedAt.slice(0, 16).replace('T', ' ')} UTC by Trellis`;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const fy = doc.page.height - MARGIN - 10;
    doc.lineWidth(0.5).strokeColor(LINE).moveTo(left, fy - 6).lineTo(left + usable, fy - 6).stroke();
    doc.font(FONT).fontSize(8).fillColor(GREY);
    doc.text(generated, left, fy, { width: usable / 2, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, left + usable / 2, fy, { width: usable / 2, align: 'right', lineBreak: false });
    doc.page.margins.bottom = saved;
  }
  doc.end();
  return done;
}
