// The chunk writer against a slow table (chunks.append replaced by one the test releases): a
// chunk added while a write runs is stored by the next write, never dropped, so the table has
// no gap for a follower to wait on forever; while one write runs, flushes pile into one more
// write rather than one statement each; a failed write is retried with the same seqs.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Executor } from '../src/core/db/database.ts';
import type { Logger } from '../src/core/log/logger.ts';
import type { RealtimeBroker } from '../src/core/realtime/types.ts';
import { createChunkWriter, FLUSH_MS } from '../src/modules/chat/chunk-writer.ts';
import type { StoredChunk } from '../src/modules/chat/transcript.ts';

/** Each statement (chunks.appendMany): the answers and seqs it got, and how to end it. */
const calls: { seqs: number[]; answers: string[]; release(fail?: boolean): void }[] = [];

vi.mock('../src/modules/chat/repository.ts', () => ({
  chunks: {
    appendMany: (_db: unknown, items: readonly { messageId: string; batch: readonly StoredChunk[] }[]) =>
      new Promise((resolve, reject) => {
        calls.push({
          seqs: items.flatMap((i) => i.batch.map((c) => c.seq)),
          answers: items.map((i) => i.messageId),
          release: (fail) => (fail ? reject(new Error('connection lost')) : resolve(new Map(items.map((i) => [i.messageId, { streaming: true, stopRequested: false }])))),
        });
      }),
  },
}));

const log = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} } as unknown as Logger;
/** Each message that tells other instances what one write stored: `answer:last seq` of each answer. */
const published: string[][] = [];
const realtime = { publish: async (_key: string, m: { data: { answers: [string, number][] } }) => void published.push(m.data.answers.map(([id, seq]) => `${id}:${seq}`)) } as unknown as RealtimeBroker;
/** One database per test: each has its own appender (one per app instance). */
let db = {} as Executor;
const writer = (messageId = 'm') => createChunkWriter({ db, realtime, clock: { now: () => new Date() }, log, messageId, firstSeq: 2, onPulse: () => {} });
/** Not text: written at once, with the text before it. */
const toolCall = { kind: 'tool-call', data: { toolCallId: 'c1', tool: 'find_projects', step: 0, input: {} } } as const;
/** Lets the writer's promise chain move on. */
const settle = () => new Promise((r) => setTimeout(r, 0));
/** Lets every statement succeed until `p` settles (close() ends with a write of its own). */
async function releasing<T>(p: Promise<T>): Promise<T> {
  let done = false;
  const out = p.finally(() => {
    done = true;
  });
  while (!done) {
    for (const c of calls) c.release();
    await settle();
  }
  return out;
}

beforeEach(() => {
  db = {} as Executor;
  calls.length = 0;
  published.length = 0;
});

describe('the chunk writer with a slow table', () => {
  it('stores the chunks added while a write runs with the next write: every seq once, in order, no gap', async () => {
    const w = writer();
    w.add({ kind: 'text', data: { text: 'one ' } });
    w.add(toolCall); // not text: written at once, with the text before it
    await settle();
    expect(calls.map((c) => c.seqs)).toEqual([[2, 3]]);
    // While that statement runs, more comes.
    w.add({ kind: 'text', data: { text: 'two ' } });
    w.add(toolCall);
    w.add({ kind: 'text', data: { text: 'three' } });
    calls[0].release();
    await settle();
    expect(await releasing(w.close())).toBe(true);
    const written = calls.flatMap((c) => c.seqs);
    expect(written).toEqual([2, 3, 4, 5, 6]);
    expect(published).toEqual([['m:3'], ['m:6']]);
    expect(w.nextSeq()).toBe(7);
  });

  it('makes one more statement, not one per flush, while a write runs', async () => {
    const w = writer();
    w.add(toolCall);
    await settle();
    expect(calls).toHaveLength(1);
    for (let i = 0; i < 5; i++) w.add(toolCall);
    w.beat();
    await settle();
    expect(calls).toHaveLength(1);
    calls[0].release();
    await settle();
    expect(calls.map((c) => c.seqs)).toEqual([[2], [3, 4, 5, 6, 7]]);
    calls[1].release();
    await settle();
    expect(published).toEqual([['m:2'], ['m:7']]);
  });

  it('writes the answers of an instance that wait for the table together, in one statement', async () => {
    const a = writer('a');
    const b = writer('b');
    const c = writer('c');
    a.add(toolCall);
    await settle();
    expect(calls.map((x) => x.answers)).toEqual([['a']]);
    // While a's statement runs, b and c write: the next statement takes both.
    b.add(toolCall);
    c.add(toolCall);
    await settle();
    expect(calls).toHaveLength(1);
    calls[0].release();
    await settle();
    expect(calls.map((x) => x.answers)).toEqual([['a'], ['b', 'c']]);
    expect(calls[1].seqs).toEqual([2, 2]);
    await Promise.all([releasing(a.close()), releasing(b.close()), releasing(c.close())]);
    // One message for the statement of b and c.
    expect(published).toEqual([['a:2'], ['b:2', 'c:2']]);
  });

  it('splits the answers that wait for the table into statements of at most 50, one after the other', async () => {
    const first = writer('first');
    first.add(toolCall);
    await settle();
    // While the first statement runs, 120 answers write: 50, 50 and 20, each once the one before is done.
    const many = Array.from({ length: 120 }, (_, i) => writer(`w${i}`));
    for (const w of many) w.add(toolCall);
    await settle();
    expect(calls).toHaveLength(1);
    for (let i = 1; i <= 3; i++) {
      calls[i - 1].release();
      await settle();
      expect(calls).toHaveLength(i + 1);
    }
    expect(calls.map((x) => x.answers.length)).toEqual([1, 50, 50, 20]);
    expect(calls.slice(1).flatMap((x) => x.answers)).toEqual(many.map((_, i) => `w${i}`));
    await Promise.all([first, ...many].map((w) => releasing(w.close())));
  });

  it('stores the text of every answer at the same ticks, so their writes go together', async () => {
    vi.useFakeTimers({ now: 10_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const [a, b, c] = [writer('a'), writer('b'), writer('c')];
      a.add({ kind: 'text', data: { text: 'a' } });
      vi.advanceTimersByTime(60);
      b.add({ kind: 'text', data: { text: 'b' } });
      vi.advanceTimersByTime(120);
      c.add({ kind: 'text', data: { text: 'c' } });
      vi.advanceTimersByTime(FLUSH_MS - 181); // the tick is FLUSH_MS after 10,000: not yet
      await vi.advanceTimersByTimeAsync(0);
      expect(calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      // The first goes at once; the two that came while it ran, together.
      expect(calls.map((x) => x.answers)).toEqual([['a']]);
      calls[0].release();
      await vi.advanceTimersByTimeAsync(0);
      expect(calls.map((x) => x.answers)).toEqual([['a'], ['b', 'c']]);
      calls[1].release();
      await vi.advanceTimersByTimeAsync(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('skips a heartbeat when a write has beaten the heart since the last one', async () => {
    const w = writer();
    w.add(toolCall);
    await settle();
    calls[0].release();
    await settle();
    w.beat(); // the write of the call beat it
    await settle();
    expect(calls).toHaveLength(1);
    w.beat(); // nothing since: this one writes
    await settle();
    expect(calls.map((x) => x.seqs)).toEqual([[2], []]);
    calls[1].release();
    await settle();
  });

  it('keeps the usage for the next write, and closes with one write of what is queued, none when nothing is', async () => {
    const w = writer();
    w.add({ kind: 'text', data: { text: 'the end' } });
    w.add({ kind: 'usage', data: { inputTokens: 1, outputTokens: 1 } });
    await settle();
    expect(calls).toHaveLength(0);
    const closing = w.close();
    await settle();
    expect(calls.map((x) => x.seqs)).toEqual([[2, 3]]);
    calls[0].release();
    expect(await closing).toBe(true);

    const idle = writer('idle');
    idle.add(toolCall);
    await settle();
    calls[1].release();
    await settle();
    expect(await idle.close()).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('writes the answers of a statement that failed one by one: one answer the table refuses does not stop the others', async () => {
    const [a, b, c] = [writer('a'), writer('b'), writer('c')];
    a.add(toolCall);
    await settle();
    b.add(toolCall);
    c.add(toolCall);
    calls[0].release();
    await settle();
    expect(calls.map((x) => x.answers)).toEqual([['a'], ['b', 'c']]);
    calls[1].release(true);
    await settle();
    // Alone now, in turn: b is refused again, c goes through.
    expect(calls.map((x) => x.answers)).toEqual([['a'], ['b', 'c'], ['b']]);
    calls[2].release(true);
    await settle();
    expect(calls.map((x) => x.answers)).toEqual([['a'], ['b', 'c'], ['b'], ['c']]);
    calls[3].release();
    await settle();
    expect(published).toEqual([['a:2'], ['c:2']]);
    // b's pieces stay queued with their seq, and go with its next write.
    expect(await releasing(b.close())).toBe(true);
    expect(calls.at(-1)).toMatchObject({ answers: ['b'], seqs: [2] });
  });

  it('writes a failed batch again with the same seqs', async () => {
    const w = writer();
    w.add(toolCall);
    await settle();
    calls[0].release(true);
    await settle();
    w.add(toolCall);
    await settle();
    expect(calls.map((c) => c.seqs)).toEqual([[2], [2, 3]]);
    expect(await releasing(w.close())).toBe(true);
    expect(published).toEqual([['m:3']]);
  });
});
