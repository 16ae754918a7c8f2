// The shapes the API answers with, from rows.
import type { Static } from 'typebox';
import type { SnapshotRow } from './repository.ts';
import type { SnapshotView } from './schemas.ts';

export type Snapshot = Static<typeof SnapshotView>;

export const toSnapshot = (r: SnapshotRow, currentVersion: number | null): Snapshot => ({
  id: r.id,
  projectId: r.project_id,
  version: r.version,
  current: r.version === currentVersion,
  source: r.source,
  git: r.git_url && r.git_commit ? { url: r.git_url, ref: r.git_ref, commit: r.git_commit } : null,
  name: r.name,
  files: r.file_count,
  bytes: Number(r.total_bytes),
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  searchable: r.indexed_at !== null,
  indexedAt: r.indexed_at?.toISOString() ?? null,
});
