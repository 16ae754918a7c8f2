// Git imports over HTTP, from a Git server on 127.0.0.1 (test/git-server.ts, the system's
// `git http-backend`): a repository becomes a snapshot (`source: git`, its commit) held to the
// upload's rules (its .gitignore, the defaults); a private one with a token kept sealed for the
// next import; an import made again from the kept source; refusals that keep nothing (a URL
// that is not https to a host not allowed, a repository that is not there, a bad token); the
// project's roles and another organization's 404.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bareRepo, type GitServer, protect, startGitServer } from './git-server.ts';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, createProject, projectsUrl, putMember } from './projects-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let git: GitServer;
let w: Awaited<ReturnType<typeof orgWithRoles>>;
let projectId: string;
const TOKEN = 'glpat-test-token-123';

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  git = await startGitServer((root) => {
    bareRepo(root, 'garden', {
      'src/plant.ts': 'export function plant(seed: string) {\n  return seed;\n}\n',
      'src/water.ts': "import { plant } from './plant';\nexport const water = () => plant('x');\n",
      '.gitignore': 'dist/\n',
      'dist/bundle.js': 'built();\n',
      'node_modules/x/index.js': 'module.exports = 1;\n',
      'README.md': '# Garden\n',
    });
    protect(bareRepo(root, 'vault', { 'secret.md': '# Only with the token\n' }), 'x-access-token', TOKEN);
  });
  t = await createTestApp({ env: { CODEBASE_GIT_ALLOWED_HOSTS: '127.0.0.1' } });
  w = await orgWithRoles(t);
  projectId = (await createProject(t, w.owner.accessToken, w.orgId)).id;
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.member.userId, 'contributor');
  await putMember(t, w.owner.accessToken, w.orgId, projectId, w.viewer.userId, 'viewer');
}, 60_000);
afterAll(async () => {
  await t?.close();
  await git?.close();
  vi.restoreAllMocks();
});

const base = (orgId = w.orgId, project = projectId) => `${projectsUrl(orgId, `/${project}`)}/codebase`;
const post = (user: U, rest: string, body?: unknown, orgId = w.orgId) => call(t, user.accessToken, 'POST', `${base(orgId)}${rest}`, body);
const get = (user: U, rest: string) => call(t, user.accessToken, 'GET', `${base()}${rest}`);
const snapshotCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM codebase.snapshots WHERE project_id = ${projectId}`.execute(t.database.db)).rows[0].n);

describe('a Git import', () => {
  it('makes the repository a snapshot held to the upload rules, with its commit', async () => {
    const res = await post(w.member, '/imports', { url: `${git.url}/garden.git` });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.snapshot).toMatchObject({ version: 1, current: true, source: 'git', name: 'garden@main', files: 4, git: { url: `${git.url}/garden.git`, ref: null, commit: git.head('garden') } });
    // dist/ never reached the repository (its .gitignore); node_modules/ did, and the defaults leave it out.
    expect(body.skipped).toEqual([{ path: 'node_modules/x/index.js', reason: 'default_ignored', detail: 'node_modules/' }]);
    const file = await get(w.viewer, '/file?path=src/plant.ts');
    expect(file.statusCode, file.body).toBe(200);
    expect(file.json()).toMatchObject({ path: 'src/plant.ts', language: 'typescript', text: expect.stringContaining('export function plant') });
    expect((await get(w.viewer, '/git-source')).json()).toMatchObject({ url: `${git.url}/garden.git`, ref: null, hasToken: false });
  });

  it('takes a token for a private repository, keeps it sealed, and imports again without it', async () => {
    const refused = expectProblem(await post(w.member, '/imports', { url: `${git.url}/vault.git` }), 422, 'CODEBASE.GIT_IMPORT_FAILED');
    expect(refused.reason).toBe('auth');
    const res = await post(w.member, '/imports', { url: `${git.url}/vault.git`, token: TOKEN });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body).not.toContain(TOKEN);
    const source = await get(w.member, '/git-source');
    expect(source.json()).toMatchObject({ url: `${git.url}/vault.git`, hasToken: true });
    expect(source.body).not.toContain(TOKEN);
    const stored = await sql<{ token_sealed: string }>`SELECT token_sealed FROM codebase.git_sources WHERE project_id = ${projectId}`.execute(t.database.db);
    expect(stored.rows[0].token_sealed).not.toContain(TOKEN);

    const again = await post(w.member, '/imports/again');
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().snapshot).toMatchObject({ version: res.json().snapshot.version + 1, source: 'git', git: { commit: git.head('vault') } });
    expect(again.json().reusedBlobs).toBe(1);
  });

  it('refuses, keeping nothing: http to a host not allowed, a repository that is not there, a branch that is not there', async () => {
    const before = await snapshotCount();
    expect(expectProblem(await post(w.member, '/imports', { url: 'http://git.example.com/garden.git' }), 422, 'CODEBASE.GIT_IMPORT_FAILED').reason).toBe('scheme');
    expect(expectProblem(await post(w.member, '/imports', { url: 'https://user:pw@git.example.com/garden.git' }), 422, 'CODEBASE.GIT_IMPORT_FAILED').reason).toBe('url');
    expect(expectProblem(await post(w.member, '/imports', { url: `${git.url}/nothing.git` }), 422, 'CODEBASE.GIT_IMPORT_FAILED').reason).toBe('not_found');
    expect(expectProblem(await post(w.member, '/imports', { url: `${git.url}/garden.git`, ref: 'no-such-branch' }), 422, 'CODEBASE.GIT_IMPORT_FAILED').reason).toBe('not_found');
    expect(await snapshotCount()).toBe(before);
  });

  it("follows the project's roles: viewers read but never import; another org's project is 404", async () => {
    expectProblem(await post(w.viewer, '/imports', { url: `${git.url}/garden.git` }), 403, 'FORBIDDEN');
    expect((await get(w.viewer, '/git-source')).statusCode).toBe(200);
    expectProblem(await call(t, w.outsider.accessToken, 'POST', `${base()}/imports`, { url: `${git.url}/garden.git` }), 404, 'ORG.NOT_FOUND');
    const other = (await createProject(t, w.owner.accessToken, w.orgId)).id;
    expectProblem(await call(t, w.owner.accessToken, 'POST', `${base(w.orgId, other)}/imports/again`), 404, 'CODEBASE.NO_GIT_SOURCE');
  });
});
