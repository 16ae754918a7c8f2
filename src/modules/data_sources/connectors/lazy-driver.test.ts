import { describe, expect, it } from 'vitest';
import { lazyDriver } from './lazy-driver.ts';
import type { ConnectorDriver, StreamPart } from './types.ts';

const limits = { maxRows: 10, maxBytes: 1000, timeoutMs: 1000 };
const source = { id: 's1', connection: {} };

/** A driver that counts its loads and notes whether a stream was ended early. */
function counted(failFirst = false) {
  const state = { loads: 0, closed: 0, streamReturned: false };
  const driver: ConnectorDriver<object> = {
    test: async () => ({ serverVersion: 'fake 1', latencyMs: 1 }),
    introspect: async () => ({ schemas: [] }),
    async *stream(): AsyncIterable<StreamPart> {
      try {
        yield { type: 'columns', columns: [] };
        yield { type: 'rows', rows: [[1]] };
        yield { type: 'rows', rows: [[2]] };
      } finally {
        state.streamReturned = true;
      }
    },
    run: async () => ({ columns: [], rows: [], rowCount: 0, truncated: false, durationMs: 0 }) as never,
    close: async () => {
      state.closed++;
    },
  };
  const load = async () => {
    state.loads++;
    if (failFirst && state.loads === 1) throw new Error('binary missing');
    return driver;
  };
  return { state, load };
}

describe('lazyDriver', () => {
  it('loads its library at the first use, once, and closes nothing it never loaded', async () => {
    const { state, load } = counted();
    const lazy = lazyDriver(load);
    await lazy.close();
    expect(state).toMatchObject({ loads: 0, closed: 0 });
    const [a, b] = await Promise.all([lazy.test({}, AbortSignal.timeout(1000)), lazy.introspect(source, AbortSignal.timeout(1000))]);
    expect(a.serverVersion).toBe('fake 1');
    expect(b).toEqual({ schemas: [] });
    await lazy.close();
    expect(state).toMatchObject({ loads: 1, closed: 1 });
  });

  it('hands a consumer that stops early on to the driver stream, which ends', async () => {
    const { state, load } = counted();
    const lazy = lazyDriver(load);
    const seen: StreamPart[] = [];
    for await (const part of lazy.stream(source, 'select 1', [], limits, AbortSignal.timeout(1000))) {
      seen.push(part);
      if (part.type === 'rows') break;
    }
    expect(seen.map((p) => p.type)).toEqual(['columns', 'rows']);
    expect(state.streamReturned).toBe(true);
  });

  it('tries a failed load again at the next use', async () => {
    const { state, load } = counted(true);
    const lazy = lazyDriver(load);
    await expect(lazy.test({}, AbortSignal.timeout(1000))).rejects.toThrow('binary missing');
    await expect(lazy.test({}, AbortSignal.timeout(1000))).resolves.toMatchObject({ serverVersion: 'fake 1' });
    expect(state.loads).toBe(2);
  });
});
