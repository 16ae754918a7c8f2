// The text of a file a model may read: an attachment of a conversation, or a file of an
// assistant's knowledge. Four kinds: plain text, Markdown and CSV are read as UTF-8 as they are;
// a PDF gives the text of its pages (pdf.js, loaded on first use, so a server that never reads a
// PDF never loads it). The text is cut at a number of characters, so one file cannot fill a
// model's context; what was cut is said (`truncated`).
import { ChatProblems } from './problems.ts';

export type DocumentKind = 'text' | 'markdown' | 'csv' | 'pdf';
export const DOCUMENT_KINDS: readonly DocumentKind[] = ['text', 'markdown', 'csv', 'pdf'];

/** The media type a kind is stored and downloaded as. */
export const CONTENT_TYPES: Record<DocumentKind, string> = {
  text: 'text/plain; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
};

const BY_EXTENSION: Record<string, DocumentKind> = {
  txt: 'text',
  text: 'text',
  log: 'text',
  md: 'markdown',
  markdown: 'markdown',
  csv: 'csv',
  pdf: 'pdf',
};

const BY_MEDIA_TYPE: Record<string, DocumentKind> = {
  'text/plain': 'text',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/pdf': 'pdf',
};

/** The kind a file's name gives by its extension (`notes.md` → markdown), or null. */
export function kindOfName(fileName: string): DocumentKind | null {
  const dot = fileName.lastIndexOf('.');
  return dot < 0 ? null : (BY_EXTENSION[fileName.slice(dot + 1).toLowerCase()] ?? null);
}

/** The kind of a stored file: by its media type, else by its name; null when it is none of the four. */
export function kindOfFile(contentType: string, fileName: string): DocumentKind | null {
  return BY_MEDIA_TYPE[contentType.split(';')[0].trim().toLowerCase()] ?? kindOfName(fileName);
}

export interface DocumentText {
  text: string;
  /** Whether the text was cut at the limit (or, for a PDF, at the page limit). */
  truncated: boolean;
  /** Pages of a PDF; null for the other kinds. */
  pages: number | null;
}

/** Pages of a PDF read at most: past them the text is cut, as it would be at the character limit. */
export const MAX_PDF_PAGES = 500;

/**
 * The text of `bytes` read as `kind`, at most `maxChars` characters. 422
 * CHAT.ATTACHMENT_UNREADABLE when the bytes are not that kind: text that is not UTF-8 or holds
 * NUL bytes (a binary file), a PDF pdf.js cannot open or whose pages hold no text (a scan).
 */
export async function extractText(bytes: Uint8Array, kind: DocumentKind, maxChars: number): Promise<DocumentText> {
  if (kind === 'pdf') return pdfText(bytes, maxChars);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw unreadable(`The file is not UTF-8 text, so it cannot be read as ${kind}`);
  }
  if (text.includes('\u0000')) throw unreadable(`The file holds binary data, so it cannot be read as ${kind}`);
  return { ...cut(text.replace(/\r\n?/g, '\n'), maxChars), pages: null };
}

function cut(text: string, maxChars: number): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  // Never split a surrogate pair: the text stays valid Unicode.
  let end = maxChars;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return { text: text.slice(0, end), truncated: true };
}

async function pdfText(bytes: Uint8Array, maxChars: number): Promise<DocumentText> {
  if (!isPdf(bytes)) throw unreadable('The file is not a PDF (it does not start with %PDF-)');
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // A copy: pdf.js takes the buffer over (transfers it) and the caller may still need the bytes.
  const loading = pdfjs.getDocument({ data: new Uint8Array(bytes), verbosity: 0, disableFontFace: true, useSystemFonts: false });
  let doc: Awaited<typeof loading.promise>;
  try {
    doc = await loading.promise;
  } catch {
    await loading.destroy();
    throw unreadable('The PDF could not be opened (damaged, or protected by a password)');
  }
  try {
    const pages: string[] = [];
    let chars = 0;
    const last = Math.min(doc.numPages, MAX_PDF_PAGES);
    for (let n = 1; n <= last && chars <= maxChars; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      const lines: string[] = [];
      let line = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        line += item.str;
        if (item.hasEOL) {
          lines.push(line);
          line = '';
        }
      }
      if (line) lines.push(line);
      const text = lines.join('\n').trim();
      pages.push(text);
      chars += text.length + 2;
      page.cleanup();
    }
    const text = pages.filter(Boolean).join('\n\n');
    if (!text.trim()) throw unreadable('The PDF holds no text (a scan or images only): nothing a model could read');
    const { text: kept, truncated } = cut(text, maxChars);
    return { text: kept, truncated: truncated || doc.numPages > last, pages: doc.numPages };
  } finally {
    await loading.destroy();
  }
}

const isPdf = (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 1024)).includes('%PDF-');

const unreadable = (message: string) => ChatProblems.attachmentUnreadable.error(message);
