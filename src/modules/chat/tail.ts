// Follows an answer as Server-Sent Events, on whichever instance the client reached: the chunks
// after `Last-Event-ID` from the table, then the live ones as they are written (realtime, see
// live.ts; straight from the writer when it runs on this instance), each once and in order,
// `id:` being its seq; the stream ends after `done`. The POST that starts an answer follows it
// the same way from the start, so a client that resumes elsewhere gets exactly what the first
// connection would have.
//
// A live message is used only when it is the next in the sequence; a gap (a message dropped or
// sent without its data), word from another instance that chunks were stored past the last
// sent one, and every POLL_MS without news, read the table instead. Nothing
// new for a while also asks whether the answer's generation is still alive (a dead one is
// closed from what it stored, which writes its `done`).
import { Readable } from 'node:stream';
import type { Executor } from '../../core/db/database.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { RealtimeBroker, RealtimeMessage } from '../../core/realtime/types.ts';
import { CHUNKS_EVENT, followAnswer, pendingLocally, STOP_EVENT, STORED_EVENT, writesLocally } from './live.ts';
import { chunks } from './repository.ts';
import type { StoredChunk } from './transcript.ts';

/** Chunks read from the table at once. */
const PAGE = 500;
export const RETRY_MS = 3000;
/** A client that lets this much pile up unread is closed; it resumes from its last id. */
const MAX_BUFFERED_BYTES = 1 << 20;

export interface TailOptions {
  db: Executor;
  realtime: RealtimeBroker;
  log: Logger;
  /** Without news for this long, the table is read (and the answer's life checked). */
  pollMs: number;
  heartbeatMs: number;
}

/** What the answer is now, once dead answers are closed: still written, ended, or gone (deleted). */
export type AnswerState = 'streaming' | 'ended' | 'gone';

/** One SSE event. JSON has no raw line break, so `data` is one line. */
export const sseEvent = (c: StoredChunk) => `id: ${c.seq}\nevent: ${c.kind}\ndata: ${JSON.stringify(c.data)}\n\n`;

export function createTails(opts: TailOptions) {
  const { db, realtime, log } = opts;
  const open = new Set<() => void>();

  /**
   * Opens the stream of an answer after `afterSeq` (0: from the start). `state` closes the answer
   * if its generation died and says where it is. Throws, before anything is sent, when the
   * table cannot be read.
   */
  async function follow(messageId: string, afterSeq: number, state: () => Promise<AnswerState>): Promise<Readable> {
    // Events are pushed as they come (no transform stage in between); reading is the response's pipe.
    const out = new Readable({ read() {} });
    let last = afterSeq;
    let closed = false;
    let pulling = false;
    let again = false;
    let news = Date.now();

    const write = (text: string) => {
      if (closed) return;
      out.push(text);
      if (out.readableLength > MAX_BUFFERED_BYTES) {
        log.info({ messageId }, 'chat stream client too slow; closed (it resumes from its last event id)');
        close();
      }
    };
    /** Sends the chunk if it is the next one; false when it is not (a gap). */
    const emit = (c: StoredChunk): boolean => {
      if (c.seq <= last) return true;
      if (c.seq !== last + 1 || closed) return false;
      last = c.seq;
      news = Date.now();
      write(sseEvent(c));
      if (c.kind === 'done') close();
      return true;
    };

    /**
     * Sends what the writer on this instance has past the last sent chunk and has not stored
     * yet; false when the answer is not written here (the table, then the broker, bring it).
     */
    const catchUpLocally = (): boolean => {
      const pending = pendingLocally(realtime, messageId);
      if (!pending) return false;
      for (const c of pending) emit(c);
      return true;
    };

    /** Reads the table after the last sent chunk, until it has nothing more; when `idle` (opening, or no news), then asks whether the answer is alive. */
    async function pull(idle: boolean, opening = false): Promise<void> {
      if (closed) return;
      if (pulling) {
        again = true;
        return;
      }
      pulling = true;
      try {
        // Opening on the instance that writes the answer, with nothing missing between the last
        // sent chunk and what its writer holds (the POST that starts it follows it here at once):
        // the writer's chunks, without reading the table.
        if (opening) {
          const local = pendingLocally(realtime, messageId);
          if (local?.length && local[0].seq <= last + 1) {
            for (const c of local) emit(c);
            news = Date.now();
            return;
          }
        }
        for (;;) {
          again = false;
          const rows = await chunks.after(db, messageId, last, PAGE);
          for (const row of rows) emit(row);
          if (rows.length < PAGE) catchUpLocally();
          if (closed) return;
          if (rows.length === PAGE || again) continue;
          if (!idle) return;
          news = Date.now();
          // Opening on the instance that writes the answer (the POST that starts it follows it here
          // at once): alive and streaming, without asking the table. Later, a stop or a deletion
          // asks, as a deleted conversation must end the stream now.
          if (opening && pendingLocally(realtime, messageId)) return;
          const now = await state();
          if (now === 'gone') return close();
          if (now === 'streaming') return;
          return await finishEnded();
        }
      } finally {
        pulling = false;
      }
    }
    /**
     * The answer has ended (a dead one was just closed, writing its `done`): nothing more will be
     * written, so what the table holds after the last sent chunk is sent, in order and past any
     * gap (which could never fill), and the stream ends, also when the client already had `done`.
     */
    async function finishEnded(): Promise<void> {
      for (;;) {
        const rows = await chunks.after(db, messageId, last, PAGE);
        for (const row of rows) {
          if (row.seq > last + 1) {
            log.warn({ messageId, from: last + 1, to: row.seq - 1 }, 'chat stream: chunks missing from an ended answer; skipped');
            last = row.seq - 1;
          }
          emit(row);
        }
        if (closed || rows.length < PAGE) break;
      }
      close();
    }
    const pullInBackground = (idle: boolean) =>
      pull(idle).catch((err: Error) => {
        // The next poll tries again.
        log.warn({ messageId, err: err.message }, 'chat stream: chunks not read');
      });

    const onMessage = (m: RealtimeMessage) => {
      // A stop is asked, or the conversation deleted: the latter ends the stream now, not at the next poll.
      if (m.event === STOP_EVENT) return void pullInBackground(true);
      if (m.event === STORED_EVENT) {
        // Written here: the writer brought these already. Elsewhere: read them, unless sent.
        const seq = (m.data as { seq?: unknown } | null)?.seq;
        if (writesLocally(realtime, messageId) || (typeof seq === 'number' && seq <= last)) return;
        return void pullInBackground(false);
      }
      if (m.event !== CHUNKS_EVENT) return;
      const list = (m.data as { chunks?: StoredChunk[] } | null)?.chunks;
      if (!Array.isArray(list)) return void pullInBackground(false);
      for (const c of list) {
        // A gap: what this instance writes and has not stored yet fills it, else the table does.
        if (!emit(c) && !(catchUpLocally() && emit(c))) return void pullInBackground(false);
      }
    };
    const unsubscribe = followAnswer(realtime, messageId, onMessage);
    const poll = setInterval(() => {
      if (Date.now() - news >= opts.pollMs) void pullInBackground(true);
    }, opts.pollMs / 2);
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), opts.heartbeatMs);
    poll.unref();
    heartbeat.unref();

    function close() {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(close);
      if (!out.destroyed) out.push(null);
    }
    open.add(close);
    // The client went away: Fastify destroys the stream it was sending. The answer goes on.
    out.on('close', close);

    write(`retry: ${RETRY_MS}\n\n`);
    try {
      // Subscribed first, then the table: nothing falls between the two.
      await pull(true, true);
    } catch (err) {
      close();
      throw err;
    }
    return out;
  }

  return {
    follow,
    /** Ends every open stream (shutdown): clients resume on another instance. */
    closeAll() {
      for (const close of [...open]) close();
    },
    get size() {
      return open.size;
    },
  };
}

export type Tails = ReturnType<typeof createTails>;
