// The web console's build (decision 0050): Vite builds web/ into web/dist, only when its
// sources changed. A hash of every file under web/ (but dist/), the lockfile and this script is
// stored beside the output (web/dist/.source-hash); a start without changes hashes ~100 small
// files and builds nothing.
//
// `npm start` runs it through scripts/build.ts (prestart). Without Vite (an install without
// dev dependencies) it builds nothing: the server then serves the API alone, or a web/dist
// built elsewhere (the Docker image builds it in its build stage).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_DIR = join(ROOT, 'web');
export const CONSOLE_DIST = join(WEB_DIR, 'dist');
const HASH_FILE = '.source-hash';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'dist' && entry.name !== 'node_modules') out.push(...filesUnder(path));
    } else if (!entry.name.endsWith('.test.ts') && !entry.name.endsWith('.test.tsx')) out.push(path);
  }
  return out;
}

/** The hash of what the build reads: web/ sources and config, the lockfile, this script. */
export function consoleSourceHash(): string {
  const hash = createHash('sha256');
  const files = [...filesUnder(WEB_DIR), join(ROOT, 'package-lock.json'), fileURLToPath(import.meta.url)].sort();
  for (const file of files) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export type ConsoleBuild = { built: boolean; reason: 'unchanged' | 'changed' | 'no-vite' };

/** Builds the console into `outDir` (web/dist) unless the hash stored there says it is current. */
export async function buildConsole(opts: { force?: boolean; outDir?: string } = {}): Promise<ConsoleBuild> {
  const outDir = opts.outDir ?? CONSOLE_DIST;
  const hash = consoleSourceHash();
  const stamp = join(outDir, HASH_FILE);
  if (!opts.force && existsSync(join(outDir, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) {
    return { built: false, reason: 'unchanged' };
  }
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    return { built: false, reason: 'no-vite' };
  }
  // Vite builds React's development bundle (twice the size, several times slower to start)
  // when NODE_ENV says anything but production, as it does inside a test run (vitest sets
  // `test`): the build is always a production one, whoever runs it.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await vite.build({ configFile: join(WEB_DIR, 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  writeFileSync(stamp, hash);
  return { built: true, reason: 'changed' };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const result = await buildConsole({ force: process.argv.includes('--force') });
  process.stderr.write(`console: ${result.built ? 'built' : result.reason === 'unchanged' ? 'unchanged' : 'not built (vite is not installed)'} in ${Math.round(performance.now() - started)} ms\n`);
}
