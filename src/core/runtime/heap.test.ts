// The process caps V8's old-space growth itself (decision 0026): started without the flags of
// `npm start`, it still collects promoted garbage instead of letting the old space grow to
// several times the live heap.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyHeapPolicy, HEAP_GROWING_PERCENT } from './heap.ts';

const policy = (execArgv: string[], nodeOptions?: string) => {
  const set: string[] = [];
  return { ...applyHeapPolicy({ execArgv, nodeOptions, setFlags: (f) => set.push(f) }), set };
};

describe('applyHeapPolicy', () => {
  it('sets the old-space growth cap when the command line did not, and says the young generation is not capped', () => {
    expect(policy([])).toEqual({ applied: `--heap-growing-percent=${HEAP_GROWING_PERCENT}`, youngGenerationUncapped: true, set: ['--heap-growing-percent=30'] });
  });

  it("keeps the command line's own values", () => {
    expect(policy(['--max-semi-space-size=8', '--heap-growing-percent=50'])).toEqual({ applied: null, youngGenerationUncapped: false, set: [] });
    expect(policy(['--heap_growing_percent=20'], '--max-semi-space-size=4')).toEqual({ applied: null, youngGenerationUncapped: false, set: [] });
    expect(policy(['--heap-growing-percentage-of-nothing'])).toMatchObject({ set: ['--heap-growing-percent=30'] });
  });
});

// A live set of ~40 MB, then objects that survive a few scavenges (so they are promoted) and
// die: the pattern of in-flight requests under load. Prints the largest heap V8 kept. A fixed
// count of rounds, not a time: on a busy machine a timed churn allocated too little to grow.
const CHURN = `
  const live = []; for (let i = 0; i < 400000; i++) live.push({ i, s: 'x' + i });
  let keep = []; let max = 0;
  for (let n = 0; n < 150000; n++) {
    keep.push(Array.from({ length: 50 }, (_, j) => ({ j, v: 'y' + j })));
    if (keep.length > 3000) keep = keep.slice(1500);
    max = Math.max(max, process.memoryUsage().heapTotal);
  }
  console.log(JSON.stringify({ maxHeapMB: max / 1e6, live: live.length }));
`;
const heapModule = fileURLToPath(new URL('./heap.ts', import.meta.url));
const maxHeapMB = (apply: boolean) => {
  const script = `${apply ? `(await import(${JSON.stringify(heapModule)})).applyHeapPolicy();` : ''}${CHURN}`;
  // Only the young generation's flag, as a process manager that kept NODE_OPTIONS would start it.
  const out = execFileSync(process.execPath, ['--max-semi-space-size=8', '--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return JSON.parse(out).maxHeapMB as number;
};

describe('a process started without --heap-growing-percent', () => {
  it('keeps the old space near the live heap once the policy is applied (without it V8 lets it grow to several times that)', () => {
    const without = maxHeapMB(false);
    const withPolicy = maxHeapMB(true);
    // The churn must make V8's own sizing grow the heap, or this test would measure nothing.
    expect(without).toBeGreaterThan(150);
    expect(withPolicy).toBeLessThan(120);
  });
});
