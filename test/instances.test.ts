// Two server processes on one PostgreSQL database and one Redis, as a deployment runs them.
// Traffic goes through both; the test proves that every event reaches every subscriber once
// in effect, every job runs once, a webhook is delivered once per event, an SSE client on
// instance A receives a notification caused on instance B, and a rate limit counts the
// requests of both. Runs where Redis is given (TEST_REDIS_URL, as in CI).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupProcesses, freshStorage, mailFiles, PASSWORD, type Server, startServer, until, WAIT_MS } from './processes.ts';

const redisUrl = process.env.TEST_REDIS_URL;
let a: Server;
let b: Server;
let dataDir: string;
let databaseUrl: string;
let db: pg.Client;

/** Each call has its own client address (TRUST_PROXY), so only the rate-limit case shares one. */
async function call(server: Server, method: string, path: string, opts: { body?: unknown; token?: string; ip?: string } = {}) {
  const ip = opts.ip ?? `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
  const res = await fetch(`${server.base}/api/v1${path}`, {
    method,
    headers: {
      'x-forwarded-for': ip,
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body, text };
}

async function signUp(server: Server, tag: string) {
  const email = `${tag}-${randomBytes(4).toString('hex')}@example.test`;
  const reg = await call(server, 'POST', '/auth/register', { body: { email, password: PASSWORD, displayName: tag } });
  expect(reg.status, reg.text).toBe(201);
  const login = await call(server, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
  expect(login.status, login.text).toBe(200);
  return { email, userId: reg.body.user.id as string, token: login.body.accessToken as string };
}

const rows = async <T = any>(text: string, params: unknown[] = []) => (await db.query(text, params)).rows as T[];

describe.skipIf(!redisUrl)('several instances on one database and Redis', () => {
  beforeAll(async () => {
    const storage = await freshStorage();
    dataDir = storage.dataDir;
    databaseUrl = storage.env.DATABASE_URL;
    // A Redis database of its own, so counters of other runs never meet these.
    const redis = new URL(redisUrl!);
    redis.pathname = '/7';
    const env = {
      ...storage.env,
      REDIS_URL: redis.toString(),
      TRUST_PROXY: 'true',
      AUTH_RATE_LIMIT: '5',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    };
    a = await startServer(dataDir, env);
    b = await startServer(dataDir, { ...env, MIGRATE_ON_START: 'false' });
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  }, 3 * WAIT_MS);

  afterAll(async () => {
    await db?.end();
    await cleanupProcesses();
  }, WAIT_MS);

  it('delivers every event to every subscriber once in effect', { timeout: 2 * WAIT_MS }, async () => {
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await signUp(i % 2 ? b : a, `many-${i}`));
    // Both dispatchers compete for the same outbox: each registration still yields one
    // profile and one verification mail.
    await until('every registration delivered', async () => {
      const [{ n }] = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM core.outbox WHERE status <> 'delivered'`);
      return n === 0 ? true : undefined;
    });
    for (const u of users) {
      const mails = mailFiles(dataDir).filter((m) => m.headers.includes(`To: ${u.email}`));
      expect(mails, u.email).toHaveLength(1);
      const me = await call(a, 'GET', '/users/me', { token: u.token });
      expect(me.body.profile.displayName).toMatch(/^many-/);
    }
    const dupes = await rows(`SELECT event_id, subscriber, count(*) FROM core.deliveries GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(dupes).toEqual([]);
  });

  it('runs every job once, whichever instance enqueued it', { timeout: 2 * WAIT_MS }, async () => {
    const owner = await signUp(a, 'jobs');
    const org = await call(a, 'POST', '/orgs', { token: owner.token, body: { name: 'Jobs Inc', slug: `jobs-${randomBytes(3).toString('hex')}` } });
    expect(org.status, org.text).toBe(201);
    const jobIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await call(i % 2 ? b : a, 'POST', `/orgs/${org.body.id}/reports/time/files`, { token: owner.token, body: { format: 'csv' } });
      expect(res.status, res.text).toBe(202);
      jobIds.push(res.body.jobId);
    }
    await until('every job completed', async () => {
      const done = await rows(`SELECT id FROM core.jobs WHERE id = ANY($1) AND status = 'completed'`, [jobIds]);
      return done.length === jobIds.length ? true : undefined;
    });
    const attempts = await rows<{ attempt: number }>(`SELECT attempt FROM core.jobs WHERE id = ANY($1)`, [jobIds]);
    expect(attempts.map((r) => r.attempt)).toEqual(jobIds.map(() => 1));
    const files = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM reports.export_files WHERE job_id = ANY($1)`, [jobIds]);
    expect(files[0].n).toBe(jobIds.length);
    const ready = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM core.outbox WHERE type = 'reports.export_ready' AND payload->>'jobId' = ANY($1)`, [jobIds]);
    expect(ready[0].n).toBe(jobIds.length);
  });

  it('delivers a webhook once per event with both instances working the queue', { timeout: 2 * WAIT_MS }, async () => {
    const received: { id: string; type: string }[] = [];
    const receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ id: String(req.headers['webhook-id']), type: JSON.parse(body).type });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    try {
      const owner = await signUp(b, 'hooks');
      const org = await call(b, 'POST', '/orgs', { token: owner.token, body: { name: 'Hooks Inc', slug: `hooks-${randomBytes(3).toString('hex')}` } });
      expect(org.status, org.text).toBe(201);
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const hook = await call(a, 'POST', `/orgs/${org.body.id}/webhooks`, { token: owner.token, body: { url, events: ['projects.*'] } });
      expect(hook.status, hook.text).toBe(201);
      for (let i = 0; i < 6; i++) {
        const p = await call(i % 2 ? b : a, 'POST', `/orgs/${org.body.id}/projects`, { token: owner.token, body: { name: `P${i}`, key: `P${i}X` } });
        expect(p.status, p.text).toBe(201);
      }
      await until('six project webhooks', () => (received.filter((r) => r.type === 'projects.project_created').length >= 6 ? true : undefined));
      // Give a duplicate the time to show up if there were one.
      await new Promise((r) => setTimeout(r, 3000));
      const created = received.filter((r) => r.type === 'projects.project_created');
      expect(created).toHaveLength(6);
      expect(new Set(received.map((r) => r.id)).size).toBe(received.length);
    } finally {
      receiver.close();
    }
  });

  it('pushes a notification caused on instance B to an SSE client on instance A', { timeout: WAIT_MS }, async () => {
    const user = await signUp(a, 'stream');
    const controller = new AbortController();
    const res = await fetch(`${a.base}/api/v1/stream`, { headers: { authorization: `Bearer ${user.token}`, accept: 'text/event-stream' }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    // One read at a time: a read left behind by the 1 s race below would take the next chunk
    // and drop it (the notification comes 0-2 s after the change: a job, polled every 2 s).
    let reading = reader.read();
    try {
      // The change of password happens on B; the notification must arrive on A's stream.
      const changed = await call(b, 'POST', '/auth/password/change', { token: user.token, body: { currentPassword: PASSWORD, newPassword: `${PASSWORD}-2` } });
      expect(changed.status, changed.text).toBe(204);
      const deadline = Date.now() + 20_000;
      while (!/event: notification/.test(text) && Date.now() < deadline) {
        const chunk = await Promise.race([reading, new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
        if (!chunk) continue;
        if (chunk.value) text += chunk.value;
        if (chunk.done) break;
        reading = reader.read();
      }
      expect(text).toMatch(/event: notification/);
      expect(text).toMatch(/password/i);
    } finally {
      // The read still waiting fails with the abort: that is the end of the stream, not an error.
      reading.catch(() => {});
      controller.abort();
    }
  });

  it('counts a rate limit across both instances', async () => {
    // A client address of this run only: counters in Redis outlive the processes for a minute.
    const ip = `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await call(i % 2 ? b : a, 'POST', '/auth/password/forgot', { ip, body: { email: 'nobody@example.test' } });
      statuses.push(res.status);
    }
    // AUTH_RATE_LIMIT=5 per minute for this client, whichever instance it reaches.
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
  });
});
