// The embedded database's settings: a folder written by initdb (128 MB shared buffers in its
// postgresql.conf) opens with the smaller pool the process asks for.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPglite, PGLITE_SHARED_BUFFERS } from './database.ts';

const dir = mkdtempSync(join(tmpdir(), 'trellis-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createPglite', () => {
  it('opens a data folder with its own shared buffers, whatever initdb wrote, and again after a restart', async () => {
    const first = await createPglite(join(dir, 'pglite'));
    expect((await first.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0].shared_buffers).toBe(PGLITE_SHARED_BUFFERS);
    await first.exec('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    await first.close();
    expect(readFileSync(join(dir, 'pglite', 'postgresql.conf'), 'utf8')).toMatch(/^shared_buffers = 128MB/m);

    const again = await createPglite(join(dir, 'pglite'));
    expect((await again.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0].shared_buffers).toBe(PGLITE_SHARED_BUFFERS);
    expect((await again.query<{ n: number }>('SELECT n FROM kept')).rows).toEqual([{ n: 42 }]);
    await again.close();
  });
});
