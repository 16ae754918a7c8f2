// How much garbage V8 may keep, decided by the process itself (decisions 0012, 0019, 0026).
//
// After each full collection V8 lets the old space grow by a factor it picks from its own
// speed, up to 4× the live heap for a heap this size, before it marks again. Under load the
// objects of in-flight requests that outlive two scavenges are promoted and die soon after, so
// the old space fills with dead objects: on the mixed read load, 185 → 338 MB RSS within 20 s
// over a live heap of ~50 MB, and the pages stay resident after the load. `--heap-growing-
// percent=30` caps the factor at 1.3 (RSS stays near 200 MB). It was a command-line flag of
// `npm start` only, so any other way of starting the server (`node dist/main.js`, a process
// manager, a platform's start command) silently lost it. V8 reads it at every collection, so
// the process sets it itself, unless the command line gave a value of its own.
//
// The young generation's size (`--max-semi-space-size=8`, decision 0012) is fixed when the
// heap is set up, before any of our code runs: only the command line or NODE_OPTIONS can set
// it, so the process can only tell when it is missing.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 30;
export const SEMI_SPACE_MB = 8;

const GROWING = /^--heap[-_]growing[-_]percent(=|$)/;
const SEMI_SPACE = /^--max[-_]semi[-_]space[-_]size(=|$)/;

export interface HeapPolicy {
  /** The old-space growth flag this process set (null: the command line set its own). */
  applied: string | null;
  /** True when neither the command line nor NODE_OPTIONS caps the young generation. */
  youngGenerationUncapped: boolean;
}

export function applyHeapPolicy(
  env: { execArgv: readonly string[]; nodeOptions: string | undefined; setFlags: (flags: string) => void } = {
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
    setFlags: setFlagsFromString,
  },
): HeapPolicy {
  const given = [...env.execArgv, ...(env.nodeOptions ?? '').split(/\s+/)];
  let applied: string | null = null;
  if (!given.some((a) => GROWING.test(a))) {
    applied = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
    env.setFlags(applied);
  }
  return { applied, youngGenerationUncapped: !given.some((a) => SEMI_SPACE.test(a)) };
}
