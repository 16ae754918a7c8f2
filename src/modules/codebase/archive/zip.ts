// Reads a ZIP (yauzl, from the upload's temporary file: random access, nothing held in memory).
// Names are decoded here from their raw bytes as UTF-8, whatever the archive's flag says (tools
// write UTF-8 without it), and refused otherwise. Before any byte is expanded the central
// directory is held to the caps by what it declares (entry count, total size, each entry's
// ratio); then each byte read is counted again, because declarations lie: yauzl refuses an entry
// that expands past its declared size, and the meter and the ratio check run on what comes out.
import { type Readable, Transform } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { decodeName } from '../paths.ts';
import { ArchiveRefusal, refuse } from '../refusal.ts';
import { type ArchiveLimits, createMeter, type EntryType, overRatio, type Visit } from './types.ts';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
// Hosts whose external attributes carry a Unix mode in their upper 16 bits (3 Unix, 19 macOS).
const UNIX_HOSTS = new Set([3, 19]);
const STORED = 0;
const DEFLATED = 8;
/** Info-ZIP's Unicode Path extra field: a second, UTF-8 name that many extractors prefer to the entry's own. */
const UNICODE_PATH = 0x7075;

/**
 * Refuses an entry whose Unicode Path field names another path than its name: this reader checks
 * one name, an extractor may write the other (`a.txt` here, `../a.txt` there).
 */
export function checkUnicodePath(extraFields: readonly { id: number; data: Buffer }[], name: string): void {
  for (const field of extraFields) {
    // Version (1 byte) and the CRC-32 of the raw name (4 bytes), then the name.
    if (field.id !== UNICODE_PATH || field.data.length < 5) continue;
    const other = new TextDecoder('utf-8').decode(field.data.subarray(5));
    if (other !== name) throw refuse('invalid_name', name, `An entry carries a second name that differs from its own (Info-ZIP Unicode Path: ${JSON.stringify(other)})`);
  }
}

function typeOf(entry: Entry, name: string): EntryType {
  const mode = entry.externalFileAttributes >>> 16;
  if (UNIX_HOSTS.has(entry.versionMadeBy >> 8) && mode !== 0) {
    const format = mode & S_IFMT;
    if (format === S_IFLNK) return 'symlink';
    if (format !== 0 && format !== S_IFREG && format !== S_IFDIR) return 'special';
  }
  return name.endsWith('/') ? 'folder' : 'file';
}

/** yauzl's failures in plain reasons: a size that lied, or an archive that cannot be read. */
function asRefusal(err: unknown, entry: string | null): ArchiveRefusal {
  if (err instanceof ArchiveRefusal) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/bytes in the stream/.test(message)) return refuse('size_mismatch', entry, 'An entry expands to another size than the archive declares');
  return refuse('corrupt', entry, 'The ZIP archive cannot be read');
}

const openZip = (path: string) =>
  new Promise<ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );

/** The entries of the central directory, one at a time (null at the end). */
function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const done = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: Entry) => {
      done();
      resolve(e);
    };
    const onEnd = () => {
      done();
      resolve(null);
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/** The entry's bytes through the caps: the walk's meter and the entry's own ratio. */
function counted(source: Readable, name: string, compressed: number, limits: ArchiveLimits, meter: ReturnType<typeof createMeter>): Readable {
  let expanded = 0;
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        expanded += chunk.length;
        meter.add(chunk.length, name);
        if (overRatio(expanded, compressed, limits.maxRatio)) throw refuse('ratio_exceeded', name, `An entry expands more than ${limits.maxRatio} times`);
        cb(null, chunk);
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  source.on('error', (err) => out.destroy(asRefusal(err, name)));
  out.on('close', () => source.destroy());
  source.pipe(out);
  return out;
}

/** Walks the ZIP at `path`, refusing it (ArchiveRefusal) as soon as it breaks a rule. */
export async function walkZip(path: string, limits: ArchiveLimits, visit: Visit): Promise<void> {
  let zip: ZipFile;
  try {
    zip = await openZip(path);
  } catch (err) {
    throw asRefusal(err, null);
  }
  try {
    if (zip.entryCount > limits.maxEntries) throw refuse('too_many_entries', null, `The archive holds ${zip.entryCount} entries, more than ${limits.maxEntries}`);
    const meter = createMeter(limits.maxExpandedBytes);
    let declared = 0;
    for (;;) {
      let entry: Entry | null;
      try {
        entry = await nextEntry(zip);
      } catch (err) {
        throw asRefusal(err, null);
      }
      if (!entry) return;
      const name = decodeName(entry.fileNameRaw);
      checkUnicodePath(entry.extraFields, name);
      const type = typeOf(entry, name);
      if (type === 'file') {
        if (entry.isEncrypted()) throw refuse('unsupported_entry', name, 'An entry is encrypted');
        if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) throw refuse('unsupported_entry', name, 'An entry uses a compression method other than stored or deflate');
        if (overRatio(entry.uncompressedSize, entry.compressedSize, limits.maxRatio)) throw refuse('ratio_exceeded', name, `An entry declares a compression ratio above ${limits.maxRatio}`);
        declared += entry.uncompressedSize;
        if (declared > limits.maxExpandedBytes) throw refuse('expanded_too_large', name, `The archive declares more than ${limits.maxExpandedBytes} expanded bytes`);
      }
      const current = entry;
      await visit({ name, type, size: entry.uncompressedSize }, async () => {
        try {
          return counted(await zip.openReadStreamPromise(current), name, current.compressedSize, limits, meter);
        } catch (err) {
          throw asRefusal(err, name);
        }
      });
    }
  } finally {
    zip.close();
  }
}
