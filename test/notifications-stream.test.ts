// The realtime stream over a real socket: Server-Sent Events read with fetch, as a browser
// or curl would. Two apps on one database (and one Redis when TEST_REDIS_URL is set) stand
// for two instances.
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, createTestApp, STRONG_PASSWORD, scrapeMetrics, type TestApp } from './harness.ts';
import { openSse, type SseClient as Client } from './sse.ts';
import { createOrg, newUser, type U } from './workspace.ts';

const env = { STREAM_HEARTBEAT: '1s' };
let a: TestApp;
let b: TestApp;
let baseA: string;
beforeAll(async () => {
  a = await createTestApp({ env });
  // A second instance on the same database: its own broker, dispatcher and job workers.
  b = await createTestApp({ env, database: a.database });
  await a.app.http.listen({ port: 0, host: '127.0.0.1' });
  baseA = `http://127.0.0.1:${(a.app.http.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await b?.app.close();
  // fetch (undici) may leave a spare socket that never sends a request; the server counts it
  // as busy until its headers timeout (60 s). Every client here is done: drop them all.
  a?.app.http.server.closeAllConnections();
  await a?.close();
});

/** Runs events and jobs on `t` until nothing is left. */
async function settle(t: TestApp) {
  for (let i = 0; i < 10; i++) {
    const n = (await t.drain()) + (await t.runJobs());
    if (n === 0) return;
  }
  throw new Error('events or jobs keep coming');
}

/** Opens the stream and parses it as it arrives (test/sse.ts); a refusal is one `problem` event. */
async function connect(opts: { token?: string; ticket?: string; lastEventId?: string; base?: string } = {}): Promise<Client> {
  const url = new URL(`${opts.base ?? baseA}/api/v1/stream`);
  if (opts.ticket) url.searchParams.set('ticket', opts.ticket);
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  const client = await openSse(url.toString(), { headers });
  if (client.problem !== undefined) client.events.push({ event: 'problem', data: client.problem });
  return client;
}

const notificationsOf = (c: Client) => c.events.filter((e) => e.event === 'notification');

/** Causes one notification for `u` through `t`: a sign-in from a device never seen before. */
let deviceSeq = 0;
async function causeNotification(t: TestApp, u: U) {
  deviceSeq++;
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'user-agent': `TestBrowser${'X'.repeat(deviceSeq)}/1.0` },
    remoteAddress: '198.18.200.1',
    payload: { email: u.email, password: STRONG_PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(200);
  await settle(t);
}

async function openStreams(t: TestApp): Promise<number> {
  const metrics = await scrapeMetrics(t);
  expect(metrics.statusCode).toBe(200);
  return Number(/^realtime_streams_open (\d+)/m.exec(metrics.body)?.[1]);
}

describe('GET /stream', () => {
  it('refuses a request without credentials (401) and with a bad token', async () => {
    const none = await connect();
    expect(none.status).toBe(401);
    expect(none.events[0].data).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await connect({ token: 'not-a-token' })).status).toBe(401);
  });

  it('pushes a notification caused after connecting, with its id, and hints the retry delay', async () => {
    const u = await newUser(a);
    await settle(a);
    const client = await connect({ token: u.accessToken });
    try {
      expect(client.status, JSON.stringify(client.events)).toBe(200);
      expect(client.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(client.headers.get('cache-control')).toBe('no-cache, no-transform');
      await vi.waitFor(() => expect(client.comments).toContain('connected'));
      expect(client.retry).toBe(3000);

      await causeNotification(a, u);
      await vi.waitFor(() => expect(notificationsOf(client)).toHaveLength(1));
      const [pushed] = notificationsOf(client);
      const listed = (await a.request({ method: 'GET', url: '/api/v1/notifications', headers: bearer(u.accessToken) })).json().data[0];
      expect(pushed.id).toBe(listed.id);
      expect(pushed.data).toEqual(listed);

      // Reading it tells the user's other tabs.
      await a.request({ method: 'POST', url: `/api/v1/notifications/${listed.id}/read`, headers: bearer(u.accessToken) });
      await vi.waitFor(() => expect(client.events.find((e) => e.event === 'notification.read')?.data).toEqual({ ids: [listed.id] }));
    } finally {
      client.close();
    }
  });

  it('sends heartbeat comments', async () => {
    const u = await newUser(a);
    const client = await connect({ token: u.accessToken });
    try {
      await vi.waitFor(() => expect(client.comments).toContain('heartbeat'), { timeout: 5000 });
    } finally {
      client.close();
    }
  });

  it('replays what was missed after Last-Event-ID, then continues live', async () => {
    const u = await newUser(a);
    await settle(a);
    const first = await connect({ token: u.accessToken });
    await causeNotification(a, u);
    await vi.waitFor(() => expect(notificationsOf(first)).toHaveLength(1));
    const lastSeen = notificationsOf(first)[0].id!;
    first.close();

    await causeNotification(a, u);
    await causeNotification(a, u);
    const missed = (await a.request({ method: 'GET', url: '/api/v1/notifications', headers: bearer(u.accessToken) })).json().data.slice(0, 2).reverse();

    const again = await connect({ token: u.accessToken, lastEventId: lastSeen });
    try {
      await vi.waitFor(() => expect(notificationsOf(again)).toHaveLength(2));
      expect(notificationsOf(again).map((e) => e.id)).toEqual(missed.map((n: any) => n.id));
      await causeNotification(a, u);
      await vi.waitFor(() => expect(notificationsOf(again)).toHaveLength(3));
    } finally {
      again.close();
    }
    // The same resume through the query (a new EventSource cannot set the header).
    const viaQuery = await fetch(`${baseA}/api/v1/stream?lastEventId=${lastSeen}`, { headers: bearer(u.accessToken) });
    const reader = viaQuery.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while ((text.match(/event: notification/g) ?? []).length < 3) text += (await reader.read()).value;
    await reader.cancel();
    expect(text).toContain(`id: ${missed[0].id}`);
    expect((await connect({ token: u.accessToken, lastEventId: 'not-a-uuid' })).status).toBe(400);
  });

  it('a ticket opens the stream once, for 60 seconds', async () => {
    const u = await newUser(a);
    await settle(a);
    expect((await a.request({ method: 'POST', url: '/api/v1/stream/tickets' })).statusCode).toBe(401);
    const issued = await a.request({ method: 'POST', url: '/api/v1/stream/tickets', headers: bearer(u.accessToken) });
    expect(issued.statusCode, issued.body).toBe(201);
    const { ticket, expiresIn } = issued.json();
    expect(expiresIn).toBe(60);
    const stored = await sql<{ token_hash: string }>`SELECT token_hash FROM notifications.stream_tickets WHERE user_id = ${u.userId}`.execute(a.database.db);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].token_hash).not.toBe(ticket); // stored hashed

    const client = await connect({ ticket });
    try {
      expect(client.status).toBe(200);
      await causeNotification(a, u);
      await vi.waitFor(() => expect(notificationsOf(client)).toHaveLength(1));
    } finally {
      client.close();
    }
    const reused = await connect({ ticket });
    expect(reused.status).toBe(401);
    expect(reused.events[0].data.code).toBe('NOTIFICATIONS.INVALID_TICKET');

    const late = (await a.request({ method: 'POST', url: '/api/v1/stream/tickets', headers: bearer(u.accessToken) })).json().ticket;
    await sql`UPDATE notifications.stream_tickets SET expires_at = now() - interval '1 second' WHERE user_id = ${u.userId} AND used_at IS NULL`.execute(a.database.db);
    expect((await connect({ ticket: late })).status).toBe(401);
  });

  it('closes the stream when its session is signed out, and forgets closed streams', async () => {
    const u = await newUser(a);
    await settle(a);
    const before = await openStreams(a);
    const client = await connect({ token: u.accessToken });
    await vi.waitFor(async () => expect(await openStreams(a)).toBe(before + 1));
    const logout = await a.request({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(u.accessToken) });
    expect(logout.statusCode).toBe(204);
    await settle(a);
    await client.ended; // the server ended it
    await vi.waitFor(async () => expect(await openStreams(a)).toBe(before));

    // A client that goes away is forgotten too.
    const other = await newUser(a);
    const gone = await connect({ token: other.accessToken });
    await vi.waitFor(async () => expect(await openStreams(a)).toBe(before + 1));
    gone.close();
    await vi.waitFor(async () => expect(await openStreams(a)).toBe(before));
  });

  it('also carries other realtime messages for the user: the progress of their jobs', async () => {
    const u = await newUser(a);
    const org = await createOrg(a, u.accessToken);
    await settle(a);
    const client = await connect({ token: u.accessToken });
    try {
      await vi.waitFor(() => expect(client.comments).toContain('connected'));
      const res = await a.request({
        method: 'POST',
        url: `/api/v1/orgs/${org.id}/reports/time/files`,
        headers: bearer(u.accessToken),
        payload: { from: '2024-03-01', to: '2024-03-31', groupBy: 'project', format: 'csv' },
      });
      expect(res.statusCode, res.body).toBe(202);
      const { jobId } = res.json();
      await settle(a);
      await vi.waitFor(() => expect(client.events.find((e) => e.event === 'job.progress' && e.data.status === 'completed')?.data).toMatchObject({ jobId, progress: 1 }));
      // The file is ready: the notification follows on the same stream.
      await vi.waitFor(() => expect(notificationsOf(client).map((e) => e.data.type)).toContain('export_ready'));
    } finally {
      client.close();
    }
  });

  it('limits open streams per user (429)', async () => {
    const u = await newUser(a);
    const open: Client[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const c = await connect({ token: u.accessToken });
        expect(c.status).toBe(200);
        open.push(c);
      }
      const extra = await connect({ token: u.accessToken });
      expect(extra.status).toBe(429);
      expect(extra.events[0].data.code).toBe('NOTIFICATIONS.TOO_MANY_STREAMS');
      // Another user is not affected.
      const other = await newUser(a);
      const theirs = await connect({ token: other.accessToken });
      expect(theirs.status).toBe(200);
      open.push(theirs);
    } finally {
      for (const c of open) c.close();
    }
  });

  it('a client on instance A receives a notification caused through instance B', async () => {
    const u = await newUser(a);
    await settle(a);
    const client = await connect({ token: u.accessToken });
    try {
      await vi.waitFor(() => expect(client.comments).toContain('connected'));
      await causeNotification(b, u);
      await vi.waitFor(() => expect(notificationsOf(client)).toHaveLength(1));
      expect(notificationsOf(client)[0].data.type).toBe('new_sign_in');
    } finally {
      client.close();
    }
  });
});

describe('shutdown', () => {
  it('app.close() ends open streams instead of waiting for them', async () => {
    const t = await createTestApp({ env, database: a.database });
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.http.server.address() as AddressInfo).port}`;
    const u = await newUser(t);
    const client = await connect({ token: u.accessToken, base });
    expect(client.status).toBe(200);
    const started = Date.now();
    await t.app.close();
    expect(Date.now() - started).toBeLessThan(5000);
    await client.ended;
  });
});
