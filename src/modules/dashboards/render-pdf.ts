// A dashboard as a PDF a person would send: A4 landscape, the name, the filters applied and the
// generation time on top, then each widget in reading order: charts as vector graphics (the
// chart's SVG drawn by svg-to-pdfkit), questions as tables paged with their header row repeated,
// text as plain text, failures as one line. A footer with the time and "page x of y" on every page.
// Only pdfkit's built-in Helvetica (no font files), so text is limited to Windows-1252.
// pdfkit draws synchronously: the loop it runs on (the drawing thread, drawing.ts) gets a turn
// after each widget and each page of a long table, so other drawings in flight are not held up.
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { type ChartSvg, cellText, type DashboardExport, errorLine, type ExportWidget, htmlToText } from './export-model.ts';
import { COLUMNS } from './layout.ts';
import { fitText, pdfSafe } from '../../core/pdf-text.ts';

const MARGIN = 40;
const FOOTER = 24;
const ROW_H = 15;
const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const GREY = '#555555';
const LINE = '#999999';
const ERROR = '#B42318';
/** Points per grid row of a chart: a 4-row widget is 180 pt high. */
const CHART_ROW = 45;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function renderDashboardPdf(model: DashboardExport, chartSvg: ChartSvg, opts: { compress?: boolean } = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    compress: opts.compress ?? true,
    info: { Title: pdfSafe(model.name), Author: pdfSafe(model.orgName), Creator: 'Trellis', Producer: 'Trellis' },
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
  let y = MARGIN;
  const newPage = () => {
    doc.addPage();
    y = MARGIN;
  };
  /** Starts a new page unless `height` fits below the cursor. */
  const room = (height: number) => {
    if (y + height > bottom()) newPage();
  };

  // Header.
  doc.font(FONT).fontSize(10).fillColor(GREY).text(pdfSafe(model.orgName), left, y, { width: usable });
  doc.font(BOLD).fontSize(20).fillColor('#000000').text(pdfSafe(model.name), left, doc.y + 4, { width: usable });
  doc.font(FONT).fontSize(10).fillColor('#000000');
  for (const f of model.filters) doc.text(pdfSafe(`${f.label}: ${f.value}`), left, doc.y + 3, { width: usable });
  doc.fillColor(GREY).text(pdfSafe(`Generated ${model.generated}`), left, doc.y + 3, { width: usable });
  y = doc.y + 8;
  doc.lineWidth(0.8).strokeColor(LINE).moveTo(left, y).lineTo(left + usable, y).stroke();
  y += 14;

  const title = (w: ExportWidget, suffix = '') => {
    doc.font(BOLD).fontSize(12).fillColor('#000000').text(fitText(doc, pdfSafe(w.title + suffix), usable), left, y, { width: usable, lineBreak: false });
    y += 18;
  };

  const chart = async (w: ExportWidget) => {
    const width = Math.max(320, (usable * w.widget.w) / COLUMNS);
    const height = Math.min(bottom() - MARGIN - 20, Math.max(160, w.widget.h * CHART_ROW));
    room(18 + height);
    title(w);
    const svg = await chartSvg(w.data.spec as Record<string, unknown>, Math.round(width), Math.round(height));
    SVGtoPDF(doc, svg, left, y, { width, height, fontCallback: (_family: string, bold: boolean) => (bold ? BOLD : FONT) });
    y += height + 16;
  };

  const table = async (w: ExportWidget) => {
    const result = w.data.result as NonNullable<WidgetDataResult>;
    const columns = result.columns.map((c) => c.name);
    const colW = usable / Math.max(1, columns.length);
    const header = () => {
      doc.rect(left, y, usable, ROW_H + 2).fill('#E8EEF4');
      doc.font(BOLD).fontSize(8.5).fillColor('#000000');
      columns.forEach((c, i) => {
        doc.text(fitText(doc, pdfSafe(c), colW - 6), left + i * colW + 3, y + 4, { width: colW - 6, lineBreak: false });
      });
      y += ROW_H + 2;
    };
    room(18 + 2 * ROW_H + 2);
    title(w);
    header();
    if (result.rows.length === 0) {
      doc.font(FONT).fontSize(9).fillColor(GREY).text('No rows.', left + 3, y + 3, { width: usable - 6, lineBreak: false });
      y += ROW_H;
    }
    for (const [r, row] of result.rows.entries()) {
      if (y + ROW_H > bottom()) {
        await yieldToLoop();
        // The header row comes along to every page the table continues on.
        newPage();
        title(w, ' (continued)');
        header();
      }
      if (r % 2 === 1) doc.rect(left, y, usable, ROW_H).fill('#F6F6F6');
      doc.font(FONT).fontSize(9).fillColor('#000000');
      row.forEach((cell, i) => {
        doc.text(fitText(doc, pdfSafe(cellText(cell)), colW - 6), left + i * colW + 3, y + 3.5, { width: colW - 6, lineBreak: false });
      });
      y += ROW_H;
    }
    if (result.truncated) {
      room(ROW_H);
      doc.font(FONT).fontSize(8).fillColor(GREY).text(`The result was cut at ${result.rows.length} rows.`, left + 3, y + 3, { width: usable - 6, lineBreak: false });
      y += ROW_H;
    }
    y += 14;
  };

  const text = (w: ExportWidget) => {
    // Line by line: pdfSafe turns control characters, line breaks among them, into spaces.
    const body = htmlToText(w.data.html ?? '')
      .split('\n')
      .map(pdfSafe)
      .join('\n');
    doc.font(FONT).fontSize(10);
    const height = doc.heightOfString(body, { width: usable });
    room(Math.min(height, 120) + (w.widget.title ? 18 : 0));
    if (w.widget.title) title(w);
    // pdfkit flows long text onto new pages itself.
    doc.font(FONT).fontSize(10).fillColor('#000000').text(body, left, y, { width: usable });
    y = doc.y + 14;
  };

  const failed = (w: ExportWidget) => {
    room(ROW_H + 8);
    doc.font(FONT).fontSize(10).fillColor(ERROR).text(fitText(doc, pdfSafe(errorLine(w)), usable), left, y, { width: usable, lineBreak: false });
    y += ROW_H + 10;
  };

  for (const w of model.widgets) {
    if (w.data.status !== 'ok') failed(w);
    else if (w.widget.kind === 'chart') {
      // A chart the renderer refuses fails alone, like a widget that could not be computed.
      await chart(w).catch(() => failed({ ...w, data: { ...w.data, error: { code: 'DASHBOARDS.WIDGET_FAILED', detail: 'the chart could not be drawn' } } }));
    } else if (w.widget.kind === 'question') await table(w);
    else text(w);
    await yieldToLoop();
  }

  // Footer on every page; the bottom margin is lifted while writing it, or pdfkit would start a new page.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const fy = doc.page.height - MARGIN - 8;
    doc.lineWidth(0.5).strokeColor(LINE).moveTo(left, fy - 6).lineTo(left + usable, fy - 6).stroke();
    doc.font(FONT).fontSize(8).fillColor(GREY);
    doc.text(fitText(doc, pdfSafe(`${model.name} · generated ${model.generated} by Trellis`), usable * 0.75), left, fy, { width: usable * 0.75, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, left + usable * 0.75, fy, { width: usable * 0.25, align: 'right', lineBreak: false });
    doc.page.margins.bottom = saved;
  }
  doc.end();
  return done;
}

type WidgetDataResult = ExportWidget['data']['result'];
