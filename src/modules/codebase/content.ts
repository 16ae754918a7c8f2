// What a file is, by its bytes: read once as it is copied to a temporary file, hashing
// (SHA-256: the content's address), counting, checking it is UTF-8 throughout, and keeping its
// first bytes for `file-type` and the shebang. A file is `text` only when it is UTF-8 with no NUL
// in its head and file-type knows no binary format in it; anything else is `binary`, whatever its
// name says (a `.ts` that is a PNG is binary; a `.png` that is a shell script is text: it is
// shown as text and never run or rendered). Binaries are only ever served as downloads.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
}

/** Copies `body` to `path`, refusing (the error `tooLarge` makes) past `maxBytes`, and tells what it is. */
export async function inspectTo(body: Readable, path: string, maxBytes: number, tooLarge: () => Error): Promise<Inspected> {
  const hash = createHash('sha256');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let valid = true;
  let size = 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > maxBytes) return cb(tooLarge());
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
      cb(null, chunk);
    },
  });
  await pipeline(body, tap, createWriteStream(path));
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
  };
}
