import { describe, expect, it } from 'vitest';
import { recordingExecutor } from '../../../test/recording-executor.ts';
import type { Database } from '../../core/db/database.ts';
import { createOrgCache, LLM_ADMIN_INVALIDATION_CHANNEL } from './org-cache.ts';

/** Just enough of Database for the cache: a listen() whose callbacks the test fires by hand. */
function fakeDatabase() {
  const handlers = new Map<string, { onNotify: (payload: string) => void; onReconnect?: () => void }>();
  const database = {
    async listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void) {
      handlers.set(channel, { onNotify, onReconnect });
      return async () => {
        handlers.delete(channel);
      };
    },
  } as unknown as Database;
  return {
    database,
    deliver: (payload: string) => handlers.get(LLM_ADMIN_INVALIDATION_CHANNEL)?.onNotify(payload),
    reconnect: () => handlers.get(LLM_ADMIN_INVALIDATION_CHANNEL)?.onReconnect?.(),
  };
}

/** A compute that counts its calls and answers `value` when released. */
function computing<T>(value: T) {
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  return {
    fn: async () => {
      calls++;
      await gate;
      return value;
    },
    release: () => release(),
    calls: () => calls,
  };
}

describe('org cache', () => {
  it('keeps what it read until its lifetime ends; callers at once share one read', async () => {
    let now = 0;
    const cache = createOrgCache(fakeDatabase().database, { ttlMs: 1000, now: () => now });
    const read = computing(['entry']);
    const both = Promise.all([cache.load('catalog', 'o1', read.fn), cache.load('catalog', 'o1', read.fn)]);
    read.release();
    expect(await both).toEqual([['entry'], ['entry']]);
    expect(read.calls()).toBe(1);
    now = 999;
    expect(await cache.load('catalog', 'o1', async () => ['again'])).toEqual(['entry']);
    // Kinds and orgs apart.
    expect(await cache.load('budgets', 'o1', async () => [])).toEqual([]);
    expect(await cache.load('catalog', 'o2', async () => ['other'])).toEqual(['other']);
    now = 2000;
    expect(await cache.load('catalog', 'o1', async () => ['again'])).toEqual(['again']);
  });

  it('does not keep a read that raced an eviction, nor hand it to a caller after the eviction', async () => {
    const cache = createOrgCache(fakeDatabase().database);
    const stale = computing('before the change');
    const first = cache.load('catalog', 'o1', stale.fn);
    cache.evict({ org: 'o1' }); // a change commits while the read is under way
    const after = cache.load('catalog', 'o1', async () => 'after the change');
    stale.release();
    expect(await first).toBe('before the change');
    expect(await after).toBe('after the change');
    expect(await cache.load('catalog', 'o1', async () => 'read again')).toBe('after the change');
  });

  it('evicts one org or all, here and when another instance notifies, and all when its LISTEN connection came back', async () => {
    const fake = fakeDatabase();
    const cache = createOrgCache(fake.database);
    await cache.start();
    const fill = async () => {
      for (const org of ['o1', 'o2']) for (const kind of ['catalog', 'budgets'] as const) await cache.load(kind, org, async () => 'cached');
    };
    const present = async () => {
      const found: string[] = [];
      for (const org of ['o1', 'o2']) for (const kind of ['catalog', 'budgets'] as const) if ((await cache.load(kind, org, async () => 'fresh')) === 'cached') found.push(`${kind}:${org}`);
      return found;
    };
    const cases: [() => void, string[]][] = [
      [() => cache.evict({ org: 'o1' }), ['catalog:o2', 'budgets:o2']],
      [() => fake.deliver('org:o2'), ['catalog:o1', 'budgets:o1']],
      [() => fake.deliver('all'), []],
      [() => fake.deliver('something newer'), []],
      [() => fake.reconnect(), []],
    ];
    for (const [evict, left] of cases) {
      cache.evict('all');
      await fill();
      evict();
      expect(await present()).toEqual(left);
    }
    await cache.stop();
  });

  it('notifies in the transaction of a change, then evicts here once it committed; a change that fails evicts nothing', async () => {
    const sent: string[] = [];
    // pg_notify's payloads (its second parameter).
    const db = recordingExecutor((parameters) => sent.push(String(parameters[1])));
    const cache = createOrgCache(fakeDatabase().database);
    await cache.load('catalog', 'o1', async () => 'cached');
    await expect(cache.change(db, { org: 'o1' }, async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await cache.load('catalog', 'o1', async () => 'fresh')).toBe('cached');
    expect(await cache.change(db, { org: 'o1' }, async () => 'changed')).toBe('changed');
    expect(await cache.load('catalog', 'o1', async () => 'fresh')).toBe('fresh');
    await cache.change(db, 'all', async () => undefined);
    expect(sent).toEqual(['org:o1', 'all']);
  });
});
