// The indexing job: after each `codebase.snapshot_created`, the snapshot's text contents not yet
// indexed (by any snapshot of the org) are read from core/storage and their lines written with
// their words; then the snapshot's paths; then the snapshot is marked searchable. Contents are
// written a batch per transaction, each batch marking its contents indexed, so a job that dies
// halfway resumes where it stopped and a second run of a finished job changes nothing. A sweep
// every 15 minutes enqueues again the snapshots that lost their job.
import { Type } from 'typebox';
import type { Clock } from '../../core/module.ts';
import type { Executor } from '../../core/db/database.ts';
import { subscriber } from '../../core/events/types.ts';
import { named } from '../../core/http/schema-types.ts';
import type { JobContext, JobDefinition, JobQueue } from '../../core/jobs/types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Storage } from '../../core/storage/index.ts';
import { type LineRow, searchIndex } from './search-repository.ts';
import { tsvectorOf } from './search-terms.ts';

export const INDEX_JOB = 'codebase.index_snapshot';
export const SWEEP_JOB = 'codebase.index_missed_snapshots';
/**
 * A snapshot still unsearchable this long after it was made lost its job (made before search
 * existed, or every attempt failed): the sweep enqueues it again. Longer than a job's attempts
 * with their retries usually take, so a running job is seldom doubled (which would be harmless:
 * the job is idempotent).
 */
const MISSED_AFTER_MS = 60 * 60 * 1000;
const SWEEP_LIMIT = 100;
/** Characters of a line kept (and searched): past them a line is data (minified code), not read. */
export const MAX_LINE_CHARS = 1_000;
/** Lines written per transaction; contents are read this many at a time. */
const LINES_PER_BATCH = 10_000;
const READ_AT_ONCE = 8;
const PATHS_PER_BATCH = 2_000;
/** A run that wrote this many lines refreshes the planner's statistics (searchIndex.analyze). */
const ANALYZE_AFTER_LINES = 20_000;

export const IndexResult = named(
  'CodebaseIndexResult',
  Type.Object(
    {
      searchable: Type.Boolean({ description: 'The snapshot is searchable (false: it was deleted meanwhile)' }),
      indexedBlobs: Type.Integer({ description: 'Contents this run read and indexed' }),
      lines: Type.Integer({ description: 'Lines it wrote' }),
    },
    { description: 'The result of a `codebase.index_snapshot` job' },
  ),
);

export const SweepResult = named(
  'CodebaseIndexSweepResult',
  Type.Object({ enqueued: Type.Integer({ description: 'Snapshots whose indexing was enqueued again' }) }, { description: 'The result of a `codebase.index_missed_snapshots` job' }),
);

interface IndexJob {
  orgId: string;
  snapshotId: string;
}

/** The lines of a text, numbered from 1, each cut at MAX_LINE_CHARS; lines without words left out. */
export function linesOf(sha256: string, text: string): LineRow[] {
  const rows: LineRow[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((raw, i) => {
    // PostgreSQL text holds no NUL; a text file may still have one past the bytes that classified it.
    const line = raw.slice(0, MAX_LINE_CHARS).replaceAll('\u0000', ' ');
    const terms = tsvectorOf(line);
    if (terms) rows.push({ sha256, line: i + 1, text: line, terms });
  });
  return rows;
}

export function createSearchIndexing(deps: { db: Executor; jobs: JobQueue; storage: Storage; clock: Clock; log: Logger; maxBlobBytes: number }) {
  const { db, jobs, storage, clock, log, maxBlobBytes } = deps;

  const subscribers = [
    subscriber('codebase.index_new_snapshot', 'codebase.snapshot_created', async (e, ctx) => {
      const data: IndexJob = { orgId: e.payload.orgId, snapshotId: e.payload.snapshotId };
      // The uploader follows its progress (job.progress on their realtime stream, GET /jobs/{id}).
      await jobs.enqueue(INDEX_JOB, data, { db: ctx.db, ...(e.actorId ? { ownerId: e.actorId } : {}) });
    }),
  ];

  /** A content's text, at most maxBlobBytes of it, cut at the last whole line when cut. */
  async function readText(key: string, size: number): Promise<string> {
    const cut = size > maxBlobBytes;
    const { body } = await storage.open(key, cut ? { range: { start: 0, end: maxBlobBytes - 1 } } : undefined);
    const parts: Buffer[] = [];
    for await (const chunk of body) parts.push(chunk as Buffer);
    const text = Buffer.concat(parts).toString('utf8');
    return cut ? text.slice(0, Math.max(0, text.lastIndexOf('\n'))) : text;
  }

  async function indexBlobs(ctx: JobContext<IndexJob>): Promise<{ indexedBlobs: number; lines: number }> {
    const { orgId, snapshotId } = ctx.data;
    const pending = await searchIndex.pendingBlobs(db, orgId, snapshotId);
    let done = 0;
    let lines = 0;
    let batch: { shas: string[]; rows: LineRow[] } = { shas: [], rows: [] };
    // One batch is written while the next is read and split into words: the database's work
    // and this process's overlap (two cores, not one after the other).
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      if (!batch.shas.length) return;
      const { shas, rows } = batch;
      batch = { shas: [], rows: [] };
      await writing;
      const write = (async () => {
        lines += await searchIndex.writeLines(db, orgId, shas, rows, clock.now());
        done += shas.length;
        // Paths and the mark are the last few percent.
        await ctx.progress((done / pending.length) * 0.95, `${done} of ${pending.length} contents indexed`);
      })();
      write.catch(() => {}); // awaited (and thrown) by the next flush or the end
      writing = write;
    };
    for (let i = 0; i < pending.length; i += READ_AT_ONCE) {
      ctx.signal.throwIfAborted();
      const group = pending.slice(i, i + READ_AT_ONCE);
      const texts = await Promise.all(
        group.map((b) =>
          readText(b.storage_key, b.size).catch((err: Error) => {
            // A content that cannot be read is left out of this snapshot's search (and logged)
            // rather than failing it, and stays unindexed: the next snapshot holding it tries again.
            log.warn({ sha256: b.sha256, err: err.message }, 'codebase: a content could not be read for search; it is left out');
            return null;
          }),
        ),
      );
      group.forEach((b, n) => {
        const text = texts[n];
        if (text === null) return;
        batch.shas.push(b.sha256);
        // One at a time: a 1 MiB content of short lines is more rows than a spread may pass.
        for (const row of linesOf(b.sha256, text)) batch.rows.push(row);
      });
      if (batch.rows.length >= LINES_PER_BATCH) await flush();
    }
    await flush();
    await writing;
    return { indexedBlobs: done, lines };
  }

  async function indexPaths(ctx: JobContext<IndexJob>): Promise<void> {
    const { orgId, snapshotId } = ctx.data;
    const paths = await searchIndex.pendingPaths(db, orgId, snapshotId);
    for (let i = 0; i < paths.length; i += PATHS_PER_BATCH) {
      ctx.signal.throwIfAborted();
      // A path of no words still gets a (empty) vector: null means "not indexed yet".
      await searchIndex.writePathTerms(db, orgId, snapshotId, paths.slice(i, i + PATHS_PER_BATCH).map((path) => ({ path, terms: tsvectorOf(path) })));
    }
  }

  const job: JobDefinition<IndexJob, typeof IndexResult> = {
    name: INDEX_JOB,
    result: IndexResult,
    retryLimit: 3,
    retryDelaySeconds: 10,
    retryBackoff: true,
    async handler(ctx) {
      const { indexedBlobs, lines } = await indexBlobs(ctx);
      await indexPaths(ctx);
      if (lines >= ANALYZE_AFTER_LINES) await searchIndex.analyze(db);
      const searchable = await searchIndex.markSnapshot(db, ctx.data.orgId, ctx.data.snapshotId, clock.now());
      await ctx.progress(1, searchable ? 'searchable' : 'the snapshot was deleted');
      return { searchable, indexedBlobs, lines };
    },
  };

  const sweep: JobDefinition<unknown, typeof SweepResult> = {
    name: SWEEP_JOB,
    result: SweepResult,
    cron: '*/15 * * * *',
    exclusive: true,
    async handler() {
      const missed = await searchIndex.unindexedSnapshots(db, new Date(clock.now().getTime() - MISSED_AFTER_MS), SWEEP_LIMIT);
      if (missed.length) await jobs.enqueueMany<IndexJob>(INDEX_JOB, missed.map((data) => ({ data })));
      return { enqueued: missed.length };
    },
  };

  return { subscribers, jobs: [job, sweep] };
}
