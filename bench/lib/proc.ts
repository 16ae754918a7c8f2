// Child processes of a benchmark run: spawn, wait for a log line, sample memory, stop.
// Every child is tracked so that a failing run still kills what it started.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
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

/** `pid` and every process below it (the embedded PostgreSQL: the postmaster and its backends). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [pid];
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    if (!fields) continue; // gone meanwhile
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/**
 * Resident memory of a process and everything below it, in MB (10^6 bytes). `rssMB` adds up
 * VmRSS, counting pages the processes share (PostgreSQL's shared buffers, the binary) once per
 * process that touched them: an upper bound. `pssMB` adds up the proportional set size
 * (shared pages divided among their users): what the tree costs the machine.
 */
export function treeMemoryOf(pid: number): { rssMB: number; pssMB: number; processes: number } | null {
  const pids = processTree(pid);
  let rssKb = 0;
  let pssKb = 0;
  let counted = 0;
  for (const p of pids) {
    try {
      rssKb += Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      pssKb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      counted++;
    } catch {
      // exited between the listing and the read
    }
  }
  return counted ? { rssMB: (rssKb * 1024) / 1e6, pssMB: (pssKb * 1024) / 1e6, processes: counted } : null;
}

/**
 * CPU time (user + system) of a process and everything below it so far, in ms: each live
 * process's own time plus that of its children that have exited (a backend that ended is
 * counted through the postmaster that reaped it).
 */
export function treeCpuTimeMs(pid: number): number | null {
  let total = 0;
  let counted = 0;
  for (const p of processTree(pid)) {
    const f = statFields(p);
    if (!f) continue;
    total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime, stime, cutime, cstime
    counted++;
  }
  return counted ? (total * 1000) / CLOCK_TICKS : null;
}

/** /proc/<pid>/stat from field 3 (state) on: the command name may contain spaces. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
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

/**
 * Whatever happens, a bench run ends: a watchdog far above the sum of its bounded phases kills
 * every child and exits 2, and SIGINT/SIGTERM kill them and exit 130, after `cleanup` (the run's
 * temporary folder).
 */
export function endRunWhatever(watchdogMs: number, cleanup: () => void): void {
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: watchdog fired after ${watchdogMs} ms; killing children\n`);
    killAllNow();
    process.exit(2);
  }, watchdogMs);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllNow();
      cleanup();
      process.exit(130);
    });
  }
}
