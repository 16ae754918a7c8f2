// What a benchmark result says about where it ran: the code measured and the machine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { ROOT } from './proc.ts';

/** The code measured: HEAD, and whether src/ or package files had uncommitted changes. */
export function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('log', '-1', '--format=%h %cI %s').slice(0, 120);
    const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json');
    return dirty ? `${head} + uncommitted changes in ${dirty.split('\n').length} file(s) of src/ or package files` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}
