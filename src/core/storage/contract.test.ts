// The storage contract, run against both drivers: a local folder, and an S3-compatible server
// (s3rver) started here on 127.0.0.1. Whatever one driver does, the other does the same.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from '../../../test/s3-server.ts';
import { AppError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import { newKey } from './keys.ts';
import { createLocalStore } from './local.ts';
import { createS3Store } from './s3.ts';
import type { FileStore } from './types.ts';

interface Subject {
  store: FileStore;
  /** Files the driver left in its working folders (temporary files, spools). */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

const tempDir = (tag: string) => mkdtemp(join(tmpdir(), `trellis-storage-${tag}-`));

/** Every file under `dir`, dot-files included, relative to it. */
const filesUnder = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));

const DRIVERS: [string, () => Promise<Subject>][] = [
  [
    'local folder',
    async () => {
      const root = await tempDir('local');
      return {
        store: createLocalStore(join(root, 'files')),
        // A stored file has its type beside it (`.<name>.meta.json`); anything else is left over.
        leftovers: async () => (await filesUnder(root).catch(() => [])).filter((f) => !/(^|\/)\.[^/]+\.meta\.json$/.test(f) && !/(^|\/)[^./][^/]*$/.test(f)),
        close: () => rm(root, { recursive: true, force: true }),
      };
    },
  ],
  [
    'S3-compatible server',
    async () => {
      const server: TestS3Server = await startS3Server();
      const spoolDir = await tempDir('spool');
      const store = createS3Store({
        bucket: server.bucket,
        endpoint: server.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: S3RVER_CREDENTIALS,
        spoolDir,
        log: createLogger('silent'),
      });
      return {
        store,
        leftovers: () => readdir(spoolDir),
        async close() {
          store.close?.();
          await server.close();
          await rm(spoolDir, { recursive: true, force: true });
        },
      };
    },
  ],
];

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** `size` bytes of a repeating pattern, as a stream of chunks of 64 KiB. */
function patterned(size: number): { bytes: Buffer; stream: () => Readable } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  const stream = () =>
    Readable.from(
      (function* () {
        for (let at = 0; at < size; at += 65_536) yield bytes.subarray(at, Math.min(size, at + 65_536));
      })(),
    );
  return { bytes, stream };
}

const readAll = async (body: Readable) => Buffer.concat(await body.toArray());

async function listAll(store: FileStore, prefix: string) {
  const out: { key: string; size: number; modifiedAt: Date }[] = [];
  for await (const o of store.list(prefix)) out.push(o);
  // No order is promised: S3 lists in key order, s3rver in the order of its folders.
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The code of the AppError `work` rejects with. */
async function refusal(work: Promise<unknown>): Promise<AppError> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe.each(DRIVERS)('the storage contract: %s', (_name, make) => {
  let s: Subject;
  let store: FileStore;
  beforeAll(async () => {
    s = await make();
    store = s.store;
  });
  afterAll(async () => s?.close());

  it('stores bytes and gives them back with their size, hash and type', async () => {
    const key = newKey('orgs/one/tests');
    const body = Buffer.from('name,hours\nAda,7.5\n');
    const put = await store.put(key, body, { contentType: 'text/csv; charset=utf-8', maxBytes: 1000 });
    expect(put).toEqual({ key, size: body.length, sha256: sha256(body) });
    const got = await store.get(key);
    expect(got.size).toBe(body.length);
    expect(got.contentType).toBe('text/csv; charset=utf-8');
    expect(got.range).toBeUndefined();
    expect(await text(got.body)).toBe(body.toString());
  });

  it('streams a large body in and out, counted and hashed as it goes', async () => {
    const key = newKey('orgs/one/tests');
    const { bytes, stream } = patterned(3 * 1024 * 1024 + 123);
    const put = await store.put(key, stream(), { contentType: 'application/octet-stream', maxBytes: bytes.length });
    expect(put).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    const got = await store.get(key);
    expect(got.body).toBeInstanceOf(Readable);
    const back = await readAll(got.body);
    expect(back.length).toBe(bytes.length);
    expect(back.equals(bytes)).toBe(true);
  });

  it('replaces what a key held', async () => {
    const key = newKey('orgs/one/tests');
    await store.put(key, Buffer.from('first'), { contentType: 'text/plain', maxBytes: 100 });
    await store.put(key, Buffer.from('second, longer'), { contentType: 'application/json', maxBytes: 100 });
    const got = await store.get(key);
    expect(await text(got.body)).toBe('second, longer');
    expect(got.contentType).toBe('application/json');
  });

  it('serves byte ranges: closed, open-ended, past the end clamped, one byte; 416 starting past the end', async () => {
    const key = newKey('orgs/one/tests');
    const body = Buffer.from('0123456789abcdefghij');
    await store.put(key, body, { contentType: 'text/plain', maxBytes: 100 });
    const part = async (start: number, end?: number) => {
      const got = await store.get(key, { range: { start, end } });
      return { text: await text(got.body), range: got.range, size: got.size };
    };
    expect(await part(2, 5)).toEqual({ text: '2345', range: { start: 2, end: 5 }, size: 20 });
    expect(await part(15)).toEqual({ text: 'fghij', range: { start: 15, end: 19 }, size: 20 });
    expect(await part(18, 500)).toEqual({ text: 'ij', range: { start: 18, end: 19 }, size: 20 });
    expect(await part(19, 19)).toEqual({ text: 'j', range: { start: 19, end: 19 }, size: 20 });
    const err = await refusal(store.get(key, { range: { start: 20 } }));
    expect(err.code).toBe('STORAGE.RANGE_NOT_SATISFIABLE');
    expect(err.details).toEqual({ size: 20 });
    await expect(store.get(key, { range: { start: 5, end: 4 } })).rejects.toThrow(RangeError);
  });

  it('stores an empty file; any range of it is unsatisfiable', async () => {
    const key = newKey('orgs/one/tests');
    expect(await store.put(key, Readable.from([]), { contentType: 'text/plain', maxBytes: 0 })).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)) });
    const got = await store.get(key);
    expect(got.size).toBe(0);
    expect(await readAll(got.body)).toHaveLength(0);
    expect((await refusal(store.get(key, { range: { start: 0 } }))).code).toBe('STORAGE.RANGE_NOT_SATISFIABLE');
  });

  it('heads a file, and answers null for none', async () => {
    const key = newKey('orgs/one/tests');
    const before = Date.now();
    await store.put(key, Buffer.from('abc'), { contentType: 'image/png', maxBytes: 10 });
    const info = await store.head(key);
    expect(info).toMatchObject({ size: 3, contentType: 'image/png' });
    // Second precision on S3.
    expect(info!.modifiedAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(await store.head(newKey('orgs/one/tests'))).toBeNull();
  });

  it('deletes, idempotently; a deleted file is not found', async () => {
    const key = newKey('orgs/one/tests');
    await store.put(key, Buffer.from('gone soon'), { contentType: 'text/plain', maxBytes: 100 });
    await store.delete(key);
    expect(await store.head(key)).toBeNull();
    expect((await refusal(store.get(key))).code).toBe('STORAGE.NOT_FOUND');
    await store.delete(key);
    await store.delete(newKey('orgs/one/never'));
  });

  it('lists by prefix, with sizes and times', async () => {
    const keys = ['orgs/list/a/2', 'orgs/list/a/10', 'orgs/list/a-b/x', 'orgs/list/a/sub/y', 'orgs/list/b/1', 'orgs/lister/c'];
    for (const [i, key] of keys.entries()) await store.put(key, Buffer.alloc(i + 1), { contentType: 'text/plain', maxBytes: 100 });
    const listed = await listAll(store, 'orgs/list/');
    expect(listed.map((o) => o.key)).toEqual(['orgs/list/a-b/x', 'orgs/list/a/10', 'orgs/list/a/2', 'orgs/list/a/sub/y', 'orgs/list/b/1']);
    expect(listed.map((o) => o.size)).toEqual([3, 2, 1, 4, 5]);
    for (const o of listed) expect(o.modifiedAt).toBeInstanceOf(Date);
    expect((await listAll(store, 'orgs/list/a/')).map((o) => o.key)).toEqual(['orgs/list/a/10', 'orgs/list/a/2', 'orgs/list/a/sub/y']);
    // A prefix that ends inside a name, as S3 lists.
    expect((await listAll(store, 'orgs/list/a')).map((o) => o.key)).toEqual(['orgs/list/a-b/x', 'orgs/list/a/10', 'orgs/list/a/2', 'orgs/list/a/sub/y']);
    expect((await listAll(store, 'orgs/list')).map((o) => o.key)).toContain('orgs/lister/c');
    expect(await listAll(store, 'orgs/nothing-here/')).toEqual([]);
    await store.delete('orgs/list/a/2');
    expect((await listAll(store, 'orgs/list/a/')).map((o) => o.key)).toEqual(['orgs/list/a/10', 'orgs/list/a/sub/y']);
  });

  it('refuses a body over the cap, keeps nothing of it and leaves the stream to its owner', async () => {
    const key = newKey('orgs/one/tests');
    const { stream } = patterned(300_000);
    const source = stream();
    const err = await refusal(store.put(key, source, { contentType: 'text/plain', maxBytes: 200_000 }));
    expect(err.code).toBe('STORAGE.TOO_LARGE');
    expect(err.kind).toBe('payload_too_large');
    expect(err.details).toEqual({ maxBytes: 200_000 });
    expect(source.destroyed).toBe(false);
    expect(await store.head(key)).toBeNull();
    expect(await s.leftovers()).toEqual([]);
    // A body given whole is checked before anything is written.
    expect((await refusal(store.put(key, Buffer.alloc(11), { contentType: 'text/plain', maxBytes: 10 }))).code).toBe('STORAGE.TOO_LARGE');
    expect(await store.head(key)).toBeNull();
    // Exactly the cap is allowed.
    expect((await store.put(key, Buffer.alloc(10), { contentType: 'text/plain', maxBytes: 10 })).size).toBe(10);
  });

  it('keeps the old file when a put that would replace it fails', async () => {
    const key = newKey('orgs/one/tests');
    await store.put(key, Buffer.from('kept'), { contentType: 'text/plain', maxBytes: 100 });
    expect((await refusal(store.put(key, patterned(1000).stream(), { contentType: 'application/zip', maxBytes: 100 }))).code).toBe('STORAGE.TOO_LARGE');
    const broken = new Readable({
      read() {
        this.push(Buffer.from('partial '));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(store.put(key, broken, { contentType: 'application/zip', maxBytes: 100 })).rejects.toThrow('client went away');
    const got = await store.get(key);
    expect(await text(got.body)).toBe('kept');
    expect(got.contentType).toBe('text/plain');
    expect(await s.leftovers()).toEqual([]);
  });

  it.each([
    ['../escape'],
    ['orgs/../../etc/passwd'],
    ['/absolute'],
    ['orgs//double'],
    ['orgs/trailing/'],
    ['orgs/./here'],
    ['orgs/.hidden'],
    ['orgs/with space'],
    ['orgs/back\\slash'],
    ['orgs/ünicode'],
    ['orgs/nul\u0000byte'],
    [''],
    [`orgs/${'a'.repeat(600)}`],
  ])('refuses the key %j on every operation', async (key) => {
    const invalid = async (work: Promise<unknown>) => expect((await refusal(work)).code).toBe('STORAGE.INVALID_KEY');
    await invalid(store.put(key, Buffer.from('x'), { contentType: 'text/plain', maxBytes: 10 }));
    await invalid(store.get(key));
    await invalid(store.head(key));
    await invalid(store.delete(key));
    expect(await s.leftovers()).toEqual([]);
  });

  it('refuses a prefix that is not made of key segments, and a media type that is not one', async () => {
    for (const prefix of ['../', '/orgs', 'orgs//', 'orgs/.x']) {
      expect((await refusal(listAll(store, prefix))).code, prefix).toBe('STORAGE.INVALID_KEY');
    }
    for (const contentType of ['', 'text', 'text/plain\r\nx-injected: 1', 'a b/c']) {
      const err = await refusal(store.put(newKey('orgs/one/tests'), Buffer.from('x'), { contentType, maxBytes: 10 }));
      expect(err.code, contentType).toBe('VALIDATION_FAILED');
    }
  });
});
