// How an answer's chunks and its stop request reach every instance: core.realtime (Redis
// pub/sub when REDIS_URL is set, else PostgreSQL NOTIFY). The broker routes a message by a key
// it knows as a user id; an answer has a key of its own, `chat.answer:<messageId>`, which no
// user id (a UUID) can equal, so only that answer's followers and its generation hear it.
//
// The table is the truth, realtime only the fast path: the broker drops a message rather than
// fail (and sends one too large for NOTIFY without its data), so a follower that sees a gap in
// the sequence, or nothing for a while, reads the table (tail.ts).
//
// Followers on the instance that writes the answer (the client that asked, most often) get each
// chunk straight from the writer as it comes, before it is stored (publishLocally): neither the
// batching of the writes nor a NOTIFY that waits for a pool connection, comes late or is dropped
// delays them. Followers elsewhere learn from one message per shared write (publishStored, on
// the key `chat.stored`) which answers have chunks stored up to which seq, and read them from
// the table: a thousand answers streaming make a few small messages a second, not a thousand
// carrying their text to every instance, the writer's own included. An answer's end goes to
// all with its `done` chunk (publishChunks).
import type { RealtimeBroker, RealtimeMessage } from '../../core/realtime/types.ts';
import type { StoredChunk } from './transcript.ts';

export const answerChannel = (messageId: string) => `chat.answer:${messageId}`;

/** New chunks of an answer, as written. */
export const CHUNKS_EVENT = 'chat.chunks';
/** A stop was asked: the instance running the answer aborts it. */
export const STOP_EVENT = 'chat.stop';
/** An answer's chunks are stored up to `data.seq`: a follower that has not seen them reads the table. */
export const STORED_EVENT = 'chat.stored';
/** The broker key of the stored-chunks messages, which every instance hears; no user id (a UUID) equals it. */
const STORED_KEY = 'chat.stored';
/** Answers named by one stored-chunks message: within the broker's envelope (MAX_ENVELOPE_BYTES, about 50 bytes each). */
const STORED_PER_MESSAGE = 120;

type Listener = (message: RealtimeMessage) => void;
/** This instance's followers (one broker per app instance), by answer. */
const localFollowers = new WeakMap<RealtimeBroker, Map<string, Set<Listener>>>();

/** Follows an answer's messages: from the writer when it runs here, and through the broker from any instance. */
export function followAnswer(realtime: RealtimeBroker, messageId: string, onMessage: Listener): () => void {
  const unsubscribe = realtime.subscribe(answerChannel(messageId), onMessage);
  let byAnswer = localFollowers.get(realtime);
  if (!byAnswer) {
    byAnswer = new Map();
    localFollowers.set(realtime, byAnswer);
    // Once per broker (per app instance), for as long as it lives: which answers other instances stored.
    const followers = byAnswer;
    realtime.subscribe(STORED_KEY, (m) => {
      const answers = (m.data as { answers?: unknown } | null)?.answers;
      if (m.event !== STORED_EVENT || !Array.isArray(answers)) return;
      for (const entry of answers) {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') continue;
        const listeners = followers.get(entry[0]);
        if (listeners?.size) tell(listeners, { event: STORED_EVENT, data: { seq: entry[1] } });
      }
    });
  }
  let listeners = byAnswer.get(messageId);
  if (!listeners) {
    listeners = new Set();
    byAnswer.set(messageId, listeners);
  }
  listeners.add(onMessage);
  return () => {
    unsubscribe();
    listeners.delete(onMessage);
    if (!listeners.size && byAnswer.get(messageId) === listeners) byAnswer.delete(messageId);
  };
}

/** The chunks of answers written on this instance that are not stored yet, by answer. */
const localWriters = new WeakMap<RealtimeBroker, Map<string, () => readonly StoredChunk[]>>();

/** The writer of an answer tells where its chunks not yet stored are; the returned function forgets it. */
export function registerWriter(realtime: RealtimeBroker, messageId: string, pending: () => readonly StoredChunk[]): () => void {
  let byAnswer = localWriters.get(realtime);
  if (!byAnswer) {
    byAnswer = new Map();
    localWriters.set(realtime, byAnswer);
  }
  byAnswer.set(messageId, pending);
  return () => {
    if (byAnswer.get(messageId) === pending) byAnswer.delete(messageId);
  };
}

/** Whether the answer is written on this instance (its writer then feeds the followers here). */
export const writesLocally = (realtime: RealtimeBroker, messageId: string): boolean => localWriters.get(realtime)?.has(messageId) ?? false;

/**
 * The answer's chunks this instance has and the table may not yet (in seq order), or null when
 * the answer is not written here: what a follower that joined late, or missed a local message,
 * needs after what it read from the table.
 */
export function pendingLocally(realtime: RealtimeBroker, messageId: string): readonly StoredChunk[] | null {
  return localWriters.get(realtime)?.get(messageId)?.() ?? null;
}

/** To this instance's followers of the answer only, now (the writer, as each chunk comes). */
export function publishLocally(realtime: RealtimeBroker, messageId: string, chunks: readonly StoredChunk[]): void {
  const listeners = localFollowers.get(realtime)?.get(messageId);
  if (listeners?.size) tell(listeners, { event: CHUNKS_EVENT, data: { chunks } });
}

function tell(listeners: ReadonlySet<Listener>, message: RealtimeMessage): void {
  for (const listener of [...listeners]) {
    try {
      listener(message);
    } catch {
      // A follower's failure is its own; the others still get the message.
    }
  }
}

/**
 * Answers whose chunks one write stored, each with its last seq, to every instance through the
 * broker: a few messages for all of them. Followers elsewhere read the table (tail.ts).
 */
export function publishStored(realtime: RealtimeBroker, stored: readonly (readonly [messageId: string, seq: number])[]): void {
  for (let i = 0; i < stored.length; i += STORED_PER_MESSAGE) {
    // publish never throws: a message it drops leaves the followers to their poll of the table.
    void realtime.publish(STORED_KEY, { event: STORED_EVENT, data: { answers: stored.slice(i, i + STORED_PER_MESSAGE) } });
  }
}

/** To every instance's followers through the broker, with the chunks. */
function publishToAll(realtime: RealtimeBroker, messageId: string, chunks: readonly StoredChunk[]): void {
  void realtime.publish(answerChannel(messageId), { event: CHUNKS_EVENT, data: { chunks } });
}

/** Both: chunks stored before anyone heard of them (an answer's end). */
export function publishChunks(realtime: RealtimeBroker, messageId: string, chunks: readonly StoredChunk[]): void {
  publishLocally(realtime, messageId, chunks);
  publishToAll(realtime, messageId, chunks);
}

export function publishStop(realtime: RealtimeBroker, messageId: string): Promise<void> {
  return realtime.publish(answerChannel(messageId), { event: STOP_EVENT, data: null });
}
