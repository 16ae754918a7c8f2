// The client's token handling: the in-memory access token on every call, one refresh through
// the cookie on a 401 (shared by concurrent calls), the call replayed with the new token.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient } from './client';
import { refreshSession } from './refresh';
import { session } from './session';

const USER = { id: '0190a5b4-0000-7000-8000-000000000001', email: 'a@example.test', emailVerified: true, role: 'user' as const, status: 'active' as const, mfaEnabled: false, createdAt: '2026-01-01T00:00:00.000Z' };
const json = (status: number, body: unknown, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
const unauthenticated = () => json(401, { type: 'https://trellis.dev/problems/unauthenticated', title: 'Unauthorized', status: 401, code: 'UNAUTHENTICATED', detail: 'expired', requestId: 'r1' }, 'application/problem+json');

interface Seen {
  url: string;
  method: string;
  authorization: string | null;
  cookieHeader: string | null;
  credentials: RequestCredentials | undefined;
  body: string;
}

/** A fake server: the access token `fresh` is valid; /auth/refresh answers with `refresh`. */
function fakeServer(refresh: () => Response) {
  const seen: Seen[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url).pathname;
    seen.push({ url, method: request.method, authorization: request.headers.get('authorization'), cookieHeader: request.headers.get('x-refresh-cookie'), credentials: init?.credentials ?? request.credentials, body: await request.clone().text() });
    if (url === '/api/v1/auth/refresh') return refresh();
    if (url === '/api/v1/auth/login') return unauthenticated();
    return request.headers.get('authorization') === 'Bearer fresh' ? json(200, { data: [] }) : unauthenticated();
  };
  return { seen, client: createApiClient(fetchImpl as typeof fetch) };
}

beforeEach(() => session.signedIn('stale', USER));
afterEach(() => session.signedOut());

describe('the API client', () => {
  it('sends the in-memory access token', async () => {
    session.signedIn('fresh', USER);
    const { seen, client } = fakeServer(() => json(500, {}));
    const { data } = await client.GET('/auth/sessions');
    expect(data).toEqual({ data: [] });
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer fresh']);
  });

  it('on a 401 refreshes once through the cookie and replays the call with the new token', async () => {
    const { seen, client } = fakeServer(() => json(200, { accessToken: 'fresh', tokenType: 'Bearer', expiresIn: 900, user: USER }));
    const { data, error } = await client.GET('/auth/sessions');
    expect(error).toBeUndefined();
    expect(data).toEqual({ data: [] });
    expect(seen.map((s) => `${s.method} ${s.url} ${s.authorization}`)).toEqual([
      'GET /api/v1/auth/sessions Bearer stale',
      'POST /api/v1/auth/refresh null',
      'GET /api/v1/auth/sessions Bearer fresh',
    ]);
    const refresh = seen[1];
    // The refresh token is the cookie's: the page only asks for it, and never holds it.
    expect(refresh.cookieHeader).toBe('1');
    expect(refresh.credentials).toBe('same-origin');
    expect(refresh.body).toBe('{}');
    expect(session.accessToken()).toBe('fresh');
  });

  it('shares one refresh between calls that fail together (the refresh token rotates)', async () => {
    const { seen, client } = fakeServer(() => json(200, { accessToken: 'fresh', tokenType: 'Bearer', expiresIn: 900, user: USER }));
    const answers = await Promise.all([client.GET('/auth/sessions'), client.GET('/auth/api-keys'), client.GET('/auth/devices')]);
    expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200]);
    expect(seen.filter((s) => s.url === '/api/v1/auth/refresh')).toHaveLength(1);
  });

  it('signs out when the refresh is refused, and gives the call its 401', async () => {
    const { seen, client } = fakeServer(() => unauthenticated());
    const { error, response } = await client.GET('/auth/sessions');
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(session.get().status).toBe('signed-out');
    expect(seen.filter((s) => s.url === '/api/v1/auth/sessions')).toHaveLength(1);
  });

  it('keeps the session when the refresh is rate limited (only a refused cookie signs out)', async () => {
    const { client } = fakeServer(() => json(429, { type: 'https://trellis.dev/problems/rate-limited', title: 'Too Many Requests', status: 429, code: 'RATE_LIMITED', detail: 'slow down', requestId: 'r2' }, 'application/problem+json'));
    const { response } = await client.GET('/auth/sessions');
    expect(response.status).toBe(401);
    expect(session.get().status).toBe('signed-in');
  });

  it('leaves a sign-in that completed while the refresh was under way alone', async () => {
    let answer: (res: Response) => void = () => {};
    const slow = (() => new Promise<Response>((done) => (answer = done))) as unknown as typeof fetch;
    session.signedOut();
    const refreshing = refreshSession(slow);
    session.signedIn('signed-in-meanwhile', USER);
    answer(unauthenticated());
    expect(await refreshing).toBe(false);
    expect(session.accessToken()).toBe('signed-in-meanwhile');
  });

  it('does not refresh on a 401 of signing in (wrong credentials, not an expired token), and asks for the cookie', async () => {
    const { seen, client } = fakeServer(() => json(500, {}));
    const { response } = await client.POST('/auth/login', { body: { email: 'a@example.test', password: 'x' } });
    expect(response.status).toBe(401);
    expect(seen.map((s) => s.url)).toEqual(['/api/v1/auth/login']);
    expect(seen[0].cookieHeader).toBe('1');
  });
});
