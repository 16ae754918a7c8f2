// Writes a streaming answer's chunks to the table as it runs, and tells every instance. Each
// chunk (a text delta, a tool call, a result, the usage) gets its seq as it comes and goes at
// once to the followers on this instance (the client that asked, most often), so what the
// provider streams reaches them without waiting for the database. The table is written in
// batches: text deltas and usage at the next tick of FLUSH_MS (or sooner past FLUSH_CHARS), any
// other chunk at once with what is queued before it; the other instances hear a batch once it
// is stored (one message for all the answers of a shared write). Each write also beats the answer's heart (updated_at) and reads whether it is still
// streaming and whether a stop was asked; `beat()` does the same when no write has. The writes of all the
// answers an instance streams go together, one statement at a time (createAppender), and their
// ticks are the same, so a thousand answers make a few statements a second, not a thousand.
//
// Seqs are given in order and a batch that fails is written again with the same seqs at the next
// write, so the table never has a gap: a follower that resumes finds every chunk. What a local
// follower saw is stored unless the process dies first (then the answer is closed from the table).
import type { Executor } from '../../core/db/database.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import type { RealtimeBroker } from '../../core/realtime/types.ts';
import { publishLocally, publishStored, registerWriter } from './live.ts';
import { chunks, type Pulse } from './repository.ts';
import type { Chunk, StoredChunk } from './transcript.ts';

/**
 * Text deltas are stored at the next tick of this period, the same ticks for every answer of
 * the instance (so their writes go together, createAppender); local followers already have them.
 */
export const FLUSH_MS = 250;
export const FLUSH_CHARS = 4000;
/**
 * Answers written by one statement at most. The answers of a tick go in several statements, one
 * after the other: building one (its JSON) and reading its reply hold the event loop for about a
 * millisecond instead of several for all 200 of a busy instance, and deltas pass between them (BENCHMARKS.md, chat).
 */
const MAX_ANSWERS_PER_STATEMENT = 50;

interface Append {
  messageId: string;
  batch: readonly StoredChunk[];
  at: Date;
  done(pulse: Pulse): void;
  failed(err: unknown): void;
}

/**
 * The writes of every answer this instance streams, one statement at a time: those asked for
 * while one runs wait and go together in the next. A thousand answers each storing its text
 * once a second make a few statements a second, not a thousand, whose round trips to the
 * database kept the event loop waiting for a core (BENCHMARKS.md, chat); quiet, a write goes at once.
 */
function createAppender(db: Executor, realtime: RealtimeBroker) {
  const waiting: Append[] = [];
  let running = false;

  async function drain() {
    running = true;
    try {
      while (waiting.length) {
        const group = waiting.splice(0, MAX_ANSWERS_PER_STATEMENT);
        const at = group.reduce((latest, a) => (a.at > latest ? a.at : latest), group[0].at);
        try {
          settle(group, await chunks.appendMany(db, group, at));
        } catch (err) {
          if (group.length === 1) group[0].failed(err);
          // One answer's pieces the table refuses must not stop the others' (each retries its own).
          else for (const a of group) await chunks.appendMany(db, [a], at).then((pulses) => settle([a], pulses), a.failed);
        }
      }
    } finally {
      running = false;
    }
  }

  /** Each answer learns its pulse; other instances learn, in one message, which answers' chunks are stored now. */
  function settle(group: readonly Append[], pulses: Map<string, Pulse>) {
    const stored: [string, number][] = [];
    for (const a of group) {
      const pulse = pulses.get(a.messageId) ?? { streaming: false };
      if (pulse.streaming && a.batch.length) stored.push([a.messageId, a.batch[a.batch.length - 1].seq]);
      a.done(pulse);
    }
    if (stored.length) publishStored(realtime, stored);
  }

  return {
    append(messageId: string, batch: readonly StoredChunk[], at: Date): Promise<Pulse> {
      return new Promise((done, failed) => {
        waiting.push({ messageId, batch, at, done, failed });
        if (!running) void drain();
      });
    },
  };
}

/** Milliseconds from `now` to the next multiple of FLUSH_MS (never 0: a tick that is due now is the next one). */
export const untilNextTick = (now: number) => FLUSH_MS - (now % FLUSH_MS);

/** One appender per database (one per app instance, with its one broker). */
const appenders = new WeakMap<Executor, ReturnType<typeof createAppender>>();

function appenderOf(db: Executor, realtime: RealtimeBroker) {
  let appender = appenders.get(db);
  if (!appender) {
    appender = createAppender(db, realtime);
    appenders.set(db, appender);
  }
  return appender;
}

export interface ChunkWriterOptions {
  db: Executor;
  realtime: RealtimeBroker;
  clock: Clock;
  log: Logger;
  messageId: string;
  /** The seq of the first chunk this writer writes (the `start` chunk is stored with the message). */
  firstSeq: number;
  /** What each write learnt: the answer was given up or deleted, or a stop was asked. */
  onPulse(pulse: Pulse): void;
}

export function createChunkWriter(opts: ChunkWriterOptions) {
  const { db, realtime, clock, log, messageId } = opts;
  let seq = opts.firstSeq - 1;
  /** Characters of text queued since the last write. */
  let textChars = 0;
  let queue: StoredChunk[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  /** A write chained behind the one in flight, not started yet: it will take whatever is queued by then. */
  let waiting: Promise<void> | undefined;
  let failing = false;
  /** A write started since the last heartbeat: it beat the heart already. */
  let wroteSinceBeat = false;
  /** The batch last stored: a follower that read the table just before it was written finds it here. */
  let lastStored: StoredChunk[] = [];
  // Followers on this instance that join late find here what the table does not hold yet.
  const unregister = registerWriter(realtime, messageId, () => (lastStored.length ? [...lastStored, ...queue] : queue));

  /**
   * Writes what is queued (or only beats, when nothing is), after the writes before. At most one
   * write waits behind the one in flight, and it takes everything queued when it starts: while
   * the database is slow, an answer's pieces pile into its next write instead of each flush
   * adding a statement (most of them empty) to a queue that only grows.
   */
  function write(): Promise<void> {
    if (waiting) return waiting;
    waiting = chain.then(async () => {
      waiting = undefined;
      wroteSinceBeat = true;
      // Text that came while this write waited goes with it.
      clearTimeout(timer);
      timer = undefined;
      textChars = 0;
      // A copy: chunks added while the statement runs are not in it, and must stay queued.
      const batch = [...queue];
      let pulse: Pulse;
      try {
        pulse = await appenderOf(db, realtime).append(messageId, batch, clock.now());
      } catch (err) {
        // Kept queued, with their seqs, for the next write; a reader gives the answer up if this lasts.
        if (!failing) log.warn({ messageId, err: (err as Error).message }, 'chat: answer chunks not written; retrying with the next write');
        failing = true;
        return;
      }
      failing = false;
      queue = queue.slice(batch.length);
      if (batch.length) lastStored = batch;
      opts.onPulse(pulse);
    });
    chain = waiting;
    return waiting;
  }

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    return write();
  }

  return {
    add(chunk: Chunk) {
      const stored = { ...chunk, seq: ++seq } as StoredChunk;
      queue.push(stored);
      publishLocally(realtime, messageId, [stored]);
      // Text, and a model call's usage (the answer's end or its next call follows at once), wait for the tick.
      if (chunk.kind === 'text' || chunk.kind === 'usage') {
        if (chunk.kind === 'text') textChars += chunk.data.text.length;
        if (textChars >= FLUSH_CHARS) void flush();
        else timer ??= setTimeout(flush, untilNextTick(clock.now().getTime()));
        return;
      }
      void flush();
    },
    /**
     * Chunks stored outside this writer (the `start` chunk, with the message): local followers
     * that open now find them here, as they find the last batch, without reading the table.
     */
    storedBefore(stored: StoredChunk[]) {
      if (!lastStored.length) lastStored = stored;
    },
    /** A heartbeat: what is queued, or nothing, written now; nothing when a write has beaten since the last heartbeat. */
    beat() {
      if (wroteSinceBeat) wroteSinceBeat = false;
      else void write();
    },
    /**
     * The answer ends: no more writes of this writer's own. Waits for the writes under way and
     * answers what is still not stored (its seqs given), for the end's statement to store with
     * `done`. Local followers still find those chunks until `release()`.
     */
    async remaining(): Promise<StoredChunk[]> {
      clearTimeout(timer);
      timer = undefined;
      await (waiting ?? chain);
      return [...queue];
    },
    /** Forgets the answer here (its end is written, or it was given up). */
    release: () => unregister(),
    /** Writes everything left; true when all of it is stored. */
    async close(): Promise<boolean> {
      try {
        clearTimeout(timer);
        timer = undefined;
        // What is queued is written (again, once, if that write fails); with nothing queued, only
        // the writes under way are waited for: the answer's end, written next, is its last beat.
        if (queue.length) await write();
        else await (waiting ?? chain);
        if (queue.length) await write();
        return queue.length === 0;
      } finally {
        unregister();
      }
    },
    /** The seq after the last chunk written: the `done` chunk's. */
    nextSeq: () => seq + 1,
  };
}

export type ChunkWriter = ReturnType<typeof createChunkWriter>;
