// Text for PDFs drawn with pdfkit's standard fonts (report files, dashboard exports).
import type PDFDocument from 'pdfkit';

/** Windows-1252 is all the standard fonts can draw; anything else becomes "?". */
const WIN_ANSI_EXTRA = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
export function pdfSafe(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const c = ch.codePointAt(0) as number;
    out += (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.includes(ch) ? ch : c < 0x20 ? ' ' : '?';
  }
  return out;
}

/** Cuts text to a width with an ellipsis (pdfkit's own ellipsis needs a height box). */
export function fitText(doc: PDFDocument, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (doc.widthOfString(`${text.slice(0, mid)}…`) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}
