// Child processes of a benchmark run: spawn, wait for a log line, sample memory, stop.
// Every child is tracked so that a failing run still kills what it started.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const NODE = join(ROOT, 'node_modules/.bin/node');

const children = new Set<ChildProcess>();

export interface Started {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Wall time from spawn() to the ready line, as seen by the benchmark. */
  spawnToReadyMs: number;
  /** The ready line itself (parsed JSON). */
  readyLine: Record<string, unknown>;
  logFile: string;
  errFile: string;
}

/**
 * Spawns `node <script>` with stdout and stderr written to files (never a pipe: a pipe the
 * load generator drains late would block the server's synchronous log writes and show up as
 * latency). Polls the stdout file for a JSON line for which `isReady` is true.
 */
export async function startProcess(opts: {
  script: string;
  /** Node flags before the script (the server gets those of `npm start`). */
  nodeFlags?: string[];
  env: Record<string, string>;
  logDir: string;
  name: string;
  isReady: (line: Record<string, unknown>) => boolean;
  timeoutMs: number;
}): Promise<Started> {
  const logFile = join(opts.logDir, `${opts.name}.out.log`);
  const errFile = join(opts.logDir, `${opts.name}.err.log`);
  const out = openSync(logFile, 'w');
  const err = openSync(errFile, 'w');
  const t0 = performance.now();
  const child = spawn(NODE, [...(opts.nodeFlags ?? []), opts.script], { cwd: ROOT, env: opts.env, stdio: ['ignore', out, err] });
  closeSync(out);
  closeSync(err);
  children.add(child);
  let exited: { code: number | null; signal: string | null } | null = null;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
    children.delete(child);
  });

  const fd = openSync(logFile, 'r');
  let offset = 0;
  let pending = '';
  const buf = Buffer.alloc(64 * 1024);
  try {
    while (true) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n > 0) {
        offset += n;
        pending += buf.toString('utf8', 0, n);
        let nl = pending.indexOf('\n');
        while (nl >= 0) {
          const text = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          nl = pending.indexOf('\n');
          let line: Record<string, unknown>;
          try {
            line = JSON.parse(text);
          } catch {
            continue;
          }
          if (opts.isReady(line)) {
            const spawnToReadyMs = performance.now() - t0;
            return { child, pid: child.pid!, port: Number(line.port), spawnToReadyMs, readyLine: line, logFile, errFile };
          }
        }
        continue;
      }
      if (exited) {
        const e = exited as { code: number | null; signal: string | null };
        throw new Error(`${opts.name} exited (code ${e.code}, signal ${e.signal}) before ready: ${tail(errFile)} ${tail(logFile)}`);
      }
      if (performance.now() - t0 > opts.timeoutMs) {
        await stopProcess(child, 2000);
        throw new Error(`${opts.name} not ready after ${opts.timeoutMs} ms: ${tail(errFile)} ${tail(logFile)}`);
      }
      await sleep(2);
    }
  } finally {
    closeSync(fd);
  }
}

export function tail(file: string, chars = 1500): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves with how the process ended. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const t0 = performance.now();
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, ms: 0 };
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    const r = await exited;
    return { ...r, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

/** Kills every child still running (used in finally blocks and on SIGINT). */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopProcess(c, 5000)));
}

export function killAllNow(): void {
  for (const c of children) c.kill('SIGKILL');
}

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, in MiB. */
export function memoryOf(pid: number): { peakMiB: number; rssMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat.
 * Less sensitive to a noisy neighbour than req/s: it counts the work, not the wait.
 */
export function cpuTimeMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime (14) + stime (15)
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS = 100;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
