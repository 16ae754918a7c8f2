import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { inspect as inspectFile } from './content.ts';

const dir = mkdtempSync(join(tmpdir(), 'codebase-content-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const inspect = (chunks: (string | Buffer)[], maxBytes = 1_000_000, memoryBytes = 4) =>
  inspectFile(Readable.from(chunks.map((c) => Buffer.from(c))), { spillTo: join(dir, `f${++seq}`), memoryBytes, maxBytes, tooLarge: () => new Error('too large') });

describe('inspect', () => {
  it('keeps a small file in memory, and writes a larger one out as it comes', async () => {
    expect((await inspect(['abc'], 1000, 10)).bytes?.toString()).toBe('abc');
    const big = await inspect(['abcdef', 'ghijkl'], 1000, 10);
    expect(big.bytes).toBeNull();
    expect(readFileSync(join(dir, `f${seq}`), 'utf8')).toBe('abcdefghijkl');
  });

  it('copies the bytes, hashes them and calls UTF-8 text text, even with a character split between chunks', async () => {
    const euro = Buffer.from('€'); // three bytes
    const got = await inspect(['price: ', euro.subarray(0, 1), euro.subarray(1), '\n']);
    expect(got).toMatchObject({ kind: 'text', contentType: 'text/plain; charset=utf-8', size: 11, head: 'price: €\n' });
    expect(got.sha256).toBe(createHash('sha256').update('price: €\n').digest('hex'));
    expect(readFileSync(join(dir, `f${seq}`), 'utf8')).toBe('price: €\n');
  });

  it('calls binary what has a NUL, what is not UTF-8 (a sequence cut at the end too), and formats file-type knows', async () => {
    expect((await inspect(['abc\u0000def'])).kind).toBe('binary');
    expect((await inspect([Buffer.from([0x63, 0x61, 0x66, 0xe9])])).kind).toBe('binary'); // latin1 "café"
    expect((await inspect([Buffer.from('€').subarray(0, 2)])).kind).toBe('binary');
    const zip = await inspect([Buffer.from('PK\u0003\u0004'), Buffer.alloc(40, 0x41)]);
    expect(zip).toMatchObject({ kind: 'binary', contentType: 'application/zip', head: '' });
  });

  it('keeps XML and SVG, which file-type recognizes, as text', async () => {
    expect((await inspect(['<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'])).kind).toBe('text');
  });

  it('refuses past the cap with the error it is given', async () => {
    await expect(inspect(['x'.repeat(10), 'y'.repeat(10)], 15)).rejects.toThrow('too large');
  });
});
