// A PDF as a person would see it: every page drawn to pixels with pdf.js on a canvas, and its
// text read. `inked` counts the pixels that are not near-white; `inkedShare` is their share.
import { createCanvas } from '@napi-rs/canvas';
import PDFDocument from 'pdfkit';

export interface RenderedPage {
  text: string;
  inked: number;
  inkedShare: number;
}

/** Every page of a PDF drawn to pixels and read as text, with pdf.js. */
export async function renderPdfPages(pdf: Buffer): Promise<RenderedPage[]> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = pdfjs.getDocument({ data: new Uint8Array(pdf), standardFontDataUrl: `${process.cwd()}/node_modules/pdfjs-dist/standard_fonts/`, verbosity: 0 });
  const doc = await task.promise;
  const pages: RenderedPage[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const viewport = page.getViewport({ scale: 1 });
    const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvas: canvas as never, canvasContext: ctx as never, viewport }).promise;
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 200 || pixels[i + 1] < 200 || pixels[i + 2] < 200) inked++;
    const content = await page.getTextContent();
    pages.push({ text: content.items.map((i) => ('str' in i ? i.str : '')).join(' '), inked, inkedShare: inked / (canvas.width * canvas.height) });
  }
  await task.destroy();
  return pages;
}

/** A PDF of `pages`, each page its lines of text (pdfkit, as the exports write them); no text at all when a page is empty. */
export async function pdfOf(pages: string[][]): Promise<Buffer> {
  const doc = new PDFDocument({ autoFirstPage: false });
  const parts: Buffer[] = [];
  doc.on('data', (b: Buffer) => parts.push(b));
  const ended = new Promise((resolve) => doc.on('end', resolve));
  for (const lines of pages) {
    doc.addPage();
    if (lines.length) doc.fontSize(12).text(lines.join('\n'));
    else doc.rect(50, 50, 100, 100).fill('#888');
  }
  doc.end();
  await ended;
  return Buffer.concat(parts);
}
