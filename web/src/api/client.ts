// The one way the console calls the API: openapi-fetch, typed by schema.d.ts (generated from
// /openapi.json by `npm run client`). A middleware adds the in-memory access token and, when
// an answer is 401, refreshes once through the cookie and replays the request.
import createClient, { type Middleware } from 'openapi-fetch';
import { REFRESH_HEADERS, refreshSession } from './refresh';
import type { paths } from './schema';
import { session } from './session';

/** Routes whose 401 means "wrong credentials", not "the access token expired". */
const NO_REPLAY = /\/auth\/(login|refresh|mfa\/verify|otp\/verify|register|password\/reset)$/;

export function createApiClient(fetchImpl: typeof fetch = (input, init) => fetch(input, init)) {
  const client = createClient<paths>({ baseUrl: '/api/v1', fetch: fetchImpl, credentials: 'same-origin' });
  // A copy of each request as it was before the token was added, to replay after a refresh.
  const originals = new Map<string, Request>();

  const auth: Middleware = {
    onRequest({ request, id }) {
      originals.set(id, request.clone());
      const token = session.accessToken();
      if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      // Sign-in answers put the refresh token in the http-only cookie, never in the page.
      if (/\/auth\/(login|mfa\/verify|otp\/verify|logout)$/.test(new URL(request.url).pathname)) {
        for (const [name, value] of Object.entries(REFRESH_HEADERS)) request.headers.set(name, value);
      }
      return request;
    },
    async onResponse({ response, id }) {
      const original = originals.get(id);
      originals.delete(id);
      if (response.status !== 401 || !original || NO_REPLAY.test(new URL(original.url).pathname)) return response;
      if (!(await refreshSession(fetchImpl))) return response;
      const retry = original.clone();
      retry.headers.set('authorization', `Bearer ${session.accessToken()}`);
      return fetchImpl(retry);
    },
    onError({ id }) {
      originals.delete(id);
    },
  };
  client.use(auth);
  return client;
}

export const api = createApiClient();
export type Api = ReturnType<typeof createApiClient>;
