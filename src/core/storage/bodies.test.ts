import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkContentType, sliceBytes } from './bodies.ts';

describe('checkContentType', () => {
  it('takes media types as HTTP writes them, and nothing that could break a header', () => {
    for (const ok of ['text/csv', 'text/csv; charset=utf-8', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'multipart/mixed; boundary="a b"']) {
      expect(checkContentType(ok)).toBe(ok);
    }
    for (const bad of ['', 'csv', 'text/', '/csv', 'text/csv\r\nx: y', 'text/csv; charset', 'a b/c', `text/${'x'.repeat(300)}`]) {
      expect(() => checkContentType(bad), bad).toThrow('The request is not valid');
    }
  });
});

describe('sliceBytes', () => {
  const chunks = () => Readable.from([Buffer.from('0123'), Buffer.from('4567'), Buffer.from('89')]);
  const sliced = async (start: number, end: number) => Buffer.concat(await Readable.from(sliceBytes(chunks(), start, end)).toArray()).toString();

  it('cuts a range out of a stream, across chunks', async () => {
    expect(await sliced(0, 9)).toBe('0123456789');
    expect(await sliced(2, 5)).toBe('2345');
    expect(await sliced(4, 7)).toBe('4567');
    expect(await sliced(9, 9)).toBe('9');
    expect(await sliced(3, 100)).toBe('3456789');
  });
});
