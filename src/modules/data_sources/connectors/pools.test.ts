import { describe, expect, it } from 'vitest';
import { connectionKey, Semaphore, SourcePools } from './pools.ts';

interface FakePool {
  n: number;
  ended: boolean;
}

function registry(idleMs = 60_000) {
  let created = 0;
  const pools: FakePool[] = [];
  const sources = new SourcePools<{ poolSize: number; password?: string }, FakePool>(
    {
      create() {
        const pool = { n: ++created, ended: false };
        pools.push(pool);
        return pool;
      },
      async end(pool) {
        pool.ended = true;
      },
    },
    { idleMs },
  );
  return { sources, pools };
}

const never = new AbortController().signal;

describe('SourcePools', () => {
  it('keeps one pool per source while its connection is unchanged', async () => {
    const { sources, pools } = registry();
    const a = await sources.lease({ id: 's1', connection: { poolSize: 2 } }, never);
    const b = await sources.lease({ id: 's1', connection: { poolSize: 2 } }, never);
    expect(a.pool).toBe(b.pool);
    const other = await sources.lease({ id: 's2', connection: { poolSize: 2 } }, never);
    expect(other.pool).not.toBe(a.pool);
    expect(pools).toHaveLength(2);
  });

  it('an edited connection gets a new pool; the old one ends after its last lease', async () => {
    const { sources, pools } = registry();
    const old = await sources.lease({ id: 's1', connection: { poolSize: 2, password: 'a' } }, never);
    const edited = await sources.lease({ id: 's1', connection: { poolSize: 2, password: 'b' } }, never);
    expect(edited.pool).not.toBe(old.pool);
    expect(pools[0].ended).toBe(false);
    old.release();
    expect(pools[0].ended).toBe(true);
    expect(pools[1].ended).toBe(false);
  });

  it('gives at most poolSize leases at once; the others wait their turn', async () => {
    const { sources } = registry();
    const source = { id: 's1', connection: { poolSize: 2 } };
    const first = await sources.lease(source, never);
    await sources.lease(source, never);
    let third = false;
    const waiting = sources.lease(source, never).then((l) => {
      third = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    first.release();
    await waiting;
    expect(third).toBe(true);
  });

  it('a waiter gives up with its signal and takes no slot', async () => {
    const { sources } = registry();
    const source = { id: 's1', connection: { poolSize: 1 } };
    const held = await sources.lease(source, never);
    await expect(sources.lease(source, AbortSignal.timeout(20))).rejects.toBeDefined();
    held.release();
    const next = await sources.lease(source, AbortSignal.timeout(100));
    expect(next.pool).toBe(held.pool);
  });

  it('ends pools idle for idleMs, never one in use', async () => {
    const { sources, pools } = registry(1000);
    const busy = await sources.lease({ id: 'busy', connection: { poolSize: 1 } }, never);
    (await sources.lease({ id: 'idle', connection: { poolSize: 1 } }, never)).release();
    sources.sweep(Date.now() + 5000);
    expect(pools.map((p) => p.ended)).toEqual([false, true]);
    busy.release();
    sources.sweep(Date.now() + 5000);
    expect(pools.map((p) => p.ended)).toEqual([true, true]);
    expect(sources.size).toBe(0);
  });

  it('close ends every pool', async () => {
    const { sources, pools } = registry();
    await sources.lease({ id: 'a', connection: { poolSize: 1 } }, never);
    await sources.lease({ id: 'b', connection: { poolSize: 1 } }, never);
    await sources.close();
    expect(pools.every((p) => p.ended)).toBe(true);
    await expect(sources.lease({ id: 'a', connection: { poolSize: 1 } }, never)).rejects.toThrow('closed');
  });
});

describe('connectionKey', () => {
  it('ignores key order and sees every field', () => {
    expect(connectionKey({ a: 1, b: { c: 2, d: 3 } })).toBe(connectionKey({ b: { d: 3, c: 2 }, a: 1 }));
    expect(connectionKey({ a: 1, password: 'x' })).not.toBe(connectionKey({ a: 1, password: 'y' }));
  });
});

describe('Semaphore', () => {
  it('hands slots over in arrival order', async () => {
    const s = new Semaphore(1);
    await s.acquire(never);
    const order: number[] = [];
    const a = s.acquire(never).then(() => order.push(1));
    const b = s.acquire(never).then(() => order.push(2));
    s.release();
    await a;
    s.release();
    await b;
    expect(order).toEqual([1, 2]);
  });
});
