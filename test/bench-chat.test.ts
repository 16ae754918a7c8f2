// The chat stream benchmark's own parts (`npm run bench -- chat`), run tiny so they cannot rot
// between runs: the scripted provider stamps every delta and the client finds every stamp again
// (straight from the provider, over 127.0.0.1), and the targets read the figures as the section
// states them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTargets, summarizePhase } from '../bench/chat.ts';
import { type ChatProvider, directStream, manyStreams, stampsIn, stampText, startChatProvider, trellisStream } from '../bench/lib/chat-stream.ts';
import { startProcess, stopProcess } from '../bench/lib/proc.ts';

describe('stamps', () => {
  it('are found again in text that joins several deltas', () => {
    expect(stampsIn(stampText(12.3456) + stampText(100) + 'x <1.5> <7.000>')).toEqual([12.346, 100, 7]);
  });
});

describe('the scripted provider, read straight', () => {
  let provider: ChatProvider;
  beforeAll(async () => {
    provider = await startChatProvider({ deltas: 5, everyMs: 10 });
  });
  afterAll(() => provider?.close());

  it('streams every delta to every client, each with a latency from its stamp', { timeout: 10_000 }, async () => {
    const records = await manyStreams(3, 30, () => directStream(provider.baseUrl, AbortSignal.timeout(5000)));
    for (const r of records) {
      expect(r).toMatchObject({ status: 200, done: 'done', error: null });
      expect(r.latencies).toHaveLength(5);
      for (const ms of r.latencies) expect(ms).toBeGreaterThanOrEqual(0);
    }
    const phase = summarizePhase(records, provider.shape, 1, 'done');
    expect(phase).toMatchObject({ streams: 3, completed: 3, deltas: 15, expectedDeltas: 15, refused: {} });
    // The deltas sent while all three were open: from the last one's first delta to the first one's last.
    expect(phase.allOpen?.latency.samples).toBeGreaterThan(0);
    expect(phase.allOpen?.latency.samples).toBeLessThan(15);
    expect(provider.open).toBe(0);
  });

  it('relays through the floor (bench/relay-floor.ts), every delta a text event, then done', { timeout: 30_000 }, async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'relay-floor-'));
    const relay = await startProcess({ script: 'bench/relay-floor.ts', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RELAY_PROVIDER_URL: provider.baseUrl }, logDir, name: 'relay-floor', isReady: (l) => l.msg === 'relay floor ready', timeoutMs: 20_000 });
    try {
      const records = await manyStreams(2, 20, (i) => trellisStream(`http://127.0.0.1:${relay.port}/relay`, 'no-token', `Question ${i}`, AbortSignal.timeout(5000)));
      for (const r of records) expect(r).toMatchObject({ status: 200, done: 'done', error: null, events: 5 });
    } finally {
      await stopProcess(relay.child, 2000);
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});

describe('the targets', () => {
  const latency = (p99: number) => ({ samples: 100, p50: p99 / 2, p95: p99, p99, max: p99 });
  const phase = (p99: number, completed = 200) => ({
    ...summarizePhase([], { deltas: 10, everyMs: 50 }, 1, 'done'),
    streams: 200,
    completed,
    latency: latency(p99),
    serverCpuUsPerDelta: null,
    driverLoopDelay: { p50: 0, p99: 0, max: 0 },
  });
  const probe = (p99: number) => ({ ...latency(p99), errors: 0, non2xx: 0, skipped: 0, seconds: 10 });
  const many = { ...phase(10, 1000), streams: 1000, openDuringWindow: { min: 1000, max: 1000 } };

  it('count the overhead over the baseline, memory per stream and the probe with every stream open', () => {
    const pass = chatTargets({ baseline: phase(3), trellis: phase(7), many, memory: { idleRssMiB: 100, openRssMiB: 150, streamsOpen: 1000, perStreamKB: 51.2, samples: 5 }, health: { idle: probe(1), open: probe(15) } });
    expect(pass.map((t) => t.pass)).toEqual([true, true, true]);
    // The floor, when measured, is said beside the overhead; it does not judge it.
    const withFloor = chatTargets({ baseline: phase(3), trellis: phase(7), floor: phase(4), many: null, memory: null, health: null });
    expect(withFloor[0]).toMatchObject({ pass: true, measured: expect.stringContaining('a bare relay in Trellis\'s place (bench/relay-floor.ts) adds 1.0 ms') });
    const miss = chatTargets({
      baseline: phase(3),
      trellis: phase(9),
      many: { ...many, openDuringWindow: { min: 900, max: 1000 } },
      memory: { idleRssMiB: 100, openRssMiB: 200, streamsOpen: 1000, perStreamKB: 102.4, samples: 5 },
      health: { idle: probe(1), open: probe(15) },
    });
    expect(miss.map((t) => t.pass)).toEqual([false, false, false]);
    // An answer not done misses the overhead target whatever the latency.
    expect(chatTargets({ baseline: phase(3), trellis: phase(4, 199), many: null, memory: null, health: null })[0].pass).toBe(false);
  });
});
