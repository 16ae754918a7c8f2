// PostgreSQL goes away under load and comes back, on a real process. The server reaches it
// through a TCP proxy the test controls (restarting the run's PostgreSQL would break every
// other suite running at the same time): while it is down /health/ready answers 503 and
// requests fail with 503 UNAVAILABLE; once it is back the same process recovers without a
// restart, and every registration it acknowledged (201) has its profile and its one mail.
// The fault suite (test/faults/, `npm run test:faults`) stops and kills a PostgreSQL of its own
// instead, under a mixed load, and also runs the webhook crash test that was here.
import { createServer, type Server as NetServer, type Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { serverEndpoint, viaTcp } from './connection-string.ts';
import { tryCall, cleanupProcesses, freshStorage, mailFiles, PASSWORD, startServer, until, WAIT_MS } from './processes.ts';

afterAll(cleanupProcesses, WAIT_MS);

/** A TCP proxy to PostgreSQL (over TCP or its Unix socket) that can be taken down (every connection cut) and brought back. */
async function postgresProxy(target: ReturnType<typeof serverEndpoint>) {
  const sockets = new Set<Socket>();
  let server: NetServer | undefined;
  let port = 0;
  const up = () =>
    new Promise<void>((ok) => {
      server = createServer((client) => {
        const upstream = connect(target);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        ok();
      });
    });
  const down = () =>
    new Promise<void>((ok) => {
      for (const s of sockets) s.destroy();
      server!.close(() => ok());
    });
  await up();
  return { port: () => port, up, down };
}


describe('faults (real processes, PostgreSQL)', () => {
  it('survives PostgreSQL going away under load and loses no acknowledged event', { timeout: 4 * WAIT_MS }, async () => {
    const storage = await freshStorage();
    const proxy = await postgresProxy(serverEndpoint(storage.env.DATABASE_URL));
    const viaProxy = viaTcp(storage.env.DATABASE_URL, `127.0.0.1:${proxy.port()}`);
    const server = await startServer(storage.dataDir, { ...storage.env, DATABASE_URL: viaProxy, AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '100000' });
    const base = server.base;

    // Load: registrations and readiness probes, all the time, before, during and after the outage.
    const acknowledged: string[] = [];
    const readiness: number[] = [];
    const failures: number[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        const email = `fault-${randomBytes(4).toString('hex')}@example.test`;
        const res = await tryCall(base, 'POST', '/api/v1/auth/register', { email, password: PASSWORD, displayName: 'Fault' });
        if (res.status === 201) acknowledged.push(email);
        else failures.push(res.status);
        readiness.push((await tryCall(base, 'GET', '/health/ready')).status);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    await until('some registrations before the outage', () => (acknowledged.length >= 3 ? true : undefined));
    await proxy.down();
    const cutAt = readiness.length;
    await until('readiness 503 while the database is away', () => (readiness.slice(cutAt).includes(503) ? true : undefined));
    await new Promise((r) => setTimeout(r, 2000));
    const failedDuringOutage = failures.length;
    expect(failedDuringOutage).toBeGreaterThan(0);
    await proxy.up();
    const backAt = readiness.length;
    await until('readiness 200 again without a restart', () => (readiness.slice(backAt).includes(200) ? true : undefined));
    const countBefore = acknowledged.length;
    await until('registrations succeed again', () => (acknowledged.length >= countBefore + 3 ? true : undefined));
    loading = false;
    await load;
    expect(server.child.exitCode).toBeNull();
    // Failures were answered as problems (503), or the connection attempt itself failed: never a 500.
    expect(failures.filter((s) => s !== 503 && s !== 0)).toEqual([]);

    // Every acknowledged registration: committed, so its events are delivered (profile + one mail).
    const db = new pg.Client({ connectionString: storage.env.DATABASE_URL });
    await db.connect();
    try {
      await until('every acknowledged registration delivered', async () => {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM core.outbox WHERE status <> 'delivered'`);
        return rows[0].n === 0 ? true : undefined;
      });
      const profiles = await db.query(`SELECT a.email FROM auth.accounts a JOIN users.profiles p ON p.user_id = a.id WHERE a.email = ANY($1)`, [acknowledged]);
      expect(profiles.rows.map((r) => r.email).sort()).toEqual([...acknowledged].sort());
    } finally {
      await db.end();
    }
    const mails = mailFiles(storage.dataDir);
    for (const email of acknowledged) expect(mails.filter((m) => m.headers.includes(`To: ${email}`)), email).toHaveLength(1);
  });
});
