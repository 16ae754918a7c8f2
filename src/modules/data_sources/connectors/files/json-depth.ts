// DuckDB's JSON reader recurses into nested arrays and objects while it guesses a file's
// structure, with no depth limit of its own: a JSON file nested some 50,000 deep (a few hundred
// kilobytes of brackets) overflows the stack and takes the whole server process down. No table is
// that deep, so a JSON or NDJSON upload nested deeper than MAX_JSON_DEPTH is refused before DuckDB
// reads it. One pass over the bytes: the brackets that count are those outside strings.
import { createReadStream } from 'node:fs';
import { ConnectorError } from '../errors.ts';

/** Deeper than any table needs, far below where DuckDB's reader fails (DuckDB's own SQL stops at 1,000 too). */
export const MAX_JSON_DEPTH = 1000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }

/** Throws a `file` ConnectorError when the JSON (or NDJSON) at `path` nests arrays or objects more than `maxDepth` deep. */
export async function checkJsonDepth(path: string, fileName: string, maxDepth = MAX_JSON_DEPTH): Promise<void> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  // UTF-8 never uses bytes below 0x80 inside a multi-byte character: bytes are enough.
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    for (const byte of chunk as Buffer) {
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
      } else if (byte === QUOTE) inString = true;
      else if (OPEN.has(byte)) {
        if (++depth > maxDepth) throw new ConnectorError('file', `${fileName} nests arrays or objects more than ${maxDepth} deep: flatten it and upload it again.`, 'TOO_DEEP');
      } else if (CLOSE.has(byte) && depth > 0) depth--;
    }
  }
}
