// What both drivers do with what they are given: read a body into a file while counting and
// hashing it, stopping at the cap; and check a media type, a cap and a byte range.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { invalid } from '../errors.ts';
import { StorageProblems } from './problems.ts';
import type { ByteRange } from './types.ts';

const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`);

/** A media type as HTTP writes it (`text/csv; charset=utf-8`), or 400 naming `contentType`. */
export function checkContentType(contentType: string): string {
  if (typeof contentType !== 'string' || contentType.length > 255 || !MEDIA_TYPE.test(contentType)) {
    throw invalid('contentType', 'must be a media type such as text/csv or application/octet-stream');
  }
  return contentType;
}

export function checkMaxBytes(maxBytes: number): number {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a whole number of bytes, got ${maxBytes}`);
  return maxBytes;
}

/** A range a driver can serve: whole, non-negative, end not before start. */
export function checkRange(range: ByteRange): ByteRange {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new RangeError(`not a byte range: ${start}-${end ?? ''}`);
  }
  return range;
}

/** The range clamped to a file of `size` bytes, or 416 when it starts past the last byte. */
export function clampRange(range: ByteRange, size: number): { start: number; end: number } {
  if (range.start >= size) throw StorageProblems.rangeNotSatisfiable.error('The range starts past the end of the file', { details: { size } });
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

export const tooLarge = (maxBytes: number) => StorageProblems.tooLarge.error(`The file is over the limit of ${maxBytes} bytes`, { details: { maxBytes } });

/**
 * Writes `body` to `file`, hashing and counting; fails with 413 `STORAGE.TOO_LARGE` as soon as
 * the count passes `maxBytes` (the caller removes the file). A stream is read with
 * `destroyOnReturn: false`, so stopping early leaves it to its owner instead of destroying it
 * (a destroyed request could not be answered with the 413).
 */
export async function writeCapped(body: Readable | Uint8Array, file: FileHandle, maxBytes: number): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const add = async (chunk: Uint8Array) => {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    hash.update(chunk);
    // A write may take fewer bytes than it was given.
    for (let at = 0; at < chunk.byteLength; ) at += (await file.write(chunk, at, chunk.byteLength - at)).bytesWritten;
  };
  if (body instanceof Uint8Array) await add(body);
  else if (body instanceof Readable) {
    for await (const piece of body.iterator({ destroyOnReturn: false })) await add(typeof piece === 'string' ? Buffer.from(piece) : (piece as Uint8Array));
  } else throw new TypeError('body must be a Readable or a Uint8Array');
  // On disk before the file is renamed into place or sent: a crash never leaves a short file under a key.
  await file.datasync();
  return { size, sha256: hash.digest('hex') };
}

/** Bytes `start` to `end` (included) of a stream. */
export async function* sliceBytes(body: AsyncIterable<Uint8Array>, start: number, end: number): AsyncGenerator<Uint8Array> {
  let at = 0;
  for await (const chunk of body) {
    const from = Math.max(0, start - at);
    const to = Math.min(chunk.length, end + 1 - at);
    if (from < to) yield chunk.subarray(from, to);
    at += chunk.length;
    if (at > end) break;
  }
}
