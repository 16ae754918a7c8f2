// A codebase from a Git URL: a shallow clone (depth 1, one branch, no tags) with isomorphic-git,
// whose every request goes through the SSRF guard (core/net: the URL checked, the connection
// pinned to the checked addresses, redirects refused) and whose bytes are counted: past
// `maxBytes` the clone is cut. HTTPS only; plain HTTP only to a host the operator's allow list
// names (a Git server on the LAN, the tests' server on 127.0.0.1). A token, when given, is sent
// as HTTP basic credentials, and only to that URL's origin. The files of the commit are then read
// from the object store into a folder, capped in count and in total size as they are written, so
// a repository whose trees repeat one blob a million times (a "git bomb") is refused, not
// expanded. What is known and not guarded: isomorphic-git inflates each object whole in memory,
// so one object may take up to its inflated size while it is read (the pack is capped at
// `maxBytes`; see docs/codebase.md).
import { mkdir, writeFile } from 'node:fs/promises';
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { createGuardedFetch } from '../../core/net/guarded-fetch.ts';
import type { AllowList } from '../../core/net/allow-list.ts';
import { UrlNotAllowedError } from '../../core/net/ssrf-guard.ts';

/** isomorphic-git loads with the first import, not with the server (decision 0065). */
const loadGit = () => import('isomorphic-git').then((m) => m.default);

export interface GitImportOptions {
  url: string;
  /** A branch or tag; absent: the remote's default branch. */
  ref?: string;
  /** An access token (GitHub, GitLab, Gitea…), sent as basic credentials to the URL's origin only. */
  token?: string | null;
  /** The user name sent with the token; GitHub and Gitea take any, GitLab `oauth2`. */
  username?: string;
  /** Bytes the server may send in all (the pack mostly). */
  maxBytes: number;
  /** Files the commit may hold, and their total size once written. */
  maxFiles: number;
  maxTreeBytes: number;
  timeoutMs: number;
  allow: AllowList;
  /** An empty folder: the clone's `.git` goes to `<dir>/.git`, the files under `<dir>/tree`. */
  dir: string;
}

export interface ImportedCommit {
  commit: string;
  /** The branch or tag cloned. */
  ref: string;
  /** Where the files are, as the repository lays them out. */
  treeDir: string;
  files: number;
  bytes: number;
}

/** Why an import was refused: `reason` is stable (the API's `errors`), `message` safe to show. */
export type GitImportRefusal = 'url' | 'scheme' | 'redirect' | 'auth' | 'not_found' | 'too_large' | 'too_many_files' | 'timeout' | 'remote';

export class GitImportError extends Error {
  readonly reason: GitImportRefusal;
  constructor(reason: GitImportRefusal, message: string) {
    super(message);
    this.name = 'GitImportError';
    this.reason = reason;
  }
}

/** `url` may be cloned from: https, or http to an allowed host; no credentials in it. Throws GitImportError. */
export function checkGitUrl(raw: string, allow: AllowList): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GitImportError('url', 'The Git URL is not a valid URL');
  }
  if (url.username || url.password) throw new GitImportError('url', 'The Git URL must not hold a user name or password: give a token instead');
  if (url.protocol === 'https:') return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'http:' && (allow.allowsHost(host) || allow.allowsAddress(host))) return url;
  throw new GitImportError('scheme', 'The Git URL must use https');
}

/** Clones `opts.url` shallowly and writes its files under `<dir>/tree`. Throws GitImportError. */
export async function importGit(opts: GitImportOptions): Promise<ImportedCommit> {
  const origin = checkGitUrl(opts.url, opts.allow).origin;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const gitdir = join(opts.dir, '.git');
  const http = guardedHttp({ allow: opts.allow, maxBytes: opts.maxBytes, signal, origin });
  const git = await loadGit();
  const onAuth = () => (opts.token ? { username: opts.username ?? 'x-access-token', password: opts.token } : { cancel: true });
  try {
    await git.clone({ fs, http, dir: opts.dir, gitdir, url: opts.url, ref: opts.ref, singleBranch: true, depth: 1, noTags: true, noCheckout: true, onAuth, onAuthFailure: () => ({ cancel: true }) });
  } catch (err) {
    throw asImportError(err, signal);
  }
  const commit = await git.resolveRef({ fs, gitdir, ref: 'HEAD' });
  const ref = opts.ref ?? (await git.currentBranch({ fs, gitdir, fullname: false })) ?? 'HEAD';
  const treeDir = join(opts.dir, 'tree');
  const written = await writeTree({ gitdir, commit, treeDir, maxFiles: opts.maxFiles, maxBytes: opts.maxTreeBytes, signal });
  return { commit, ref, treeDir, ...written };
}

/**
 * Writes the commit's files (blobs; submodules and links left out) under `treeDir`, walking its
 * trees in order and counting as it goes: past `maxFiles` files or `maxBytes` bytes it stops and
 * refuses.
 */
async function writeTree(o: { gitdir: string; commit: string; treeDir: string; maxFiles: number; maxBytes: number; signal: AbortSignal }) {
  let files = 0;
  let bytes = 0;
  // isomorphic-git's object cache: without it every read parses the pack's index again.
  const cache = {};
  const git = await loadGit();
  const { tree } = await git.readCommit({ fs, gitdir: o.gitdir, oid: o.commit, cache }).then((c) => c.commit);
  const walk = async (oid: string, prefix: string): Promise<void> => {
    const { tree: entries } = await git.readTree({ fs, gitdir: o.gitdir, oid, cache });
    for (const entry of entries) {
      o.signal.throwIfAborted();
      const path = prefix ? `${prefix}/${entry.path}` : entry.path;
      if (entry.type === 'tree') {
        await walk(entry.oid, path);
        continue;
      }
      // A symlink (120000) or a submodule (commit) is not a file of the codebase.
      if (entry.type !== 'blob' || entry.mode === '120000') continue;
      if (++files > o.maxFiles) throw new GitImportError('too_many_files', `The repository holds more than ${o.maxFiles} files`);
      const { blob } = await git.readBlob({ fs, gitdir: o.gitdir, oid: entry.oid, cache });
      bytes += blob.length;
      if (bytes > o.maxBytes) throw new GitImportError('too_large', `The repository's files come to more than ${o.maxBytes} bytes`);
      const target = join(o.treeDir, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, blob);
    }
  };
  await mkdir(o.treeDir, { recursive: true });
  await walk(tree, '');
  return { files, bytes };
}

/**
 * isomorphic-git's HTTP client, over the guarded fetch: each request's URL is checked, redirects
 * are refused (a redirect could lead anywhere), credentials go only to `origin`, and the bytes
 * of every response are counted against one budget.
 */
function guardedHttp(o: { allow: AllowList; maxBytes: number; signal: AbortSignal; origin: string }): HttpClient {
  const fetch = createGuardedFetch({ allow: o.allow });
  let received = 0;
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const url = new URL(req.url);
      if (url.origin !== o.origin) throw new GitImportError('redirect', 'The Git server sent the clone to another address');
      const headers = { ...req.headers };
      const body = req.body ? Buffer.concat(await collect(req.body)) : undefined;
      const res = await fetch(url, { method: req.method ?? 'GET', headers, body, signal: o.signal });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        throw new GitImportError('redirect', 'The Git server answered with a redirect, which is not followed');
      }
      const reader = res.body?.getReader();
      async function* counted(): AsyncGenerator<Uint8Array> {
        if (!reader) return;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          received += value.byteLength;
          if (received > o.maxBytes) {
            await reader.cancel();
            throw new GitImportError('too_large', `The repository is larger than ${o.maxBytes} bytes to download`);
          }
          yield value;
        }
      }
      return { url: req.url, method: req.method, statusCode: res.status, statusMessage: res.statusText, headers: Object.fromEntries(res.headers), body: counted() };
    },
  };
}

async function collect(body: AsyncIterableIterator<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for await (const part of body as AsyncIterable<Uint8Array>) parts.push(Buffer.from(part));
  return parts;
}

/** What went wrong, as the caller may say it: never the remote's words, never an address. */
function asImportError(err: unknown, signal: AbortSignal): GitImportError {
  if (err instanceof GitImportError) return err;
  if (signal.aborted) return new GitImportError('timeout', 'The clone took too long and was stopped');
  if (err instanceof UrlNotAllowedError) return new GitImportError('url', `The Git URL ${err.message}`);
  const code = (err as { code?: string }).code;
  const status = (err as { data?: { statusCode?: number } }).data?.statusCode;
  if (code === 'UserCanceledError' || status === 401 || status === 403) return new GitImportError('auth', 'The Git server refused access: check the URL and the token');
  if (status === 404 || code === 'NotFoundError') return new GitImportError('not_found', 'No repository (or no such branch) at that URL');
  return new GitImportError('remote', 'The clone failed: the server did not answer as a Git server');
}
