import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { capped, concatenated, partsOf, PartTooLarge, partListMismatches } from './upload-parts.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const read = async (s: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
};

describe('partListMismatches', () => {
  const received = [
    { partNumber: 1, sha256: A },
    { partNumber: 3, sha256: B },
  ];

  it('accepts the received parts in ascending order, gaps allowed, hex in any case', () => {
    expect(partListMismatches([{ partNumber: 1, sha256: A.toUpperCase() }, { partNumber: 3, sha256: B }], received)).toEqual([]);
  });

  it('names each part that is not as received', () => {
    expect(partListMismatches([{ partNumber: 1, sha256: B }, { partNumber: 2, sha256: A }], received)).toEqual([
      { partNumber: 1, problem: 'sha256_differs' },
      { partNumber: 2, problem: 'not_received' },
      { partNumber: 3, problem: 'missing' },
    ]);
  });

  it('refuses a list out of order or with a part twice', () => {
    expect(partListMismatches([{ partNumber: 3, sha256: B }, { partNumber: 1, sha256: A }], received)).toEqual([{ partNumber: 1, problem: 'out_of_order' }]);
    expect(partListMismatches([{ partNumber: 1, sha256: A }, { partNumber: 1, sha256: A }, { partNumber: 3, sha256: B }], received)).toEqual([{ partNumber: 1, problem: 'out_of_order' }]);
  });
});

describe('capped', () => {
  it('passes a body up to its cap and fails past it, leaving the body undestroyed', async () => {
    expect(await read(capped(Readable.from([Buffer.from('abc'), Buffer.from('de')]), 5))).toBe('abcde');
    const body = Readable.from([Buffer.from('abc'), Buffer.from('def'), Buffer.from('g')]);
    await expect(read(capped(body, 5))).rejects.toBeInstanceOf(PartTooLarge);
    expect(body.destroyed).toBe(false);
  });
});

describe('concatenated', () => {
  it('reads the objects in the order given, opening each when the one before is done', async () => {
    const opened: string[] = [];
    const open = async (key: string) => {
      opened.push(key);
      return { body: Readable.from([Buffer.from(key)]) };
    };
    const body = concatenated(['x', 'y', 'z'], open);
    expect(opened).toEqual([]);
    expect(await read(body)).toBe('xyz');
    expect(opened).toEqual(['x', 'y', 'z']);
  });

  it('closes the part being read when it is destroyed', async () => {
    const parts = [Readable.from([Buffer.from('1'), Buffer.from('2')])];
    const body = concatenated(['p'], async () => ({ body: parts[0] }));
    for await (const _ of body) break;
    expect(parts[0].destroyed).toBe(true);
  });
});

describe('partsOf', () => {
  const chunks = (...sizes: number[]) => Readable.from(sizes.map((n, i) => Buffer.alloc(n, 97 + i)));
  const cut = async (body: Readable, max: number) => {
    const out: string[] = [];
    for await (const part of partsOf(body, max)) out.push(await read(part));
    return out;
  };

  it('cuts a body into parts of the size given, across and within chunks, the last one shorter', async () => {
    expect(await cut(chunks(3, 4, 2), 4)).toEqual(['aaab', 'bbbc', 'c']);
    expect(await cut(chunks(8), 4)).toEqual(['aaaa', 'aaaa']);
  });

  it('gives no part for an empty body, and never an empty last part', async () => {
    expect(await cut(chunks(), 4)).toEqual([]);
    expect(await cut(chunks(4), 4)).toEqual(['aaaa']);
  });
});
