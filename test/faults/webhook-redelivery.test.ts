// A server killed in the middle of a webhook delivery (moved here from the main suite, where it
// took 80 s of waiting on the job queue's timers; it runs beside the fault scenarios). After a
// restart the delivery is made again (at least once), with the same webhook-id, so a receiver
// that dedupes sees the event once. On a PostgreSQL of its own, like the rest of this suite.
// (The main suite keeps the same path in process: test/webhooks-delivery.test.ts, "makes a
// delivery whose attempt was lost with its process again".)
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryCall, cleanupProcesses, embeddedDataDir, killHard, PASSWORD, startServer, until, WAIT_MS } from '../processes.ts';
import { type OwnPostgres, startOwnPostgres } from './postgres.ts';

let postgres: OwnPostgres;
let dataDir: string;

beforeAll(async () => {
  postgres = await startOwnPostgres('trellis-faults-hook-pg-');
  dataDir = embeddedDataDir('trellis-faults-hook-data-');
}, WAIT_MS);

afterAll(async () => {
  await cleanupProcesses();
  await postgres?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, WAIT_MS);


describe('a webhook delivery through a server crash (real processes)', () => {
  it('makes a webhook delivery again after the server died in the middle of it', { timeout: 6 * WAIT_MS }, async () => {
    const seen: string[] = [];
    let hang = true;
    const pending: ServerResponse[] = [];
    const receiver = createHttpServer((req: IncomingMessage, res) => {
      req.resume();
      req.on('end', () => {
        seen.push(String(req.headers['webhook-id']));
        // The first delivery never gets an answer: the server is killed while it waits.
        if (hang) pending.push(res);
        else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    try {
      const env = { DATABASE_URL: postgres.tcpUrl, MIGRATE_ON_START: 'true', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };
      const first = await startServer(dataDir, env);
      const email = `hook-${randomBytes(4).toString('hex')}@example.test`;
      expect((await tryCall(first.base, 'POST', '/api/v1/auth/register', { email, password: PASSWORD, displayName: 'Hook' })).status).toBe(201);
      const login = await tryCall(first.base, 'POST', '/api/v1/auth/login', { email, password: PASSWORD });
      const token = login.body.accessToken;
      const org = await tryCall(first.base, 'POST', '/api/v1/orgs', { name: 'Crashy', slug: `crashy-${randomBytes(3).toString('hex')}` }, token);
      expect(org.status, org.text).toBe(201);
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const hook = await tryCall(first.base, 'POST', `/api/v1/orgs/${org.body.id}/webhooks`, { url, events: ['projects.project_created'] }, token);
      expect(hook.status, hook.text).toBe(201);
      const project = await tryCall(first.base, 'POST', `/api/v1/orgs/${org.body.id}/projects`, { name: 'Boom', key: 'BOOM' }, token);
      expect(project.status, project.text).toBe(201);

      await until('the delivery reached the receiver', () => (seen.length >= 1 ? true : undefined));
      await killHard(first);
      hang = false;
      for (const res of pending) res.destroy();

      const second = await startServer(dataDir, { ...env, MIGRATE_ON_START: 'false' });
      // The attempt in flight was lost with the process; the queue times it out and retries.
      await until('the delivery was made again and answered', async () => {
        const log = await tryCall(second.base, 'GET', `/api/v1/orgs/${org.body.id}/webhooks/${hook.body.id}/deliveries`, undefined, token);
        const items = log.body?.data ?? [];
        return items.some((d: any) => d.status === 'delivered') ? items : undefined;
        // The lost attempt times out (30 s), monitoring notices (every 15 s), the retry waits its backoff (30–60 s).
      }, 4 * WAIT_MS);
      // At least once, never a different event: every attempt carried the same webhook-id.
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(new Set(seen).size).toBe(1);
    } finally {
      receiver.close();
    }
  });
});
