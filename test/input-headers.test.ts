// Header values that reach the database or the log, over a real socket (inject() skips Node's
// parser, which is half of the story): what the parser refuses, what reaches the app, and how
// the app stores what reaches it. Behind a trusted proxy, X-Forwarded-For becomes request.ip
// without any check, so it is tested here too.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, STRONG_PASSWORD, signUp, type TestApp } from './harness.ts';
import { rawRequest } from './raw-http.ts';

let t: TestApp;
let port: number;

beforeAll(async () => {
  t = await createTestApp({ env: { AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000', TRUST_PROXY: 'true' } });
  await t.app.http.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.http.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await t?.close();
});

/** Signs in over a raw socket with these extra header lines (written as Latin-1 bytes). */
async function loginWith(email: string, headerLines: string[]) {
  const body = JSON.stringify({ email, password: STRONG_PASSWORD });
  const request = [
    'POST /api/v1/auth/login HTTP/1.1',
    'Host: localhost',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...headerLines,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
  return rawRequest(port, request);
}

/** The session the login made and the outbox event it published: where the headers are stored. */
async function storedFor(userId: string) {
  const session = await t.database.runSql('SELECT ip, user_agent FROM auth.sessions WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1', [userId]);
  const event = await t.database.runSql("SELECT ip, user_agent FROM core.outbox WHERE type = 'auth.logged_in' AND actor_id = $1 ORDER BY occurred_at DESC LIMIT 1", [userId]);
  return { session: session.rows[0], event: event.rows[0] };
}

const CONTROL = /[\p{Cc}\u2028\u2029]/u;

describe('User-Agent', () => {
  it('Node refuses NUL and C0 control bytes in a header before the app sees it', async () => {
    const user = await signUp(t);
    for (const ua of ['curl/8\u0000x', 'curl/8\u0001x', 'curl/8\u001bx', 'curl/8\u007fx']) {
      const res = await loginWith(user.email, [`User-Agent: ${ua}`]);
      expect(res.status, JSON.stringify(ua)).toBe(400);
      expect(JSON.parse(res.body).code).toBe('BAD_REQUEST');
    }
  });

  it('TAB and bytes 0x80–0xFF reach the app (as Latin-1, C1 controls included) and are stored without control characters', async () => {
    const user = await signUp(t);
    // 0x85 is NEL and 0x9B CSI once read as Latin-1; 0xE9 is "é".
    const res = await loginWith(user.email, ['User-Agent: Mozilla/5.0\t(X11;\x85Linux)\x9B2J caf\xe9']);
    expect(res.status, res.body).toBe(200);
    const { session, event } = await storedFor(user.userId);
    expect(session.user_agent).toBe('Mozilla/5.0 (X11; Linux) 2J café');
    expect(event.user_agent).toBe(session.user_agent);
    const sessions = await t.request({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(JSON.parse(res.body).accessToken) });
    expect(sessions.json().data[0].userAgent).not.toMatch(CONTROL);
  });

  it('is cut to 512 characters', async () => {
    const user = await signUp(t);
    expect((await loginWith(user.email, [`User-Agent: ${'a'.repeat(5000)}`])).status).toBe(200);
    expect((await storedFor(user.userId)).session.user_agent).toHaveLength(512);
  });
});

describe('X-Forwarded-For behind a trusted proxy', () => {
  it('stores a forwarded address that is an IP, without an IPv6 zone', async () => {
    const user = await signUp(t);
    expect((await loginWith(user.email, ['X-Forwarded-For: 203.0.113.7'])).status).toBe(200);
    expect((await storedFor(user.userId)).session.ip).toBe('203.0.113.7');
    expect((await loginWith(user.email, ['X-Forwarded-For: fe80::1%eth0'])).status).toBe(200);
    expect((await storedFor(user.userId)).session.ip).toBe('fe80::1');
  });

  it('stores the connecting peer instead of a forwarded value that is not an IP', async () => {
    const user = await signUp(t);
    for (const forwarded of ['<script>alert(1)</script>', '1.2.3.4\x85', 'unknown', '999.1.1.1', `${'9'.repeat(3000)}`]) {
      const res = await loginWith(user.email, [`X-Forwarded-For: ${forwarded}`]);
      expect(res.status, forwarded).toBe(200);
      const { session, event } = await storedFor(user.userId);
      expect(session.ip, forwarded).toBe('127.0.0.1');
      expect(event.ip, forwarded).toBe('127.0.0.1');
    }
  });
});

describe('other headers', () => {
  it('X-Request-Id is echoed only when well-formed; otherwise a new id is stored with the event', async () => {
    const user = await signUp(t);
    const res = await loginWith(user.email, ['X-Request-Id: evil\x85id']);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const row = await t.database.runSql("SELECT request_id FROM core.outbox WHERE type = 'auth.logged_in' AND actor_id = $1 ORDER BY occurred_at DESC LIMIT 1", [user.userId]);
    expect(row.rows[0].request_id).toBe(res.headers['x-request-id']);
  });

  it('Last-Event-ID on the stream must be a notification id: anything else is 400 VALIDATION_FAILED', async () => {
    const user = await signUp(t);
    for (const value of ['not-a-uuid', '1 OR 1=1', '\u0085']) {
      const res = await t.request({ method: 'GET', url: '/api/v1/stream', headers: { ...bearer(user.accessToken), 'last-event-id': value } });
      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual([{ field: 'headers.last-event-id', message: expect.any(String) }]);
    }
  });

  it('an API key header that is not a key is 401, and is never stored', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/users/me', headers: { 'x-api-key': 'trl_\u0085<script>' } });
    expectProblem(res, 401, 'UNAUTHENTICATED');
  });
});
