import { describe, expect, it } from 'vitest';
import { createMemoryCache, LruTtlMap } from './memory.ts';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('LruTtlMap', () => {
  it('expires each entry after its own TTL', () => {
    const clock = fakeClock();
    const map = new LruTtlMap(10, clock.now);
    map.set('short', 1, 100);
    map.set('long', 2, 1000);
    clock.advance(99);
    expect(map.get('short')).toBe(1);
    clock.advance(1);
    expect(map.get('short')).toBeUndefined();
    expect(map.get('long')).toBe(2);
    clock.advance(900);
    expect(map.get('long')).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const map = new LruTtlMap(3);
    map.set('a', 1, 60_000);
    map.set('b', 2, 60_000);
    map.set('c', 3, 60_000);
    expect(map.get('a')).toBe(1); // a is now the most recently used; b the least
    map.set('d', 4, 60_000);
    expect(map.size).toBe(3);
    expect(map.get('b')).toBeUndefined();
    expect([map.get('a'), map.get('c'), map.get('d')]).toEqual([1, 3, 4]);
    map.set('c', 30, 60_000); // overwriting refreshes too
    map.set('e', 5, 60_000);
    expect(map.get('a')).toBeUndefined();
    expect(map.get('c')).toBe(30);
  });

  it('refuses a zero bound and treats a non-positive TTL as a delete', () => {
    expect(() => new LruTtlMap(0)).toThrow();
    const map = new LruTtlMap(2);
    map.set('a', 1, 1000);
    map.set('a', 2, 0);
    expect(map.get('a')).toBeUndefined();
  });
});

describe('memory cache', () => {
  it('stores JSON values: what Redis would give back, null included, undefined not', async () => {
    const cache = createMemoryCache();
    const at = new Date('2025-01-02T03:04:05.000Z');
    await cache.set('k', { at, n: 1, nothing: undefined }, 60);
    expect(await cache.get('k')).toEqual({ at: '2025-01-02T03:04:05.000Z', n: 1 });
    await cache.set('null', null, 60);
    expect(await cache.get('null')).toBeNull();
    await cache.set('undef', undefined, 60);
    expect(await cache.get('undef')).toBeUndefined();
    expect(cache.shared).toBe(false);
  });

  it('deletes several keys at once', async () => {
    const cache = createMemoryCache();
    await cache.set('a', 1, 60);
    await cache.set('b', 2, 60);
    await cache.set('c', 3, 60);
    await cache.delete('a', 'b');
    expect([await cache.get('a'), await cache.get('b'), await cache.get('c')]).toEqual([undefined, undefined, 3]);
  });

  it('expires values after their TTL in seconds', async () => {
    const clock = fakeClock();
    const cache = createMemoryCache({ now: clock.now });
    await cache.set('k', 'v', 2);
    clock.advance(1999);
    expect(await cache.get('k')).toBe('v');
    clock.advance(1);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('stays within maxEntries', async () => {
    const cache = createMemoryCache({ maxEntries: 5 });
    for (let i = 0; i < 20; i++) await cache.set(`k${i}`, i, 60);
    const kept = [];
    for (let i = 0; i < 20; i++) if ((await cache.get(`k${i}`)) !== undefined) kept.push(i);
    expect(kept).toEqual([15, 16, 17, 18, 19]);
  });

  it('wrap computes once for concurrent callers, then serves the stored value', async () => {
    const cache = createMemoryCache();
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const compute = async () => {
      calls++;
      await gate;
      return { id: 7, at: new Date(0) };
    };
    const pending = Array.from({ length: 5 }, () => cache.wrap('hot', 60, compute));
    release();
    const results = await Promise.all(pending);
    expect(calls).toBe(1);
    // The JSON form, on the first call as on later ones.
    for (const r of results) expect(r).toEqual({ id: 7, at: '1970-01-01T00:00:00.000Z' });
    expect(await cache.wrap('hot', 60, compute)).toEqual(results[0]);
    expect(calls).toBe(1);
  });

  it('wrap lets a failed computation fail every waiter, and tries again next time', async () => {
    const cache = createMemoryCache();
    let calls = 0;
    const failing = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('boom');
    };
    const results = await Promise.allSettled([cache.wrap('k', 60, failing), cache.wrap('k', 60, failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await cache.wrap('k', 60, async () => 'ok')).toBe('ok');
    expect(await cache.get('k')).toBe('ok');
  });

  it('wrap does not store a value computed while a delete happened (it may predate the change)', async () => {
    const cache = createMemoryCache();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const pending = cache.wrap('k', 60, async () => {
      await gate;
      return 'old';
    });
    await cache.delete('k'); // the change commits while the old value is being read
    release();
    expect(await pending).toBe('old');
    expect(await cache.get('k')).toBeUndefined();
  });

  it('wrap does not overwrite a value set while it computed', async () => {
    const cache = createMemoryCache();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const pending = cache.wrap('k', 60, async () => {
      await gate;
      return 'computed from old data';
    });
    await cache.set('k', 'new', 60);
    release();
    await pending;
    expect(await cache.get('k')).toBe('new');
    // Unrelated keys changing do not stop a computation from being stored.
    const other = cache.wrap('j', 60, async () => 'fresh');
    await cache.delete('k');
    expect(await other).toBe('fresh');
    expect(await cache.get('j')).toBe('fresh');
  });
});
