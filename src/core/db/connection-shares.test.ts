import { describe, expect, it } from 'vitest';
import { createConnectionShares, ShareTimeoutError } from './connection-shares.ts';

describe('connection shares', () => {
  it('lets a group hold its share of the pool and no more, while other groups still get theirs', async () => {
    const shares = createConnectionShares(10); // 6 per group
    const time = await Promise.all(Array.from({ length: 6 }, () => shares.acquire('time', 50)));
    await expect(shares.acquire('time', 20)).rejects.toBeInstanceOf(ShareTimeoutError);
    const users = await shares.acquire('users', 0);
    expect(shares.stats()).toEqual({ time: { held: 6, waiting: 0 }, users: { held: 1, waiting: 0 } });
    for (const release of [...time, users]) release();
    expect(shares.stats()).toEqual({ time: { held: 0, waiting: 0 }, users: { held: 0, waiting: 0 } });
  });

  it('hands a released place to the group’s next waiter, in order', async () => {
    const shares = createConnectionShares(1);
    const first = await shares.acquire('a', 0);
    const order: string[] = [];
    const inTurn = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const second = shares.acquire('a', 1000).then(inTurn('second'));
    const third = shares.acquire('a', 1000).then(inTurn('third'));
    expect(shares.stats().a).toEqual({ held: 1, waiting: 2 });
    first();
    first(); // twice is once
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    expect(shares.stats().a).toEqual({ held: 0, waiting: 0 });
  });

  it('reads like pg-pool’s wait timeout, so the request answers 503 DB.TIMEOUT', async () => {
    const shares = createConnectionShares(1);
    await shares.acquire('a', 0);
    await expect(shares.acquire('a', 5)).rejects.toThrow(/timeout exceeded when trying to connect/);
    expect(shares.stats().a.waiting).toBe(0);
  });
});
