// An upload becomes a snapshot. The body is streamed to a temporary file (capped, never held in
// memory), its kind told by its first bytes. An archive is read twice: first its names alone,
// every one held to the path rules (paths.ts) and the caps before a byte of content is kept, with
// its .gitignore files; then the files kept are read again, each copied to a temporary file while
// it is hashed and classified (content.ts), and stored once per content in the org's storage
// (blobs: the same bytes in two snapshots are one object). The snapshot's rows are written in one
// transaction at the end, so a half-read upload never shows; if anything fails, the objects this
// upload stored are removed (no row points at them yet) and the temporary folder goes with them.
// Small contents (most of a codebase) are packed, a batch's in one object (decision 0051): an
// object each cost more than reading the whole archive.
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import { type Storage, StorageProblems } from '../../core/storage/index.ts';
import { ProjectProblems, type ProjectsApi } from '../projects/index.ts';
import { detectKind, type UploadKind } from './archive/kind.ts';
import { walkTar } from './archive/tar.ts';
import type { ArchiveLimits, Visit } from './archive/types.ts';
import { walkZip } from './archive/zip.ts';
import { BLOB_SCOPE, PACK_CONTENT_TYPE } from './blob-bytes.ts';
import { type Inspected, inspect } from './content.ts';
import { createIgnoreRules, type Skipped } from './ignore-rules.ts';
import { languageOf } from './languages.ts';
import { checkEntryName, createNameRegistry } from './paths.ts';
import { CodebaseProblems } from './problems.ts';
import { ArchiveRefusal, refuse, toProblem } from './refusal.ts';
import { type BlobRow, blobs, codebaseLocks, type FileRow, files, snapshots } from './repository.ts';
import type { CodebaseSettings } from './settings.ts';
import { type Snapshot, toSnapshot } from './views.ts';

/** Skipped files listed in an upload's answer at most (`skippedCount` has them all). */
const SKIPPED_LISTED = 1000;
/** A .gitignore longer than this is kept as a file but its rules are not read. */
const GITIGNORE_MAX_BYTES = 64 * 1024;
/** A file up to this size is read into memory (one at a time) rather than through a temporary file. */
const IN_MEMORY_BYTES = 256 * 1024;
/** Bytes of the request body gathered before each write to its temporary file. */
const RECEIVE_WRITE_BYTES = 1024 * 1024;
/** New contents stored together (one core.storage.saveMany), at most: files, and bytes (held in memory when small). */
const BATCH_FILES = 500;
/** Also the most a pack holds (the small contents of a batch, one object; never above core/storage's cap). */
const BATCH_BYTES = 4 * 1024 * 1024;
/** Batches of one upload being stored at once: one's objects are written while another's rows commit. */
const BATCHES_AT_ONCE = 2;

export interface UploadInput {
  /** The client's name for the upload (`?name=`): the snapshot's name, and a single file's path by default. */
  fileName: string;
  /** A single file's path in the codebase (`?path=`): the body is then that file, whatever its bytes. */
  path?: string;
  body: Readable;
  /** A Git import's origin (imports.ts): the snapshot's source is then `git`. */
  git?: { url: string; ref: string | null; commit: string };
}

export interface UploadResult {
  snapshot: Snapshot;
  /** Contents stored by this upload, and those it found already stored (shared with other snapshots). */
  storedBlobs: number;
  reusedBlobs: number;
  skipped: Skipped[];
  skippedCount: number;
}

export interface UploadsDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  log: Logger;
  storage: Storage;
  projects: Pick<ProjectsApi, 'assertProjectAccess'>;
  settings: CodebaseSettings;
}

/** A file read and kept, before its rows are written. */
interface KeptFile {
  path: string;
  size: number;
  sha256: string;
  language: string | null;
  kind: 'text' | 'binary';
}

/** A new content waiting for its batch: its bytes in memory, or at `temp`. */
interface Pending {
  file: Inspected;
  temp: string;
}

/** Copies the request body to `path`, 413 STORAGE.TOO_LARGE past `maxBytes`; the body is never destroyed (the refusal must still be answered). */
async function receive(body: Readable, path: string, maxBytes: number): Promise<number> {
  const file = await open(path, 'w');
  let size = 0;
  // The socket's chunks (16 to 64 KiB) gathered to about 1 MiB a write: a write each is a trip
  // through libuv's four threads, which the rest of the server shares.
  let parts: Buffer[] = [];
  let held = 0;
  const write = async () => {
    if (held) await file.write(parts.length === 1 ? parts[0] : Buffer.concat(parts, held));
    parts = [];
    held = 0;
  };
  try {
    for await (const part of body.iterator({ destroyOnReturn: false })) {
      const chunk = typeof part === 'string' ? Buffer.from(part) : (part as Buffer);
      size += chunk.length;
      if (size > maxBytes) throw StorageProblems.tooLarge.error(`The upload is over the limit of ${maxBytes} bytes`, { details: { maxBytes } });
      parts.push(chunk);
      held += chunk.length;
      if (held >= RECEIVE_WRITE_BYTES) await write();
    }
    await write();
  } finally {
    await file.close();
  }
  return size;
}

/** A small entry's text (a .gitignore), read whole. */
async function readText(body: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export function createUploads(deps: UploadsDeps) {
  const { db, events, clock, log, storage, projects, settings } = deps;
  /** The cap of one file kept: the codebase's own, never above what core/storage takes. */
  const maxFileBytes = Math.min(settings.maxFileBytes, storage.limits.maxUploadBytes);
  const limits: ArchiveLimits = { maxEntries: settings.maxEntries, maxExpandedBytes: settings.maxExpandedBytes, maxRatio: settings.maxRatio };

  /** One upload's work: its temporary folder, what it stored, what it skipped. */
  function createRun(orgId: string, userId: string, work: string, known: ReadonlySet<string>) {
    const stored: BlobRow[] = [];
    const seen = new Set<string>();
    let reused = 0;
    const skipped: Skipped[] = [];
    let skippedCount = 0;
    let entrySeq = 0;
    // New contents are stored in batches beside the reading (core.storage.saveMany: one quota
    // count and one insert per batch, decision 0045), a batch or two at once: per file, a quota
    // count and a commit each dominated an upload of many small files.
    let batch: Pending[] = [];
    let batchBytes = 0;
    /** A pack never exceeds what core/storage takes in one object. */
    const packBytes = Math.min(BATCH_BYTES, storage.limits.maxUploadBytes);
    const saving = new Set<Promise<void>>();
    let saveFailure: unknown = null;

    const skip = (s: Skipped) => {
      skippedCount++;
      if (skipped.length < SKIPPED_LISTED) skipped.push(s);
    };

    /**
     * Stores a batch: the contents the org already has (another snapshot's) are reused; the small
     * new ones go into one pack, each larger one (read through a temporary file) into an object
     * of its own; their temporary files removed.
     */
    async function store(pending: Pending[]) {
      try {
        const have = await blobs.existing(db, orgId, pending.map((p) => p.file.sha256));
        reused += have.size;
        const fresh = pending.filter((p) => !have.has(p.file.sha256));
        const packed = fresh.filter((p) => p.file.bytes !== null);
        const alone = fresh.filter((p) => p.file.bytes === null);
        const pack = packed.length ? Buffer.concat(packed.map((p) => p.file.bytes!)) : null;
        const saved = await storage.saveMany([
          ...(pack ? [{ orgId, scope: BLOB_SCOPE, fileName: 'pack', contentType: PACK_CONTENT_TYPE, body: pack, userId }] : []),
          ...alone.map((p) => ({ orgId, scope: BLOB_SCOPE, fileName: p.file.sha256, contentType: p.file.contentType, body: createReadStream(p.temp), userId })),
        ]);
        const row = (file: Inspected, key: string, offset: number | null): BlobRow => ({
          org_id: orgId,
          sha256: file.sha256,
          size: file.size,
          kind: file.kind,
          content_type: file.contentType,
          storage_key: key,
          pack_offset: offset,
          created_at: clock.now(),
        });
        let offset = 0;
        for (const p of packed) {
          stored.push(row(p.file, saved[0].key, offset));
          offset += p.file.size;
        }
        alone.forEach((p, n) => {
          stored.push(row(p.file, saved[n + (pack ? 1 : 0)].key, null));
        });
      } catch (err) {
        saveFailure ??= err;
      } finally {
        for (const p of pending) if (p.file.bytes === null) await rm(p.temp, { force: true });
      }
    }

    /** Hands the batch so far to a background save; throws an earlier save's failure. */
    async function flush() {
      while (saving.size >= BATCHES_AT_ONCE) await Promise.race(saving);
      if (saveFailure) throw saveFailure;
      if (!batch.length) return;
      const task = store(batch);
      batch = [];
      batchBytes = 0;
      saving.add(task);
      void task.then(() => saving.delete(task));
    }

    /** Stores what is left and waits for every save; `check`: then throws the first failure. */
    async function settle(check: boolean) {
      if (check) await flush();
      else {
        for (const p of batch) await rm(p.temp, { force: true });
        batch = [];
        batchBytes = 0;
      }
      while (saving.size) await Promise.all(saving);
      if (check && saveFailure) throw saveFailure;
    }

    /** Reads and classifies a file's bytes, and queues them to be stored unless this upload or the current snapshot has them. */
    async function keep(path: string, body: Readable, tooLarge: () => Error): Promise<KeptFile | null> {
      const temp = join(work, `entry-${++entrySeq}`);
      let handedOver = false;
      try {
        const file = await inspect(body, { spillTo: temp, memoryBytes: IN_MEMORY_BYTES, maxBytes: maxFileBytes, tooLarge });
        if (file.kind === 'binary' && settings.binaries === 'skip') {
          skip({ path, reason: 'binary', detail: file.contentType });
          return null;
        }
        if (!seen.has(file.sha256)) {
          seen.add(file.sha256);
          if (known.has(file.sha256)) reused++;
          else {
            // The batch goes before it would grow past a pack with this content.
            if (batchBytes + file.size > packBytes) await flush();
            batch.push({ file, temp });
            batchBytes += file.size;
            handedOver = true;
            if (batch.length >= BATCH_FILES || batchBytes >= packBytes) await flush();
          }
        }
        return { path, size: file.size, sha256: file.sha256, language: languageOf(path, file.head), kind: file.kind };
      } finally {
        if (!handedOver) await rm(temp, { force: true });
      }
    }

    return { stored, seen, skip, keep, settle, skipped: () => skipped, skippedCount: () => skippedCount, reused: () => reused };
  }
  type Run = ReturnType<typeof createRun>;

  /** Every file of an archive that the rules keep, read and stored; refusals as ArchiveRefusal. */
  async function readArchive(run: Run, kind: Exclude<UploadKind, 'file'>, path: string, name: string): Promise<KeptFile[]> {
    const walk = (visit: Visit) => (kind === 'zip' ? walkZip(path, limits, visit) : walkTar(path, { gzip: kind === 'tar.gz', archiveName: name }, limits, visit));

    // First pass: names, types and .gitignore files; nothing is stored.
    const names = createNameRegistry();
    const gitignores = new Map<string, string>();
    const candidates: { path: string; size: number }[] = [];
    await walk(async (entry, openEntry) => {
      const checked = checkEntryName(entry.name);
      if (entry.type === 'symlink' || entry.type === 'hardlink') throw refuse('link', entry.name, 'The archive holds a link (links are refused, wherever they point)');
      if (entry.type === 'special') throw refuse('special_file', entry.name, 'The archive holds a device, FIFO or other special file');
      names.add(checked, entry.name);
      if (entry.type === 'folder' || checked.folder) return;
      candidates.push({ path: checked.path, size: entry.size });
      if ((checked.path === '.gitignore' || checked.path.endsWith('/.gitignore')) && entry.size <= GITIGNORE_MAX_BYTES) gitignores.set(checked.path, await readText(await openEntry()));
    });
    if (!candidates.length) throw refuse('empty', null, 'The archive holds no files');

    const skipReason = createIgnoreRules(gitignores);
    const wanted = new Set<string>();
    for (const c of candidates) {
      const why = skipReason(c.path) ?? (c.size > maxFileBytes ? { path: c.path, reason: 'too_large' as const, detail: `over ${maxFileBytes} bytes` } : null);
      if (why) run.skip(why);
      else wanted.add(c.path);
    }

    // Second pass: the files kept, read, classified and stored.
    const kept: KeptFile[] = [];
    await walk(async (entry, openEntry) => {
      if (entry.type !== 'file') return;
      const { path: filePath, folder } = checkEntryName(entry.name);
      if (folder || !wanted.has(filePath)) return;
      // Past the per-file cap although it declared less: the declaration lied.
      const file = await run.keep(filePath, await openEntry(), () => refuse('size_mismatch', entry.name, 'An entry is larger than the archive declares'));
      if (file) kept.push(file);
    });
    if (!kept.length) throw refuse('empty', null, 'Every file of the archive was skipped: nothing is left to keep');
    return kept;
  }

  /** Writes the snapshot whole, under the org's lock; the objects another upload stored first are ours to remove. */
  async function commit(actor: Actor, orgId: string, projectId: string, input: UploadInput, run: Run, kept: KeptFile[], single: boolean) {
    const { fileName: name, git } = input;
    const userId = actor.principal.userId;
    return db.transaction().execute(async (tx) => {
      // A codebase's rows are one bulk write, longer than DB_STATEMENT_TIMEOUT allows an
      // interactive statement when a GIN index merges its pending list into itself meanwhile.
      await sql`SET LOCAL statement_timeout = '60s'`.execute(tx);
      await codebaseLocks.lockOrg(tx, orgId);
      const newHashes = new Set(run.stored.map((b) => b.sha256));
      const reusedHashes = [...run.seen].filter((h) => !newHashes.has(h));
      if ((await blobs.existing(tx, orgId, reusedHashes)).size !== reusedHashes.length) {
        throw CodebaseProblems.uploadConflict.error('A snapshot sharing files with this upload was deleted meanwhile: send the upload again');
      }
      const inserted = await blobs.insertNew(tx, run.stored);
      // An object of which no content was inserted holds only what another upload stored first.
      const used = new Set(run.stored.filter((b) => inserted.has(b.sha256)).map((b) => b.storage_key));
      const duplicates = [...new Set(run.stored.map((b) => b.storage_key))].filter((key) => !used.has(key));

      // A single file changes one file of the current snapshot: the others are carried over.
      let all: KeptFile[] = kept;
      if (single) {
        const base = await snapshots.byVersion(tx, orgId, projectId);
        const carried = base ? await carriedFiles(tx, orgId, base.id, kept[0]) : [];
        all = [...carried, ...kept];
      }
      const id = uuidv7();
      const version = await snapshots.nextVersion(tx, orgId, projectId);
      const row = {
        id,
        org_id: orgId,
        project_id: projectId,
        version,
        source: git ? ('git' as const) : ('upload' as const),
        name,
        file_count: all.length,
        total_bytes: all.reduce((sum, f) => sum + f.size, 0),
        created_by: userId,
        created_at: clock.now(),
        git_url: git?.url ?? null,
        git_ref: git?.ref ?? null,
        git_commit: git?.commit ?? null,
        indexed_at: null,
      };
      await snapshots.insert(tx, row);
      await snapshots.insertFiles(tx, all.map((f): FileRow => ({ snapshot_id: id, org_id: orgId, ...f })));
      await events.publish(tx, 'codebase.snapshot_created', { orgId, projectId, snapshotId: id, version, files: row.file_count, bytes: row.total_bytes }, { actor, orgId });
      return { snapshot: toSnapshot(row, version), duplicates, storedBlobs: inserted.size };
    });
  }

  /** The files of snapshot `baseId` but the one `file` replaces; `file` must not clash with them. */
  async function carriedFiles(tx: Executor, orgId: string, baseId: string, file: KeptFile): Promise<KeptFile[]> {
    const rows = (await files.all(tx, orgId, baseId)).filter((r) => r.path !== file.path);
    const names = createNameRegistry();
    for (const r of rows) names.add({ path: r.path, folder: false }, r.path);
    names.add({ path: file.path, folder: false }, file.path);
    return rows.map((r) => ({ path: r.path, size: Number(r.size), sha256: r.sha256, language: r.language, kind: r.kind }));
  }

  /** Removes objects no row points at; a failure leaves an orphan that still counts, logged. */
  async function discard(keys: readonly string[]) {
    for (const key of keys) {
      await storage.remove(key).catch((err: Error) => log.warn({ key, err: err.message }, 'codebase: a stored file of a refused upload was not removed; it still counts against the quota'));
    }
  }

  async function upload(actor: Actor, orgId: string, projectId: string, input: UploadInput): Promise<UploadResult> {
    const { project } = await projects.assertProjectAccess(actor.principal, orgId, projectId, 'write');
    if (project.status === 'archived') throw ProjectProblems.archived.error('The project is archived: unarchive it first');
    const work = await mkdtemp(join(tmpdir(), 'trellis-codebase-'));
    // The current snapshot's contents: a new version shares most of them, known without a query each.
    const run = createRun(orgId, actor.principal.userId, work, await blobs.ofCurrentSnapshot(db, orgId, projectId));
    let committed = false;
    try {
      const bodyPath = join(work, 'upload');
      const started = performance.now();
      const bytes = await receive(input.body, bodyPath, settings.maxUploadBytes);
      const received = performance.now();
      const single = input.path !== undefined;
      const kind = single ? 'file' : await detectKind(bodyPath);
      let kept: KeptFile[];
      if (kind === 'file') {
        const raw = input.path ?? input.fileName;
        const { path, folder } = checkEntryName(raw);
        if (folder) throw refuse('invalid_name', raw, 'A single file\'s path names a folder');
        const tooLarge = () => StorageProblems.tooLarge.error(`The file is over the limit of ${maxFileBytes} bytes for a file of a codebase`, { details: { maxBytes: maxFileBytes } });
        const file = await run.keep(path, createReadStream(bodyPath), tooLarge);
        if (!file) throw refuse('empty', null, 'The file was skipped: nothing is left to keep');
        kept = [file];
      } else {
        kept = await readArchive(run, kind, bodyPath, input.fileName);
      }
      await run.settle(true);
      const read = performance.now();
      const { snapshot, duplicates, storedBlobs } = await commit(actor, orgId, projectId, input, run, kept, kind === 'file');
      committed = true;
      await discard(duplicates);
      // Where an upload's time goes (the codebase benchmark reads this line).
      const ms = (a: number, b: number) => Math.round(b - a);
      log.info(
        { orgId, projectId, snapshotId: snapshot.id, bytes, files: kept.length, storedBlobs, storedObjects: new Set(run.stored.map((b) => b.storage_key)).size - duplicates.length, receiveMs: ms(started, received), readMs: ms(received, read), commitMs: ms(read, performance.now()) },
        'codebase: upload stored',
      );
      return { snapshot, storedBlobs, reusedBlobs: run.reused(), skipped: run.skipped(), skippedCount: run.skippedCount() };
    } catch (err) {
      if (!committed) {
        await run.settle(false);
        await discard([...new Set(run.stored.map((b) => b.storage_key))]);
      }
      if (err instanceof ArchiveRefusal) throw toProblem(err);
      throw err;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  return { upload };
}

export type Uploads = ReturnType<typeof createUploads>;
