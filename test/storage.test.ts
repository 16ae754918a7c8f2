// core/storage through the app: the org quota (per-upload cap, quota, two uploads at once),
// keys and file names, and downloads through signed links over HTTP (valid, tampered, expired
// on a fake clock, removed, ranges, HEAD), on the local folder and once on an S3 server.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/core/errors.ts';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';
import { startS3Server, type TestS3Server } from './s3-server.ts';

const QUOTA = 1000;
const MAX_UPLOAD = 600;

let now = Date.parse('2026-03-01T12:00:00Z');
const clock = { now: () => new Date(now) };

let t: TestApp;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trellis-storage-app-'));
  t = await createTestApp({
    env: { DATA_DIR: dataDir, STORAGE_ORG_QUOTA_BYTES: String(QUOTA), STORAGE_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) },
    overrides: { clock },
  });
});
afterAll(async () => {
  await t?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const storage = () => t.app.storage;

/** Every object file the local driver holds for an org (metadata dot-files aside). */
async function objectsOf(orgId: string): Promise<string[]> {
  const dir = join(dataDir, 'files', 'orgs', orgId);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
}

/** Every file, dot-files included, in an org's folder: no temporary file may stay. */
async function allFilesOf(orgId: string): Promise<string[]> {
  const dir = join(dataDir, 'files', 'orgs', orgId);
  return (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile()).map((e) => e.name);
}

const save = (orgId: string, body: Buffer | Readable, extra: { fileName?: string; contentType?: string } = {}) =>
  storage().save({ orgId, scope: 'tests', fileName: extra.fileName ?? 'report.csv', contentType: extra.contentType ?? 'text/csv', body, userId: null });

async function refusal(work: Promise<unknown>): Promise<AppError> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

const chunks = (size: number) => Readable.from((function* () {
  for (let at = 0; at < size; at += 100) yield Buffer.alloc(Math.min(100, size - at), 0x61);
})());

describe('saving files of an org', () => {
  it('makes the key itself, under the org and scope, whatever the file is called', async () => {
    const orgId = randomUUID();
    const file = await save(orgId, Buffer.from('a,b\n1,2\n'), { fileName: '../../etc/passwd' });
    expect(file.key).toMatch(new RegExp(`^orgs/${orgId}/tests/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$`));
    expect(file).toMatchObject({ orgId, size: 8, contentType: 'text/csv', fileName: 'passwd', createdBy: null });
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await storage().file(file.key)).toEqual(file);
    // Its id is the key's last segment, and finds it too; anything else finds nothing.
    expect(file.id).toBe(file.key.slice(file.key.lastIndexOf('/') + 1));
    expect(await storage().fileById(file.id)).toEqual(file);
    expect(await storage().fileById(randomUUID())).toBeNull();
    expect(await storage().fileById('not-a-uuid')).toBeNull();
    // A name that would display reversed, or hide on a line of its own, is cleaned for display.
    expect((await save(orgId, Buffer.from('x'), { fileName: 'invoice\u202Etxt.exe\n' })).fileName).toBe('invoicetxt.exe');
    expect((await save(orgId, Buffer.from('x'), { fileName: '   ' })).fileName).toBe('file');
  });

  it('counts usage per org and gives bytes back on removal, removing twice being no error', async () => {
    const orgId = randomUUID();
    const other = randomUUID();
    const a = await save(orgId, Buffer.alloc(300));
    await save(orgId, Buffer.alloc(200));
    await save(other, Buffer.alloc(50));
    expect(await storage().usage(orgId)).toEqual({ orgId, usedBytes: 500, quotaBytes: QUOTA, files: 2 });
    await storage().remove(a.key);
    await storage().remove(a.key);
    expect(await storage().usage(orgId)).toMatchObject({ usedBytes: 200, files: 1 });
    expect(await storage().file(a.key)).toBeNull();
    expect(await storage().fileById(a.id)).toBeNull();
    expect(await objectsOf(orgId)).toHaveLength(1);
    expect(await storage().usage(other)).toMatchObject({ usedBytes: 50, files: 1 });
  });

  it('refuses a file over the per-upload cap with STORAGE.TOO_LARGE, keeping nothing', async () => {
    const orgId = randomUUID();
    const err = await refusal(save(orgId, chunks(MAX_UPLOAD + 1)));
    expect(err).toMatchObject({ code: 'STORAGE.TOO_LARGE', kind: 'payload_too_large', details: { maxBytes: MAX_UPLOAD } });
    expect(await storage().usage(orgId)).toMatchObject({ usedBytes: 0, files: 0 });
    expect(await allFilesOf(orgId)).toEqual([]);
    // Exactly the cap fits.
    expect((await save(orgId, chunks(MAX_UPLOAD))).size).toBe(MAX_UPLOAD);
  });

  it('refuses what passes the quota with STORAGE.QUOTA_EXCEEDED: cut off while streaming, or before reading when full', async () => {
    const orgId = randomUUID();
    await save(orgId, Buffer.alloc(550));
    await save(orgId, Buffer.alloc(300));
    // 150 bytes of room, under the per-upload cap of 600: the quota is why 400 are refused, at 151.
    const source = chunks(400);
    const err = await refusal(save(orgId, source));
    expect(err).toMatchObject({ code: 'STORAGE.QUOTA_EXCEEDED', kind: 'payload_too_large', details: { quotaBytes: QUOTA, usedBytes: 850 } });
    expect(source.destroyed).toBe(false);
    expect(await objectsOf(orgId)).toHaveLength(2);
    expect(await allFilesOf(orgId)).toHaveLength(4); // two files and their types
    await save(orgId, chunks(150));
    const full = chunks(1);
    expect((await refusal(save(orgId, full))).details).toEqual({ quotaBytes: QUOTA, usedBytes: QUOTA });
    // Refused before a byte was read.
    expect(full.readableDidRead).toBe(false);
    expect(await storage().usage(orgId)).toMatchObject({ usedBytes: QUOTA, files: 3 });
  });

  it('keeps only one of two uploads at once that fit alone but not together, and removes the other', async () => {
    const orgId = randomUUID();
    const results = await Promise.allSettled([save(orgId, chunks(550)), save(orgId, chunks(550)), save(orgId, chunks(550))]);
    const kept = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as AppError);
    expect(kept).toHaveLength(1);
    expect(refused.map((e) => e.code)).toEqual(['STORAGE.QUOTA_EXCEEDED', 'STORAGE.QUOTA_EXCEEDED']);
    expect(await storage().usage(orgId)).toMatchObject({ usedBytes: 550, files: 1 });
    expect(await objectsOf(orgId)).toEqual([(kept[0] as PromiseFulfilledResult<{ key: string }>).value.key.split('/').pop()]);
  });

  it('refuses a media type that is not one, and a scope that is not a key', async () => {
    const orgId = randomUUID();
    expect((await refusal(save(orgId, Buffer.from('x'), { contentType: 'text/html\r\nset-cookie: a=b' }))).code).toBe('VALIDATION_FAILED');
    expect((await refusal(storage().save({ orgId, scope: '../elsewhere', fileName: 'a', contentType: 'text/plain', body: Buffer.from('x'), userId: null }))).code).toBe(
      'STORAGE.INVALID_KEY',
    );
    expect(await allFilesOf(orgId)).toEqual([]);
  });
});

describe('saving a batch of files of an org (saveMany)', () => {
  const file = (orgId: string, body: Buffer | Readable, fileName = 'part.txt') => ({ orgId, scope: 'tests/batch', fileName, contentType: 'text/plain', body, userId: null });

  it('keeps every file, answered in the order given, counted once against the quota', async () => {
    const orgId = randomUUID();
    const saved = await storage().saveMany([file(orgId, Buffer.alloc(100), 'a.txt'), file(orgId, chunks(250), 'b.txt'), file(orgId, Buffer.alloc(0), 'c.txt')]);
    expect(saved.map((f) => [f.fileName, f.size])).toEqual([
      ['a.txt', 100],
      ['b.txt', 250],
      ['c.txt', 0],
    ]);
    for (const f of saved) expect(await storage().file(f.key)).toEqual(f);
    expect(await storage().usage(orgId)).toMatchObject({ usedBytes: 350, files: 3 });
    expect((await objectsOf(orgId)).sort()).toEqual(saved.map((f) => f.id).sort());
    expect(await storage().saveMany([])).toEqual([]);
  });

  it('refuses a batch that passes the quota together, though each file fits alone, and keeps none of it', async () => {
    const orgId = randomUUID();
    await save(orgId, Buffer.alloc(400));
    const err = await refusal(storage().saveMany([file(orgId, Buffer.alloc(300)), file(orgId, chunks(300)), file(orgId, Buffer.alloc(10))]));
    expect(err).toMatchObject({ code: 'STORAGE.QUOTA_EXCEEDED', details: { quotaBytes: QUOTA, usedBytes: 400 } });
    expect(await storage().usage(orgId)).toMatchObject({ usedBytes: 400, files: 1 });
    expect(await objectsOf(orgId)).toHaveLength(1);
    expect(await allFilesOf(orgId)).toHaveLength(2); // the one file and its type: no temporary file either
  });

  it('refuses a whole batch with a file over the per-upload cap, or one whose body fails, removing the files already put', async () => {
    const orgId = randomUUID();
    const tooLarge = await refusal(storage().saveMany([file(orgId, Buffer.alloc(10)), file(orgId, chunks(MAX_UPLOAD + 1)), file(orgId, Buffer.alloc(10))]));
    expect(tooLarge.code).toBe('STORAGE.TOO_LARGE');
    const broken = new Readable({
      read() {
        this.destroy(new Error('the client went away'));
      },
    });
    await expect(storage().saveMany([file(orgId, Buffer.alloc(10)), file(orgId, Buffer.alloc(20)), file(orgId, broken)])).rejects.toThrow('the client went away');
    expect(await storage().usage(orgId)).toMatchObject({ usedBytes: 0, files: 0 });
    expect(await allFilesOf(orgId)).toEqual([]);
  });

  it('keeps only one of two batches at once that fit alone but not together, and removes the other whole', async () => {
    const orgId = randomUUID();
    const batch = () => storage().saveMany([file(orgId, chunks(200)), file(orgId, chunks(200)), file(orgId, Buffer.alloc(150))]);
    const results = await Promise.allSettled([batch(), batch(), batch(), save(orgId, chunks(500))]);
    const kept = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ size: number } | { size: number }[]>).value);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as AppError).code);
    expect(refused).toEqual(['STORAGE.QUOTA_EXCEEDED', 'STORAGE.QUOTA_EXCEEDED', 'STORAGE.QUOTA_EXCEEDED']);
    const bytes = kept.flat().reduce((n, f) => n + f.size, 0);
    expect(bytes).toBeLessThanOrEqual(QUOTA);
    expect(await storage().usage(orgId)).toMatchObject({ usedBytes: bytes, files: kept.flat().length });
    expect(await objectsOf(orgId)).toHaveLength(kept.flat().length);
  });

  it('counts the files a batch replaces as gone: a rewrite that shrinks fits a full quota; another org\'s keys count for nothing', async () => {
    const orgId = randomUUID();
    const old = await save(orgId, Buffer.alloc(500));
    await save(orgId, Buffer.alloc(450));
    // 50 bytes of room: 300 fit only with the 500 they replace counted as gone.
    expect((await refusal(storage().saveMany([file(orgId, Buffer.alloc(300))]))).code).toBe('STORAGE.QUOTA_EXCEEDED');
    const [rewritten] = await storage().saveMany([file(orgId, Buffer.alloc(300))], { replaces: [old.key] });
    expect(rewritten.size).toBe(300);
    await storage().remove(old.key);
    expect(await storage().usage(orgId)).toMatchObject({ usedBytes: 750, files: 2 });
    const other = await save(randomUUID(), Buffer.alloc(500));
    expect((await refusal(storage().saveMany([file(orgId, Buffer.alloc(300))], { replaces: [other.key] }))).code).toBe('STORAGE.QUOTA_EXCEEDED');
  });

  it('takes files of one org only', async () => {
    await expect(storage().saveMany([file(randomUUID(), Buffer.alloc(1)), file(randomUUID(), Buffer.alloc(1))])).rejects.toThrow(TypeError);
  });
});

describe('downloading through a signed link', () => {
  const BODY = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
  let orgId: string;
  let key: string;
  let url: string;
  beforeAll(async () => {
    orgId = randomUUID();
    key = (await save(orgId, BODY, { fileName: 'Relevé été.csv', contentType: 'text/csv; charset=utf-8' })).key;
    url = storage().signedUrl(key, { expiresInSeconds: 600 });
  });

  it('streams the file as an attachment, without credentials', async () => {
    expect(url).toMatch(/^\/api\/v1\/files\/[A-Za-z0-9_-]{28}\.[A-Za-z0-9_-]{43}$/);
    const res = await t.request({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.rawPayload.equals(BODY)).toBe(true);
    expect(res.headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(BODY.length),
      'content-disposition': `attachment; filename="Releve ete.csv"; filename*=UTF-8''Relev%C3%A9%20%C3%A9t%C3%A9.csv`,
      'x-content-type-options': 'nosniff',
      'accept-ranges': 'bytes',
      etag: expect.stringMatching(/^"[0-9a-f]{64}"$/),
      'cache-control': 'private, no-store',
    });
  });

  it('serves one range with 206 and Content-Range, a suffix too, and refuses one past the end with 416', async () => {
    const part = await t.request({ method: 'GET', url, headers: { range: 'bytes=10-15' } });
    expect(part.statusCode, part.body).toBe(206);
    expect(part.body).toBe('abcdef');
    expect(part.headers['content-range']).toBe(`bytes 10-15/${BODY.length}`);
    expect(part.headers['content-length']).toBe('6');
    const tail = await t.request({ method: 'GET', url, headers: { range: 'bytes=-4' } });
    expect(tail.statusCode).toBe(206);
    expect(tail.body).toBe('wxyz');
    const open = await t.request({ method: 'GET', url, headers: { range: 'bytes=30-' } });
    expect(open.body).toBe('uvwxyz');
    const past = await t.request({ method: 'GET', url, headers: { range: `bytes=${BODY.length}-` } });
    expect(expectProblem(past, 416, 'STORAGE.RANGE_NOT_SATISFIABLE').size).toBe(BODY.length);
    expect(past.headers['content-range']).toBe(`bytes */${BODY.length}`);
    expect(past.headers['content-disposition']).toBeUndefined();
    // Ranges it does not serve are ignored: the whole file.
    for (const range of ['bytes=1-2,5-6', 'items=0-1', 'bytes=9-3', 'bytes=x-']) {
      const whole = await t.request({ method: 'GET', url, headers: { range } });
      expect(whole.statusCode, range).toBe(200);
      expect(whole.body).toBe(BODY.toString());
    }
  });

  it('resumes with If-Range only while the ETag is the file’s', async () => {
    const { etag } = (await t.request({ method: 'GET', url })).headers;
    const same = await t.request({ method: 'GET', url, headers: { range: 'bytes=0-1', 'if-range': etag as string } });
    expect(same.statusCode).toBe(206);
    const changed = await t.request({ method: 'GET', url, headers: { range: 'bytes=0-1', 'if-range': `"${'0'.repeat(64)}"` } });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toBe(BODY.toString());
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await t.requestUnchecked({ method: 'HEAD', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(BODY.length));
    expect(res.body).toBe('');
  });

  it('refuses a link that was altered, cut or made up with 403 STORAGE.LINK_INVALID', async () => {
    const token = url.split('/').pop()!;
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const made = Buffer.alloc(21);
    made[0] = 1;
    const forged = [
      flip(token, 5), // the file id
      flip(token, 25), // the expiry
      flip(token, 40), // the signature
      token.slice(0, -1),
      `${token}A`,
      `${made.toString('base64url')}.${'A'.repeat(43)}`,
      'not-a-token',
    ];
    for (const bad of forged) expectProblem(await t.request({ method: 'GET', url: `/api/v1/files/${bad}` }), 403, 'STORAGE.LINK_INVALID');
  });

  it('refuses a link signed with another secret', async () => {
    const other = await createTestApp({ env: { DATA_DIR: dataDir, JWT_SECRET: 'another-secret-another-secret-another-0123456' } });
    try {
      const foreign = await other.app.storage.save({ orgId, scope: 'tests', fileName: 'a.txt', contentType: 'text/plain', body: Buffer.from('x'), userId: null });
      const link = other.app.storage.signedUrl(foreign.key, { expiresInSeconds: 60 });
      expect((await other.request({ method: 'GET', url: link })).statusCode).toBe(200);
      expectProblem(await t.request({ method: 'GET', url: link }), 403, 'STORAGE.LINK_INVALID');
    } finally {
      await other.close();
    }
  });

  it('expires: works until its second, then 403 STORAGE.LINK_EXPIRED', async () => {
    const start = now;
    try {
      const short = storage().signedUrl(key, { expiresInSeconds: 30 });
      now = start + 29_000;
      expect((await t.request({ method: 'GET', url: short })).statusCode).toBe(200);
      now = start + 30_000;
      expectProblem(await t.request({ method: 'GET', url: short }), 403, 'STORAGE.LINK_EXPIRED');
      now = start + 7 * 24 * 3600 * 1000;
      expectProblem(await t.request({ method: 'GET', url: short }), 403, 'STORAGE.LINK_EXPIRED');
    } finally {
      now = start;
    }
  });

  it('stops working when the file is removed: 404 STORAGE.NOT_FOUND', async () => {
    const file = await save(orgId, Buffer.from('short-lived'));
    const link = storage().signedUrl(file.key, { expiresInSeconds: 60 });
    expect((await t.request({ method: 'GET', url: link })).body).toBe('short-lived');
    await storage().remove(file.key);
    expectProblem(await t.request({ method: 'GET', url: link }), 404, 'STORAGE.NOT_FOUND');
  });

  it('signs only files saved through storage, for 1 s to 7 days', () => {
    expect(() => storage().signedUrl('orgs/x/tests/not-a-uuid', { expiresInSeconds: 60 })).toThrow(TypeError);
    expect(() => storage().signedUrl(key, { expiresInSeconds: 0 })).toThrow(RangeError);
    expect(() => storage().signedUrl(key, { expiresInSeconds: 7 * 24 * 3600 + 1 })).toThrow(RangeError);
    expect(() => storage().signedUrl(key, { expiresInSeconds: 1.5 })).toThrow(RangeError);
  });
});

describe('downloading a file kept in an S3 bucket', () => {
  let s3: TestS3Server;
  let app: TestApp;
  beforeAll(async () => {
    s3 = await startS3Server();
    app = await createTestApp({ env: { DATA_DIR: dataDir, ...s3.env } });
  });
  afterAll(async () => {
    await app?.close();
    await s3?.close();
  });

  it('saves to the bucket and serves the file and its ranges from it', async () => {
    expect(app.app.storage.driver).toBe('s3');
    const orgId = randomUUID();
    const body = Buffer.from('stored in a bucket, served by the API');
    const file = await app.app.storage.save({ orgId, scope: 'tests', fileName: 'b.txt', contentType: 'text/plain', body, userId: null });
    // Nothing of it in the local folder.
    expect(await objectsOf(orgId)).toEqual([]);
    const link = app.app.storage.signedUrl(file.key, { expiresInSeconds: 60 });
    const whole = await app.request({ method: 'GET', url: link });
    expect(whole.statusCode).toBe(200);
    expect(whole.body).toBe(body.toString());
    const part = await app.request({ method: 'GET', url: link, headers: { range: 'bytes=10-15' } });
    expect(part.statusCode).toBe(206);
    expect(part.body).toBe(body.subarray(10, 16).toString());
    await app.app.storage.remove(file.key);
    expectProblem(await app.request({ method: 'GET', url: link }), 404, 'STORAGE.NOT_FOUND');
  });
});
