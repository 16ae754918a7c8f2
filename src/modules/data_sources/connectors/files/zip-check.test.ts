import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { caught } from '../test-support.ts';
import { checkZip } from './zip-check.ts';

const dir = mkdtempSync(join(tmpdir(), 'trellis-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const limits = { maxUncompressedBytes: 8 * 1024 * 1024, maxEntries: 50, maxRatio: 100 };
let n = 0;

/** A zip of `entries` (name → content), compressed. */
async function zipOf(entries: [string, Buffer][]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name, { compress: true });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function write(data: Buffer): string {
  const path = join(dir, `f${++n}.xlsx`);
  writeFileSync(path, data);
  return path;
}

const workbook = Buffer.from('<workbook/>');

/** The central directory records of a zip (no comment, no zip64), to tamper with. */
function centralDirectory(zip: Buffer) {
  const eocd = zip.length - 22;
  const count = zip.readUInt16LE(eocd + 10);
  const offset = zip.readUInt32LE(eocd + 16);
  const records: { start: number; end: number; name: string }[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    const len = 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    records.push({ start: at, end: at + len, name: zip.toString('utf8', at + 46, at + 46 + zip.readUInt16LE(at + 28)) });
    at += len;
  }
  return { eocd, offset, records };
}

describe('checkZip', () => {
  it('accepts a real workbook', async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Data').addRow(['a', 1]);
    const path = join(dir, 'real.xlsx');
    await book.xlsx.writeFile(path);
    await expect(checkZip(path, 'real.xlsx', limits)).resolves.toBeUndefined();
  });

  it('refuses a file that is not a zip', async () => {
    const err = await caught(() => checkZip(write(Buffer.from('id,name\n1,a\n')), 'sheet.xlsx', limits));
    expect(err.kind).toBe('file');
    expect(err.message).toBe('sheet.xlsx was refused: it is not an XLSX workbook (not a zip archive).');
  });

  it('refuses a zip that is not a workbook', async () => {
    const err = await caught(async () => checkZip(write(await zipOf([['hello.txt', Buffer.from('hi')]])), 'x.xlsx', limits));
    expect(err.message).toContain('not an XLSX workbook');
  });

  it('refuses more data than the cap, before inflating it', async () => {
    const bomb = await zipOf([
      ['xl/workbook.xml', workbook],
      ['xl/worksheets/sheet1.xml', Buffer.alloc(9 * 1024 * 1024)],
    ]);
    const err = await caught(() => checkZip(write(bomb), 'bomb.xlsx', { ...limits, maxRatio: 100_000 }));
    expect(err.message).toBe('bomb.xlsx was refused: it unpacks to more than 8 MiB.');
  });

  it('refuses an entry compressed like a zip bomb', async () => {
    const bomb = await zipOf([
      ['xl/workbook.xml', workbook],
      ['xl/worksheets/sheet1.xml', Buffer.alloc(4 * 1024 * 1024)],
    ]);
    const err = await caught(() => checkZip(write(bomb), 'bomb.xlsx', limits));
    expect(err.message).toBe('bomb.xlsx was refused: an entry is compressed more than 100 to 1 (a zip bomb).');
  });

  it('refuses too many entries', async () => {
    const many = await zipOf([['xl/workbook.xml', workbook], ...Array.from({ length: 60 }, (_, i): [string, Buffer] => [`x/${i}`, Buffer.from('x')])]);
    const err = await caught(() => checkZip(write(many), 'many.xlsx', limits));
    expect(err.message).toBe('many.xlsx was refused: it holds 61 entries (at most 50).');
  });

  it('refuses an entry larger than it declares', async () => {
    const zip = await zipOf([
      ['xl/workbook.xml', workbook],
      ['xl/worksheets/sheet1.xml', Buffer.alloc(2 * 1024 * 1024, 'a')],
    ]);
    // Declare 1000 bytes where 2 MiB inflate, in the local header and the directory alike.
    const { records } = centralDirectory(zip);
    const sheet = records.find((r) => r.name === 'xl/worksheets/sheet1.xml')!;
    zip.writeUInt32LE(1000, sheet.start + 24);
    const local = zip.readUInt32LE(sheet.start + 42);
    zip.writeUInt32LE(1000, local + 22);
    const err = await caught(() => checkZip(write(zip), 'liar.xlsx', limits));
    expect(err.message).toBe('liar.xlsx was refused: an entry is damaged or larger than it declares.');
  });

  it('refuses an entry hidden from the directory (read by a front-to-back reader only)', async () => {
    const zip = await zipOf([
      ['xl/workbook.xml', workbook],
      ['xl/sharedStrings.xml', Buffer.alloc(1024, 'b')],
      ['docProps/app.xml', Buffer.from('<app/>')],
    ]);
    const { eocd, offset, records } = centralDirectory(zip);
    const hidden = records.find((r) => r.name === 'xl/sharedStrings.xml')!;
    const kept = records.filter((r) => r !== hidden);
    const directory = Buffer.concat(kept.map((r) => zip.subarray(r.start, r.end)));
    const end = Buffer.from(zip.subarray(eocd));
    end.writeUInt16LE(kept.length, 8);
    end.writeUInt16LE(kept.length, 10);
    end.writeUInt32LE(directory.length, 12);
    const smuggled = Buffer.concat([zip.subarray(0, offset), directory, end]);
    const err = await caught(() => checkZip(write(smuggled), 'smuggled.xlsx', limits));
    expect(err.message).toBe('smuggled.xlsx was refused: its entries overlap or hide data between them.');
    // The same archive without the tampering passes.
    await expect(checkZip(write(zip), 'plain.xlsx', limits)).resolves.toBeUndefined();
  });
});
