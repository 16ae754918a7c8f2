// Writes a streaming answer's chunks to the table as it runs, and tells every instance. Text
// deltas are batched (a chunk every FLUSH_MS, or sooner past FLUSH_CHARS), so the database sees
// a few writes a second rather than one per token; any other chunk (a tool call, a result, the
// usage) goes at once, after the text before it. Each write also beats the answer's heart
// (updated_at) and reads whether it is still streaming and whether a stop was asked; `beat()`
// does the same between writes (a long tool call, a slow model).
//
// Seqs are given in order and a batch that fails is written again with the same seqs at the next
// write, so the table never has a gap: a follower that resumes finds every chunk.
import type { Executor } from '../../core/db/database.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import type { RealtimeBroker } from '../../core/realtime/types.ts';
import { publishChunks } from './live.ts';
import { chunks, type Pulse } from './repository.ts';
import type { Chunk, StoredChunk } from './transcript.ts';

export const FLUSH_MS = 75;
export const FLUSH_CHARS = 400;

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
  let text = '';
  let queue: StoredChunk[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  /** A write chained behind the one in flight, not started yet: it will take whatever is queued by then. */
  let waiting: Promise<void> | undefined;
  let failing = false;

  const cutText = () => {
    if (!text) return;
    queue.push({ seq: ++seq, kind: 'text', data: { text } });
    text = '';
  };

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
      // Text that came while this write waited goes with it, as one piece.
      clearTimeout(timer);
      timer = undefined;
      cutText();
      // A copy: chunks added while the statement runs are not in it, and must stay queued.
      const batch = [...queue];
      let pulse: Pulse;
      try {
        pulse = await chunks.append(db, messageId, batch, clock.now());
      } catch (err) {
        // Kept queued, with their seqs, for the next write; a reader gives the answer up if this lasts.
        if (!failing) log.warn({ messageId, err: (err as Error).message }, 'chat: answer chunks not written; retrying with the next write');
        failing = true;
        return;
      }
      failing = false;
      queue = queue.slice(batch.length);
      if (batch.length && pulse.streaming) publishChunks(realtime, messageId, batch);
      opts.onPulse(pulse);
    });
    chain = waiting;
    return waiting;
  }

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    cutText();
    return write();
  }

  return {
    add(chunk: Chunk) {
      if (chunk.kind === 'text') {
        text += chunk.data.text;
        if (text.length >= FLUSH_CHARS) void flush();
        else timer ??= setTimeout(flush, FLUSH_MS);
        return;
      }
      cutText();
      queue.push({ ...chunk, seq: ++seq } as StoredChunk);
      void flush();
    },
    /** A heartbeat: what is queued, or nothing, written now. */
    beat: () => void write(),
    /** Writes everything left; true when all of it is stored. */
    async close(): Promise<boolean> {
      await flush();
      if (queue.length) await write();
      return queue.length === 0;
    },
    /** The seq after the last chunk written: the `done` chunk's. */
    nextSeq: () => seq + 1,
  };
}

export type ChunkWriter = ReturnType<typeof createChunkWriter>;
