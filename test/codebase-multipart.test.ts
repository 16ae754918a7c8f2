// Resumable uploads, end to end: a ZIP sent in three parts, one sent again with other bytes (the
// retry wins), the upload resumed from what GET lists, completed into a snapshot whose files are
// the ZIP's; a part list that is not the parts received, a part damaged on the way, a hostile
// archive (refused, and nothing of it remains), an abort, the caps, the expiry sweep; who may.
// After each session ends its parts' objects, rows and quota are checked gone. Asked with
// `Prefer: respond-async`, a plain upload or a completion answers 202 once the bytes are stored,
// and the job `codebase.complete_upload` reads them (decision 0053).
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchName, zipOf } from './codebase-archives.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, createProject, projectsUrl, putMember } from './projects-fixture.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

const KiB = 1024;
const PART_MAX = 64 * KiB;
const TOTAL_MAX = 256 * KiB;
const QUOTA = 1024 * KiB;
const DATA_DIR = '/tmp/trellis-test-unused'; // test/harness.ts: the local storage driver's folder is DATA_DIR/files

let t: TestApp;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let projectId: string;
let otherProjectId: string;
let projectViewer: U;
let stranger: U;

beforeAll(async () => {
  t = await createTestApp({ env: { CODEBASE_UPLOAD_PART_MAX_BYTES: String(PART_MAX), CODEBASE_MAX_UPLOAD_BYTES: String(TOTAL_MAX), CODEBASE_UPLOAD_MAX_PARTS: '20', STORAGE_ORG_QUOTA_BYTES: String(QUOTA) } });
  w = await orgWithRoles(t);
  projectViewer = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  stranger = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  projectId = (await createProject(t, w.owner.accessToken, w.orgId)).id;
  otherProjectId = (await createProject(t, w.owner.accessToken, w.orgId)).id;
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.member.userId, 'contributor');
  await putMember(t, w.owner.accessToken, w.orgId, otherProjectId, w.member.userId, 'contributor');
  await putMember(t, w.owner.accessToken, w.orgId, projectId, projectViewer.userId, 'viewer');
  // An org viewer with a contributor's project role still never writes.
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.viewer.userId, 'contributor');
});
afterAll(async () => t?.close());

const sessionsUrl = (orgId = w.orgId, project = projectId) => `${projectsUrl(orgId, `/${project}`)}/codebase/upload-sessions`;
const create = (user: U, body: Record<string, unknown>, orgId = w.orgId, project = projectId) => call(t, user.accessToken, 'POST', sessionsUrl(orgId, project), body);
const getSession = (user: U, id: string, orgId = w.orgId, project = projectId) => call(t, user.accessToken, 'GET', `${sessionsUrl(orgId, project)}/${id}`);
const putPart = (user: U, id: string, n: number, bytes: Buffer, headers: Record<string, string> = {}, orgId = w.orgId, project = projectId) =>
  t.request({ method: 'PUT', url: `${sessionsUrl(orgId, project)}/${id}/parts/${n}`, headers: { ...bearer(user.accessToken), 'content-type': 'application/octet-stream', ...headers }, payload: bytes });
const complete = (user: U, id: string, parts: { partNumber: number; sha256: string }[], orgId = w.orgId, project = projectId) =>
  call(t, user.accessToken, 'POST', `${sessionsUrl(orgId, project)}/${id}/complete`, { parts });
const abort = (user: U, id: string, orgId = w.orgId, project = projectId) => call(t, user.accessToken, 'DELETE', `${sessionsUrl(orgId, project)}/${id}`);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** `bytes` cut in `n` nearly equal pieces. */
const split = (bytes: Buffer, n: number) => Array.from({ length: n }, (_, i) => bytes.subarray(Math.floor((i * bytes.length) / n), Math.floor(((i + 1) * bytes.length) / n)));
/** Bytes that do not compress: a ZIP of them is about as large. */
const noise = (size: number) => Buffer.from(Array.from({ length: size }, () => Math.floor(Math.random() * 256)));

/** What a session holds: its part rows, its stored files (rows and objects on disk). */
async function held(sessionId: string) {
  const rows = await sql<{ parts: string; files: string }>`
    SELECT (SELECT count(*) FROM codebase.upload_parts WHERE session_id = ${sessionId}) AS parts,
           (SELECT count(*) FROM core.stored_files WHERE key LIKE ${`orgs/${w.orgId}/codebase/upload-sessions/${sessionId}/%`}) AS files`.execute(t.database.db);
  const folder = join(DATA_DIR, 'files', 'orgs', w.orgId, 'codebase', 'upload-sessions', sessionId);
  const objects = (await readdir(folder).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).length;
  return { parts: Number(rows.rows[0].parts), files: Number(rows.rows[0].files), objects };
}
const nothingHeld = { parts: 0, files: 0, objects: 0 };
const snapshotCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM codebase.snapshots WHERE org_id = ${w.orgId}`.execute(t.database.db)).rows[0].n);
const usage = async () => (await t.app.storage.usage(w.orgId)).usedBytes;

const FILES = { 'src/main.ts': 'export const main = () => 42;\n', 'README.md': '# Parts\n', 'assets/noise.bin': noise(40 * KiB) };

describe('a resumable upload', () => {
  it('takes a ZIP in three parts, a retried part replacing the first try, resumed from GET, and completes into its snapshot', async () => {
    const zip = await zipOf(Object.entries(FILES).map(([name, data]) => ({ name, data, compress: false })));
    const [one, two, three] = split(zip, 3);

    const created = await create(w.member, { name: 'src.zip', totalBytes: zip.length });
    expect(created.statusCode, created.body).toBe(201);
    const session = created.json();
    expect(session).toMatchObject({ status: 'open', name: 'src.zip', path: null, totalBytes: zip.length, parts: [], receivedBytes: 0, limits: { maxPartBytes: PART_MAX, maxParts: 20, maxTotalBytes: TOTAL_MAX } });
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now() + 23 * 3600_000);

    const before = await usage();
    expect((await putPart(w.member, session.id, 1, one)).json()).toEqual({ partNumber: 1, size: one.length, sha256: sha(one) });
    // Part 2's first try carries other bytes (a connection that garbled it): sent again, the retry wins.
    const garbled = Buffer.alloc(two.length, 0x55);
    expect((await putPart(w.member, session.id, 2, garbled)).json().sha256).toBe(sha(garbled));
    expect(await usage()).toBe(before + one.length + garbled.length);
    const retried = await putPart(w.member, session.id, 2, two);
    expect(retried.json()).toEqual({ partNumber: 2, size: two.length, sha256: sha(two) });
    // The first try's object went with it: held parts count against the quota, once each.
    expect(await held(session.id)).toEqual({ parts: 2, files: 2, objects: 2 });
    expect(await usage()).toBe(before + one.length + two.length);

    // The client lost track: it reads what was received and sends only the rest.
    const resumed = (await getSession(w.member, session.id)).json();
    expect(resumed.parts).toEqual([
      { partNumber: 1, size: one.length, sha256: sha(one) },
      { partNumber: 2, size: two.length, sha256: sha(two) },
    ]);
    expect(resumed.receivedBytes).toBe(one.length + two.length);
    const have = new Set(resumed.parts.map((p: { partNumber: number }) => p.partNumber));
    for (const [i, bytes] of [one, two, three].entries()) {
      if (have.has(i + 1)) continue;
      const sent = await putPart(w.member, session.id, i + 1, bytes, { 'x-checksum-sha256': createHash('sha256').update(bytes).digest('base64') });
      expect(sent.statusCode, sent.body).toBe(200);
    }

    const done = await complete(w.member, session.id, [one, two, three].map((b, i) => ({ partNumber: i + 1, sha256: sha(b) })));
    expect(done.statusCode, done.body).toBe(201);
    expect(done.json().snapshot).toMatchObject({ version: 1, name: 'src.zip', files: 3, source: 'upload' });
    const file = await call(t, w.member.accessToken, 'GET', `${projectsUrl(w.orgId, `/${projectId}`)}/codebase/file?path=src/main.ts`);
    expect(file.json().text).toBe(FILES['src/main.ts']);
    const binary = await call(t, w.member.accessToken, 'GET', `${projectsUrl(w.orgId, `/${projectId}`)}/codebase/file?path=assets/noise.bin`);
    expect(sha(binary.rawPayload)).toBe(sha(FILES['assets/noise.bin']));

    // The parts are gone; the session says how it ended, and takes nothing more.
    expect(await held(session.id)).toEqual(nothingHeld);
    expect((await getSession(w.member, session.id)).json()).toMatchObject({ status: 'completed', snapshotVersion: 1, parts: [], failure: null });
    expectProblem(await putPart(w.member, session.id, 4, one), 409, 'CODEBASE.UPLOAD_SESSION_CLOSED');
    expect(expectProblem(await complete(w.member, session.id, [{ partNumber: 1, sha256: sha(one) }]), 409, 'CODEBASE.UPLOAD_SESSION_CLOSED').sessionStatus).toBe('completed');
    expectProblem(await abort(w.member, session.id), 409, 'CODEBASE.UPLOAD_SESSION_CLOSED');
  });

  it('refuses a part list that is not the parts received, and stays open to complete right', async () => {
    const bytes = await zipOf([{ name: 'a.txt', data: 'list' }]);
    const [one, two] = split(bytes, 2);
    const id = (await create(w.member, { name: 'list.zip' })).json().id;
    await putPart(w.member, id, 1, one);
    await putPart(w.member, id, 3, two);
    const wrong = expectProblem(await complete(w.member, id, [{ partNumber: 1, sha256: sha(two) }, { partNumber: 2, sha256: sha(two) }]), 422, 'CODEBASE.PART_LIST_MISMATCH');
    expect(wrong.parts).toEqual([
      { partNumber: 1, problem: 'sha256_differs' },
      { partNumber: 2, problem: 'not_received' },
      { partNumber: 3, problem: 'missing' },
    ]);
    expect((await getSession(w.member, id)).json().status).toBe('open');
    const done = await complete(w.member, id, [{ partNumber: 1, sha256: sha(one) }, { partNumber: 3, sha256: sha(two) }]);
    expect(done.statusCode, done.body).toBe(201);
  });

  it('refuses parts that do not add up to the size announced', async () => {
    const id = (await create(w.member, { name: 'short.zip', totalBytes: 10 })).json().id;
    const part = Buffer.from('12345');
    await putPart(w.member, id, 1, part);
    expectProblem(await complete(w.member, id, [{ partNumber: 1, sha256: sha(part) }]), 422, 'CODEBASE.PART_LIST_MISMATCH');
    // Past the announced size a part is refused while it streams.
    expectProblem(await putPart(w.member, id, 2, Buffer.alloc(6)), 413, 'STORAGE.TOO_LARGE');
    expect(await held(id)).toMatchObject({ parts: 1, files: 1 });
    expect((await abort(w.member, id)).statusCode).toBe(204);
  });

  it('refuses a part damaged on the way (checksum header) and keeps nothing of it, nor loses the part sent before', async () => {
    const id = (await create(w.member, { name: 'sum.zip' })).json().id;
    const good = Buffer.from('the first try arrived whole');
    await putPart(w.member, id, 1, good);
    const usedBefore = await usage();
    const damaged = Buffer.from('the second try was damaged');
    const res = await putPart(w.member, id, 1, damaged, { 'x-checksum-sha256': sha(good) });
    expect(expectProblem(res, 422, 'CODEBASE.CHECKSUM_MISMATCH')).toMatchObject({ expected: sha(good), actual: sha(damaged) });
    const digest = await putPart(w.member, id, 2, damaged, { 'content-digest': `sha-256=:${createHash('sha256').update(good).digest('base64')}:` });
    expectProblem(digest, 422, 'CODEBASE.CHECKSUM_MISMATCH');
    expect((await getSession(w.member, id)).json().parts).toEqual([{ partNumber: 1, size: good.length, sha256: sha(good) }]);
    expect(await held(id)).toEqual({ parts: 1, files: 1, objects: 1 });
    expect(await usage()).toBe(usedBefore);
    expectProblem(await putPart(w.member, id, 3, good, { 'x-checksum-sha256': 'not-a-digest' }), 400, 'VALIDATION_FAILED');
    await abort(w.member, id);
  });

  it('refuses a hostile archive at completion: the session fails and nothing of it remains', async () => {
    const snapshots = await snapshotCount();
    const usedBefore = await usage();
    const slip = patchName(await zipOf([{ name: 'ok.txt', data: 'ok' }, { name: 'QQ/evil.sh', data: 'rm -rf /' }]), 'QQ/evil.sh', '../evil.sh');
    const parts = split(slip, 3);
    const id = (await create(w.member, { name: 'slip.zip' })).json().id;
    for (const [i, p] of parts.entries()) await putPart(w.member, id, i + 1, p);
    const res = await complete(w.member, id, parts.map((p, i) => ({ partNumber: i + 1, sha256: sha(p) })));
    expect(expectProblem(res, 422, 'CODEBASE.ARCHIVE_REFUSED')).toMatchObject({ reason: 'path_traversal', entry: '../evil.sh' });
    expect(await held(id)).toEqual(nothingHeld);
    expect(await snapshotCount()).toBe(snapshots);
    expect(await usage()).toBe(usedBefore);
    const session = (await getSession(w.member, id)).json();
    expect(session).toMatchObject({ status: 'failed', parts: [], snapshotVersion: null, failure: { code: 'CODEBASE.ARCHIVE_REFUSED', reason: 'path_traversal', entry: '../evil.sh' } });
    expectProblem(await complete(w.member, id, [{ partNumber: 1, sha256: sha(parts[0]) }]), 409, 'CODEBASE.UPLOAD_SESSION_CLOSED');
  });

  it('is aborted with its parts: objects, rows and quota given back', async () => {
    const usedBefore = await usage();
    const id = (await create(w.member, { name: 'gone.zip' })).json().id;
    await putPart(w.member, id, 1, noise(10 * KiB));
    await putPart(w.member, id, 2, noise(10 * KiB));
    expect(await usage()).toBe(usedBefore + 20 * KiB);
    expect((await abort(w.member, id)).statusCode).toBe(204);
    expect(await held(id)).toEqual(nothingHeld);
    expect(await usage()).toBe(usedBefore);
    expect((await getSession(w.member, id)).json()).toMatchObject({ status: 'aborted', parts: [] });
    expectProblem(await putPart(w.member, id, 3, Buffer.from('late')), 409, 'CODEBASE.UPLOAD_SESSION_CLOSED');
    expect((await abort(w.member, id)).statusCode).toBe(204);
  });
});

describe('the caps', () => {
  it('refuses a part over the part limit and a total over the upload limit, keeping nothing of them', async () => {
    expectProblem(await create(w.member, { name: 'big.zip', totalBytes: TOTAL_MAX + 1 }), 413, 'STORAGE.TOO_LARGE');
    const id = (await create(w.member, { name: 'big.zip' })).json().id;
    expect(expectProblem(await putPart(w.member, id, 1, Buffer.alloc(PART_MAX + 1)), 413, 'STORAGE.TOO_LARGE').maxBytes).toBe(PART_MAX);
    expect(await held(id)).toEqual(nothingHeld);
    for (let n = 1; n <= 4; n++) expect((await putPart(w.member, id, n, Buffer.alloc(PART_MAX))).statusCode).toBe(200);
    // Four full parts are the whole upload limit: one byte more is refused, whichever part brings it.
    expect(expectProblem(await putPart(w.member, id, 5, Buffer.alloc(1)), 413, 'STORAGE.TOO_LARGE').maxBytes).toBe(TOTAL_MAX);
    expect(await held(id)).toMatchObject({ parts: 4, files: 4 });
    expectProblem(await putPart(w.member, id, 21, Buffer.alloc(1)), 400, 'VALIDATION_FAILED');
    await abort(w.member, id);
  });
});

describe('the quota', () => {
  it('counts held parts: a part past it is refused, a completion that cannot store the contents stays open to complete again', async () => {
    const data = noise(100 * KiB);
    const zip = await zipOf([{ name: 'quota.bin', data, compress: false }]);
    const parts = split(zip, 2);
    // Leave room for the parts and a little more, not for the contents as well.
    const filler = await t.app.storage.save({ orgId: w.orgId, scope: 'test/filler', fileName: 'filler', contentType: 'application/octet-stream', body: Buffer.alloc(QUOTA - (await usage()) - zip.length - 20 * KiB), userId: null });
    const id = (await create(w.member, { name: 'quota.zip' })).json().id;
    for (const [i, p] of parts.entries()) expect((await putPart(w.member, id, i + 1, p)).statusCode).toBe(200);
    expectProblem(await putPart(w.member, id, 3, noise(30 * KiB)), 413, 'STORAGE.QUOTA_EXCEEDED');
    expect(await held(id)).toMatchObject({ parts: 2, files: 2 });

    const list = parts.map((p, i) => ({ partNumber: i + 1, sha256: sha(p) }));
    const snapshots = await snapshotCount();
    expectProblem(await complete(w.member, id, list), 413, 'STORAGE.QUOTA_EXCEEDED');
    expect(await snapshotCount()).toBe(snapshots);
    expect((await getSession(w.member, id)).json()).toMatchObject({ status: 'open', failure: null, parts: [{ partNumber: 1 }, { partNumber: 2 }] });

    await t.app.storage.remove(filler.key);
    const done = await complete(w.member, id, list);
    expect(done.statusCode, done.body).toBe(201);
    expect(await held(id)).toEqual(nothingHeld);
  });
});

describe('the expiry sweep', () => {
  it('removes an open session past its expiry with its parts; a live one stays', async () => {
    const usedBefore = await usage();
    const stale = (await create(w.member, { name: 'stale.zip' })).json().id;
    const live = (await create(w.member, { name: 'live.zip' })).json().id;
    await putPart(w.member, stale, 1, noise(KiB));
    await putPart(w.member, live, 1, noise(KiB));
    await sql`UPDATE codebase.upload_sessions SET expires_at = now() - interval '1 minute' WHERE id = ${stale}`.execute(t.database.db);
    expectProblem(await getSession(w.member, stale), 404, 'CODEBASE.UPLOAD_SESSION_NOT_FOUND');
    expectProblem(await putPart(w.member, stale, 2, noise(KiB)), 404, 'CODEBASE.UPLOAD_SESSION_NOT_FOUND');

    await t.app.jobs.enqueue('codebase.sweep_upload_sessions', {});
    await t.runJobs();
    const [sweep] = await t.app.jobs.list({ status: 'completed', name: 'codebase.sweep_upload_sessions', limit: 1 });
    expect(sweep.result).toEqual({ sessions: 1, parts: 1 });
    expect(await held(stale)).toEqual(nothingHeld);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM codebase.upload_sessions WHERE id = ${stale}`.execute(t.database.db)).rows[0].n)).toBe(0);
    expect(await held(live)).toEqual({ parts: 1, files: 1, objects: 1 });
    expect(await usage()).toBe(usedBefore + KiB);
    await abort(w.member, live);
  });
});

describe('who may', () => {
  let id: string;
  beforeAll(async () => {
    id = (await create(w.member, { name: 'mine.zip' })).json().id;
    await putPart(w.member, id, 1, Buffer.from('mine'));
  });
  const every = (user: U, orgId = w.orgId, project = projectId) => [
    getSession(user, id, orgId, project),
    putPart(user, id, 2, Buffer.from('x'), {}, orgId, project),
    complete(user, id, [{ partNumber: 1, sha256: sha(Buffer.from('mine')) }], orgId, project),
    abort(user, id, orgId, project),
  ];

  it('project and org viewers cannot start or touch a session (403), as they cannot upload', async () => {
    for (const user of [projectViewer, w.viewer]) {
      expectProblem(await create(user, { name: 'z.zip' }), 403, 'FORBIDDEN');
      for (const res of await Promise.all(every(user))) expectProblem(res, 403, 'FORBIDDEN');
    }
  });

  it('a member of the org not on the project gets 404 for the project', async () => {
    expectProblem(await create(stranger, { name: 'z.zip' }), 404, 'PROJECTS.NOT_FOUND');
    for (const res of await Promise.all(every(stranger))) expectProblem(res, 404, 'PROJECTS.NOT_FOUND');
  });

  it('another organization gets 404 whichever way it asks', async () => {
    for (const res of await Promise.all(every(w.outsider))) expectProblem(res, 404, 'ORG.NOT_FOUND');
    for (const res of await Promise.all(every(w.outsider, w.outsiderOrgId))) expectProblem(res, 404, 'PROJECTS.NOT_FOUND');
  });

  it('a session is its creator\'s and its project\'s: another writer, or the id under another project, gets 404', async () => {
    for (const res of await Promise.all(every(w.owner))) expectProblem(res, 404, 'CODEBASE.UPLOAD_SESSION_NOT_FOUND');
    for (const res of await Promise.all(every(w.member, w.orgId, otherProjectId))) expectProblem(res, 404, 'CODEBASE.UPLOAD_SESSION_NOT_FOUND');
    // None of it touched the session.
    expect((await getSession(w.member, id)).json()).toMatchObject({ status: 'open', parts: [{ partNumber: 1 }] });
    expect(await held(id)).toMatchObject({ parts: 1, files: 1 });
  });
});

describe('an upload answered before it is read (Prefer: respond-async)', () => {
  const uploadAsync = (user: U, bytes: Buffer, query: string, prefer = 'respond-async') =>
    t.request({
      method: 'POST',
      url: `${projectsUrl(w.orgId, `/${projectId}`)}/codebase/uploads?${query}`,
      headers: { ...bearer(user.accessToken), 'content-type': 'application/octet-stream', prefer },
      payload: bytes,
    });
  const runJobs = async () => {
    await t.drain();
    await t.runJobs();
  };

  it('stores a plain upload as the parts of a session of its own, answers 202 with it, and the job makes the snapshot', async () => {
    const snapshots = await snapshotCount();
    const usedBefore = await usage();
    const zip = await zipOf([...Object.entries(FILES).map(([name, data]) => ({ name, data, compress: false })), { name: 'assets/more.bin', data: noise(100 * KiB), compress: false }]);
    const res = await uploadAsync(w.member, zip, 'name=later.zip', 'wait=10, respond-async');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.headers['preference-applied']).toBe('respond-async');
    const session = res.json();
    expect(res.headers.location).toBe(`${sessionsUrl()}/${session.id}`);
    // Cut at the part size: 64 KiB, 64 KiB and the rest.
    expect(session).toMatchObject({ name: 'later.zip', status: 'completing', receivedBytes: zip.length, snapshotVersion: null });
    expect(session.parts.map((p: { size: number }) => p.size)).toEqual([PART_MAX, PART_MAX, zip.length - 2 * PART_MAX]);
    expect(await snapshotCount()).toBe(snapshots);
    // Held, and counted, until the job reads them.
    expect(await usage()).toBe(usedBefore + zip.length);

    await runJobs();
    const done = (await getSession(w.member, session.id)).json();
    expect(done).toMatchObject({ status: 'completed', parts: [], failure: null });
    expect(await snapshotCount()).toBe(snapshots + 1);
    expect(await held(session.id)).toEqual(nothingHeld);
    const [job] = await t.app.jobs.list({ status: 'completed', name: 'codebase.complete_upload', limit: 1 });
    expect(job).toMatchObject({ ownerId: w.member.userId, result: { status: 'completed', snapshotVersion: done.snapshotVersion } });
    const file = await call(t, w.member.accessToken, 'GET', `${projectsUrl(w.orgId, `/${projectId}`)}/codebase/file?path=src/main.ts&snapshot=${done.snapshotVersion}`);
    expect(file.json().text).toBe(FILES['src/main.ts']);
  });

  it('refuses a hostile archive in the job: the session fails naming the entry, and nothing of it remains', async () => {
    const snapshots = await snapshotCount();
    const usedBefore = await usage();
    const slip = patchName(await zipOf([{ name: 'ok.txt', data: 'ok' }, { name: 'QQ/evil.sh', data: 'rm -rf /' }]), 'QQ/evil.sh', '../evil.sh');
    const res = await uploadAsync(w.member, slip, 'name=slip.zip');
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id;
    await runJobs();
    expect((await getSession(w.member, id)).json()).toMatchObject({ status: 'failed', failure: { code: 'CODEBASE.ARCHIVE_REFUSED', reason: 'path_traversal', entry: '../evil.sh' } });
    expect(await held(id)).toEqual(nothingHeld);
    expect(await snapshotCount()).toBe(snapshots);
    expect(await usage()).toBe(usedBefore);
  });

  it('completes a session the same way, and keeps answering 201 without the preference', async () => {
    const zip = await zipOf([{ name: 'a.txt', data: 'a' }]);
    const id = (await create(w.member, { name: 'a.zip' })).json().id;
    await putPart(w.member, id, 1, zip);
    const res = await t.request({
      method: 'POST',
      url: `${sessionsUrl()}/${id}/complete`,
      headers: { ...bearer(w.member.accessToken), prefer: 'respond-async' },
      payload: { parts: [{ partNumber: 1, sha256: sha(zip) }] },
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ id, status: 'completing' });
    // Completing already: a second completion, or an abort, is refused until the job is done.
    expectProblem(await complete(w.member, id, [{ partNumber: 1, sha256: sha(zip) }]), 409, 'CODEBASE.UPLOAD_SESSION_CLOSED');
    await runJobs();
    expect((await getSession(w.member, id)).json()).toMatchObject({ status: 'completed', snapshotVersion: expect.any(Number) });
    const sync = await uploadAsync(w.member, zip, 'name=now.zip', 'return=minimal');
    expect(sync.statusCode, sync.body).toBe(201);
    expect(sync.json().snapshot).toMatchObject({ name: 'now.zip' });
  });

  it('is for contributors only, and another org gets 404, as the plain upload', async () => {
    const zip = await zipOf([{ name: 'a.txt', data: 'b' }]);
    expectProblem(await uploadAsync(projectViewer, zip, 'name=v.zip'), 403, 'FORBIDDEN');
    const res = await t.request({
      method: 'POST',
      url: `${projectsUrl(w.outsiderOrgId, `/${projectId}`)}/codebase/uploads?name=x.zip`,
      headers: { ...bearer(w.outsider.accessToken), 'content-type': 'application/octet-stream', prefer: 'respond-async' },
      payload: zip,
    });
    expect(res.statusCode).toBe(404);
  });
});
