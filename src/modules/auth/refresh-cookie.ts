// The refresh token as an http-only cookie, for the web console (decision 0050). A client opts in
// per request with `X-Refresh-Cookie: 1`; without it tokens travel in bodies as before.
// The header doubles as the CSRF guard of the cookie path: a page of another site cannot send a
// custom header without a CORS preflight, and the cookie itself is SameSite=Strict.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { API_PREFIX } from '../../core/http/server.ts';

export const REFRESH_COOKIE = 'trellis_refresh';
/** The one path the browser sends the cookie to. */
export const REFRESH_COOKIE_PATH = `${API_PREFIX}/auth/refresh`;
export const COOKIE_HEADER = 'x-refresh-cookie';

/** The request headers of the routes that can answer with the cookie, for their schemas. */
export const CookieOptIn = Type.Object({
  [COOKIE_HEADER]: Type.Optional(
    Type.Literal('1', {
      description:
        'Web console only: put the refresh token in an http-only, SameSite=Strict cookie (path /api/v1/auth/refresh) instead of the body, ' +
        'and, on /auth/refresh without a body token, read it from that cookie (decision 0050).',
    }),
  ),
});

export const wantsCookie = (req: FastifyRequest) => req.headers[COOKIE_HEADER] === '1';

/** The refresh token the request's cookie carries, if any. */
export function cookieToken(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === REFRESH_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value ? value : undefined;
    }
  }
  return undefined;
}

function setCookie(req: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number) {
  const attributes = [`${REFRESH_COOKIE}=${value}`, `Path=${REFRESH_COOKIE_PATH}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  // Over plain HTTP (development on localhost) a Secure cookie would not be stored.
  if (req.protocol === 'https') attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

/**
 * Answers a token pair as the request asked: unchanged, or with the refresh token moved into
 * the cookie. The token is URL-safe base64 (randomToken), so it needs no encoding.
 */
export function deliverPair<T extends object>(req: FastifyRequest, reply: FastifyReply, pair: T, maxAgeSeconds: number): T {
  // An MFA challenge has no refresh token yet: it is answered as it is.
  if (!wantsCookie(req) || !('refreshToken' in pair) || typeof pair.refreshToken !== 'string') return pair;
  const { refreshToken, ...rest } = pair;
  setCookie(req, reply, refreshToken, maxAgeSeconds);
  return rest as T;
}

export function clearCookie(req: FastifyRequest, reply: FastifyReply) {
  setCookie(req, reply, '', 0);
}
