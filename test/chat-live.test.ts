// The fast path of an answer's chunks on the instance that writes it: a follower there gets each
// batch from the writer even when the broker drops it (NOTIFY without a pool connection, say),
// while a follower of another instance (another broker) hears only what the broker carries.
import { describe, expect, it } from 'vitest';
import type { Executor } from '../src/core/db/database.ts';
import type { Logger } from '../src/core/log/logger.ts';
import type { RealtimeBroker, RealtimeMessage } from '../src/core/realtime/types.ts';
import { answerChannel, CHUNKS_EVENT, followAnswer, pendingLocally, publishChunks, publishLocally, publishStored, registerWriter, STORED_EVENT, writesLocally } from '../src/modules/chat/live.ts';
import { createTails } from '../src/modules/chat/tail.ts';
import type { StoredChunk } from '../src/modules/chat/transcript.ts';

/** A broker that delivers to its own subscribers only when `up`, as a dropped NOTIFY would not. */
function broker() {
  const subscribers = new Map<string, Set<(m: RealtimeMessage) => void>>();
  const state = { up: true, published: 0 };
  const b = {
    async publish(key: string, message: RealtimeMessage) {
      state.published++;
      if (state.up) for (const fn of subscribers.get(key) ?? []) fn(message);
    },
    subscribe(key: string, fn: (m: RealtimeMessage) => void) {
      const set = subscribers.get(key) ?? new Set();
      set.add(fn);
      subscribers.set(key, set);
      return () => set.delete(fn);
    },
  } as unknown as RealtimeBroker;
  return { b, state, subscribers };
}

const text = (seq: number): StoredChunk => ({ seq, kind: 'text', data: { text: `piece ${seq}` } });
const seqs = (messages: RealtimeMessage[]) => messages.flatMap((m) => (m.data as { chunks: StoredChunk[] }).chunks.map((c) => c.seq));

describe('an answer\'s chunks on the instance that writes them', () => {
  it('reach its followers there although the broker drops them, and no one else\'s', async () => {
    const here = broker();
    const there = broker();
    const local: RealtimeMessage[] = [];
    const remote: RealtimeMessage[] = [];
    const other: RealtimeMessage[] = [];
    const stop = followAnswer(here.b, 'm1', (m) => local.push(m));
    followAnswer(there.b, 'm1', (m) => remote.push(m));
    followAnswer(here.b, 'm2', (m) => other.push(m));

    here.state.up = false;
    publishChunks(here.b, 'm1', [text(2), text(3)]);
    expect(local.map((m) => m.event)).toEqual([CHUNKS_EVENT]);
    expect(seqs(local)).toEqual([2, 3]);
    expect(here.state.published).toBe(1); // still published, for followers elsewhere
    expect(remote).toEqual([]);
    expect(other).toEqual([]);

    // With the broker up, a follower here hears a batch twice (it skips the copy by seq).
    here.state.up = true;
    publishChunks(here.b, 'm1', [text(4)]);
    expect(seqs(local)).toEqual([2, 3, 4, 4]);

    stop();
    publishChunks(here.b, 'm1', [text(5)]);
    expect(seqs(local)).toEqual([2, 3, 4, 4]);
    expect(here.subscribers.get(answerChannel('m1'))?.size).toBe(0);
  });

  it('go to followers here as they come; once stored, every instance hears in one message which answers have which seqs', () => {
    const here = broker();
    const local: RealtimeMessage[] = [];
    const m4: RealtimeMessage[] = [];
    followAnswer(here.b, 'm3', (m) => local.push(m));
    followAnswer(here.b, 'm4', (m) => m4.push(m));
    publishLocally(here.b, 'm3', [text(2)]);
    expect(seqs(local)).toEqual([2]);
    expect(here.state.published).toBe(0);

    // 250 answers stored by one write: three messages (each within NOTIFY's limit), each follower told its answer's seq.
    const stored = Array.from({ length: 250 }, (_, i) => [`x${i}`, i] as [string, number]);
    publishStored(here.b, [['m3', 2], ...stored, ['m4', 7]]);
    expect(here.state.published).toBe(3);
    expect(local.at(-1)).toEqual({ event: STORED_EVENT, data: { seq: 2 } });
    expect(m4).toEqual([{ event: STORED_EVENT, data: { seq: 7 } }]);

    const queue = [text(3), text(4)];
    const forget = registerWriter(here.b, 'm3', () => queue);
    expect(pendingLocally(here.b, 'm3')?.map((c) => c.seq)).toEqual([3, 4]);
    expect(writesLocally(here.b, 'm3')).toBe(true);
    expect(pendingLocally(here.b, 'other')).toBeNull();
    expect(writesLocally(here.b, 'other')).toBe(false);
    forget();
    expect(pendingLocally(here.b, 'm3')).toBeNull();
    expect(writesLocally(here.b, 'm3')).toBe(false);
  });
});

describe('a follower that reads nothing', () => {
  it('is closed once a megabyte waits for it, and resumes from its last id', async () => {
    const { b } = broker();
    const pending: StoredChunk[] = [{ seq: 1, kind: 'start', data: {} } as StoredChunk];
    registerWriter(b, 'm9', () => pending);
    const logged: string[] = [];
    const log = { info: (_fields: unknown, msg: string) => logged.push(msg), warn: () => {} } as unknown as Logger;
    const tails = createTails({ db: {} as Executor, realtime: b, log, pollMs: 60_000, heartbeatMs: 60_000 });
    const stream = await tails.follow('m9', 0, async () => 'streaming');
    const big = (seq: number): StoredChunk => ({ seq, kind: 'text', data: { text: 'x'.repeat(300_000) } });
    publishLocally(b, 'm9', [big(2), big(3), big(4)]);
    expect(tails.size).toBe(1);
    publishLocally(b, 'm9', [big(5)]);
    expect(tails.size).toBe(0);
    expect(logged).toEqual(['chat stream client too slow; closed (it resumes from its last event id)']);
    // What was sent before the close is still read, then the stream ends.
    let read = '';
    for await (const piece of stream) read += piece;
    expect(read.match(/^id: \d+$/gm)).toEqual(['id: 1', 'id: 2', 'id: 3', 'id: 4', 'id: 5']);
  });
});
