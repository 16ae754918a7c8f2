// Archives built in the tests, honest and hostile: ZIPs with yazl (then patched byte for byte
// where yazl refuses to write a hostile name or a lying size), tars with tar-stream, and tars
// written header by header where tar-stream would not write what an attacker would (raw name
// bytes, a PAX path that contradicts the header, links, devices).
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';

export interface ZipItem {
  name: string;
  data?: Buffer | string;
  /** A Unix mode (`0o120777` for a symlink, `0o010644` for a FIFO). */
  mode?: number;
  folder?: boolean;
  /** Deflate (default) or store. */
  compress?: boolean;
}

export async function zipOf(items: ZipItem[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const item of items) {
    // addEmptyDirectory is yazl's, though the types installed here do not show it on ZipFile.
    if (item.folder) (zip as unknown as { addEmptyDirectory(name: string, opts: object): void }).addEmptyDirectory(item.name, item.mode ? { mode: item.mode } : {});
    else zip.addBuffer(Buffer.from(item.data ?? ''), item.name, { compress: item.compress ?? true, ...(item.mode ? { mode: item.mode } : {}) });
  }
  zip.end();
  const parts: Buffer[] = [];
  for await (const chunk of zip.outputStream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Replaces every occurrence of a name's bytes (local header and central directory) with others of the same length. */
export function patchName(zip: Buffer, from: string, to: Buffer | string): Buffer {
  const a = Buffer.from(from);
  const b = Buffer.isBuffer(to) ? to : Buffer.from(to);
  if (a.length !== b.length) throw new Error('a patched name keeps its length');
  const out = Buffer.from(zip);
  let at = out.indexOf(a);
  if (at === -1) throw new Error(`no ${from} in the archive`);
  while (at !== -1) {
    b.copy(out, at);
    at = out.indexOf(a, at + b.length);
  }
  return out;
}

/** The central directory header of the entry named `name`: where its fields are patched. */
function centralHeader(zip: Buffer, name: string): number {
  const sig = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  for (let at = zip.indexOf(sig); at !== -1; at = zip.indexOf(sig, at + 4)) {
    const length = zip.readUInt16LE(at + 28);
    if (zip.toString('utf8', at + 46, at + 46 + length) === name) return at;
  }
  throw new Error(`no central header for ${name}`);
}

/** Makes the central directory declare another uncompressed size for an entry. */
export function patchDeclaredSize(zip: Buffer, name: string, size: number): Buffer {
  const out = Buffer.from(zip);
  out.writeUInt32LE(size, centralHeader(out, name) + 24);
  return out;
}

/** Sets general-purpose flag bits of an entry (bit 0: encrypted). */
export function patchFlags(zip: Buffer, name: string, bits: number): Buffer {
  const out = Buffer.from(zip);
  const at = centralHeader(out, name) + 8;
  out.writeUInt16LE(out.readUInt16LE(at) | bits, at);
  return out;
}

export interface TarItem {
  name: string;
  data?: Buffer | string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
}

/** An honest tar (or tar.gz) through tar-stream. */
export async function tarOf(items: TarItem[], opts: { gzip?: boolean } = {}): Promise<Buffer> {
  const pack = tar.pack();
  for (const item of items) {
    const data = Buffer.from(item.data ?? '');
    const file = !item.type || item.type === 'file';
    const head = { name: item.name, type: item.type ?? 'file', ...(item.linkname ? { linkname: item.linkname } : {}), size: file ? data.length : 0 };
    if (file) pack.entry(head, data);
    else pack.entry(head);
  }
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of pack) parts.push(chunk as Buffer);
  const out = Buffer.concat(parts);
  return opts.gzip ? gzipSync(out) : out;
}

export interface RawTarItem {
  /** The name field's bytes, as written (no encoding applied). */
  name: Buffer | string;
  data?: Buffer | string;
  /** The ustar type flag: '0' file, '1' hard link, '2' symlink, '3' char device, '5' folder, '6' FIFO, 'x' PAX header. */
  flag?: string;
  linkname?: string;
  /** PAX records put in a header before this entry (`{ path: '../x' }`). */
  pax?: Record<string, string>;
}

const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, '0')}\0`;

function header(name: Buffer, size: number, flag: string, linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  name.copy(h, 0, 0, Math.min(name.length, 100));
  h.write(octal(0o644, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(0, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(flag, 156, 'latin1');
  h.write(linkname, 157, 'latin1');
  h.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

/** A tar written header by header, whatever the names and types. */
export function rawTar(items: RawTarItem[], opts: { gzip?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const item of items) {
    if (item.pax) {
      const records = Object.entries(item.pax).map(([k, v]) => {
        const body = ` ${k}=${v}\n`;
        let length = Buffer.byteLength(body) + 1;
        while (`${length}`.length + Buffer.byteLength(body) !== length) length = `${length}`.length + Buffer.byteLength(body);
        return `${length}${body}`;
      });
      const pax = Buffer.from(records.join(''));
      blocks.push(header(Buffer.from('PaxHeader'), pax.length, 'x'), padded(pax));
    }
    const data = Buffer.from(item.data ?? '');
    blocks.push(header(Buffer.isBuffer(item.name) ? item.name : Buffer.from(item.name), data.length, item.flag ?? '0', item.linkname), padded(data));
  }
  blocks.push(Buffer.alloc(1024));
  const out = Buffer.concat(blocks);
  return opts.gzip ? gzipSync(out) : out;
}
