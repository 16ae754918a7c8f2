import { describe, expect, it } from 'vitest';
import { createRequestIdGenerator } from './request-id.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit millisecond time of a UUIDv7. */
const timeOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe('request ids', () => {
  it('are UUIDv7 text carrying the time they were made', () => {
    const at = Date.UTC(2026, 11, 6, 5, 30, 0, 123);
    const next = createRequestIdGenerator(() => at);
    const id = next();
    expect(id).toMatch(UUID_V7);
    expect(timeOf(id)).toBe(at);
  });

  it('sort in the order they were made, within a millisecond and across many', () => {
    let now = 1_800_000_000_000;
    const next = createRequestIdGenerator(() => now);
    const ids: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      if (i % 1000 === 999) now += 1;
      ids.push(next());
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('borrow the next millisecond when one millisecond runs out of counter, and never go back when the clock does', () => {
    let now = 1_800_000_000_000;
    const next = createRequestIdGenerator(() => now);
    const ids = Array.from({ length: 10_000 }, () => next());
    expect(timeOf(ids.at(-1)!)).toBeGreaterThan(now);
    now -= 5_000;
    ids.push(next(), next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
