// Reads a tar or a gzip-compressed tar (tar-stream, zlib) from the upload's temporary file, as
// one stream: entries come in order and each one's bytes must be read (or skipped) before the
// next. Every byte the gzip layer expands is counted against the expanded cap and the ratio to
// the compressed file (a gzip bomb is refused while it streams, whatever the headers say).
// Names are taken as raw bytes (latin1 maps each byte to one code point) and decoded as UTF-8
// here; a PAX `path` is UTF-8 by the standard, and tar-stream has already decoded it.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { decodeName } from '../paths.ts';
import { ArchiveRefusal, refuse } from '../refusal.ts';
import { type ArchiveLimits, createMeter, type EntryType, overRatio, type Visit } from './types.ts';

type Header = Omit<tar.Header, 'type' | 'pax'> & { type: tar.Header['type'] | null; pax?: Record<string, string> | null };

function typeOf(header: Header): EntryType {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'folder';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'special';
  }
}

function nameOf(header: Header): string {
  if (header.pax?.path !== undefined) {
    if (header.pax.path.includes('\ufffd')) throw refuse('not_utf8', header.pax.path, 'An entry name is not valid UTF-8');
    return header.pax.path;
  }
  return decodeName(Buffer.from(header.name, 'latin1'));
}

/** Walks the tar at `path` (gunzipped first when `gzip`), refusing it as soon as it breaks a rule. */
export async function walkTar(path: string, opts: { gzip: boolean; archiveName: string }, limits: ArchiveLimits, visit: Visit): Promise<void> {
  const compressed = (await stat(path)).size;
  const meter = createMeter(limits.maxExpandedBytes);
  let current: string | null = null;
  // The first refusal a stage raised: what the walk throws, whatever error the others saw after.
  let refusal: ArchiveRefusal | null = null;
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        meter.add(chunk.length, current);
        if (opts.gzip && overRatio(meter.total, compressed, limits.maxRatio)) {
          throw refuse('ratio_exceeded', current ?? opts.archiveName, `The archive expands more than ${limits.maxRatio} times`);
        }
        cb(null, chunk);
      } catch (err) {
        refusal ??= err as ArchiveRefusal;
        cb(err as Error);
      }
    },
  });
  // tar-stream reads this option though its types do not name it.
  const extract = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [createReadStream(path), ...(opts.gzip ? [createGunzip()] : []), count, extract];
  // A stage that failed on its own (bad gzip data, a broken tar header): the archive is corrupt,
  // whether the walk or a visit reading an entry sees it first. Other errors of a visit (storage
  // refusing a file) are the visit's and pass through unchanged.
  let broken = false;
  for (const stage of stages) (stage as Readable).once('error', () => (broken = true));
  const piped = pipeline(stages as [Readable, ...NodeJS.WritableStream[]]).catch((err: unknown) => err);

  const corrupt = () => refuse('corrupt', current, 'The tar archive cannot be read');
  let entries = 0;
  try {
    for await (const entry of extract) {
      const header = entry.header as Header;
      const name = nameOf(header);
      current = name;
      if (++entries > limits.maxEntries) throw refuse('too_many_entries', name, `The archive holds more than ${limits.maxEntries} entries`);
      let opened = false;
      await visit({ name, type: typeOf(header), size: header.size ?? 0 }, async () => {
        opened = true;
        return Readable.from(entry);
      });
      // What the visit did not open is skipped (read and dropped): a tar has no index to jump by.
      if (!opened) for await (const _ of entry);
    }
  } catch (err) {
    extract.destroy();
    if (refusal) throw refusal;
    if (err instanceof ArchiveRefusal) throw err;
    if (broken) throw corrupt();
    throw err;
  }
  const failed = await piped;
  if (refusal) throw refusal;
  if (failed) throw corrupt();
}
