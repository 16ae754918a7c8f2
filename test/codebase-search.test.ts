// Code search over HTTP, end to end: a ZIP of TypeScript and Python files becomes snapshot 1,
// its indexing job runs after the upload's event, and then words, camelCase and snake_case parts,
// paths and phrases are found with their lines, snippets and highlights, filtered by language and
// path and paged. A second snapshot that shares most contents indexes only the new ones and is
// searched apart from the first; running the job again changes nothing; a snapshot that lost its
// job is found by the sweep; deleting a snapshot takes the lines only it used; a content that
// cannot be read is left out, not marked indexed. Who may search: the project's members, nobody
// else (404).
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from './codebase-archives.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, createProject, projectsUrl, putMember } from './projects-fixture.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let projectViewer: U;
let stranger: U;
let projectId: string;
/** Small, so a content past it is easy to make: the lines that fit are searched, the rest not. */
const SEARCH_MAX_BYTES = 64 * 1024;

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from('IHDR user'), Buffer.alloc(17, 1)]);
const SERVICE = ['import { db } from "../db";', '', 'export function getUserName(id: string) {', '  return db.users.find(id).displayName;', '}', ''].join('\n');
const ORDERS = ['def get_order_total(order):', '    """Sum of the lines."""', '    return sum(line.price for line in order.lines)', ''].join('\n');
const V1 = {
  'src/users/userService.ts': SERVICE,
  'src/orders.py': ORDERS,
  'lib/helpers.ts': 'export const shout = (s: string) => s.toUpperCase();\n',
  'README.md': '# Shop\n\nUsers and orders.\n',
};

beforeAll(async () => {
  t = await createTestApp({ env: { CODEBASE_SEARCH_MAX_BYTES: String(SEARCH_MAX_BYTES) } });
  w = await orgWithRoles(t);
  projectViewer = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  stranger = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  projectId = (await createProject(t, w.owner.accessToken, w.orgId)).id;
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.member.userId, 'contributor');
  await putMember(t, w.owner.accessToken, w.orgId, projectId, projectViewer.userId, 'viewer');
});
afterAll(async () => t?.close());

const base = (orgId = w.orgId) => `${projectsUrl(orgId, `/${projectId}`)}/codebase`;
const upload = async (files: Record<string, string | Buffer>, name: string) => {
  const zip = await zipOf(Object.entries(files).map(([n, data]) => ({ name: n, data })));
  const res = await t.request({ method: 'POST', url: `${base()}/uploads?name=${name}`, headers: { ...bearer(w.member.accessToken), 'content-type': 'application/octet-stream' }, payload: zip });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().snapshot;
};
const search = (query: string, user: U = w.member, orgId = w.orgId) => call(t, user.accessToken, 'GET', `${base(orgId)}/search?${query}`);
const hits = async (query: string) => {
  const res = await search(query);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as { path: string; line: number | null; language: string | null; snippet: string; highlights: { start: number; end: number }[] }[];
};
/** Each hit as `path:line` with its highlighted text, the way a reader sees it. */
const seen = async (query: string) =>
  (await hits(query)).map((h) => `${h.path}:${h.line ?? '-'} ${h.highlights.map((r) => h.snippet.slice(r.start, r.end)).join(',')}`);
const indexJobs = async () => (await t.app.jobs.list({ status: 'completed', name: 'codebase.index_snapshot', limit: 100 })).map((j) => j.result as { searchable: boolean; indexedBlobs: number; lines: number });
/** Lines with words in the org's index (chunks of lines). */
const lineCount = async () =>
  Number(
    (
      await sql<{ n: string }>`SELECT count(*) AS n FROM codebase.blob_chunks c, unnest(string_to_array(c.text, E'\n')) AS l(line) WHERE c.org_id = ${w.orgId} AND l.line ~ '[[:alnum:]]'`.execute(
        t.database.db,
      )
    ).rows[0].n,
  );

describe('searching a codebase', () => {
  it('waits for the indexing job: 409 until the snapshot is searchable', async () => {
    const snapshot = await upload({ ...V1, 'logo.png': PNG }, 'shop.zip');
    expect(snapshot).toMatchObject({ version: 1, searchable: false, indexedAt: null });
    expectProblem(await search('q=user'), 409, 'CODEBASE.NOT_SEARCHABLE');
    await t.drain();
    expect(await t.runJobs()).toBeGreaterThanOrEqual(1);
    // Four text contents (the PNG is binary: never indexed), their lines with words only.
    expect(await indexJobs()).toEqual([{ searchable: true, indexedBlobs: 4, lines: 3 + 3 + 1 + 2 }]);
    // Owned by the uploader, who follows its progress.
    const [job] = await t.app.jobs.list({ status: 'completed', name: 'codebase.index_snapshot', limit: 1 });
    expect(job).toMatchObject({ ownerId: w.member.userId, progress: 1, note: 'searchable' });
    const view = (await call(t, w.member.accessToken, 'GET', `${base()}/snapshots/1`)).json();
    expect(view).toMatchObject({ searchable: true, indexedAt: expect.any(String) });
  });

  it('finds a word with its line, its language and a snippet that marks it', async () => {
    expect(await hits('q=getUserName')).toEqual([
      { path: 'src/users/userService.ts', line: 3, language: 'typescript', snippet: 'export function getUserName(id: string) {', highlights: [{ start: 16, end: 27 }] },
    ]);
    // Words are prefixes; all of them are needed on the line.
    expect(await seen('q=getUs')).toEqual(['src/users/userService.ts:3 getUserName']);
    expect(await seen('q=return+displayName')).toEqual(['src/users/userService.ts:4 return,displayName']);
    expect(await seen('q=return+nothing')).toEqual([]);
  });

  it('finds camelCase and snake_case parts, marking only the part', async () => {
    expect(await seen('q=name')).toEqual(expect.arrayContaining(['src/users/userService.ts:3 Name', 'src/users/userService.ts:4 Name']));
    expect(await seen('q=total')).toEqual(['src/orders.py:1 total']);
    expect(await seen('q=order_total')).toEqual(['src/orders.py:1 order_total,order']);
    // A camelCase query finds the same words written in snake_case.
    expect(await seen('q=orderTotal')).toEqual(['src/orders.py:1 order_total,order']);
  });

  it('finds paths, ranked above lines', async () => {
    expect(await seen('q=helpers')).toEqual(['lib/helpers.ts:- helpers']);
    const user = await seen('q=user');
    expect(user[0]).toBe('src/users/userService.ts:- users,userService');
    expect(user.slice(1).sort()).toEqual(['README.md:3 Users', 'src/users/userService.ts:3 User', 'src/users/userService.ts:4 users']);
  });

  it('reads quoted phrases as words in sequence', async () => {
    expect(await seen('q=%22order lines%22')).toEqual(['src/orders.py:3 order,lines']);
    expect(await seen('q=%22lines order%22')).toEqual([]);
  });

  it('filters by language and path prefix', async () => {
    expect(await seen('q=order&language=python')).toEqual(expect.arrayContaining(['src/orders.py:1 order,order', 'src/orders.py:3 order']));
    expect((await hits('q=order&language=python')).every((h) => h.language === 'python')).toBe(true);
    expect(await seen('q=user&language=python')).toEqual([]);
    expect(await seen('q=user&path=src/users/')).toHaveLength(3);
    expect(await seen('q=user&path=/src/us')).toHaveLength(3);
    expect(await seen('q=s&path=lib')).toEqual(['lib/helpers.ts:1 shout,s,string,s']);
    expect(await seen('q=user&path=lib')).toEqual([]);
  });

  it('pages through the matches with a cursor, none twice', async () => {
    const all = await seen('q=user');
    const seenPaged: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await search(`q=user&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data).toHaveLength(1);
      seenPaged.push(`${body.data[0].path}:${body.data[0].line ?? '-'}`);
      cursor = body.page.nextCursor;
    } while (cursor);
    expect(seenPaged).toEqual(all.map((s) => s.split(' ')[0]));
    expectProblem(await search('q=user&cursor=bm9wZQ'), 400, 'VALIDATION_FAILED');
  });

  it('refuses a query without a word', async () => {
    expectProblem(await search('q=%20%20'), 400, 'VALIDATION_FAILED');
    expectProblem(await search('q=!!!'), 400, 'VALIDATION_FAILED');
    expectProblem(await search('q='), 400, 'VALIDATION_FAILED');
    expectProblem(await search('q=x&snapshot=9'), 404, 'CODEBASE.SNAPSHOT_NOT_FOUND');
  });

  it('indexes only the new contents of the next snapshot, and searches the snapshot asked for', async () => {
    const before = await lineCount();
    const v2 = { ...V1, 'src/users/userService.ts': SERVICE.replace('getUserName', 'getUserLabel'), 'src/cart.ts': 'export const cartSize = 0;\n' };
    expect(await upload(v2, 'shop2.zip')).toMatchObject({ version: 2, searchable: false });
    // The current snapshot is not searchable yet; the older one still is.
    expectProblem(await search('q=user'), 409, 'CODEBASE.NOT_SEARCHABLE');
    expect(await seen('q=getUserName&snapshot=1')).toEqual(['src/users/userService.ts:3 getUserName']);
    await t.drain();
    await t.runJobs();
    expect((await indexJobs()).find((j) => j.indexedBlobs !== 4)).toEqual({ searchable: true, indexedBlobs: 2, lines: 4 });
    expect(await lineCount()).toBe(before + 4);
    expect(await seen('q=getUserName')).toEqual([]);
    expect(await seen('q=label')).toEqual(['src/users/userService.ts:3 Label']);
    expect(await seen('q=label&snapshot=1')).toEqual([]);
    expect(await seen('q=cart')).toEqual(['src/cart.ts:- cart', 'src/cart.ts:1 cartSize']);
  });

  it('is idempotent: running the job again indexes nothing', async () => {
    const snapshotId = (await call(t, w.member.accessToken, 'GET', `${base()}/snapshots/2`)).json().id;
    const lines = await lineCount();
    await t.app.jobs.enqueue('codebase.index_snapshot', { orgId: w.orgId, snapshotId });
    await t.runJobs();
    expect((await indexJobs()).filter((j) => j.indexedBlobs === 0)).toEqual([{ searchable: true, indexedBlobs: 0, lines: 0 }]);
    expect(await lineCount()).toBe(lines);
  });

  it('indexes again a snapshot that lost its job (made before search existed), from the sweep', async () => {
    await sql`UPDATE codebase.snapshots SET indexed_at = NULL, created_at = created_at - interval '2 hours' WHERE org_id = ${w.orgId} AND version = 2`.execute(t.database.db);
    await sql`UPDATE codebase.files SET path_terms = NULL WHERE org_id = ${w.orgId} AND snapshot_id = (SELECT id FROM codebase.snapshots WHERE org_id = ${w.orgId} AND version = 2)`.execute(
      t.database.db,
    );
    expectProblem(await search('q=cart'), 409, 'CODEBASE.NOT_SEARCHABLE');
    await t.app.jobs.enqueue('codebase.index_missed_snapshots', {});
    await t.runJobs();
    const [sweep] = await t.app.jobs.list({ status: 'completed', name: 'codebase.index_missed_snapshots', limit: 1 });
    // Snapshot 1 was made just now: its job may still be running, so it is left alone.
    expect(sweep.result).toEqual({ enqueued: 1 });
    expect(await seen('q=cart')).toEqual(['src/cart.ts:- cart', 'src/cart.ts:1 cartSize']);
  });

  it('is for project members only: others get 404', async () => {
    expect((await search('q=user', projectViewer)).statusCode).toBe(200);
    expectProblem(await search('q=user', stranger), 404, 'PROJECTS.NOT_FOUND');
    expectProblem(await search('q=user', w.outsider), 404, 'ORG.NOT_FOUND');
    expectProblem(await search('q=user', w.outsider, w.outsiderOrgId), 404, 'PROJECTS.NOT_FOUND');
  });

  it('loses the lines of a deleted snapshot that no other snapshot shares', async () => {
    const lines = await lineCount();
    expect((await call(t, w.owner.accessToken, 'DELETE', `${base()}/snapshots/1`)).statusCode).toBe(204);
    // The old userService.ts was only in snapshot 1: its three lines go with its content.
    expect(await lineCount()).toBe(lines - 3);
    expect(await seen('q=label')).toEqual(['src/users/userService.ts:3 Label']);
  });

  it('leaves out a content it cannot read, unindexed for a later snapshot to retry', async () => {
    const lost = 'export const vanished = true;\n';
    await upload({ 'src/cart.ts': 'export const cartSize = 0;\n', 'src/lost.ts': lost }, 'shop3.zip');
    const sha = createHash('sha256').update(lost).digest('hex');
    const { storage_key } = (await sql<{ storage_key: string }>`SELECT storage_key FROM codebase.blobs WHERE org_id = ${w.orgId} AND sha256 = ${sha}`.execute(t.database.db)).rows[0];
    await t.app.storage.remove(storage_key);
    await t.drain();
    await t.runJobs();
    expect(await seen('q=cart')).toEqual(['src/cart.ts:- cart', 'src/cart.ts:1 cartSize']);
    expect(await seen('q=vanished')).toEqual([]);
    // Its path is still found; its content stays unindexed.
    expect(await seen('q=lost')).toEqual(['src/lost.ts:- lost']);
    const blob = await sql<{ indexed_at: Date | null }>`SELECT indexed_at FROM codebase.blobs WHERE org_id = ${w.orgId} AND sha256 = ${sha}`.execute(t.database.db);
    expect(blob.rows[0].indexed_at).toBeNull();
  });

  it('indexes a content up to CODEBASE_SEARCH_MAX_BYTES, to its last whole line', async () => {
    const head = 'export const early = 1;\n';
    const filler = 'x = 1;\n'.repeat(Math.ceil(SEARCH_MAX_BYTES / 7));
    const big = `${head}${filler}export const late = 2;\n`;
    const lines = await lineCount();
    await upload({ 'src/big.ts': big }, 'big.zip');
    await t.drain();
    await t.runJobs();
    expect(await seen('q=early')).toEqual(['src/big.ts:1 early']);
    expect(await seen('q=late')).toEqual([]);
    // Every whole line within the first SEARCH_MAX_BYTES bytes, each `x = 1;` line too.
    expect(await lineCount()).toBe(lines + 1 + Math.floor((SEARCH_MAX_BYTES - head.length) / 7));
  });
});
