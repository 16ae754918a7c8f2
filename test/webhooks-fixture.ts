// Shared by the webhooks suites: a local receiver (node:http on 127.0.0.1) whose answers a
// test scripts per path, helpers that run the pipeline (events, then jobs) to the end, and
// a look at the delivery rows.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { bearer, type TestApp } from './harness.ts';

export const API = '/api/v1';
export const hooksUrl = (orgId: string, rest = '') => `${API}/orgs/${orgId}/webhooks${rest}`;

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url(path: string): string;
  /** Requests received on `path`, oldest first. */
  on(path: string): Received[];
  /** Answers the next requests on `path` with these statuses in turn; the last one repeats. Default 204. */
  script(path: string, statuses: number[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const scripts = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const queue = scripts.get(path);
      const status = queue ? (queue.length > 1 ? queue.shift()! : queue[0]) : 204;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 204 ? undefined : `answered ${status}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    on: (path) => received.filter((r) => r.path === path),
    script: (path, statuses) => scripts.set(path, [...statuses]),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Delivers events and runs due jobs until neither has anything left (a job may publish events). */
export async function deliverAll(t: TestApp): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const n = (await t.drain()) + (await t.runJobs());
    if (n === 0) return;
  }
  throw new Error('the pipeline did not settle');
}

/** Makes the queued retries of webhook deliveries due now, instead of after their backoff. */
export async function makeRetriesDue(t: TestApp): Promise<number> {
  const r = await sql`UPDATE pgboss.job SET start_after = now() WHERE name = 'webhooks.deliver' AND state = 'retry'`.execute(t.database.db);
  return Number(r.numAffectedRows ?? 0);
}

/** Seconds until each queued retry of a webhook delivery is due. */
export async function retryDelays(t: TestApp): Promise<number[]> {
  const r = await sql<{ s: number }>`SELECT extract(epoch FROM start_after - now())::float8 AS s FROM pgboss.job WHERE name = 'webhooks.deliver' AND state = 'retry'`.execute(t.database.db);
  return r.rows.map((row) => Number(row.s));
}

export async function createHook(t: TestApp, token: string, orgId: string, body: Record<string, unknown>) {
  const res = await t.request({ method: 'POST', url: hooksUrl(orgId), headers: bearer(token), payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string; url: string; events: string[]; enabled: boolean };
}

export async function getHook(t: TestApp, token: string, orgId: string, id: string) {
  const res = await t.request({ method: 'GET', url: hooksUrl(orgId, `/${id}`), headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

export async function deliveriesOf(t: TestApp, token: string, orgId: string, id: string, query = '') {
  const res = await t.request({ method: 'GET', url: hooksUrl(orgId, `/${id}/deliveries${query}`), headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Events of a type in the outbox, oldest first, with their payloads parsed. */
export async function outboxEvents(t: TestApp, type: string) {
  const rows = await t.database.db.selectFrom('core.outbox').select(['id', 'type', 'payload', 'org_id', 'actor_id']).where('type', '=', type).orderBy('id').execute();
  return rows.map((r: any) => ({ ...r, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload }));
}
