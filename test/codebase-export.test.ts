// Exports of a codebase over HTTP: a snapshot as a ZIP (read back with yauzl), and the project's
// history as a Git bundle that the system's `git clone` accepts, one commit per snapshot, oldest
// first, each holding that snapshot's files; members only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from './codebase-archives.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { createProject, projectsUrl, putMember } from './projects-fixture.ts';
import { unzipText as unzip } from './unzip.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let projectId: string;
let projectKey: string;
const dirs: string[] = [];

const V1 = { 'src/index.ts': 'export const one = 1;\n', 'README.md': '# Demo\n' };
const V2 = { 'src/index.ts': 'export const one = 1;\nexport const two = 2;\n', 'src/lib/util.ts': 'export const twice = (n: number) => n * 2;\n', 'README.md': '# Demo\n' };

const base = () => `${projectsUrl(w.orgId, `/${projectId}`)}/codebase`;
const upload = async (user: U, files: Record<string, string>, name: string) => {
  const zip = await zipOf(Object.entries(files).map(([n, data]) => ({ name: n, data })));
  const res = await t.request({ method: 'POST', url: `${base()}/uploads?name=${name}`, headers: { ...bearer(user.accessToken), 'content-type': 'application/octet-stream' }, payload: zip });
  expect(res.statusCode, res.body).toBe(201);
};
const exportAs = (user: U, query: string) => t.request({ method: 'GET', url: `${base()}/export?${query}`, headers: bearer(user.accessToken) });

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir() } }).trim();

beforeAll(async () => {
  t = await createTestApp();
  w = await orgWithRoles(t);
  const project = await createProject(t, w.owner.accessToken, w.orgId);
  projectId = project.id;
  projectKey = project.key.toLowerCase();
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.member.userId, 'contributor');
  await upload(w.member, V1, 'v1.zip');
  await upload(w.member, V2, 'v2.zip');
});
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await t?.close();
});

describe('a codebase export', () => {
  it('is a snapshot as a ZIP, the current one by default', async () => {
    const current = await exportAs(w.member, 'format=zip');
    expect(current.statusCode, current.body).toBe(200);
    expect(current.headers['content-type']).toBe('application/zip');
    expect(current.headers['content-disposition']).toContain(`${projectKey}-v2.zip`);
    expect(current.headers['x-content-type-options']).toBe('nosniff');
    expect(await unzip(current.rawPayload)).toEqual(V2);
    expect(await unzip((await exportAs(w.member, 'format=zip&snapshot=1')).rawPayload)).toEqual(V1);
  });

  it('is the history as a Git bundle that git clone accepts: one commit per snapshot', async () => {
    const res = await exportAs(w.member, 'format=bundle');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toContain(`${projectKey}.bundle`);
    const dir = mkdtempSync(join(tmpdir(), 'trellis-bundle-test-'));
    dirs.push(dir);
    const file = join(dir, 'codebase.bundle');
    writeFileSync(file, res.rawPayload);
    git(dir, 'clone', '-q', file, 'clone');
    const clone = join(dir, 'clone');
    expect(git(clone, 'log', '--format=%s').split('\n')).toEqual(['v2.zip (snapshot 2)', 'v1.zip (snapshot 1)']);
    for (const [path, text] of Object.entries(V2)) expect(readFileSync(join(clone, path), 'utf8')).toBe(text);
    expect(git(clone, 'show', 'HEAD~1:src/index.ts')).toBe(V1['src/index.ts'].trim());
    expect(git(clone, 'ls-tree', '-r', '--name-only', 'HEAD~1').split('\n').sort()).toEqual(Object.keys(V1).sort());

    // Up to a snapshot: its history only.
    const first = await exportAs(w.member, 'format=bundle&snapshot=1');
    writeFileSync(join(dir, 'first.bundle'), first.rawPayload);
    git(dir, 'clone', '-q', join(dir, 'first.bundle'), 'first');
    expect(git(join(dir, 'first'), 'log', '--format=%s')).toBe('v1.zip (snapshot 1)');
  });

  it('is for project members only, and says so for a snapshot that is not there', async () => {
    expectProblem(await exportAs(w.outsider, 'format=zip'), 404, 'ORG.NOT_FOUND');
    expectProblem(await exportAs(w.admin, 'format=zip&snapshot=9'), 404, 'CODEBASE.SNAPSHOT_NOT_FOUND');
    expect((await exportAs(w.member, 'format=tar')).statusCode).toBe(400);
  });
});
