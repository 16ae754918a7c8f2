// Readiness with the database away: 503 and a fixed `unreachable`, never the driver's message
// (it names hosts, ports and users); the message goes to the log instead.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { healthRoutes } from './health.ts';
import type { HttpServer } from './server.ts';

const database = await openDatabase({ url: 'postgres://secret-user@127.0.0.1:1/private_db', poolSize: 1 });
afterAll(() => database.close());

describe('/health/ready', () => {
  it('answers 503 with "unreachable" when the database cannot be reached, and logs why', async () => {
    const logged: string[] = [];
    const app = Fastify({
      loggerInstance: {
        level: 'warn',
        info() {},
        error() {},
        debug() {},
        fatal() {},
        trace() {},
        silent() {},
        warn(obj: any) {
          logged.push(JSON.stringify(obj));
        },
        child() {
          return this;
        },
      } as any,
    });
    await app.register(healthRoutes({ database, dispatcher: { running: true } as any, dispatcherEnabled: true, migrations: [] }) as (a: HttpServer) => Promise<void>);
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.database).toEqual({ status: 'fail', detail: 'unreachable' });
    expect(res.body).not.toMatch(/127\.0\.0\.1|secret-user|private_db|ECONNREFUSED/);
    expect(logged.join('\n')).toMatch(/ECONNREFUSED/);
    // A probe every few seconds during an outage logs it once, not once per probe.
    const linesAfterFirstProbe = logged.length;
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
    expect(logged).toHaveLength(linesAfterFirstProbe);
    await app.close();
  });

  it('answers within 2 s with the check that timed out when the database accepts but never answers', async () => {
    // A paused postmaster: connections are accepted, nothing is ever answered.
    const sockets = new Set<Socket>();
    const frozen = createServer((socket) => sockets.add(socket.on('error', () => {})));
    await new Promise<void>((ok) => frozen.listen(0, '127.0.0.1', ok));
    const port = (frozen.address() as AddressInfo).port;
    const stuck = await openDatabase({ url: `postgres://u@127.0.0.1:${port}/db`, poolSize: 1, timeouts: { poolWaitMs: 60_000 } });
    const app = Fastify();
    await app.register(healthRoutes({ database: stuck, dispatcher: { running: true } as any, dispatcherEnabled: true, migrations: [] }) as (a: HttpServer) => Promise<void>);
    const started = Date.now();
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    const elapsed = Date.now() - started;
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.database).toEqual({ status: 'fail', detail: 'timed out after 1500 ms' });
    expect(res.json().checks.migrations.status).toBe('fail');
    expect(res.json().checks.dispatcher).toEqual({ status: 'ok' });
    // Its own deadline, not the pool's (60 s here): a functional bound, not a speed target.
    expect(elapsed).toBeLessThan(2000);
    await app.close();
    for (const s of sockets) s.destroy();
    frozen.close();
    await stuck.close().catch(() => {});
  });
});
