// How the benchmarks start the real server: the entry file and Node flags of `npm start` (after
// its prestart build), and the log line that says it is ready.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './proc.ts';

/** The Node flags and entry file `npm start` runs (after its prestart build), so a benchmark measures the same process. */
const START_ARGS: string[] = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string).split(/\s+/).slice(1);
export const START_FLAGS = START_ARGS.filter((a) => a.startsWith('--'));
export const START_ENTRY = START_ARGS.filter((a) => !a.startsWith('--')).at(-1)!;

export const isTrellisReady = (line: Record<string, unknown>) => line.msg === 'trellis ready' && typeof line.port === 'number';
