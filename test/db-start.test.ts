// Start-up against a database that is not there, or does not answer (issue #20, decision 0029):
// the process says so within seconds, one line per attempt naming the server and never the
// password, retries, and either starts once the database answers or exits 1 at DB_START_TIMEOUT
// with the reason.
import { spawn } from 'node:child_process';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { serverEndpoint, viaTcp } from './connection-string.ts';
import { cleanupProcesses, freshStorage, JWT_SECRET, NODE, ROOT, WAIT_MS } from './processes.ts';

afterAll(cleanupProcesses, WAIT_MS);

const SECRET = 'n0t-in-any-log';

/** A TCP server on 127.0.0.1: `frozen` accepts and never answers; `proxy` forwards to PostgreSQL. */
async function listen(handle: (socket: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    handle(socket);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}

/** Runs the server process and collects its lines until it is ready or exits. */
function run(dataDir: string, env: Record<string, string>) {
  const started = Date.now();
  const child = spawn(NODE, ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir, JWT_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: { at: number; entry: Record<string, any>; text: string }[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let entry: Record<string, any> = {};
    try {
      entry = JSON.parse(text);
    } catch {}
    lines.push({ at: Date.now() - started, entry, text });
    if (entry.msg === 'trellis ready') child.kill('SIGTERM');
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { lines, exited, stderr: () => stderr, elapsed: () => Date.now() - started };
}

const retries = <L extends { entry: Record<string, any> }>(lines: L[]) => lines.filter((l) => l.entry.component === 'database' && l.entry.level === 40);

describe('start-up against an unresponsive database', () => {
  it('logs each attempt within seconds, then exits 1 at DB_START_TIMEOUT with the reason', { timeout: WAIT_MS }, async () => {
    const frozen = await listen(() => {}); // accepts, never answers: a paused postmaster
    const { dataDir } = await freshStorage();
    const p = run(dataDir, { DATABASE_URL: `postgres://trellis:${SECRET}@127.0.0.1:${frozen.port}/orders`, DB_START_TIMEOUT: '7s' });
    const code = await p.exited;
    await frozen.close();
    expect(code).toBe(1);
    const attempts = retries(p.lines);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    // A supervisor sees the reason in the first 10 s: the first line comes after one attempt (3 s).
    expect(attempts[0].at).toBeLessThan(10_000);
    expect(attempts[0].entry.database).toBe(`trellis@127.0.0.1:${frozen.port}/orders`);
    expect(attempts[0].entry.reason).toMatch(/no answer within|timeout/i);
    expect(p.stderr()).toMatch(new RegExp(`database trellis@127.0.0.1:${frozen.port}/orders did not answer within 7 s \\(DB_START_TIMEOUT\\)`));
    // Bounded: it gave up at the deadline, not long after it.
    expect(p.elapsed()).toBeLessThan(20_000);
    const everything = p.lines.map((l) => l.text).join('\n') + p.stderr();
    expect(everything).not.toContain(SECRET);
  });

  it('retries a refused connection and starts once the database answers', { timeout: WAIT_MS }, async () => {
    const { dataDir, env } = await freshStorage();
    const target = serverEndpoint(env.DATABASE_URL);
    // A port that refuses until the proxy to the real server opens on it.
    const probe = await listen(() => {});
    const port = probe.port;
    await probe.close();
    // Over TCP to the proxy, whether the run's server is reached over TCP or its Unix socket.
    const p = run(dataDir, { DATABASE_URL: viaTcp(env.DATABASE_URL, `127.0.0.1:${port}`), MIGRATE_ON_START: 'true', DB_START_TIMEOUT: '40s' });
    // Open the door after the first refusals were reported.
    const deadline = Date.now() + 15_000;
    while (retries(p.lines).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(retries(p.lines).length).toBeGreaterThanOrEqual(2);
    expect(retries(p.lines)[0].entry.reason).toMatch(/ECONNREFUSED/);
    const { connect } = await import('node:net');
    const proxy = createServer((client) => {
      const upstream = 'path' in target ? connect(target.path) : connect(target.port, target.host);
      for (const s of [client, upstream]) s.on('error', () => {});
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((ok) => proxy.listen(port, '127.0.0.1', ok));
    try {
      const code = await p.exited;
      expect(p.lines.some((l) => l.entry.msg === 'trellis ready')).toBe(true);
      expect(p.lines.some((l) => l.entry.component === 'database' && /answers/.test(l.entry.msg))).toBe(true);
      expect(code).toBe(0);
    } finally {
      await new Promise<void>((ok) => proxy.close(() => ok()));
    }
  });
});
