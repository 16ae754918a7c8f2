// Readers for the files the reports module produces, written from the formats' specs so the
// tests do not trust the libraries that wrote them: a ZIP reader (central directory, CRC
// checked), the text drawn in a PDF, and an RFC 4180 CSV parser.
import { crc32, inflateRawSync, inflateSync } from 'node:zlib';

/** Every file of a ZIP archive, by name. Checks each entry's CRC-32 and size. */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a ZIP: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === 8 ? inflateRawSync(raw) : method === 0 ? Buffer.from(raw) : null;
    if (!data) throw new Error(`unsupported compression method ${method} for ${name}`);
    if (data.length !== size) throw new Error(`size mismatch for ${name}`);
    if (crc32(data) !== crc) throw new Error(`CRC mismatch for ${name}`);
    files.set(name, data);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

const winAnsi = new TextDecoder('windows-1252');

/** The strings drawn by text operators (TJ arrays of hex strings, as pdfkit writes them), one per operator. */
export function pdfText(pdf: Buffer): string[] {
  const s = pdf.toString('latin1');
  const out: string[] = [];
  const stream = /stream\r?\n/g;
  for (let m = stream.exec(s); m; m = stream.exec(s)) {
    const start = m.index + m[0].length;
    const end = s.indexOf('endstream', start);
    let content: string;
    try {
      content = inflateSync(Buffer.from(s.slice(start, end), 'latin1')).toString('latin1');
    } catch {
      content = s.slice(start, end);
    }
    for (const tj of content.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      const hex = [...tj[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]).join('');
      out.push(winAnsi.decode(Buffer.from(hex, 'hex')));
    }
  }
  return out;
}

/** Page objects in a PDF (`/Type /Page`, not `/Pages`). */
export const pdfPageCount = (pdf: Buffer): number => (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;

/** RFC 4180: quoted fields with doubled quotes, CRLF or LF records; a leading BOM is dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A string of the PDF's document information (`/Title`, `/Author`), direct or by reference. */
export function pdfInfo(pdf: Buffer, key: string): string | null {
  const s = pdf.toString('latin1');
  const direct = new RegExp(`/${key} \\(([^)]*)\\)`).exec(s);
  if (direct) return direct[1];
  const ref = new RegExp(`/${key} (\\d+) 0 R`).exec(s);
  if (!ref) return null;
  return new RegExp(`(?:^|\\n)${ref[1]} 0 obj\\s*\\(([^)]*)\\)`).exec(s)?.[1] ?? null;
}
