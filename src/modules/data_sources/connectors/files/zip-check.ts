// An XLSX is a zip archive; before a spreadsheet reader opens one, this check proves it is a
// plain one within bounds, so a zip bomb never gets inflated into memory or onto disk:
// - it is a zip at all (yauzl finds its central directory);
// - at most `maxEntries` entries, nothing encrypted, only stored or deflated data;
// - the declared sizes add up to at most `maxUncompressedBytes`, and no large entry claims a
//   compression ratio above `maxRatio`;
// - the declared sizes are true: every entry is inflated once here (and thrown away) with
//   yauzl's size validation, which fails as soon as an entry yields more than it declared;
// - the archive reads the same from the front as from the back: exceljs's reader (unzipper)
//   walks the local headers from the start of the file while yauzl trusts the central directory
//   at its end, so the local headers must follow each other with no gap, overlap or hidden entry,
//   each naming the same file with the same sizes, up to the central directory.
import { open } from 'node:fs/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { ConnectorError } from '../errors.ts';

export interface ZipLimits {
  maxUncompressedBytes: number;
  maxEntries: number;
  /** Uncompressed ÷ compressed size of one entry, checked for entries above 1 MiB (XML compresses 10–50×; a bomb 1000×). */
  maxRatio: number;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const DATA_DESCRIPTOR = 0x08074b50;
const DESCRIPTOR_FLAG = 0x08;
const RATIO_FLOOR = 1024 * 1024;

export async function checkZip(path: string, fileName: string, limits: ZipLimits): Promise<void> {
  const refuse = (why: string) => new ConnectorError('file', `${fileName} was refused: ${why}.`, 'BAD_ZIP');
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: true });
  } catch {
    throw refuse('it is not an XLSX workbook (not a zip archive)');
  }
  try {
    if (zip.entryCount > limits.maxEntries) throw refuse(`it holds ${zip.entryCount} entries (at most ${limits.maxEntries})`);
    const entries: Entry[] = [];
    let declared = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        if (entry.isEncrypted()) throw refuse('it is encrypted');
        if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) throw refuse('it uses an unsupported compression method');
        declared += entry.uncompressedSize;
        if (declared > limits.maxUncompressedBytes) throw refuse(`it unpacks to more than ${formatBytes(limits.maxUncompressedBytes)}`);
        if (entry.uncompressedSize > RATIO_FLOOR && entry.uncompressedSize / Math.max(1, entry.compressedSize) > limits.maxRatio) {
          throw refuse(`an entry is compressed more than ${limits.maxRatio} to 1 (a zip bomb)`);
        }
        entries.push(entry);
      }
    } catch (err) {
      if (err instanceof ConnectorError) throw err;
      throw refuse('its zip structure is damaged');
    }
    if (!entries.some((e) => e.fileName === 'xl/workbook.xml')) throw refuse('it is a zip archive but not an XLSX workbook');
    await checkLayout(zip, path, entries, refuse);
    await inflateAll(zip, entries, limits, refuse);
  } finally {
    zip.close();
  }
}

/** The local headers, read front to back, describe exactly the central directory's entries. */
async function checkLayout(zip: ZipFile, path: string, entries: Entry[], refuse: (why: string) => ConnectorError) {
  const ordered = [...entries].sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader);
  const file = await open(path, 'r');
  const word = async (at: number) => {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await file.read(buf, 0, 4, at);
    return bytesRead === 4 ? buf.readUInt32LE(0) : -1;
  };
  try {
    let expected = 0;
    for (const entry of ordered) {
      if (entry.relativeOffsetOfLocalHeader !== expected) throw refuse('its entries overlap or hide data between them');
      if ((await word(expected)) !== LOCAL_HEADER) throw refuse('an entry has no local header');
      const local = await zip.readLocalFileHeaderPromise(entry);
      if (!local.fileName.equals(entry.fileNameRaw) || local.compressionMethod !== entry.compressionMethod) {
        throw refuse('its local headers and its directory disagree');
      }
      const end = local.fileDataStart + entry.compressedSize;
      // unzipper trusts a local size when there is one, else it scans for the data descriptor.
      const sizeInLocal = (local.generalPurposeBitFlag & DESCRIPTOR_FLAG) === 0 || local.compressedSize > 0;
      if (sizeInLocal) {
        if (local.compressedSize !== entry.compressedSize) throw refuse('its local headers and its directory disagree');
        expected = end;
      } else {
        if ((await firstDescriptorAt(file, local.fileDataStart, end)) !== end) throw refuse('an entry hides a data descriptor inside its data');
        expected = end + 16;
      }
    }
    if ((await word(expected)) !== CENTRAL_HEADER) throw refuse('it has data between its entries and its directory');
  } finally {
    await file.close();
  }
}

/** Where the data descriptor signature first occurs from `from` (up to `end` + 4). */
async function firstDescriptorAt(file: Awaited<ReturnType<typeof open>>, from: number, end: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  const signature = Buffer.alloc(4);
  signature.writeUInt32LE(DATA_DESCRIPTOR, 0);
  for (let at = from; at < end + 4; at += chunk.length - 3) {
    const { bytesRead } = await file.read(chunk, 0, Math.min(chunk.length, end + 4 - at), at);
    const hit = chunk.subarray(0, bytesRead).indexOf(signature);
    if (hit >= 0) return at + hit;
    if (bytesRead < 4) break;
  }
  return -1;
}

/** Inflates every entry once, discarding the bytes; yauzl fails an entry that yields more than it declared. */
async function inflateAll(zip: ZipFile, entries: Entry[], limits: ZipLimits, refuse: (why: string) => ConnectorError) {
  let total = 0;
  for (const entry of entries) {
    if (entry.fileName.endsWith('/')) continue;
    try {
      const stream = await zip.openReadStreamPromise(entry);
      for await (const chunk of stream) {
        total += (chunk as Buffer).length;
        if (total > limits.maxUncompressedBytes) {
          stream.destroy();
          throw refuse(`it unpacks to more than ${formatBytes(limits.maxUncompressedBytes)}`);
        }
      }
    } catch (err) {
      if (err instanceof ConnectorError) throw err;
      throw refuse('an entry is damaged or larger than it declares');
    }
  }
}

export const formatBytes = (n: number) => (n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`);
