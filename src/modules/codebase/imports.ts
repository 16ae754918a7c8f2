// Git imports: a project's codebase from a Git URL, as a new snapshot. The clone (git-import.ts)
// lands in a temporary folder, which is then sent through the upload path as a tar, so an
// imported snapshot is held to exactly the rules an uploaded one is (names, links, caps, ignore
// rules, content-addressed storage, one transaction). The URL, the branch and the token (sealed)
// are kept for the next import of the same project, which `importAgain` makes without them.
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import type { Secrets } from '../../core/security/secrets.ts';
import { type ProjectsApi, ProjectProblems } from '../projects/index.ts';
import { GitImportError, importGit } from './git-import.ts';
import { CodebaseProblems } from './problems.ts';
import { gitSources } from './repository.ts';
import type { CodebaseSettings } from './settings.ts';
import type { UploadResult, Uploads } from './uploads.ts';

export interface ImportsDeps {
  db: Executor;
  clock: Clock;
  log: Logger;
  secrets: Pick<Secrets, 'seal' | 'open'>;
  uploads: Pick<Uploads, 'upload'>;
  projects: Pick<ProjectsApi, 'assertProjectAccess'>;
  settings: CodebaseSettings;
}

export interface ImportInput {
  url: string;
  /** A branch or tag; absent: the remote's default branch. */
  ref?: string | null;
  /** An access token for a private repository; kept sealed for the next import. */
  token?: string | null;
}

export interface GitSource {
  url: string;
  ref: string | null;
  hasToken: boolean;
  updatedAt: string;
}

export function createImports(deps: ImportsDeps) {
  const { db, clock, log, secrets, uploads, projects, settings } = deps;

  async function writable(actor: Actor, orgId: string, projectId: string): Promise<void> {
    const { project } = await projects.assertProjectAccess(actor.principal, orgId, projectId, 'write');
    if (project.status === 'archived') throw ProjectProblems.archived.error('The project is archived: unarchive it first');
  }

  /** Clones `input` and makes it the project's new snapshot; keeps the source for the next import. */
  async function importFrom(actor: Actor, orgId: string, projectId: string, input: ImportInput): Promise<UploadResult> {
    await writable(actor, orgId, projectId);
    const result = await run(actor, orgId, projectId, input);
    await gitSources.put(db, {
      project_id: projectId,
      org_id: orgId,
      url: input.url,
      ref: input.ref ?? null,
      token_sealed: input.token ? secrets.seal(input.token) : null,
      updated_by: actor.principal.userId,
      updated_at: clock.now(),
    });
    return result;
  }

  /** Imports again from the project's kept source (its URL, branch and token). */
  async function importAgain(actor: Actor, orgId: string, projectId: string): Promise<UploadResult> {
    await writable(actor, orgId, projectId);
    const source = await gitSources.get(db, orgId, projectId);
    if (!source) throw CodebaseProblems.noGitSource.error('This project\'s codebase was never imported from Git');
    return run(actor, orgId, projectId, { url: source.url, ref: source.ref, token: source.token_sealed ? secrets.open(source.token_sealed) : null });
  }

  async function source(actor: Actor, orgId: string, projectId: string): Promise<GitSource> {
    await projects.assertProjectAccess(actor.principal, orgId, projectId, 'read');
    const row = await gitSources.get(db, orgId, projectId);
    if (!row) throw CodebaseProblems.noGitSource.error('This project\'s codebase was never imported from Git');
    return { url: row.url, ref: row.ref, hasToken: row.token_sealed !== null, updatedAt: row.updated_at.toISOString() };
  }

  async function run(actor: Actor, orgId: string, projectId: string, input: ImportInput): Promise<UploadResult> {
    const dir = await mkdtemp(join(tmpdir(), 'trellis-git-'));
    try {
      let imported: Awaited<ReturnType<typeof importGit>>;
      try {
        imported = await importGit({
          url: input.url,
          ref: input.ref ?? undefined,
          token: input.token,
          maxBytes: settings.gitMaxBytes,
          maxFiles: settings.maxEntries,
          maxTreeBytes: settings.maxExpandedBytes,
          timeoutMs: settings.gitTimeoutMs,
          allow: settings.gitAllow,
          dir,
        });
      } catch (err) {
        if (!(err instanceof GitImportError)) throw err;
        log.info({ projectId, reason: err.reason }, 'codebase: a Git import was refused');
        throw CodebaseProblems.gitImportFailed.error(err.message, { details: { reason: err.reason } });
      }
      const name = `${repositoryName(input.url)}@${imported.ref}`;
      return await uploads.upload(actor, orgId, projectId, {
        fileName: name,
        body: tarOf(imported.treeDir),
        git: { url: input.url, ref: input.ref ?? null, commit: imported.commit },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return { importFrom, importAgain, source };
}

export type Imports = ReturnType<typeof createImports>;

/** `garden` for `https://host/team/garden.git`. */
export function repositoryName(url: string): string {
  const last = new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? 'repository';
  return last.replace(/\.git$/, '') || 'repository';
}

/** The files under `dir` as a tar stream (names relative, `/`-separated), read one at a time. */
function tarOf(dir: string): Readable {
  const pack = tar.pack();
  const add = async (folder: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await add(full, name);
      else if (entry.isFile()) {
        const { size } = await stat(full);
        const sink = pack.entry({ name, size, type: 'file', mode: 0o644 });
        await pipeline(createReadStream(full), sink);
      }
    }
  };
  add(dir, '')
    .then(() => pack.finalize())
    .catch((err: Error) => pack.destroy(err));
  // tar-stream's streams are streamx ones: the upload path reads a Node stream.
  return Readable.from(pack);
}
