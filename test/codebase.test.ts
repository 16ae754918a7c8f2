// The codebase module over HTTP, end to end: a ZIP and a tar.gz made here become snapshots 1 and
// 2 (ignore rules, skipped files, binaries by content), browsed folder by folder and file by file
// (text as JSON, binaries only as attachments), compared, extended by a single file, and deleted
// without losing the contents other snapshots share; then who may do what (the project's roles)
// and another organization's 404s.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobBytes } from '../src/modules/codebase/blob-bytes.ts';
import { zipOf, tarOf } from './codebase-archives.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, createProject, outbox, projectsUrl, putMember } from './projects-fixture.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let manager: U;
let projectViewer: U;
let stranger: U;
let projectId: string;

const MAX_FILE = 100_000;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from('IHDR'), Buffer.alloc(17, 1)]);

beforeAll(async () => {
  t = await createTestApp({ env: { CODEBASE_MAX_FILE_BYTES: String(MAX_FILE) } });
  w = await orgWithRoles(t);
  // One at a time: each invitation's mail is drained and read back by its address.
  manager = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  projectViewer = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  stranger = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  projectId = (await createProject(t, w.owner.accessToken, w.orgId)).id;
  await putMember(t, w.owner.accessToken, w.orgId, projectId, manager.userId, 'manager');
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.member.userId, 'contributor');
  await putMember(t, w.owner.accessToken, w.orgId, projectId, projectViewer.userId, 'viewer');
  // An org viewer with a contributor's project role still never writes.
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.viewer.userId, 'contributor');
});
afterAll(async () => t?.close());

const base = (orgId = w.orgId, project = projectId) => `${projectsUrl(orgId, `/${project}`)}/codebase`;
const upload = (user: U, bytes: Buffer, query: string, orgId = w.orgId, project = projectId) =>
  t.request({ method: 'POST', url: `${base(orgId, project)}/uploads?${query}`, headers: { ...bearer(user.accessToken), 'content-type': 'application/octet-stream' }, payload: bytes });
const get = (user: U, rest: string, orgId = w.orgId, project = projectId) => call(t, user.accessToken, 'GET', `${base(orgId, project)}${rest}`);
const usage = async () => (await t.app.storage.usage(w.orgId)).usedBytes;
const blobCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM codebase.blobs WHERE org_id = ${w.orgId}`.execute(t.database.db)).rows[0].n);

const V1 = {
  'src/index.ts': "export const greet = (name: string) => 'hello ' + name;\n",
  'src/lib/util.ts': 'export const twice = (n: number) => n * 2;\n',
  'README.md': '# Demo\n',
  '.gitignore': '*.log\n',
  'debug.log': 'noise\n',
  'node_modules/left-pad/index.js': 'module.exports = 1;\n',
  'bin/run': '#!/usr/bin/env python3\nprint("hi")\n',
  'web/index.html': '<script>alert(1)</script>\n',
  'huge.txt': 'x'.repeat(MAX_FILE + 1),
};

describe('a codebase', () => {
  let v1Bytes = 0;

  it('is uploaded as a ZIP: files kept, ignored and too large ones listed, binaries known by their bytes', async () => {
    const zip = await zipOf([...Object.entries(V1).map(([name, data]) => ({ name, data })), { name: 'logo.png', data: PNG }, { name: 'src/', folder: true }]);
    const before = await usage();
    const res = await upload(w.member, zip, 'name=demo.zip');
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.snapshot).toMatchObject({ version: 1, current: true, source: 'upload', name: 'demo.zip', files: 7, projectId, createdBy: w.member.userId });
    expect(body.storedBlobs).toBe(7);
    expect(body.reusedBlobs).toBe(0);
    expect(body.skippedCount).toBe(3);
    expect(body.skipped).toEqual(
      expect.arrayContaining([
        { path: 'debug.log', reason: 'gitignore', detail: '.gitignore' },
        { path: 'node_modules/left-pad/index.js', reason: 'default_ignored', detail: 'node_modules/' },
        { path: 'huge.txt', reason: 'too_large', detail: `over ${MAX_FILE} bytes` },
      ]),
    );
    v1Bytes = body.snapshot.bytes;
    expect(await usage()).toBe(before + v1Bytes);
    expect((await outbox(t, 'codebase.snapshot_created', w.orgId)).map((e) => e.payload)).toEqual([
      expect.objectContaining({ projectId, snapshotId: body.snapshot.id, version: 1, files: 7, bytes: v1Bytes }),
    ]);
  });

  it('is browsed one folder at a time, folders with their file counts and sizes', async () => {
    const root = await get(w.member, '/tree');
    expect(root.statusCode, root.body).toBe(200);
    const srcBytes = V1['src/index.ts'].length + V1['src/lib/util.ts'].length;
    expect(root.json()).toEqual({
      snapshot: 1,
      path: '',
      entries: [
        { type: 'folder', name: 'bin', path: 'bin', files: 1, bytes: V1['bin/run'].length },
        { type: 'folder', name: 'src', path: 'src', files: 2, bytes: srcBytes },
        { type: 'folder', name: 'web', path: 'web', files: 1, bytes: V1['web/index.html'].length },
        { type: 'file', name: '.gitignore', path: '.gitignore', bytes: 6, language: 'gitignore', kind: 'text' },
        { type: 'file', name: 'README.md', path: 'README.md', bytes: 7, language: 'markdown', kind: 'text' },
        { type: 'file', name: 'logo.png', path: 'logo.png', bytes: PNG.length, language: null, kind: 'binary' },
      ],
    });
    const src = (await get(w.member, '/tree?path=src/')).json();
    expect(src.entries.map((e: { type: string; path: string }) => `${e.type}:${e.path}`)).toEqual(['folder:src/lib', 'file:src/index.ts']);
    expectProblem(await get(w.member, '/tree?path=nowhere'), 404, 'CODEBASE.PATH_NOT_FOUND');
    expectProblem(await get(w.member, '/tree?path=README.md'), 404, 'CODEBASE.PATH_NOT_FOUND');
  });

  it('serves text as JSON with its language, and binaries and downloads only as attachments', async () => {
    const ts = await get(w.member, '/file?path=src/index.ts');
    expect(ts.headers['content-type']).toMatch(/^application\/json/);
    expect(ts.json()).toMatchObject({ path: 'src/index.ts', snapshot: 1, kind: 'text', language: 'typescript', text: V1['src/index.ts'], size: V1['src/index.ts'].length });
    expect((await get(w.member, '/file?path=bin/run')).json().language).toBe('python');
    // HTML is text, shown as a JSON string: never a page in the API's origin.
    const html = await get(w.member, '/file?path=web/index.html');
    expect(html.headers['content-type']).toMatch(/^application\/json/);
    expect(html.json().text).toBe(V1['web/index.html']);

    const png = await get(w.member, '/file?path=logo.png');
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('application/octet-stream');
    expect(png.headers['content-disposition']).toMatch(/^attachment; filename="logo.png"/);
    expect(png.headers['x-content-type-options']).toBe('nosniff');
    expect(png.rawPayload.equals(PNG)).toBe(true);

    const download = await get(w.member, '/file?path=web/index.html&download=true');
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="index.html"/);
    expect(download.body).toBe(V1['web/index.html']);
    expectProblem(await get(w.member, '/file?path=debug.log'), 404, 'CODEBASE.PATH_NOT_FOUND');
    expectProblem(await get(w.member, '/file?path=src'), 404, 'CODEBASE.PATH_NOT_FOUND');
  });

  it('gets a second snapshot from a tar.gz, sharing unchanged contents, and compares the two', async () => {
    const targz = await tarOf(
      [
        { name: 'src/index.ts', data: "export const greet = (name: string) => 'hi ' + name;\n" },
        { name: 'src/new.ts', data: 'export {};\n' },
        { name: 'README.md', data: V1['README.md'] },
        { name: '.gitignore', data: V1['.gitignore'] },
        { name: 'bin/run', data: V1['bin/run'] },
        { name: 'web/index.html', data: V1['web/index.html'] },
        { name: 'logo.png', data: PNG },
      ],
      { gzip: true },
    );
    const res = await upload(w.member, targz, 'name=demo.tar.gz');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ snapshot: { version: 2, current: true, files: 7 }, storedBlobs: 2, reusedBlobs: 5, skippedCount: 0 });

    const list = (await get(w.member, '/snapshots')).json();
    expect(list.data.map((s: { version: number; current: boolean }) => [s.version, s.current])).toEqual([[2, true], [1, false]]);
    const paged = (await get(w.member, '/snapshots?limit=1')).json();
    expect(paged.data.map((s: { version: number }) => s.version)).toEqual([2]);
    const next = (await get(w.member, `/snapshots?limit=1&cursor=${paged.page.nextCursor}`)).json();
    expect(next.data.map((s: { version: number; current: boolean }) => [s.version, s.current])).toEqual([[1, false]]);
    expect((await get(w.member, '/snapshots/1')).json()).toMatchObject({ version: 1, current: false, bytes: v1Bytes });
    expectProblem(await get(w.member, '/snapshots/9'), 404, 'CODEBASE.SNAPSHOT_NOT_FOUND');
    expect((await get(w.member, '/file?path=src/index.ts&snapshot=1')).json().text).toBe(V1['src/index.ts']);

    const diff = await get(w.member, '/compare?from=1&to=2');
    expect(diff.statusCode, diff.body).toBe(200);
    expect(diff.json()).toEqual({
      from: 1,
      to: 2,
      added: [{ path: 'src/new.ts', size: 11 }],
      removed: [{ path: 'src/lib/util.ts', size: V1['src/lib/util.ts'].length }],
      changed: [{ path: 'src/index.ts', fromSize: V1['src/index.ts'].length, toSize: V1['src/index.ts'].length - 3 }],
      truncated: false,
    });
  });

  it('takes a single file as a change to the current snapshot', async () => {
    const res = await upload(w.member, Buffer.from('# Guide\n'), `name=guide.md&path=${encodeURIComponent('docs/guide.md')}`);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().snapshot).toMatchObject({ version: 3, files: 8, name: 'guide.md' });
    const diff = (await get(w.member, '/compare?from=2&to=3')).json();
    expect(diff).toMatchObject({ added: [{ path: 'docs/guide.md', size: 8 }], removed: [], changed: [] });
    // Without `path`, bytes that are no archive are one file at `name`.
    const plain = await upload(w.member, Buffer.from('print(1)\n'), 'name=tool.py');
    expect(plain.json().snapshot).toMatchObject({ version: 4, files: 9 });
    expect((await get(w.member, '/file?path=tool.py')).json().language).toBe('python');
    // A name that clashes with a file of the snapshot is refused like in an archive.
    const clash = await upload(w.member, Buffer.from('x'), 'name=x&path=readme.md');
    expectProblem(clash, 422, 'CODEBASE.ARCHIVE_REFUSED');
    expect(clash.json()).toMatchObject({ reason: 'name_clash', entry: 'readme.md' });
  });

  it('deletes a snapshot, freeing only the contents no other snapshot shares', async () => {
    const blobsBefore = await blobCount();
    const usedBefore = await usage();
    // Where README.md's bytes are now: in the pack of snapshot 1, which the deletion shrinks.
    const readmeSha = createHash('sha256').update(V1['README.md']).digest('hex');
    const placeOf = async (sha: string) =>
      (await sql<{ storage_key: string; pack_offset: string | null; size: string }>`SELECT storage_key, pack_offset, size FROM codebase.blobs WHERE org_id = ${w.orgId} AND sha256 = ${sha}`.execute(t.database.db))
        .rows[0];
    const oldPlace = await placeOf(readmeSha);
    expectProblem(await call(t, w.member.accessToken, 'DELETE', `${base()}/snapshots/1`), 403, 'FORBIDDEN');
    expect((await call(t, manager.accessToken, 'DELETE', `${base()}/snapshots/1`)).statusCode).toBe(204);
    // Only v1's src/index.ts and src/lib/util.ts were its own.
    expect(await blobCount()).toBe(blobsBefore - 2);
    // They were packed with contents v2 still uses: the pack is written again without them (repack.ts).
    await t.drain();
    expect(await t.runJobs()).toBeGreaterThanOrEqual(1);
    const [repack] = await t.app.jobs.list({ status: 'completed', name: 'codebase.repack', limit: 1 });
    expect(repack.result).toEqual({ repacked: 1, freedBytes: V1['src/index.ts'].length + V1['src/lib/util.ts'].length });
    expect(await usage()).toBe(usedBefore - V1['src/index.ts'].length - V1['src/lib/util.ts'].length);
    for (const path of ['src/index.ts', 'README.md', 'bin/run']) expect((await get(w.member, `/file?path=${path}&snapshot=2`)).statusCode).toBe(200);
    // A reader that found the old place before the repack (an export under way) reads it where it is now.
    const newPlace = await placeOf(readmeSha);
    expect(newPlace.storage_key).not.toBe(oldPlace.storage_key);
    expect(await t.app.storage.file(oldPlace.storage_key)).toBeNull();
    const bytes = createBlobBytes({ db: t.database.db, storage: t.app.storage });
    expect((await bytes.read(w.orgId, readmeSha, oldPlace)).toString()).toBe(V1['README.md']);
    // A content that was freed is not found.
    const freedSha = createHash('sha256').update(V1['src/lib/util.ts']).digest('hex');
    await expect(bytes.read(w.orgId, freedSha, oldPlace)).rejects.toMatchObject({ code: 'STORAGE.NOT_FOUND' });
    expect((await get(w.member, '/file?path=README.md&snapshot=2')).json().text).toBe(V1['README.md']);
    expect((await get(w.member, '/file?path=logo.png&snapshot=2')).rawPayload.equals(PNG)).toBe(true);
    expectProblem(await get(w.member, '/snapshots/1'), 404, 'CODEBASE.SNAPSHOT_NOT_FOUND');
    expectProblem(await call(t, manager.accessToken, 'DELETE', `${base()}/snapshots/1`), 404, 'CODEBASE.SNAPSHOT_NOT_FOUND');
    expect((await outbox(t, 'codebase.snapshot_deleted', w.orgId)).map((e) => e.payload.version)).toEqual([1]);
    // The audit log files both events under the snapshot.
    await t.drain();
    const audit = (await call(t, w.owner.accessToken, 'GET', `/api/v1/orgs/${w.orgId}/audit?type=codebase.snapshot_deleted`)).json();
    expect(audit.data).toEqual([expect.objectContaining({ type: 'codebase.snapshot_deleted', targetType: 'codebase_snapshot', actorId: manager.userId })]);
    // Versions are never given twice.
    const again = await upload(manager, await zipOf([{ name: 'a.txt', data: 'a' }]), 'name=again.zip');
    expect(again.json().snapshot.version).toBe(5);
  });
});

describe('who may', () => {
  const zip = () => zipOf([{ name: 'who.txt', data: `${Math.random()}` }]);

  it('upload: contributors, managers and org admins; never project or org viewers', async () => {
    for (const user of [w.member, manager, w.admin, w.owner]) expect((await upload(user, await zip(), 'name=z.zip')).statusCode).toBe(201);
    expectProblem(await upload(projectViewer, await zip(), 'name=z.zip'), 403, 'FORBIDDEN');
    expectProblem(await upload(w.viewer, await zip(), 'name=z.zip'), 403, 'FORBIDDEN');
    expectProblem(await upload(stranger, await zip(), 'name=z.zip'), 404, 'PROJECTS.NOT_FOUND');
  });

  it('read: the project members (viewers too) and org admins, nobody else', async () => {
    for (const user of [projectViewer, w.viewer, w.member, manager, w.admin]) {
      expect((await get(user, '/tree')).statusCode).toBe(200);
      expect((await get(user, '/snapshots')).statusCode).toBe(200);
    }
    expectProblem(await get(stranger, '/tree'), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await get(stranger, '/file?path=who.txt'), 404, 'PROJECTS.NOT_FOUND');
  });

  it('delete a snapshot: project managers and org admins', async () => {
    const current = (await get(w.member, '/snapshots')).json().data[0].version;
    for (const user of [w.member, projectViewer, w.viewer]) expectProblem(await call(t, user.accessToken, 'DELETE', `${base()}/snapshots/${current}`), 403, 'FORBIDDEN');
    expectProblem(await call(t, stranger.accessToken, 'DELETE', `${base()}/snapshots/${current}`), 404, 'PROJECTS.NOT_FOUND');
    expect((await call(t, w.admin.accessToken, 'DELETE', `${base()}/snapshots/${current}`)).statusCode).toBe(204);
    expect((await call(t, manager.accessToken, 'DELETE', `${base()}/snapshots/${current - 1}`)).statusCode).toBe(204);
  });

  it("nothing of another organization's codebase: 404 whichever way it is asked", async () => {
    const o = w.outsider;
    expectProblem(await get(o, '/tree'), 404, 'ORG.NOT_FOUND');
    expectProblem(await get(o, '/snapshots'), 404, 'ORG.NOT_FOUND');
    expectProblem(await upload(o, await zip(), 'name=z.zip'), 404, 'ORG.NOT_FOUND');
    expectProblem(await call(t, o.accessToken, 'DELETE', `${base()}/snapshots/2`), 404, 'ORG.NOT_FOUND');
    // Their own organization in the path, this project's id: no such project there.
    expectProblem(await get(o, '/tree', w.outsiderOrgId), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await get(o, '/file?path=README.md', w.outsiderOrgId), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await upload(o, await zip(), 'name=z.zip', w.outsiderOrgId), 404, 'PROJECTS.NOT_FOUND');
  });

  it('nothing is written to an archived project', async () => {
    const p = await createProject(t, w.owner.accessToken, w.orgId);
    expect((await upload(w.owner, await zip(), 'name=z.zip', w.orgId, p.id)).statusCode).toBe(201);
    expect((await call(t, w.owner.accessToken, 'POST', projectsUrl(w.orgId, `/${p.id}/archive`))).statusCode).toBe(200);
    expectProblem(await upload(w.owner, await zip(), 'name=z.zip', w.orgId, p.id), 409, 'PROJECTS.ARCHIVED');
    expectProblem(await call(t, w.owner.accessToken, 'DELETE', `${base(w.orgId, p.id)}/snapshots/1`), 409, 'PROJECTS.ARCHIVED');
    expect((await get(w.owner, '/tree', w.orgId, p.id)).statusCode).toBe(200);
  });
});

describe('a snapshot deletion that wins the race with an upload', () => {
  it('makes the upload answer 409 CODEBASE.UPLOAD_CONFLICT and keep nothing, not point at a freed content', async () => {
    const p = (await createProject(t, w.owner.accessToken, w.orgId)).id;
    const shared = 'shared between v1 and the upload\n';
    const own = 'only in v1\n';
    expect((await upload(w.owner, await zipOf([{ name: 'shared.txt', data: shared }, { name: 'own.txt', data: own }]), 'name=v1.zip', w.orgId, p)).statusCode).toBe(201);
    const usedBefore = await usage();
    const blobsBefore = await blobCount();
    const db = t.database.db;
    const key = `codebase:${w.orgId}`;
    const response = await db.connection().execute(async (session) => {
      // Hold the lock the upload's last transaction (and any deletion) takes.
      await sql`BEGIN`.execute(session);
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(session);
      const pending = upload(w.owner, await zipOf([{ name: 'shared.txt', data: shared }, { name: 'new.txt', data: 'new in the upload\n' }]), 'name=v2.zip', w.orgId, p);
      // Wait until the upload has read everything, stored its new content, and waits for the lock.
      for (let waiting = 0; waiting === 0; ) {
        await new Promise((r) => setTimeout(r, 20));
        const rows = await sql<{ n: string }>`
          SELECT count(*) AS n FROM pg_locks
           WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND classid = ((hashtextextended(${key}, 0) >> 32) & 4294967295)::text::oid AND objid = (hashtextextended(${key}, 0) & 4294967295)::text::oid`.execute(db);
        waiting = Number(rows.rows[0].n);
      }
      // Meanwhile a deletion of v1 wins: its rows, then the contents no file uses, as browse.ts deletes them.
      await sql`DELETE FROM codebase.snapshots WHERE org_id = ${w.orgId} AND project_id = ${p}`.execute(session);
      const freed = await sql<{ storage_key: string }>`
        DELETE FROM codebase.blobs b WHERE b.org_id = ${w.orgId}
           AND NOT EXISTS (SELECT 1 FROM codebase.files f WHERE f.org_id = b.org_id AND f.sha256 = b.sha256)
        RETURNING b.storage_key`.execute(session);
      await sql`COMMIT`.execute(session);
      for (const r of freed.rows) await t.app.storage.remove(r.storage_key);
      return pending;
    });
    expectProblem(response, 409, 'CODEBASE.UPLOAD_CONFLICT');
    // v1's two contents freed by the deletion; the upload's new one removed by the upload.
    expect(await blobCount()).toBe(blobsBefore - 2);
    expect(await usage()).toBe(usedBefore - shared.length - own.length);
    expectProblem(await get(w.owner, '/tree', w.orgId, p), 404, 'CODEBASE.SNAPSHOT_NOT_FOUND');
  });
});

describe('CODEBASE_BINARIES=skip', () => {
  it('leaves binaries out and lists them, with the type their bytes show', async () => {
    const other = await createTestApp({ env: { CODEBASE_BINARIES: 'skip' } });
    try {
      const o = await orgWithRoles(other);
      const p = await createProject(other, o.owner.accessToken, o.orgId);
      const zip = await zipOf([{ name: 'src/a.ts', data: 'export {};\n' }, { name: 'logo.png', data: PNG }, { name: 'looks-like.ts', data: PNG }]);
      const res = await other.request({
        method: 'POST',
        url: `${projectsUrl(o.orgId, `/${p.id}`)}/codebase/uploads?name=b.zip`,
        headers: { ...bearer(o.owner.accessToken), 'content-type': 'application/octet-stream' },
        payload: zip,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({
        snapshot: { files: 1 },
        skippedCount: 2,
        skipped: [
          { path: 'logo.png', reason: 'binary', detail: 'image/png' },
          { path: 'looks-like.ts', reason: 'binary', detail: 'image/png' },
        ],
      });
    } finally {
      await other.close();
    }
  });
});
