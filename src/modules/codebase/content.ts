// What a file is, by its bytes: read once, hashing (SHA-256: the content's address), counting,
// checking it is UTF-8 throughout, and keeping its
// first bytes for `file-type` and the shebang. A file is `text` only when it is UTF-8 with no NUL
// in its head and file-type knows no binary format in it; anything else is `binary`, whatever its
// name says (a `.ts` that is a PNG is binary; a `.png` that is a shell script is text: it is
// shown as text and never run or rendered). Binaries are only ever served as downloads.
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';

/** Bytes kept from the start of each file: Git's "binary" check looks at as many. */
export const HEAD_BYTES = 8000;
// Formats file-type recognizes that are text all the same (an XML or SVG file is source).
const TEXT_TYPES = new Set(['application/xml', 'image/svg+xml', 'application/json', 'text/plain']);

export interface Inspected {
  size: number;
  sha256: string;
  kind: 'text' | 'binary';
  /** `text/plain; charset=utf-8` for text; file-type's media type, or application/octet-stream, for binaries. */
  contentType: string;
  /** The start of the text, for the shebang ('' for binaries). */
  head: string;
  /** The whole file when it stayed within `memoryBytes`; else it is in the `spillTo` file. */
  bytes: Buffer | null;
}

export interface InspectOptions {
  /** Where a file larger than `memoryBytes` is written (the caller removes it). */
  spillTo: string;
  memoryBytes: number;
  /** Past this many bytes, the error `tooLarge` makes is thrown. */
  maxBytes: number;
  tooLarge: () => Error;
}

/**
 * Reads `body` once, hashing, counting and checking it, and tells what it is. A small file (most
 * source files) stays in memory, one at a time; a larger one is written to `spillTo` as it comes.
 */
export async function inspect(body: Readable, opts: InspectOptions): Promise<Inspected> {
  const hash = createHash('sha256');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let valid = true;
  let size = 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  let parts: Buffer[] = [];
  let spill: FileHandle | null = null;
  try {
    for await (const part of body) {
      const chunk = typeof part === 'string' ? Buffer.from(part) : (part as Buffer);
      size += chunk.length;
      if (size > opts.maxBytes) throw opts.tooLarge();
      hash.update(chunk);
      if (headBytes < HEAD_BYTES) {
        head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
        headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
      }
      if (valid) {
        try {
          utf8.decode(chunk, { stream: true });
        } catch {
          valid = false;
        }
      }
      if (spill) await spill.write(chunk);
      else {
        parts.push(chunk);
        if (size > opts.memoryBytes) {
          spill = await open(opts.spillTo, 'w');
          for (const p of parts) await spill.write(p);
          parts = [];
        }
      }
    }
  } finally {
    await spill?.close();
  }
  if (valid) {
    try {
      utf8.decode(); // a sequence cut at the end
    } catch {
      valid = false;
    }
  }
  const start = Buffer.concat(head);
  const detected = await fileTypeFromBuffer(start);
  const text = valid && !start.includes(0) && (!detected || TEXT_TYPES.has(detected.mime));
  return {
    size,
    sha256: hash.digest('hex'),
    kind: text ? 'text' : 'binary',
    contentType: text ? 'text/plain; charset=utf-8' : (detected?.mime ?? 'application/octet-stream'),
    head: text ? start.toString('utf8', 0, Math.min(start.length, 512)).replace(/\ufffd$/, '') : '',
    bytes: spill ? null : Buffer.concat(parts, size),
  };
}
