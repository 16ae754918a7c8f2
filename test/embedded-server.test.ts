// The zero-config database end to end (decision 0027): the production bundle with no
// DATABASE_URL starts a PostgreSQL server in DATA_DIR/postgres, stops it on SIGTERM, reuses it
// after a SIGKILL of Node, keeps every acknowledged write, and, when Node runs as root, runs the
// server as the `postgres` account or says in one sentence why it cannot.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { platform, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../scripts/build.ts';
import { embeddedUrl, } from '../src/core/db/embedded-postgres.ts';
import { api, cleanupProcesses, diagnostics, embeddedDataDir, JWT_SECRET, login, NODE, PASSWORD, ROOT, type Server, startServer, stopEmbeddedServers, stopGracefully, WAIT_MS } from './processes.ts';

const outDir = join(ROOT, `.build-test-${process.pid}-embedded`);
const root = process.getuid?.() === 0;
const folders: string[] = [];
let entry: string;

function newDataDir(): string {
  const dir = embeddedDataDir('trellis-embedded-');
  folders.push(dir);
  return dir;
}

/** Pids of the postmasters running on `pgdata` (its children rename themselves and drop `-D`). */
function postmasters(pgdata: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const d = args.indexOf('-D');
    if (d >= 0 && args[d + 1] === pgdata && /postgres$/.test(args[0])) found.push(Number(name));
  }
  // A backend the postmaster just forked carries its command line until it sets its title
  // (`postgres: checkpointer`, …): under load a scan can catch one. Postmasters are the ones
  // whose parent is not one of them.
  return found.filter((pid) => !found.includes(parentOf(pid)));
}

function parentOf(pid: number): number {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

async function waitGone(pid: number, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

/** Accounts whose email starts with `prefix`, read through the embedded server while it runs. */
async function storedEmails(dataDir: string, prefix: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: embeddedUrl(join(dataDir, 'postgres')) });
  await client.connect();
  try {
    const { rows } = await client.query<{ email: string }>('SELECT email FROM auth.accounts WHERE starts_with(email, $1)', [prefix]);
    return rows.map((r) => r.email);
  } finally {
    await client.end();
  }
}

const start = (dataDir: string) => startServer(dataDir, { NODE_ENV: 'production', AUTH_RATE_LIMIT: '100000' }, relative(ROOT, entry));

beforeAll(async () => {
  const built = await buildServer(outDir);
  entry = built.entry;
}, WAIT_MS);

afterAll(async () => {
  await cleanupProcesses();
  // A postmaster outlives a killed Node by design: stop every one this file left, by its pid file.
  await stopEmbeddedServers(folders);
  rmSync(outDir, { recursive: true, force: true });
}, WAIT_MS);

describe.skipIf(platform() !== 'linux')('the embedded PostgreSQL (production bundle, no DATABASE_URL)', () => {
  const dataDir = newDataDir();
  const pgdata = join(dataDir, 'postgres');
  const email = `embedded-${randomBytes(4).toString('hex')}@example.test`;
  let server: Server;
  let firstPostmaster: number;

  it('first start: ready, DATA_DIR/postgres made, one postmaster, run as `postgres` under root', { timeout: WAIT_MS }, async () => {
    server = await start(dataDir);
    expect((await fetch(`${server.base}/health/ready`)).status).toBe(200);
    expect(existsSync(join(pgdata, 'PG_VERSION'))).toBe(true);
    const pids = postmasters(pgdata);
    expect(pids).toHaveLength(1);
    firstPostmaster = pids[0];
    expect(server.logs.map((l) => l.msg)).toContain('embedded PostgreSQL initialised');
    // PostgreSQL refuses root: under root the server runs as the `postgres` account.
    const postgresUid = Number((await run('id', ['-u', 'postgres'])).stdout.trim() || -1);
    expect(uidOf(firstPostmaster)).toBe(root ? postgresUid : process.getuid!());
    const reg = await api(server, 'POST', '/auth/register', { email, password: PASSWORD, displayName: 'Embedded' });
    expect(reg.status, reg.text).toBe(201);
  });

  it('SIGTERM: Node exits 0 and the postmaster is gone', { timeout: WAIT_MS }, async () => {
    const { code } = await stopGracefully(server);
    expect(code, diagnostics(server)).toBe(0);
    expect(await waitGone(firstPostmaster, 5000)).toBe(true);
    expect(postmasters(pgdata)).toEqual([]);
  });

  it('a restart on the same folder is ready with the data still there', { timeout: WAIT_MS }, async () => {
    server = await start(dataDir);
    expect((await fetch(`${server.base}/health/ready`)).status).toBe(200);
    expect(server.logs.map((l) => l.msg)).not.toContain('embedded PostgreSQL initialised');
    await login(server, email);
    expect(postmasters(pgdata)).toHaveLength(1);
  });

  it('SIGKILL of Node during a burst of writes: the next start has every acknowledged write and one postmaster', { timeout: 2 * WAIT_MS }, async () => {
    const prefix = `burst-${randomBytes(3).toString('hex')}-`;
    const acknowledged: string[] = [];
    let killed = false;
    // Registrations hash a password (argon2, tens of ms each), so the burst is still in flight
    // when the first answers come back; Node dies once a few have been acknowledged.
    const requests = Array.from({ length: 40 }, async (_, i) => {
      const address = `${prefix}${i}@example.test`;
      try {
        const res = await api(server, 'POST', '/auth/register', { email: address, password: PASSWORD, displayName: `Burst ${i}` });
        if (res.status >= 200 && res.status < 300 && !killed) acknowledged.push(address);
      } catch {
        // the connection died with the process: not acknowledged
      }
    });
    const deadline = Date.now() + 30_000;
    while (acknowledged.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
    await Promise.all(requests);
    expect(acknowledged.length).toBeGreaterThanOrEqual(5);
    expect(acknowledged.length).toBeLessThan(40);
    // The postmaster is a process group of its own: it outlives Node.
    expect(postmasters(pgdata)).toHaveLength(1);

    server = await start(dataDir);
    expect((await fetch(`${server.base}/health/ready`)).status).toBe(200);
    const stored = await storedEmails(dataDir, prefix);
    expect(stored).toEqual(expect.arrayContaining(acknowledged));
    expect(postmasters(pgdata)).toHaveLength(1);

    const pid = postmasters(pgdata)[0];
    const { code } = await stopGracefully(server);
    expect(code, diagnostics(server)).toBe(0);
    expect(await waitGone(pid, 5000)).toBe(true);
    expect(postmasters(pgdata)).toEqual([]);
  });

  it.skipIf(!root)('as root, a DATA_DIR the `postgres` account cannot enter stops start-up with one sentence and exit code 1', { timeout: WAIT_MS }, async () => {
    const locked = newDataDir();
    chmodSync(locked, 0o700);
    const out = await run(NODE, [relative(ROOT, entry)], {
      PATH: process.env.PATH ?? '',
      HOME: tmpdir(),
      NODE_ENV: 'production',
      PORT: '0',
      LOG_LEVEL: 'info',
      DATA_DIR: join(locked, 'data'),
      JWT_SECRET,
    });
    expect(out.code).toBe(1);
    const lines = out.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^trellis: PostgreSQL refuses to run as root, and the account `postgres` it runs as instead cannot enter .*trellis-embedded-[^ ]+: /);
    expect(out.stderr).not.toContain('    at ');
    expect(existsSync(join(locked, 'data', 'postgres'))).toBe(false);
  });
});

function run(file: string, args: string[], env?: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(file, args, { cwd: ROOT, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}
