// Exports of a codebase, for project members: a snapshot as a ZIP, streamed (each file read from
// storage only when the archive reaches it), or the project's history as a Git bundle: one
// commit per snapshot up to the one asked for, oldest first, on `main`, so what was made in
// Trellis leaves with its history and `git clone` reads it. The bundle is built with
// isomorphic-git in a temporary folder (blobs once per content, trees, commits, one pack) and
// held in memory while it is sent, so it is capped (BUNDLE_MAX_BYTES of distinct contents).
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { BlobBytes } from './blob-bytes.ts';
import type { ProjectsApi } from '../projects/index.ts';
import { CodebaseProblems } from './problems.ts';
import { files, type SnapshotRow, snapshots } from './repository.ts';

/** isomorphic-git loads with the first bundle, not with the server (decision 0065). */
const loadGit = () => import('isomorphic-git').then((m) => m.default);

/** Distinct contents a Git bundle may hold (it is built and sent from memory). */
export const BUNDLE_MAX_BYTES = 256 * 1024 * 1024;

export interface ExportsDeps {
  db: Executor;
  bytes: BlobBytes;
  projects: Pick<ProjectsApi, 'assertProjectAccess'>;
}

export interface ExportFile {
  fileName: string;
  contentType: string;
  body: Readable | Buffer;
}

export function createExports(deps: ExportsDeps) {
  const { db, bytes: contents, projects } = deps;

  async function snapshotOf(actor: Actor, orgId: string, projectId: string, version?: number): Promise<{ row: SnapshotRow; key: string }> {
    const { project } = await projects.assertProjectAccess(actor.principal, orgId, projectId, 'read');
    const row = await snapshots.byVersion(db, orgId, projectId, version);
    if (!row) throw CodebaseProblems.snapshotNotFound.error(version === undefined ? 'The project has no codebase snapshot yet' : `The project's codebase has no snapshot ${version}`);
    return { row, key: project.key.toLowerCase() };
  }

  /** The snapshot's files as a ZIP, streamed; each entry dated with the snapshot. */
  async function zip(actor: Actor, orgId: string, projectId: string, version?: number): Promise<ExportFile> {
    const { row, key } = await snapshotOf(actor, orgId, projectId, version);
    const archive = new yazl.ZipFile();
    for (const f of await files.withKeys(db, orgId, row.id)) {
      archive.addReadStreamLazy(f.path, { mtime: row.created_at, size: Number(f.size) }, (done) => {
        contents.open(orgId, f.sha256, f).then(
          (body) => done(null, body),
          (err: Error) => done(err, undefined as never),
        );
      });
    }
    archive.end();
    return { fileName: `${key}-v${row.version}.zip`, contentType: 'application/zip', body: archive.outputStream as Readable };
  }

  /** Snapshots 1…`version` (the current one by default) as commits on `main`, in a Git bundle. */
  async function bundle(actor: Actor, orgId: string, projectId: string, version?: number): Promise<ExportFile> {
    const { row: last, key } = await snapshotOf(actor, orgId, projectId, version);
    const history = (await snapshots.upTo(db, orgId, projectId, last.version)).reverse();
    const dir = await mkdtemp(join(tmpdir(), 'trellis-bundle-'));
    try {
      const gitdir = join(dir, 'repo.git');
      const git = await loadGit();
      await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
      const oids = new Set<string>();
      const blobOf = new Map<string, string>();
      let bytes = 0;
      let parent: string | null = null;
      for (const snap of history) {
        const rows = await files.withKeys(db, orgId, snap.id);
        const entries: { path: string; oid: string }[] = [];
        for (const f of rows) {
          let oid = blobOf.get(f.sha256);
          if (!oid) {
            bytes += Number(f.size);
            if (bytes > BUNDLE_MAX_BYTES) throw CodebaseProblems.exportTooLarge.error(`The history's files come to more than ${BUNDLE_MAX_BYTES} bytes: export a ZIP of a snapshot instead`);
            oid = await git.writeBlob({ fs, gitdir, blob: await contents.read(orgId, f.sha256, f) });
            blobOf.set(f.sha256, oid);
            oids.add(oid);
          }
          entries.push({ path: f.path, oid });
        }
        const tree = await writeTrees(gitdir, entries, oids);
        const when = { name: 'Trellis', email: 'trellis@localhost', timestamp: Math.floor(snap.created_at.getTime() / 1000), timezoneOffset: 0 };
        const message = `${snap.name} (snapshot ${snap.version})\n`;
        const commit: string = await git.writeCommit({ fs, gitdir, commit: { message, tree, parent: parent ? [parent] : [], author: when, committer: when } });
        oids.add(commit);
        parent = commit;
      }
      const { packfile } = await git.packObjects({ fs, gitdir, oids: [...oids] });
      // Bundle format v2: the refs it holds, a blank line, then a pack.
      const header = `# v2 git bundle\n${parent} HEAD\n${parent} refs/heads/main\n\n`;
      return { fileName: `${key}.bundle`, contentType: 'application/octet-stream', body: Buffer.concat([Buffer.from(header), Buffer.from(packfile!)]) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return { zip, bundle };
}

export type Exports = ReturnType<typeof createExports>;

/** Writes the trees of `entries` (paths with `/`) bottom up; answers the root tree's oid. */
async function writeTrees(gitdir: string, entries: readonly { path: string; oid: string }[], oids: Set<string>): Promise<string> {
  type Folder = { files: Map<string, string>; folders: Map<string, Folder> };
  const git = await loadGit();
  const root: Folder = { files: new Map(), folders: new Map() };
  for (const { path, oid } of entries) {
    const parts = path.split('/');
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let next = folder.folders.get(part);
      if (!next) {
        next = { files: new Map(), folders: new Map() };
        folder.folders.set(part, next);
      }
      folder = next;
    }
    folder.files.set(parts.at(-1)!, oid);
  }
  const write = async (folder: Folder): Promise<string> => {
    const tree = [
      ...[...folder.files].map(([path, oid]) => ({ mode: '100644', path, oid, type: 'blob' as const })),
      ...(await Promise.all([...folder.folders].map(async ([path, sub]) => ({ mode: '040000', path, oid: await write(sub), type: 'tree' as const })))),
    ];
    const oid = await git.writeTree({ fs, gitdir, tree });
    oids.add(oid);
    return oid;
  };
  return write(root);
}
