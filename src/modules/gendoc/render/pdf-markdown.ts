// A page's Markdown drawn into the PDF by walking marked's tokens: headings, paragraphs with bold,
// italic, code and links (a link to another page jumps to it), lists, code blocks in DejaVu Sans
// Mono with long lines wrapped by character, simple tables, quotes and rules. Layout is pdfkit's
// text flow except for code and table rows, which are placed line by line so they can break
// across pages and carry a background.
import { posix } from 'node:path';
import type PDFDocument from 'pdfkit';
import type { Token, Tokens } from 'marked';
import { controlFree } from './markdown-escape.ts';

/** The document with the pdfkit methods reports/vendor.d.ts does not declare. */
export type PdfDoc = PDFDocument & {
  text(text: string, options?: TextOptions): PdfDoc;
  text(text: string, x: number, y: number, options?: TextOptions): PdfDoc;
  registerFont(name: string, src: string): PdfDoc;
  addNamedDestination(name: string, fit: 'XYZ', x: number | null, y: number | null, zoom: number | null): void;
  goTo(x: number, y: number, w: number, h: number, name: string): PdfDoc;
  /** Writes out every buffered page (with `bufferPages`); they can no longer be switched to. */
  flushPages(): void;
};
type TextOptions = NonNullable<Parameters<PDFDocument['text']>[3]> & { link?: string | null; goTo?: string | null; underline?: boolean; lineGap?: number };

export const FONTS = { sans: 'Sans', bold: 'Sans-Bold', italic: 'Sans-Oblique', mono: 'Mono', monoBold: 'Mono-Bold' } as const;
const TEXT = '#1f2328';
const GREY = '#59636e';
const LINK = '#0969da';
const CODE_BG = '#f3f4f6';
const HEADING_SIZES = [18, 15, 12.5, 11.5, 10.5, 10];
const BODY = 10;
const CODE = 8;

interface Run {
  text: string;
  font: string;
  link?: string;
  goTo?: string;
}

export interface DrawContext {
  doc: PdfDoc;
  /** The page being drawn, to resolve its relative links. */
  slug: string;
  /** The destination of each page, by slug. */
  destinations: ReadonlyMap<string, string>;
  left: number;
  width: number;
}

export const clean = controlFree;

const bottom = (doc: PdfDoc) => doc.page.height - doc.page.margins.bottom;

/** A new page when fewer than `points` are left on this one. */
function room(doc: PdfDoc, points: number): void {
  if (doc.y + points > bottom(doc)) doc.addPage();
}

function target(ctx: DrawContext, href: string): Pick<Run, 'link' | 'goTo'> {
  if (/^(https?:|mailto:)/i.test(href)) return { link: href };
  const slug = posix.normalize(posix.join(posix.dirname(ctx.slug), href.replace(/#.*$/, '')));
  const dest = ctx.destinations.get(slug);
  return dest ? { goTo: dest } : {};
}

function runsOf(tokens: readonly Token[] | undefined, ctx: DrawContext, font: string = FONTS.sans, link: Pick<Run, 'link' | 'goTo'> = {}): Run[] {
  const out: Run[] = [];
  for (const t of tokens ?? []) {
    switch (t.type) {
      case 'strong':
        out.push(...runsOf(t.tokens, ctx, font === FONTS.mono ? FONTS.monoBold : FONTS.bold, link));
        break;
      case 'em':
        out.push(...runsOf(t.tokens, ctx, font === FONTS.sans ? FONTS.italic : font, link));
        break;
      case 'codespan':
        out.push({ text: t.text, font: FONTS.mono, ...link });
        break;
      case 'link':
        out.push(...runsOf(t.tokens, ctx, font, target(ctx, t.href)));
        break;
      case 'br':
        out.push({ text: '\n', font, ...link });
        break;
      case 'image':
        out.push({ text: t.text, font, ...link });
        break;
      default:
        if ('tokens' in t && t.tokens?.length) out.push(...runsOf(t.tokens, ctx, font, link));
        else if ('text' in t && typeof t.text === 'string') out.push({ text: t.type === 'escape' ? t.text : decode(t.text), font, ...link });
    }
  }
  return out;
}

/** Runs of text in their fonts, wrapped to the width; links underlined and blue. */
function drawRuns(ctx: DrawContext, runs: Run[], size: number, color: string, left: number, width: number): void {
  const { doc } = ctx;
  // A line break joins the run before it: pdfkit drops a run that is only a newline.
  const visible: Run[] = [];
  for (const r of runs) {
    // pdfkit breaks a word wider than the column letter by letter, in time growing with the
    // square of its length: a space every 100 characters of a long word does it in linear time.
    const text = clean(r.text).replace(/\S{100}(?=\S)/g, '$& ');
    const last = visible.at(-1);
    if (text === '\n' && last) last.text += '\n';
    else if (text !== '') visible.push({ ...r, text });
  }
  if (!visible.length) return;
  visible.forEach((r, i) => {
    const linked = Boolean(r.link || r.goTo);
    doc.font(r.font).fontSize(r.font === FONTS.mono || r.font === FONTS.monoBold ? size * 0.92 : size).fillColor(linked ? LINK : color);
    const opts = { width, continued: i < visible.length - 1, link: r.link ?? null, goTo: r.goTo ?? null, underline: linked, lineGap: 1.5 };
    if (i === 0) doc.text(r.text, left, doc.y, opts);
    else doc.text(r.text, opts);
  });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
/** marked keeps entities (`&lt;`, `&#60;`) in its tokens' text; HTML shows them decoded, and so does the PDF. */
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (all, e: string) => {
    if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? all;
    const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
  });

const plain = (runs: Run[]) => runs.map((r) => r.text).join('');

function drawCode(ctx: DrawContext, text: string, left: number, width: number): void {
  const { doc } = ctx;
  doc.font(FONTS.mono).fontSize(CODE);
  const charWidth = doc.widthOfString('0');
  const perLine = Math.max(10, Math.floor((width - 8) / charWidth));
  const lineHeight = CODE * 1.35;
  const lines: string[] = [];
  for (const line of clean(text.replace(/\t/g, '    ')).split('\n')) {
    if (line.length <= perLine) lines.push(line);
    // A long line goes on over the next ones, marked so it is not read as a new line.
    else for (let i = 0; i < line.length; i += i === 0 ? perLine : perLine - 2) lines.push(i === 0 ? line.slice(0, perLine) : `↪ ${line.slice(i, i + perLine - 2)}`);
  }
  doc.y += 2;
  // The lines that fit on the page under one background, each drawn without line breaking:
  // they are cut to the width already, and pdfkit then has no words to wrap.
  for (let i = 0; i < lines.length; ) {
    room(doc, lineHeight);
    const fit = Math.max(1, Math.floor((bottom(doc) - doc.y) / lineHeight));
    const chunk = lines.slice(i, i + fit);
    const y = doc.y;
    doc.rect(left, y, width, chunk.length * lineHeight).fill(CODE_BG);
    doc.font(FONTS.mono).fontSize(CODE).fillColor(TEXT);
    chunk.forEach((line, k) => {
      if (line) doc.text(line, left + 4, y + 2 + k * lineHeight, { lineBreak: false });
    });
    doc.y = y + chunk.length * lineHeight;
    i += chunk.length;
  }
  doc.y += 6;
}

function drawTable(ctx: DrawContext, t: Tokens.Table, left: number, width: number): void {
  const { doc } = ctx;
  const cols = Math.max(1, t.header.length);
  const colWidth = width / cols;
  const row = (cells: Tokens.TableCell[], header: boolean) => {
    const texts = cells.map((c) => clean(plain(runsOf(c.tokens, ctx))));
    doc.font(header ? FONTS.bold : FONTS.sans).fontSize(BODY - 1);
    const height = Math.max(...texts.map((s) => doc.heightOfString(s || ' ', { width: colWidth - 6 }))) + 4;
    room(doc, height);
    const y = doc.y;
    if (header) doc.rect(left, y, width, height).fill(CODE_BG);
    texts.forEach((s, i) => {
      doc.font(header ? FONTS.bold : FONTS.sans).fontSize(BODY - 1).fillColor(TEXT).text(s, left + i * colWidth + 3, y + 2, { width: colWidth - 6 });
    });
    doc.moveTo(left, y + height).lineTo(left + width, y + height).lineWidth(0.5).strokeColor('#d0d7de').stroke();
    doc.y = y + height;
  };
  row(t.header, true);
  for (const r of t.rows) row(r, false);
  doc.y += 6;
}

/** Points a list or quote moves its content in, while the column stays this wide at least (a README may nest deeply). */
const indentFor = (width: number, points: number) => (width - points >= 150 ? points : 0);

export function drawBlocks(ctx: DrawContext, tokens: readonly Token[], left = ctx.left, width = ctx.width, color = TEXT): void {
  const { doc } = ctx;
  for (const t of tokens) {
    switch (t.type) {
      case 'heading': {
        const size = HEADING_SIZES[Math.min(5, t.depth - 1)];
        room(doc, size * 4);
        doc.y += t.depth <= 2 ? 8 : 4;
        drawRuns(ctx, runsOf(t.tokens, ctx, FONTS.bold).map((r) => ({ ...r, font: r.font === FONTS.mono ? FONTS.monoBold : FONTS.bold })), size, TEXT, left, width);
        doc.y += 4;
        break;
      }
      case 'paragraph':
        drawRuns(ctx, runsOf(t.tokens, ctx), BODY, color, left, width);
        doc.y += 5;
        break;
      case 'text':
        drawRuns(ctx, t.tokens ? runsOf(t.tokens, ctx) : [{ text: t.text, font: FONTS.sans }], BODY, color, left, width);
        break;
      case 'list':
        t.items.forEach((item: Tokens.ListItem, i: number) => {
          room(doc, BODY * 1.6);
          const y = doc.y;
          const marker = t.ordered ? `${(typeof t.start === 'number' ? t.start : 1) + i}.` : '•';
          const indent = indentFor(width, 16);
          if (indent) doc.font(FONTS.sans).fontSize(BODY).fillColor(color).text(marker, left, y, { width: 14, lineBreak: false });
          doc.y = y;
          drawBlocks(ctx, item.tokens, left + indent, width - indent, color);
          if (doc.y < y + BODY * 1.3 && doc.y >= y) doc.y = y + BODY * 1.3;
        });
        doc.y += 4;
        break;
      case 'code':
        drawCode(ctx, t.text, left, width);
        break;
      case 'table':
        drawTable(ctx, t as Tokens.Table, left, width);
        break;
      case 'blockquote': {
        const page = doc.bufferedPageRange().count;
        const y = doc.y;
        const indent = indentFor(width, 12);
        drawBlocks(ctx, t.tokens ?? [], left + indent, width - indent, GREY);
        // The bar, when the quote stayed on one page.
        if (indent && doc.bufferedPageRange().count === page) doc.rect(left, y, 3, Math.max(0, doc.y - y - 4)).fill('#8250df');
        break;
      }
      case 'hr':
        room(doc, 12);
        doc.moveTo(left, doc.y + 4).lineTo(left + width, doc.y + 4).lineWidth(0.5).strokeColor('#d0d7de').stroke();
        doc.y += 10;
        break;
      case 'space':
      case 'def':
        break;
      default:
        // Anything else (raw HTML cannot reach here: pages are checked) as its text.
        if ('raw' in t && typeof t.raw === 'string' && t.raw.trim()) drawRuns(ctx, [{ text: t.raw, font: FONTS.sans }], BODY, color, left, width);
    }
  }
}
