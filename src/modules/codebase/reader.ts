// A snapshot's files for other modules (documentation): each file in path order with its text
// when it is a text file within the cap, read from core/storage a few at a time ahead of the
// reader, so a consumer that parses one file while the next ones load never waits on storage.
import type { Executor } from '../../core/db/database.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { BlobBytes } from './blob-bytes.ts';
import type { ProjectsApi } from '../projects/index.ts';
import { CodebaseProblems } from './problems.ts';
import { files, snapshots } from './repository.ts';

/** Files read ahead of the consumer. */
const READ_AHEAD = 8;

export interface SnapshotSummary {
  id: string;
  projectId: string;
  version: number;
  name: string;
  files: number;
  bytes: number;
  createdAt: Date;
}

export interface SnapshotFile {
  path: string;
  size: number;
  language: string | null;
  kind: 'text' | 'binary';
  /** The text of a text file up to the cap; null for a binary file or one over the cap. */
  text: string | null;
}

export function createSnapshotReader(deps: { db: Executor; bytes: BlobBytes; projects: Pick<ProjectsApi, 'assertProjectAccess'> }) {
  const { db, bytes, projects } = deps;

  /** The snapshot (the current one without `version`) after the caller's read check: 404 problems as the routes answer. */
  async function snapshotFor(principal: Principal, orgId: string, projectId: string, version?: number): Promise<SnapshotSummary> {
    await projects.assertProjectAccess(principal, orgId, projectId, 'read');
    const row = await snapshots.byVersion(db, orgId, projectId, version);
    if (!row) throw CodebaseProblems.snapshotNotFound.error(version === undefined ? 'The project has no codebase snapshot yet' : `The project's codebase has no snapshot ${version}`);
    return { id: row.id, projectId: row.project_id, version: row.version, name: row.name, files: row.file_count, bytes: Number(row.total_bytes), createdAt: row.created_at };
  }


  /** Every file of a snapshot (found by snapshotFor), in path order; texts over `maxTextBytes` are not read. */
  async function* readFiles(orgId: string, snapshotId: string, opts: { maxTextBytes: number }): AsyncGenerator<SnapshotFile> {
    const rows = await files.withKeys(db, orgId, snapshotId);
    const read = (i: number): Promise<SnapshotFile> => {
      const r = rows[i]!;
      const size = Number(r.size);
      const wanted = r.kind === 'text' && size <= opts.maxTextBytes;
      const base = { path: r.path, size, language: r.language, kind: r.kind };
      return wanted ? bytes.read(orgId, r.sha256, r).then((b) => b.toString('utf8')).then((text) => ({ ...base, text })) : Promise.resolve({ ...base, text: null });
    };
    const ahead: Promise<SnapshotFile>[] = [];
    let next = 0;
    try {
      while (next < rows.length || ahead.length) {
        while (next < rows.length && ahead.length < READ_AHEAD) ahead.push(read(next++));
        yield await ahead.shift()!;
      }
    } finally {
      // A consumer that stops early leaves reads in flight: settle them so none rejects unheard.
      await Promise.allSettled(ahead);
    }
  }

  return { snapshotFor, readFiles };
}

export type SnapshotReader = ReturnType<typeof createSnapshotReader>;
