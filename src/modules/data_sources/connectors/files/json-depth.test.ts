import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caught } from '../test-support.ts';
import { checkJsonDepth } from './json-depth.ts';

const dir = mkdtempSync(join(tmpdir(), 'trellis-json-depth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string) => {
  const path = join(dir, `f${++n}.json`);
  writeFileSync(path, text);
  return path;
};
const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}1${close.repeat(depth)}`;

describe('checkJsonDepth', () => {
  it('accepts JSON and NDJSON nested up to the limit', async () => {
    await expect(checkJsonDepth(file(nested(10)), 'a.json', 10)).resolves.toBeUndefined();
    await expect(checkJsonDepth(file(`${nested(10, '{"a":', '}')}\n${nested(10)}\n`), 'a.ndjson', 10)).resolves.toBeUndefined();
  });

  it('refuses one level deeper, arrays or objects, before DuckDB reads it', async () => {
    const err = await caught(() => checkJsonDepth(file(nested(11)), 'deep.json', 10));
    expect(err).toMatchObject({ kind: 'file', code: 'TOO_DEEP' });
    expect(err.message).toBe('deep.json nests arrays or objects more than 10 deep: flatten it and upload it again.');
    expect((await caught(() => checkJsonDepth(file(`{"x":${nested(11, '{"a":', '}')}}`), 'deep.json', 11))).code).toBe('TOO_DEEP');
  });

  it('does not count brackets inside strings, escaped quotes included', async () => {
    const text = JSON.stringify({ a: '[[[[[[[[[[[[', b: 'say \\"[[[[[[[[[[[[\\" and \\\\', c: ['{{{{{{{{{{{{"'] });
    await expect(checkJsonDepth(file(text), 'strings.json', 2)).resolves.toBeUndefined();
  });

  it('reads a file larger than one chunk', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ i, tags: ['a', 'b'], deep: { x: { y: i } } })).join('\n');
    await expect(checkJsonDepth(file(rows), 'big.ndjson', 3)).resolves.toBeUndefined();
    await expect(checkJsonDepth(file(`${rows}\n${nested(4)}`), 'big.ndjson', 3)).rejects.toMatchObject({ code: 'TOO_DEEP' });
  });
});
