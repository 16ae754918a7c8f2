// Readiness with the database away: 503 and a fixed `unreachable`, never the driver's message
// (it names hosts, ports and users); the message goes to the log instead.
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
});
