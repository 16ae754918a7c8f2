// Reading a codebase: its snapshots, one folder of a snapshot, one file, and what changed from
// one snapshot to another; and deleting a snapshot, which frees only the stored contents no
// other snapshot uses. Rights come from the project: its viewers and members read, its managers
// and the org's admins delete (ProjectsApi.assertProjectAccess).
import type { Readable } from 'node:stream';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, type Page, toPage } from '../../core/http/pagination.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { JobQueue } from '../../core/jobs/types.ts';
import type { Storage } from '../../core/storage/index.ts';
import type { BlobBytes } from './blob-bytes.ts';
import { REPACK_JOB, type RepackJob } from './repack.ts';
import { ProjectProblems, type ProjectsApi } from '../projects/index.ts';
import { CodebaseProblems } from './problems.ts';
import { blobs, codebaseLocks, files, type SnapshotRow, snapshots } from './repository.ts';
import { type Snapshot, toSnapshot } from './views.ts';

/** Rows of a comparison answered at most; past them it says `truncated`. */
export const COMPARE_LIMIT = 10_000;

export interface BrowseDeps {
  db: Executor;
  events: EventPublisher;
  log: Logger;
  storage: Storage;
  bytes: BlobBytes;
  jobs: Pick<JobQueue, 'enqueue'>;
  projects: Pick<ProjectsApi, 'assertProjectAccess'>;
}

export type FileAnswer =
  | { as: 'text'; path: string; size: number; sha256: string; language: string | null; kind: 'text'; snapshot: number; text: string }
  | { as: 'download'; fileName: string; size: number; body: Readable };

/** A folder path as a client writes it (`src/`, `/src`, `''`), as stored: NFC, no empty or `.` segments. */
const folderOf = (path: string | undefined) =>
  (path ?? '')
    .normalize('NFC')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');

const isVersionKey = (key: unknown[]) => key.length === 1 && Number.isInteger(key[0]) && (key[0] as number) > 0;

export function createBrowse(deps: BrowseDeps) {
  const { db, events, log, storage, bytes, jobs, projects } = deps;

  const snapshotNotFound = (version?: number) =>
    CodebaseProblems.snapshotNotFound.error(version === undefined ? 'The project has no codebase snapshot yet' : `The project's codebase has no snapshot ${version}`);

  /** The snapshot asked for (the current one when none is), after the read check. */
  async function snapshotOf(actor: Actor, orgId: string, projectId: string, version?: number): Promise<SnapshotRow> {
    await projects.assertProjectAccess(actor.principal, orgId, projectId, 'read');
    const row = await snapshots.byVersion(db, orgId, projectId, version);
    if (!row) throw snapshotNotFound(version);
    return row;
  }

  async function list(actor: Actor, orgId: string, projectId: string, query: { cursor?: string; limit: number }): Promise<Page<Snapshot>> {
    await projects.assertProjectAccess(actor.principal, orgId, projectId, 'read');
    const before = decodeCursor(query.cursor, isVersionKey);
    const rows = await snapshots.list(db, orgId, projectId, before ? Number(before[0]) : undefined, query.limit + 1);
    const current = before ? await snapshots.currentVersion(db, orgId, projectId) : (rows[0]?.version ?? null);
    const page = toPage(rows, query.limit, (r) => [r.version]);
    return { data: page.data.map((r) => toSnapshot(r, current)), page: page.page };
  }

  async function get(actor: Actor, orgId: string, projectId: string, version: number): Promise<Snapshot> {
    const row = await snapshotOf(actor, orgId, projectId, version);
    return toSnapshot(row, await snapshots.currentVersion(db, orgId, projectId));
  }

  /**
   * Deletes a snapshot (project managers and org admins). Under the org's lock, so no upload is
   * between checking a content is stored and pointing at it: the contents no file uses any more
   * lose their rows in the same transaction, and their objects go after it commits (a failure
   * then leaves an orphan that is logged and still counted, never a row without its bytes).
   */
  async function remove(actor: Actor, orgId: string, projectId: string, version: number): Promise<void> {
    const { project, canManage } = await projects.assertProjectAccess(actor.principal, orgId, projectId, 'read');
    if (!canManage) throw CoreProblems.forbidden.error('Only the project managers and organization admins may delete a snapshot');
    if (project.status === 'archived') throw ProjectProblems.archived.error('The project is archived: unarchive it first');
    const keys = await db.transaction().execute(async (tx) => {
      await codebaseLocks.lockOrg(tx, orgId);
      const row = await snapshots.byVersion(tx, orgId, projectId, version);
      if (!row) throw snapshotNotFound(version);
      const hashes = await snapshots.delete(tx, orgId, row.id);
      const { unused, shrunkPacks } = await blobs.deleteUnused(tx, orgId, hashes);
      // Packs that still hold contents of other snapshots are written again without the freed ones (repack.ts).
      if (shrunkPacks.length) await jobs.enqueue<RepackJob>(REPACK_JOB, { orgId, keys: shrunkPacks }, { db: tx });
      await events.publish(tx, 'codebase.snapshot_deleted', { orgId, projectId, snapshotId: row.id, version }, { actor, orgId });
      return unused;
    });
    for (const key of keys) {
      await storage.remove(key).catch((err: Error) => log.warn({ key, err: err.message }, 'codebase: a freed file was not removed from storage; it still counts against the quota'));
    }
  }

  /** The entries right under a folder: files, and folders with the count and bytes of all they hold. */
  async function tree(actor: Actor, orgId: string, projectId: string, query: { snapshot?: number; path?: string }) {
    const row = await snapshotOf(actor, orgId, projectId, query.snapshot);
    const folder = folderOf(query.path);
    const children = await files.children(db, orgId, row.id, folder ? `${folder}/` : '');
    if (folder && !children.length) throw CodebaseProblems.pathNotFound.error(`The snapshot has no folder ${folder}`);
    return {
      snapshot: row.version,
      path: folder,
      entries: children.map((c) => {
        const path = folder ? `${folder}/${c.name}` : c.name;
        return c.folder
          ? { type: 'folder' as const, name: c.name, path, files: c.files, bytes: c.bytes }
          : { type: 'file' as const, name: c.name, path, bytes: c.bytes, language: c.language, kind: c.kind };
      }),
    };
  }

  /**
   * A file: a text one as JSON with its text; a binary one, or any with `download`, as its bytes
   * to save (the route sends them as an attachment of type application/octet-stream).
   */
  async function file(actor: Actor, orgId: string, projectId: string, query: { path: string; snapshot?: number; download?: boolean }): Promise<FileAnswer> {
    const row = await snapshotOf(actor, orgId, projectId, query.snapshot);
    const path = folderOf(query.path);
    const found = path ? await files.byPath(db, orgId, row.id, path) : undefined;
    if (!found) throw CodebaseProblems.pathNotFound.error(`The snapshot has no file ${path}`);
    const body = await bytes.open(orgId, found.sha256, found);
    if (found.kind === 'binary' || query.download) return { as: 'download', fileName: path.split('/').pop()!, size: Number(found.size), body };
    const parts: Buffer[] = [];
    for await (const chunk of body) parts.push(chunk as Buffer);
    return { as: 'text', path, size: Number(found.size), sha256: found.sha256, language: found.language, kind: 'text', snapshot: row.version, text: Buffer.concat(parts).toString('utf8') };
  }

  async function compare(actor: Actor, orgId: string, projectId: string, query: { from: number; to: number }) {
    const from = await snapshotOf(actor, orgId, projectId, query.from);
    const to = await snapshotOf(actor, orgId, projectId, query.to);
    const rows = await files.compare(db, orgId, from.id, to.id, COMPARE_LIMIT + 1);
    const shown = rows.slice(0, COMPARE_LIMIT);
    const pick = (change: 'added' | 'removed' | 'changed') => shown.filter((r) => r.change === change);
    return {
      from: from.version,
      to: to.version,
      added: pick('added').map((r) => ({ path: r.path, size: r.toSize! })),
      removed: pick('removed').map((r) => ({ path: r.path, size: r.fromSize! })),
      changed: pick('changed').map((r) => ({ path: r.path, fromSize: r.fromSize!, toSize: r.toSize! })),
      truncated: rows.length > COMPARE_LIMIT,
    };
  }

  return { list, get, remove, tree, file, compare };
}

export type Browse = ReturnType<typeof createBrowse>;
