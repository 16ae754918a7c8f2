// How an answer's chunks and its stop request reach every instance: core.realtime (Redis
// pub/sub when REDIS_URL is set, else PostgreSQL NOTIFY). The broker routes a message by a key
// it knows as a user id; an answer has a key of its own, `chat.answer:<messageId>`, which no
// user id (a UUID) can equal, so only that answer's followers and its generation hear it.
//
// The table is the truth, realtime only the fast path: the broker drops a message rather than
// fail (and sends one too large for NOTIFY without its data), so a follower that sees a gap in
// the sequence, or nothing for a while, reads the table (tail.ts).
//
// Followers on the instance that writes the answer (the client that asked, most often) get its
// chunks straight from the writer, once they are stored, in order, and again through the broker
// (a duplicate, which they skip by seq): a NOTIFY that waits for a pool connection, comes late or
// is dropped under load neither delays them nor sends them to read the table.
import type { RealtimeBroker, RealtimeMessage } from '../../core/realtime/types.ts';
import type { StoredChunk } from './transcript.ts';

export const answerChannel = (messageId: string) => `chat.answer:${messageId}`;

/** New chunks of an answer, as written. */
export const CHUNKS_EVENT = 'chat.chunks';
/** A stop was asked: the instance running the answer aborts it. */
export const STOP_EVENT = 'chat.stop';

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

export function publishChunks(realtime: RealtimeBroker, messageId: string, chunks: readonly StoredChunk[]): void {
  const message: RealtimeMessage = { event: CHUNKS_EVENT, data: { chunks } };
  for (const listener of [...(localFollowers.get(realtime)?.get(messageId) ?? [])]) {
    try {
      listener(message);
    } catch {
      // A follower's failure is its own; the others and the broker still get the chunks.
    }
  }
  // publish never throws: a message it drops is found in the table by the followers.
  void realtime.publish(answerChannel(messageId), message);
}

export function publishStop(realtime: RealtimeBroker, messageId: string): Promise<void> {
  return realtime.publish(answerChannel(messageId), { event: STOP_EVENT, data: null });
}
