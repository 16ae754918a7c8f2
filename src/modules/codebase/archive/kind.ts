// What an upload is, by its first bytes (never its name): a ZIP, a tar, a gzip-compressed tar,
// or anything else, which is kept as a single file. A gzip that does not hold a tar is a single
// file too (its bytes are kept, never expanded).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

export type UploadKind = 'zip' | 'tar' | 'tar.gz' | 'file';

const HEAD = 512;
const isZip = (b: Buffer) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));
const isGzip = (b: Buffer) => b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 8;
// POSIX (`ustar\0`) and GNU (`ustar `) tar headers carry this at offset 257; old v7 tars are not read.
const isTar = (b: Buffer) => b.length >= 262 && b.toString('latin1', 257, 262) === 'ustar';

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD);
    const { bytesRead } = await file.read(buf, 0, HEAD, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The first bytes a gzip stream expands to (at most HEAD), or none when it is not one. */
async function gunzipHead(path: string): Promise<Buffer> {
  const source = createReadStream(path);
  const gunzip = createGunzip();
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source.pipe(gunzip)) {
      parts.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= HEAD) break;
    }
  } catch {
    // Not gzip after all, or cut short before a header: a single file.
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(parts).subarray(0, HEAD);
}

export async function detectKind(path: string): Promise<UploadKind> {
  const head = await readHead(path);
  if (isZip(head)) return 'zip';
  if (isTar(head)) return 'tar';
  if (isGzip(head) && isTar(await gunzipHead(path))) return 'tar.gz';
  return 'file';
}
