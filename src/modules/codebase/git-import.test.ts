import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bareRepo, type GitServer, gitBomb, protect, startGitServer } from '../../../test/git-server.ts';
import { EMPTY_ALLOW_LIST, parseAllowList } from '../../core/net/allow-list.ts';
import { checkGitUrl, GitImportError, type GitImportOptions, importGit } from './git-import.ts';

let server: GitServer;
let redirector: Server;
let redirectUrl: string;
const dirs: string[] = [];
const LOCAL = parseAllowList(['127.0.0.1']);

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  server = await startGitServer((root) => {
    bareRepo(root, 'garden', {
      'README.md': '# Garden\n',
      'src/plant.ts': 'export function plant(seed: string) {\n  return seed;\n}\n',
      'src/deep/water.ts': 'export const water = () => 1;\n',
      '.gitignore': 'dist/\n',
      'link-out': '@link:/etc/passwd',
    });
    bareRepo(root, 'stable', { 'a.txt': 'on main\n' }, 'main');
    protect(bareRepo(root, 'private', { 'secret.md': 'only with the token\n' }), 'x-access-token', 'tok3n');
    gitBomb(root, 'bomb', 10, 6);
  });
  redirector = createServer((_req, res) => {
    res.writeHead(302, { location: `${server.url}/garden.git/info/refs?service=git-upload-pack` });
    res.end();
  });
  await new Promise<void>((ok) => redirector.listen(0, '127.0.0.1', ok));
  redirectUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/garden.git`;
}, 60_000);
afterAll(async () => {
  redirector?.close();
  await server?.close();
  vi.restoreAllMocks();
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function options(url: string, extra: Partial<GitImportOptions> = {}): GitImportOptions {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-git-import-'));
  dirs.push(dir);
  return { url, maxBytes: 10_000_000, maxFiles: 10_000, maxTreeBytes: 10_000_000, timeoutMs: 20_000, allow: LOCAL, dir, ...extra };
}

async function refusal(p: Promise<unknown>): Promise<GitImportError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GitImportError);
  return err as GitImportError;
}

describe('checkGitUrl', () => {
  it('takes https anywhere and http only to an allowed host; never credentials in the URL', () => {
    expect(checkGitUrl('https://git.example.com/a/b.git', EMPTY_ALLOW_LIST).host).toBe('git.example.com');
    expect(checkGitUrl('http://127.0.0.1:8080/x.git', LOCAL).port).toBe('8080');
    expect(() => checkGitUrl('http://git.example.com/a.git', EMPTY_ALLOW_LIST)).toThrow(/must use https/);
    expect(() => checkGitUrl('ssh://example.com/a.git', EMPTY_ALLOW_LIST)).toThrow(/must use https/);
    expect(() => checkGitUrl('https://user:pw@example.com/a.git', EMPTY_ALLOW_LIST)).toThrow(/token instead/);
    expect(() => checkGitUrl('not a url', EMPTY_ALLOW_LIST)).toThrow(/not a valid URL/);
  });
});

describe('importGit', () => {
  it('clones the commit shallowly and writes its files, leaving links out', async () => {
    const o = options(`${server.url}/garden.git`);
    const imported = await importGit(o);
    expect(imported).toMatchObject({ commit: server.head('garden'), ref: 'main', files: 4 });
    expect(readFileSync(join(imported.treeDir, 'src/plant.ts'), 'utf8')).toContain('export function plant');
    expect(readFileSync(join(imported.treeDir, '.gitignore'), 'utf8')).toBe('dist/\n');
    expect(() => readFileSync(join(imported.treeDir, 'link-out'))).toThrow();
    expect(imported.bytes).toBe(['# Garden\n', 'export function plant(seed: string) {\n  return seed;\n}\n', 'export const water = () => 1;\n', 'dist/\n'].join('').length);
  });

  it('sends a token as basic credentials, and refuses without it', async () => {
    expect((await refusal(importGit(options(`${server.url}/private.git`)))).reason).toBe('auth');
    expect((await refusal(importGit(options(`${server.url}/private.git`, { token: 'wrong' })))).reason).toBe('auth');
    const ok = await importGit(options(`${server.url}/private.git`, { token: 'tok3n' }));
    expect(readFileSync(join(ok.treeDir, 'secret.md'), 'utf8')).toBe('only with the token\n');
  });

  it('refuses a private address the operator did not allow, before any connection', async () => {
    const err = await refusal(importGit(options(`https://127.0.0.1:1/garden.git`, { allow: EMPTY_ALLOW_LIST })));
    expect(err.reason).toBe('url');
    expect(err.message).toMatch(/public addresses/);
  });

  it('refuses a redirect rather than follow it', async () => {
    expect((await refusal(importGit(options(redirectUrl)))).reason).toBe('redirect');
  });

  it('cuts a download past its byte budget', async () => {
    expect((await refusal(importGit(options(`${server.url}/garden.git`, { maxBytes: 500 })))).reason).toBe('too_large');
  });

  it('refuses a git bomb (a million files named by a few objects) by counting as it walks', async () => {
    const err = await refusal(importGit(options(`${server.url}/bomb.git`, { maxFiles: 1_000 })));
    expect(err.reason).toBe('too_many_files');
    const bytes = await refusal(importGit(options(`${server.url}/bomb.git`, { maxTreeBytes: 2_000 })));
    expect(bytes.reason).toBe('too_large');
  });

  it('answers not_found for an unknown repository or branch', async () => {
    expect((await refusal(importGit(options(`${server.url}/nothing.git`)))).reason).toBe('not_found');
    expect((await refusal(importGit(options(`${server.url}/stable.git`, { ref: 'no-such-branch' })))).reason).toBe('not_found');
  });
});
