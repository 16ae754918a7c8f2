// Real server processes (`node src/main.ts`) for the fault and multi-instance suites:
// start one on given storage, call it over HTTP, wait for a condition, stop or kill it.
// Every process and storage made here is removed by cleanupProcesses() (call it in afterAll).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'vitest';
import { embeddedFiles, runningPostmaster } from '../src/core/db/embedded-postgres.ts';
import { createDatabase, dropDatabase } from './test-server.ts';

export const ROOT = resolve(import.meta.dirname, '..');
export const NODE = join(ROOT, 'node_modules/.bin/node');
export const JWT_SECRET = 'crash-test-secret-crash-test-secret-0123456789';
export const PASSWORD = 'Tr3llis-vine-climbs-high';
export const WAIT_MS = 60_000;

export interface Server {
  child: ChildProcess;
  port: number;
  base: string;
  /** Parsed JSON log lines written so far. */
  logs: Record<string, any>[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void> | void)[] = [];

/** Runs `cleanup` in cleanupProcesses(), after the processes are killed (last registered, first run). */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** Kills what is still running and drops the storage made by this file. */
export async function cleanupProcesses(): Promise<void> {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups.length = 0;
}

/**
 * A data directory and an empty database of their own on the run's PostgreSQL server, both
 * removed after the file. The server processes get the database as DATABASE_URL and migrate
 * it at start; the embedded server itself is tested apart.
 */
export async function freshStorage(): Promise<{ dataDir: string; env: { DATABASE_URL: string; MIGRATE_ON_START: string } }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trellis-crash-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  // Not trellis_t_*: the global teardown of any concurrent run on the same server drops those.
  const name = `trellis_crash_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = await createDatabase(name);
  cleanups.push(() => dropDatabase(name));
  return { dataDir, env: { DATABASE_URL: url, MIGRATE_ON_START: 'true' } };
}

/**
 * The environment of a server process: only what the test decides, nothing from the runner's
 * (vitest sets NODE_ENV=test): a free port on loopback, a line per request, `dataDir`, then `env`.
 */
export function serverEnv(dataDir: string, env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    TMPDIR: tmpdir(),
    NODE_ENV: 'development',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    JWT_SECRET,
    PUBLIC_URL: 'http://localhost:3000',
    ...env,
  };
}

/** Starts `node src/main.ts` and resolves once it logged 'trellis ready' with its port. */
/** Starts `node <entry>` (the sources by default; the build test passes its bundle). */
export async function startServer(dataDir: string, env: Record<string, string>, entry = 'src/main.ts'): Promise<Server> {
  const child = spawn(NODE, [entry], {
    cwd: ROOT,
    env: serverEnv(dataDir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const logs: Record<string, any>[] = [];
  const stderr: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no 'trellis ready' within ${WAIT_MS} ms\n${stderr.join('')}`)), WAIT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, any>;
      try {
        entry = JSON.parse(line);
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      if (entry.msg === 'trellis ready') {
        clearTimeout(timer);
        ok(Number(entry.port));
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`server exited before ready (code ${code}, signal ${signal})\n${stderr.join('')}`));
    });
  });
  return { child, port, base: `http://127.0.0.1:${port}`, logs, stderr, exited };
}

export async function api(server: Server, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${server.base}/api/v1${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

/**
 * A request to a server that may be away: the answer, or status 0 with the error when the
 * connection failed or 15 s passed (the fault tests count those as well as the answers).
 */
export async function tryCall(base: string, method: string, path: string, body?: unknown, token?: string) {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  } catch (err) {
    return { status: 0, body: undefined, text: String(err) };
  }
}

export async function login(server: Server, email: string): Promise<string> {
  const res = await api(server, 'POST', '/auth/login', { email, password: PASSWORD });
  expect(res.status, res.text).toBe(200);
  return res.body.accessToken;
}

/** Top-level .eml files in DATA_DIR/mail (the .keys/ folder holds the idempotency links). */
export function mailFiles(dataDir: string): { name: string; headers: string }[] {
  const dir = join(dataDir, 'mail');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .map((name) => {
      const raw = readFileSync(join(dir, name), 'utf8');
      // Header block only, with folded lines unfolded.
      return { name, headers: raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ') };
    });
}

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** stderr and the warnings/errors of the log, for assertion messages. */
export function diagnostics(server: Server): string {
  const problems = server.logs.filter((l) => (l.level ?? 0) >= 40 || /shut/.test(String(l.msg)));
  return [...problems.map((l) => JSON.stringify(l)), server.stderr.join('')].join('\n');
}

export async function killHard(server: Server) {
  server.child.kill('SIGKILL');
  const { signal } = await server.exited;
  expect(signal).toBe('SIGKILL');
}

export async function stopGracefully(server: Server) {
  const sent = Date.now();
  server.child.kill('SIGTERM');
  const { code } = await server.exited;
  return { code, ms: Date.now() - sent };
}


/**
 * A DATA_DIR for the embedded PostgreSQL in the temp folder. mkdtemp makes it 0700; under root
 * the server runs as `postgres`, which must be let in. Remove it with stopEmbeddedServers().
 */
export function embeddedDataDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o711);
  return dir;
}

/**
 * Stops the embedded PostgreSQL left running in each DATA_DIR (a postmaster outlives a killed
 * Node, and `db-url --start` leaves one by design), found by its pid file, then removes the folders.
 */
export async function stopEmbeddedServers(dataDirs: string[]): Promise<void> {
  const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  for (const dir of dataDirs) {
    const pid = runningPostmaster(embeddedFiles(join(dir, 'postgres')));
    if (pid !== null) {
      process.kill(pid, 'SIGINT');
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
