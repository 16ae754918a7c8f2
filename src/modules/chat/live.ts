// How an answer's chunks and its stop request reach every instance: core.realtime (Redis
// pub/sub when REDIS_URL is set, else PostgreSQL NOTIFY). The broker routes a message by a key
// it knows as a user id; an answer has a key of its own, `chat.answer:<messageId>`, which no
// user id (a UUID) can equal, so only that answer's followers and its generation hear it.
//
// The table is the truth, realtime only the fast path: the broker drops a message rather than
// fail (and sends one too large for NOTIFY without its data), so a follower that sees a gap in
// the sequence, or nothing for a while, reads the table (tail.ts).
import type { RealtimeBroker } from '../../core/realtime/types.ts';
import type { StoredChunk } from './transcript.ts';

export const answerChannel = (messageId: string) => `chat.answer:${messageId}`;

/** New chunks of an answer, as written. */
export const CHUNKS_EVENT = 'chat.chunks';
/** A stop was asked: the instance running the answer aborts it. */
export const STOP_EVENT = 'chat.stop';

export function publishChunks(realtime: RealtimeBroker, messageId: string, chunks: readonly StoredChunk[]): void {
  // publish never throws: a message it drops is found in the table by the followers.
  void realtime.publish(answerChannel(messageId), { event: CHUNKS_EVENT, data: { chunks } });
}

export function publishStop(realtime: RealtimeBroker, messageId: string): Promise<void> {
  return realtime.publish(answerChannel(messageId), { event: STOP_EVENT, data: null });
}
