// Issue #15's "done when", as a client that reads only /openapi.json: every call below is found
// by its operationId in the document. A contributor uploads a codebase as a ZIP into one project
// and imports another from a Git URL (the local Git HTTP server) into a second one, browses and
// searches it, asks an assistant in a conversation bound to the project where a function is used
// (the scripted model calls the codebase tools; the answer cites `path:line`, each citation with
// its link to the file view), generates its documentation as HTML and PDF (the PDF's pages drawn
// to pixels), and exports its history as a Git bundle that `git clone` accepts. A few hostile
// archives are refused leaving storage and database as they were (the full suite of 40 is
// test/codebase-hostile.test.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { patchName, tarOf, zipOf } from './codebase-archives.ts';
import { bareRepo, type GitServer, startGitServer } from './git-server.ts';
import { bearer, createTestApp, STRONG_PASSWORD, type TestApp, uniqueEmail } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { renderPdfPages } from './pdf-pages.ts';
import { parseSse, textOf } from './sse.ts';
import { unzipText } from './unzip.ts';
import { uniqueSlug } from './workspace.ts';

type Operation = { operationId: string };
type Doc = { servers: { url: string }[]; paths: Record<string, Record<string, Operation>> };

let t: TestApp;
let llm: LlmServer;
let git: GitServer;
let doc: Doc;
let token: string;
let orgId: string;
const dirs: string[] = [];

const CODE = {
  'README.md': '# Orchard\n\nTracks the trees of an orchard.\n',
  'src/trees.ts': '/** A tree of the orchard. */\nexport interface Tree {\n  id: string;\n  fruit: string;\n}\n\n/** How many fruits a tree gives in a season. */\nexport function harvestOf(tree: Tree): number {\n  return tree.fruit.length;\n}\n',
  'src/season.ts': "import { harvestOf, type Tree } from './trees.ts';\n\n/** The season's total. */\nexport function seasonTotal(trees: Tree[]): number {\n  return trees.reduce((sum, tree) => sum + harvestOf(tree), 0);\n}\n",
  'scripts/prune.py': '"""Pruning plans."""\n\ndef prune(tree_id):\n    """Plans the pruning of one tree."""\n    return tree_id\n',
};

/** The operation named `id` in the document: its method, and its URL with `params` filled in. */
function operation(id: string, params: Record<string, string> = {}, query?: Record<string, string>) {
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.operationId !== id) continue;
      const search = query ? `?${new URLSearchParams(query)}` : '';
      return { method: method.toUpperCase() as 'GET', url: `${doc.servers[0].url}${path.replace(/\{(\w+)\}/g, (_, k) => params[k] ?? orgId)}${search}` };
    }
  }
  throw new Error(`no operation ${id} in /openapi.json`);
}
async function call(id: string, opts: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown; raw?: Buffer; anonymous?: boolean } = {}) {
  const { method, url } = operation(id, opts.params, opts.query);
  if (opts.anonymous) return t.request({ method, url, payload: opts.body as never });
  if (opts.raw) return t.request({ method, url, headers: { ...bearer(token), 'content-type': 'application/octet-stream' }, payload: opts.raw });
  return t.request({ method, url, headers: bearer(token), ...(opts.body !== undefined ? { payload: opts.body as never } : {}) });
}
async function ok(id: string, opts: Parameters<typeof call>[1] = {}, status = 200) {
  const res = await call(id, opts);
  expect(res.statusCode, `${id}: ${res.body}`).toBe(status);
  return res.headers['content-type']?.toString().includes('json') ? res.json() : res;
}
async function settle() {
  for (let i = 0; i < 20; i++) if ((await t.drain()) === 0 && (await t.runJobs()) === 0) return;
  throw new Error('events or jobs keep coming');
}
const gitCli = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir() } }).trim();

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  git = await startGitServer((root) => bareRepo(root, 'greenhouse', { 'src/climate.ts': '/** Degrees inside. */\nexport const inside = (outside: number) => outside + 8;\n', 'README.md': '# Greenhouse\n' }));
  llm = await startLlmServer();
  t = await createTestApp({ env: llmEnv(llm, { CHAT_MAX_STEPS: '5', CODEBASE_GIT_ALLOWED_HOSTS: '127.0.0.1' }) });
  doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
  const email = uniqueEmail('orchard');
  await ok('registerAccount', { anonymous: true, body: { email, password: STRONG_PASSWORD, displayName: 'Olive Grower' } }, 201);
  await t.drain();
  token = (await ok('logIn', { anonymous: true, body: { email, password: STRONG_PASSWORD } })).accessToken;
  orgId = (await ok('createOrganization', { body: { name: 'Orchard Co', slug: uniqueSlug('orchard') } }, 201)).id;
}, 60_000);
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await t?.close();
  await llm?.close();
  await git?.close();
  vi.restoreAllMocks();
});

describe('a codebase, end to end, through the documented API', () => {
  let projectId: string;

  it('uploads a ZIP and imports a Git repository, each as a snapshot', async () => {
    projectId = (await ok('createProject', { body: { name: 'Orchard', key: `OR${Date.now() % 100000}` } }, 201)).id;
    const zip = await zipOf(Object.entries(CODE).map(([name, data]) => ({ name, data })));
    const uploaded = await ok('uploadCodebase', { params: { projectId }, query: { name: 'orchard.zip' }, raw: zip }, 201);
    expect(uploaded.snapshot).toMatchObject({ version: 1, files: 4 });

    const other = (await ok('createProject', { body: { name: 'Greenhouse', key: `GH${Date.now() % 100000}` } }, 201)).id;
    const imported = await ok('importCodebase', { params: { projectId: other }, body: { url: `${git.url}/greenhouse.git` } }, 201);
    expect(imported.snapshot).toMatchObject({ version: 1, source: 'git', git: { commit: git.head('greenhouse') } });
    const climate = await ok('getCodebaseFile', { params: { projectId: other }, query: { path: 'src/climate.ts' } });
    expect(climate.text).toContain('export const inside');
    await settle();
  });

  it('browses and searches it', async () => {
    const tree = await ok('getCodebaseTree', { params: { projectId } });
    expect(tree.entries.map((e: { path: string }) => e.path).sort()).toEqual(['README.md', 'scripts', 'src']);
    const file = await ok('getCodebaseFile', { params: { projectId }, query: { path: 'src/trees.ts' } });
    expect(file).toMatchObject({ language: 'typescript', text: CODE['src/trees.ts'] });
    const found = await ok('searchCodebase', { params: { projectId }, query: { q: 'harvestOf' } });
    expect(found.data.map((h: { path: string; line: number }) => `${h.path}:${h.line}`)).toEqual(expect.arrayContaining(['src/trees.ts:8', 'src/season.ts:1', 'src/season.ts:5']));
  });

  it('answers "where is harvestOf used?" in a conversation bound to the project, citing path:line with links', async () => {
    const conversation = await ok('createConversation', { body: { projectId } }, 201);
    expect(conversation.projectId).toBe(projectId);
    llm.script(
      { toolCalls: [{ name: 'codebase__search_code', input: { query: 'harvestOf' } }] },
      { text: 'harvestOf is defined at src/trees.ts:8 and used at src/season.ts:5.' },
    );
    const res = await call('sendChatMessage', { params: { conversationId: conversation.id }, body: { content: 'Where is harvestOf used?' } });
    expect(res.statusCode, res.body).toBe(200);
    const events = parseSse(res.body).events;
    expect(events.at(-1)!.data.status).toBe('done');
    const result = events.find((e) => e.event === 'tool-result')!.data;
    const matches = result.output.matches as { citation: string; link: string }[];
    expect(matches.map((m) => m.citation)).toEqual(expect.arrayContaining(['src/trees.ts:8', 'src/season.ts:5']));
    const used = matches.find((m) => m.citation === 'src/season.ts:5')!;
    const linked = await t.request({ method: 'GET', url: used.link, headers: bearer(token) });
    expect(linked.json()).toMatchObject({ path: 'src/season.ts' });
    expect(textOf(events)).toContain('src/season.ts:5');
  });

  it('generates its documentation as HTML and PDF', async () => {
    const run = await ok('generateDocs', { params: { projectId }, body: { formats: ['html', 'pdf'] } }, 202);
    await settle();
    const done = await ok('getDocRun', { params: { projectId, runId: run.id } });
    expect(done.status, done.error).toBe('done');
    const site = await unzipText((await ok('downloadDocs', { params: { projectId, runId: run.id }, query: { format: 'html' } })).rawPayload);
    const html = Object.entries(site).filter(([name]) => name.endsWith('.html')).map(([, text]) => text).join('\n');
    expect(html).toContain('harvestOf');
    expect(html).toContain('How many fruits a tree gives in a season.');
    expect(html).toContain('prune');
    const pdf = (await ok('downloadDocs', { params: { projectId, runId: run.id }, query: { format: 'pdf' } })).rawPayload as Buffer;
    const pages = await renderPdfPages(pdf);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((p) => p.inked > 0)).toBe(true);
    expect(pages.map((p) => p.text).join(' ')).toContain('harvestOf');
  });

  it('exports its history as a Git bundle that git clone accepts', async () => {
    await ok('uploadCodebase', { params: { projectId }, query: { name: 'orchard-2.tar.gz' }, raw: await tarOf(Object.entries({ ...CODE, 'src/pests.ts': 'export const pests = [];\n' }).map(([name, data]) => ({ name, data })), { gzip: true }) }, 201);
    const bundle = (await ok('exportCodebase', { params: { projectId }, query: { format: 'bundle' } })).rawPayload as Buffer;
    const dir = mkdtempSync(join(tmpdir(), 'trellis-acceptance-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'orchard.bundle'), bundle);
    gitCli(dir, 'clone', '-q', join(dir, 'orchard.bundle'), 'clone');
    expect(gitCli(join(dir, 'clone'), 'rev-list', '--count', 'HEAD')).toBe('2');
    expect(readFileSync(join(dir, 'clone', 'src', 'trees.ts'), 'utf8')).toBe(CODE['src/trees.ts']);
    expect(readFileSync(join(dir, 'clone', 'src', 'pests.ts'), 'utf8')).toContain('pests');
  });

  it('refuses hostile archives leaving storage and the database as they were', async () => {
    const count = async () => (await sql<{ n: string }>`SELECT (SELECT count(*) FROM codebase.snapshots) + (SELECT count(*) FROM codebase.blobs) + (SELECT count(*) FROM core.stored_files) AS n`.execute(t.database.db)).rows[0].n;
    const before = await count();
    const hostile: [string, Buffer][] = [
      ['slip.zip', patchName(await zipOf([{ name: 'QQ/QQ/evil.sh', data: 'rm -rf /' }]), 'QQ/QQ/evil.sh', '../../evil.sh')],
      ['absolute.zip', patchName(await zipOf([{ name: 'Qetc/passwd', data: 'root' }]), 'Qetc/passwd', '/etc/passwd')],
      ['case.zip', await zipOf([{ name: 'src/A.ts', data: 'a' }, { name: 'src/a.ts', data: 'b' }])],
      ['bomb.zip', await zipOf([{ name: 'zeros.txt', data: Buffer.alloc(50 * 1024 * 1024) }])],
    ];
    for (const [name, bytes] of hostile) {
      const res = await call('uploadCodebase', { params: { projectId }, query: { name }, raw: bytes });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(422);
      expect(res.json().code).toBe('CODEBASE.ARCHIVE_REFUSED');
    }
    expect(await count()).toBe(before);
  });
});
