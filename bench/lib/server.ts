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

/**
 * The environment of a benchmarked server: production mode, a port of its own, a line per
 * request in its log, and rate limits at the largest values config.ts accepts (RATE_LIMIT up
 * to 10,000,000 and AUTH_RATE_LIMIT up to 100,000 per minute), so the load is never throttled.
 */
export function productionEnv(opts: { jwtSecret: string; host: string; dataDir: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    NODE_ENV: 'production',
    JWT_SECRET: opts.jwtSecret,
    PORT: '0',
    HOST: opts.host,
    LOG_LEVEL: 'info',
    DATA_DIR: opts.dataDir,
    RATE_LIMIT: '10000000',
    AUTH_RATE_LIMIT: '100000',
    ...extra,
  };
}
