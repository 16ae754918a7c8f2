// The indexing job: after each `codebase.snapshot_created`, the snapshot's text contents not yet
// indexed (by any snapshot of the org) are read from core/storage and written as chunks of lines
// with their words (decision 0052); then the snapshot's paths; then the snapshot is marked
// searchable. Contents are
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
import type { BlobBytes, BlobPlace } from './blob-bytes.ts';
import { type ChunkRow, searchIndex } from './search-repository.ts';
import { chunkLexemes, tsvectorOf } from './search-terms.ts';

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
/** Lines a chunk holds at most (a row of the index). */
export const CHUNK_LINES = 32;
/** Chunks written per transaction (a statement well under DB_STATEMENT_TIMEOUT). */
const CHUNKS_PER_BATCH = 500;
const WRITES_AT_ONCE = 2;
/** Bytes of contents read at once: neighbours in a pack one range. */
const READ_BYTES = 1024 * 1024;
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

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * A text's chunks: up to CHUNK_LINES consecutive lines (numbered from 1 whatever the line ends),
 * from a line with words to a line with words, each cut at MAX_LINE_CHARS, with the index lexemes
 * of them all (search-terms.ts, chunkLexemes: no positions; search checks each line itself).
 */
export function chunksOf(sha256: string, text: string): ChunkRow[] {
  const rows: ChunkRow[] = [];
  // The chunk's lines from its first with words on; `kept` of them up to its last with words.
  let lines: string[] = [];
  let kept = 0;
  let firstLine = 1;
  const lexemes = chunkLexemes();
  let withWords = 0;
  const close = () => {
    const terms = lexemes.terms();
    if (withWords) rows.push({ sha256, firstLine, text: lines.slice(0, kept).join('\n'), terms, lines: withWords });
    lines = [];
    kept = 0;
    withWords = 0;
  };
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    // PostgreSQL text holds no NUL; a text file may still have one past the bytes that classified it.
    let line = raw.length > MAX_LINE_CHARS ? raw.slice(0, MAX_LINE_CHARS) : raw;
    // A cut between the two halves of a pair leaves half a character, which JSON cannot carry to PostgreSQL.
    if (line.length === MAX_LINE_CHARS && isHighSurrogate(line.charCodeAt(MAX_LINE_CHARS - 1))) line = line.slice(0, -1);
    if (line.includes('\u0000')) line = line.replaceAll('\u0000', ' ');
    if (lexemes.add(line)) {
      if (!lines.length) firstLine = i + 1;
      withWords++;
      lines.push(line);
      kept = lines.length;
    } else if (lines.length) {
      lines.push(line);
    }
    if (lines.length >= CHUNK_LINES) close();
  });
  close();
  return rows;
}

type Pending = BlobPlace & { sha256: string };

/**
 * The contents as reads: the contents of one pack that lie close together in one range (read
 * once, cut in memory), each other content alone.
 */
function readsOf(pending: readonly Pending[]): Pending[][] {
  const reads: Pending[][] = [];
  for (const b of pending) {
    const last = reads[reads.length - 1]?.at(-1);
    const sameRange =
      last &&
      b.pack_offset !== null &&
      last.pack_offset !== null &&
      last.storage_key === b.storage_key &&
      Number(b.pack_offset) + Number(b.size) - Number(reads[reads.length - 1][0].pack_offset) <= READ_BYTES;
    if (sameRange) reads[reads.length - 1].push(b);
    else reads.push([b]);
  }
  return reads;
}

export function createSearchIndexing(deps: { db: Executor; jobs: JobQueue; bytes: BlobBytes; clock: Clock; log: Logger; maxBlobBytes: number }) {
  const { db, jobs, bytes, clock, log, maxBlobBytes } = deps;

  const subscribers = [
    subscriber('codebase.index_new_snapshot', 'codebase.snapshot_created', async (e, ctx) => {
      const data: IndexJob = { orgId: e.payload.orgId, snapshotId: e.payload.snapshotId };
      // The uploader follows its progress (job.progress on their realtime stream, GET /jobs/{id}).
      await jobs.enqueue(INDEX_JOB, data, { db: ctx.db, ...(e.actorId ? { ownerId: e.actorId } : {}) });
    }),
  ];

  /** A content's text, at most maxBlobBytes of it (`bytes` may already be cut), cut at the last whole line when cut. */
  function textOf(content: Buffer, size: number): string {
    const cut = size > maxBlobBytes;
    const text = content.subarray(0, Math.min(content.length, maxBlobBytes)).toString('utf8');
    return cut ? text.slice(0, Math.max(0, text.lastIndexOf('\n'))) : text;
  }

  /** One content's text, or null (logged) when it cannot be read. */
  async function readOne(orgId: string, b: Pending): Promise<string | null> {
    const size = Number(b.size);
    try {
      return textOf(await bytes.read(orgId, b.sha256, b, size > maxBlobBytes ? { start: 0, end: maxBlobBytes - 1 } : undefined), size);
    } catch (err) {
      // A content that cannot be read is left out of this snapshot's search (and logged) rather
      // than failing it, and stays unindexed: the next snapshot holding it tries again.
      log.warn({ sha256: b.sha256, err: (err as Error).message }, 'codebase: a content could not be read for search; it is left out');
      return null;
    }
  }

  /** The texts of one read's contents: a pack's range at once, or (that failing: repacked meanwhile) one by one. */
  async function readTexts(orgId: string, read: Pending[]): Promise<(string | null)[]> {
    if (read.length > 1) {
      const start = Number(read[0].pack_offset);
      const last = read[read.length - 1];
      const span = await bytes.readObject(last.storage_key, { start, end: Number(last.pack_offset) + Number(last.size) - 1 }).catch(() => null);
      if (span) return read.map((b) => textOf(span.subarray(Number(b.pack_offset) - start, Number(b.pack_offset) - start + Number(b.size)), Number(b.size)));
    }
    return Promise.all(read.map((b) => readOne(orgId, b)));
  }

  /** Where a run's time went (ms): waiting for reads, splitting into chunks, writing them (the codebase benchmark reads the log line). */
  interface Timings {
    readWaitMs: number;
    splitMs: number;
    writeMs: number;
    chunks: number;
  }

  async function indexBlobs(ctx: JobContext<IndexJob>, timings: Timings): Promise<{ indexedBlobs: number; lines: number }> {
    const { orgId, snapshotId } = ctx.data;
    const pending = await searchIndex.pendingBlobs(db, orgId, snapshotId);
    let done = 0;
    let lines = 0;
    let batch: { shas: string[]; rows: ChunkRow[] } = { shas: [], rows: [] };
    // Batches are written (two at once, on two connections) while the next is read and split
    // into words: the database's work and this process's overlap.
    const writing = new Set<Promise<void>>();
    let failure: unknown = null;
    const flush = async () => {
      if (!batch.shas.length) return;
      const { shas, rows } = batch;
      batch = { shas: [], rows: [] };
      while (writing.size >= WRITES_AT_ONCE) await Promise.race(writing);
      if (failure) throw failure;
      const write = (async () => {
        const started = performance.now();
        const written = await searchIndex.writeChunks(db, orgId, shas, rows, clock.now());
        lines += written;
        timings.writeMs += performance.now() - started;
        timings.chunks += rows.length;
        done += shas.length;
        // Paths and the mark are the last few percent.
        await ctx.progress((done / pending.length) * 0.95, `${done} of ${pending.length} contents indexed`);
      })();
      const tracked: Promise<void> = write.then(
        () => {
          writing.delete(tracked);
        },
        (err: unknown) => {
          failure ??= err;
          writing.delete(tracked);
        },
      );
      writing.add(tracked);
    };
    const reads = readsOf(pending);
    // The next read is under way while this one's texts are split.
    let next = reads.length ? readTexts(orgId, reads[0]) : null;
    for (let i = 0; i < reads.length; i++) {
      ctx.signal.throwIfAborted();
      const waited = performance.now();
      const texts = await next!;
      timings.readWaitMs += performance.now() - waited;
      next = i + 1 < reads.length ? readTexts(orgId, reads[i + 1]) : null;
      for (const [n, b] of reads[i].entries()) {
        const text = texts[n];
        if (text === null) continue;
        batch.shas.push(b.sha256);
        const split = performance.now();
        for (const row of chunksOf(b.sha256, text)) batch.rows.push(row);
        timings.splitMs += performance.now() - split;
        // Between contents: a content's chunks and its mark are written together.
        if (batch.rows.length >= CHUNKS_PER_BATCH) {
          await flush();
          // Splitting is the server's own work: requests are served between batches.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    }
    await flush();
    await Promise.all(writing);
    if (failure) throw failure;
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
    // The uploader waits on it: the search answers 409 until it is done.
    pollIntervalSeconds: 0.5,
    retryLimit: 3,
    retryDelaySeconds: 10,
    retryBackoff: true,
    async handler(ctx) {
      const started = performance.now();
      const timings: Timings = { readWaitMs: 0, splitMs: 0, writeMs: 0, chunks: 0 };
      // The paths' words go beside the contents, on a connection of their own.
      let contentsDone = 0;
      const [{ indexedBlobs, lines }] = await Promise.all([
        indexBlobs(ctx, timings).then((r) => {
          contentsDone = performance.now();
          return r;
        }),
        indexPaths(ctx),
      ]);
      if (lines >= ANALYZE_AFTER_LINES) await searchIndex.analyze(db);
      await searchIndex.mergePending(db).catch((err: Error) => log.debug({ err: err.message }, 'codebase: the search index\'s pending list is left to autovacuum'));
      const searchable = await searchIndex.markSnapshot(db, ctx.data.orgId, ctx.data.snapshotId, clock.now());
      const ms = (x: number) => Math.round(x);
      log.info(
        { ...ctx.data, indexedBlobs, lines, ...timings, readWaitMs: ms(timings.readWaitMs), splitMs: ms(timings.splitMs), writeMs: ms(timings.writeMs), contentsMs: ms(contentsDone - started), ms: ms(performance.now() - started) },
        'codebase: snapshot indexed',
      );
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
