// A Git HTTP server for tests (git-http-mock-server: `git http-backend` over node:http) on
// 127.0.0.1, serving bare repositories built in a temp folder with the system's git: an
// ordinary one, one behind basic auth (`.htpasswd`), and a "git bomb" whose trees repeat one
// subtree so its commit names more files than any cap. Nothing reaches the internet.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const factory = require('git-http-mock-server/middleware') as (config: { root: string; route: string; glob: string }) => (req: unknown, res: unknown, next?: () => void) => void;

export interface GitServer {
  /** `http://127.0.0.1:<port>`: a repository is `<url>/<name>.git`. */
  url: string;
  root: string;
  /** The commit of a fixture's HEAD. */
  head(name: string): string;
  close(): Promise<void>;
}

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.test', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.test', GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir() };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', input: '' }).trim();
const gitIn = (cwd: string, input: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', input }).trim();

/** A bare repository `<root>/<name>.git` whose one commit holds `files` (a path to its text; `@link:` makes a symlink). */
export function bareRepo(root: string, name: string, files: Record<string, string>, branch = 'main'): string {
  const work = mkdtempSync(join(tmpdir(), 'trellis-git-work-'));
  try {
    git(work, 'init', '-q', '-b', branch);
    for (const [path, text] of Object.entries(files)) {
      const full = join(work, path);
      mkdirSync(join(full, '..'), { recursive: true });
      if (text.startsWith('@link:')) symlinkSync(text.slice(6), full);
      else writeFileSync(full, text);
    }
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'fixture');
    git(work, 'clone', '-q', '--bare', work, join(root, `${name}.git`));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return join(root, `${name}.git`);
}

/** A bare repository whose commit names `fanout ** depth` copies of one small file, in a few objects. */
export function gitBomb(root: string, name: string, fanout: number, depth: number): string {
  const dir = join(root, `${name}.git`);
  git(root, 'init', '-q', '--bare', '-b', 'main', dir);
  const blob = gitIn(dir, 'boom\n', 'hash-object', '-w', '--stdin');
  let oid = gitIn(dir, Array.from({ length: fanout }, (_, i) => `100644 blob ${blob}\tf${i}\n`).join(''), 'mktree');
  for (let level = 1; level < depth; level++) oid = gitIn(dir, Array.from({ length: fanout }, (_, i) => `040000 tree ${oid}\td${i}\n`).join(''), 'mktree');
  const commit = git(dir, 'commit-tree', oid, '-m', 'bomb');
  git(dir, 'update-ref', 'refs/heads/main', commit);
  return dir;
}

/** Puts basic auth on a repository: `user` with `password` (htpasswd's {SHA} form). */
export function protect(repoDir: string, user: string, password: string): void {
  writeFileSync(join(repoDir, '.htpasswd'), `${user}:{SHA}${createHash('sha1').update(password).digest('base64')}\n`);
}

export async function startGitServer(build: (root: string) => void): Promise<GitServer> {
  const root = mkdtempSync(join(tmpdir(), 'trellis-git-root-'));
  build(root);
  const middleware = factory({ root, route: '/', glob: '*' });
  const notFound = (res: ServerResponse) => {
    res.statusCode = 404;
    res.end('no such repository\n');
  };
  // It logs each request with console.log: a test file that minds spies on it. A repository it
  // does not have is answered here: its fixture lookup would search every folder up to `/`.
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.split('/')[1] ?? '');
    if (!/^[\w.-]+\.git$/.test(name) || !existsSync(join(root, name))) return notFound(res);
    middleware(req, res, () => notFound(res));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    root,
    head: (name) => git(join(root, `${name}.git`), 'rev-parse', 'HEAD'),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
