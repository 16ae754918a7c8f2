// The PDF output: A4, a title page, a table of contents with page numbers (each entry a jump to
// its page), then every page of the documentation starting on a new sheet, drawn from its
// Markdown (pdf-markdown.ts), and "page x of y" in every footer. DejaVu Sans and Sans Mono are
// embedded (the fonts package the PNG renderers use), so names and comments in any script the
// fonts cover print as written, not as Windows-1252's "?". The contents' length is known before
// the pages are drawn (one line per page); their numbers come from a first pass that lays the
// document out the same way, so the second can write each page's sheets as soon as they are done.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { fitText } from '../../../core/pdf-text.ts';
import { checkedPage } from './defang.ts';
import { clean, drawBlocks, FONTS, type PdfDoc } from './pdf-markdown.ts';
import type { DocPage } from './pages/site.ts';

const MARGIN = 56;
const TOC_LINE = 15;
const GREY = '#59636e';
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONT_FILES: Record<string, string> = {
  [FONTS.sans]: 'DejaVuSans.ttf',
  [FONTS.bold]: 'DejaVuSans-Bold.ttf',
  [FONTS.italic]: 'DejaVuSans-Oblique.ttf',
  [FONTS.mono]: 'DejaVuSansMono.ttf',
  [FONTS.monoBold]: 'DejaVuSansMono-Bold.ttf',
};

export interface PdfInfo {
  title: string;
  subtitle: string;
  generated: string;
}

function depthsOf(pages: readonly DocPage[]): number[] {
  const parent = new Map(pages.map((p) => [p.slug, p.parent]));
  return pages.map((p) => {
    let depth = 0;
    for (let s = p.parent; s !== null && depth < 8; s = parent.get(s) ?? null) depth++;
    return depth;
  });
}

/** Where each documentation page starts (1-based sheet numbers) and how many sheets there are. */
interface Layout {
  startsAt: number[];
  sheets: number;
}

/**
 * Draws the whole PDF. Sheets are kept in memory one documentation page at a time: each page's
 * sheets get their footers and are written out before the next page starts, so a PDF of a
 * thousand pages never holds more than a few sheets. That needs the page numbers before the
 * contents are drawn: `layout` null is the first pass, which draws everything the same way (the
 * contents with blank numbers, no footers: neither moves a line) only to learn them.
 */
async function draw(pages: readonly DocPage[], info: PdfInfo, layout: Layout | null, onPage: () => Promise<void>): Promise<{ layout: Layout; bytes: Buffer | null }> {
  const doc = new PDFDocument({ size: 'A4', margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN }, bufferPages: true, autoFirstPage: false, info: { Title: clean(info.title), Creator: 'Trellis', Producer: 'Trellis' } }) as PdfDoc;
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer | null>((resolve, reject) => {
    // The first pass's bytes are not kept: only its page numbers are.
    doc.on('data', (c: Buffer) => {
      if (layout) chunks.push(c);
    });
    doc.on('end', () => resolve(layout ? Buffer.concat(chunks) : null));
    doc.on('error', reject);
  });
  for (const [name, file] of Object.entries(FONT_FILES)) doc.registerFont(name, join(fontDir, file));

  /** Footers on every sheet still buffered (but the title page), then writes them out. */
  const flush = () => {
    const range = doc.bufferedPageRange();
    if (layout) {
      for (let i = 0; i < range.count; i++) {
        const n = range.start + i + 1;
        if (n === 1) continue;
        doc.switchToPage(range.start + i);
        // Below the bottom margin: pdfkit would otherwise start a new page for it.
        const bottom = doc.page.margins.bottom;
        doc.page.margins.bottom = 0;
        doc.font(FONTS.sans).fontSize(8).fillColor(GREY).text(`Page ${n} of ${layout.sheets}`, MARGIN, doc.page.height - MARGIN + 20, { width: doc.page.width - 2 * MARGIN, align: 'center', lineBreak: false });
        doc.page.margins.bottom = bottom;
      }
    }
    doc.flushPages();
  };

  doc.addPage();
  const pageWidth = doc.page.width - 2 * MARGIN;
  doc.font(FONTS.bold).fontSize(26).fillColor('#1f2328').text(clean(info.title), MARGIN, doc.page.height / 3, { width: pageWidth });
  doc.font(FONTS.sans).fontSize(12).fillColor(GREY).text(clean(info.subtitle), MARGIN, doc.y + 10, { width: pageWidth });
  doc.fontSize(10).text(clean(info.generated), MARGIN, doc.y + 6, { width: pageWidth });

  // The contents: one line per page, so its length is known before the pages are drawn.
  const tocTop = MARGIN + 34;
  const perSheet = Math.floor((doc.page.height - MARGIN - tocTop) / TOC_LINE);
  const tocSheets = Math.max(1, Math.ceil(pages.length / perSheet));
  const destinations = new Map(pages.map((p, i) => [p.slug, `page-${i}`]));
  const depths = depthsOf(pages);
  for (let sheet = 0; sheet < tocSheets; sheet++) {
    doc.addPage();
    doc.font(FONTS.bold).fontSize(16).fillColor('#1f2328').text(sheet === 0 ? 'Contents' : 'Contents (continued)', MARGIN, MARGIN, { width: pageWidth, lineBreak: false });
    for (let i = sheet * perSheet; i < Math.min(pages.length, (sheet + 1) * perSheet); i++) {
      const y = tocTop + (i % perSheet) * TOC_LINE;
      const indent = Math.min(depths[i], 4) * 12;
      doc.font(depths[i] === 0 ? FONTS.bold : FONTS.sans).fontSize(10).fillColor('#1f2328');
      const titleWidth = pageWidth - indent - 40;
      doc.text(fitText(doc, clean(pages[i].title), titleWidth), MARGIN + indent, y, { width: titleWidth, lineBreak: false });
      if (layout) doc.text(String(layout.startsAt[i]), MARGIN + pageWidth - 40, y, { width: 40, align: 'right', lineBreak: false });
      // Forward references by name: the destinations are written with their pages.
      doc.goTo(MARGIN + indent, y, pageWidth - indent, TOC_LINE - 2, destinations.get(pages[i].slug) as string);
    }
  }
  flush();

  const startsAt: number[] = [];
  for (const page of pages) {
    doc.addPage();
    startsAt.push(doc.bufferedPageRange().start + doc.bufferedPageRange().count);
    // The page's top left corner (pdfkit's y runs down from the top).
    doc.addNamedDestination(destinations.get(page.slug) as string, 'XYZ', 0, 0, null);
    drawBlocks({ doc, slug: page.slug, destinations, left: MARGIN, width: pageWidth }, checkedPage(page.markdown).tokens);
    flush();
    if (layout) await onPage();
    else if (startsAt.length % 20 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const sheets = doc.bufferedPageRange().start + doc.bufferedPageRange().count;
  doc.end();
  return { layout: { startsAt, sheets }, bytes: await done };
}

export async function writePdf(pages: readonly DocPage[], info: PdfInfo, onPage: () => Promise<void>): Promise<Buffer> {
  const { layout } = await draw(pages, info, null, onPage);
  const { bytes, layout: drawn } = await draw(pages, info, layout, onPage);
  // Both passes lay the pages out alike (the same text, fonts and widths); a difference would be a bug here.
  if (drawn.sheets !== layout.sheets) throw new Error(`the PDF's two passes disagree: ${layout.sheets} then ${drawn.sheets} sheets`);
  return bytes as Buffer;
}
