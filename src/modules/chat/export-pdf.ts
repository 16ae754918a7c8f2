// A transcript as a PDF: A4 portrait, the title, model and dates on top with the generation time
// in the org's time zone, then each message under its role, wrapped and paged by pdfkit's text
// flow; tool calls as short grey lines. pdfkit's built-in Helvetica only: text is limited to
// Windows-1252 (pdfSafe). A footer with "page x of y" on every page.
import PDFDocument from 'pdfkit';
import { fitText, pdfSafe } from '../../core/pdf-text.ts';
import type { Transcript } from './export.ts';
import { longDateTimeIn } from '../../core/time/zones.ts';

const MARGIN = 50;
const GREY = '#555555';
/** A tool's input or result on one line, this long at most before fitText cuts it to the page. */
const TOOL_LINE_CHARS = 300;

const generatedText = longDateTimeIn;

export async function transcriptPdf(t: Transcript, timeZone: string): Promise<Buffer> {
  const title = t.title ?? 'Conversation';
  const doc = new PDFDocument({ size: 'A4', margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN }, bufferPages: true, info: { Title: pdfSafe(title), Creator: 'Trellis', Producer: 'Trellis' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;

  doc.font('Helvetica-Bold').fontSize(18).fillColor('#000000').text(pdfSafe(title), MARGIN, doc.y, { width });
  doc.font('Helvetica').fontSize(9).fillColor(GREY);
  if (t.modelId) doc.text(pdfSafe(`Model: ${t.modelId}`), MARGIN, doc.y, { width });
  doc.text(pdfSafe(`Started ${t.createdAt}, last active ${t.updatedAt}`), MARGIN, doc.y, { width });
  doc.text(pdfSafe(`Generated ${generatedText(new Date(t.exportedAt), timeZone)}`), MARGIN, doc.y, { width });

  for (const m of t.messages) {
    const marks = [m.model, m.status === 'streaming' ? 'still being written when exported' : m.status === 'done' ? null : m.status].filter(Boolean);
    doc.font('Helvetica-Bold').fontSize(11).fillColor('#000000').text(pdfSafe(`${m.role === 'user' ? 'You' : 'Assistant'}${marks.length ? ` (${marks.join(', ')})` : ''}`), MARGIN, doc.y + 12, { width });
    doc.font('Helvetica').fontSize(8).fillColor(GREY);
    for (const c of m.toolCalls) {
      const outcome = c.error ? `error ${c.error.code}` : c.result === null ? 'not run' : `result ${c.result.slice(0, TOOL_LINE_CHARS)}`;
      doc.text(fitText(doc, pdfSafe(`Tool ${c.tool} - input ${JSON.stringify(c.input).slice(0, TOOL_LINE_CHARS)}`), width), MARGIN, doc.y, { width });
      doc.text(fitText(doc, pdfSafe(`  ${outcome}`), width), MARGIN, doc.y, { width });
    }
    // pdfSafe line by line: it turns control characters, newlines among them, into spaces. pdfkit wraps the text to the width and flows it onto new pages.
    doc.font('Helvetica').fontSize(10).fillColor('#000000').text(m.content ? m.content.split(/\r\n?|\n/).map(pdfSafe).join('\n') : '(no text)', MARGIN, doc.y, { width });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // Below the bottom margin: pdfkit would otherwise start a new page for it.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('Helvetica').fontSize(8).fillColor(GREY).text(`Page ${i + 1} of ${range.count}`, MARGIN, doc.page.height - MARGIN + 15, { width, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
