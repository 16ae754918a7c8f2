// The PDF output: A4, a title page, a table of contents with page numbers (each entry a jump to
// its page), then every page of the documentation starting on a new sheet, drawn from its
// Markdown (pdf-markdown.ts), and "page x of y" in every footer. DejaVu Sans and Sans Mono are
// embedded (the fonts package the PNG renderers use), so names and comments in any script the
// fonts cover print as written, not as Windows-1252's "?". The contents' length is known before
// the pages are drawn (one line per page), so its sheets are kept free and filled at the end.
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

export async function writePdf(pages: readonly DocPage[], info: PdfInfo, onPage: () => Promise<void>): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN }, bufferPages: true, autoFirstPage: false, info: { Title: clean(info.title), Creator: 'Trellis', Producer: 'Trellis' } }) as PdfDoc;
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (const [name, file] of Object.entries(FONT_FILES)) doc.registerFont(name, join(fontDir, file));

  doc.addPage();
  const width = doc.page.width - 2 * MARGIN;
  doc.font(FONTS.bold).fontSize(26).fillColor('#1f2328').text(clean(info.title), MARGIN, doc.page.height / 3, { width });
  doc.font(FONTS.sans).fontSize(12).fillColor(GREY).text(clean(info.subtitle), MARGIN, doc.y + 10, { width });
  doc.fontSize(10).text(clean(info.generated), MARGIN, doc.y + 6, { width });

  // The contents: one line per page, on sheets reserved now and written when page numbers are known.
  const tocTop = MARGIN + 34;
  const perSheet = Math.floor((doc.page.height - MARGIN - tocTop) / TOC_LINE);
  const tocSheets = Math.max(1, Math.ceil(pages.length / perSheet));
  const tocStart = doc.bufferedPageRange().count;
  for (let i = 0; i < tocSheets; i++) doc.addPage();

  const destinations = new Map(pages.map((p, i) => [p.slug, `page-${i}`]));
  const startsAt: number[] = [];
  for (const page of pages) {
    doc.addPage();
    startsAt.push(doc.bufferedPageRange().count);
    // The page's top left corner (pdfkit's y runs down from the top).
    doc.addNamedDestination(destinations.get(page.slug) as string, 'XYZ', 0, 0, null);
    drawBlocks({ doc, slug: page.slug, destinations, left: MARGIN, width }, checkedPage(page.markdown).tokens);
    await onPage();
  }

  const depths = depthsOf(pages);
  pages.forEach((page, i) => {
    const sheet = Math.floor(i / perSheet);
    doc.switchToPage(tocStart + sheet);
    if (i % perSheet === 0) doc.font(FONTS.bold).fontSize(16).fillColor('#1f2328').text(sheet === 0 ? 'Contents' : 'Contents (continued)', MARGIN, MARGIN, { width, lineBreak: false });
    const y = tocTop + (i % perSheet) * TOC_LINE;
    const indent = Math.min(depths[i], 4) * 12;
    const number = String(startsAt[i]);
    doc.font(depths[i] === 0 ? FONTS.bold : FONTS.sans).fontSize(10).fillColor('#1f2328');
    const titleWidth = width - indent - 40;
    doc.text(fitText(doc, clean(page.title), titleWidth), MARGIN + indent, y, { width: titleWidth, lineBreak: false });
    doc.text(number, MARGIN + width - 40, y, { width: 40, align: 'right', lineBreak: false });
    doc.goTo(MARGIN + indent, y, width - indent, TOC_LINE - 2, destinations.get(page.slug) as string);
  });

  const range = doc.bufferedPageRange();
  for (let i = 1; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // Below the bottom margin: pdfkit would otherwise start a new page for it.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(FONTS.sans).fontSize(8).fillColor(GREY).text(`Page ${i + 1} of ${range.count}`, MARGIN, doc.page.height - MARGIN + 20, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
