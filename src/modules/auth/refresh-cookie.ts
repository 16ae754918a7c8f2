// The refresh token as an http-only cookie, for the web console (decision 0050). A client opts in
// per request with `X-Refresh-Cookie: 1`; without it tokens travel in bodies as before. A
// trusted-device token (/auth/mfa/verify with trustDevice) goes the same way, into a cookie the
// browser sends to /auth/login only.
// The header doubles as the CSRF guard of the cookie path: a page of another site cannot send a
// custom header without a CORS preflight, and the cookie itself is SameSite=Strict.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { API_PREFIX } from '../../core/http/server.ts';
import { TRUSTED_DEVICE_TTL_DAYS } from './devices.ts';

export const REFRESH_COOKIE = 'trellis_refresh';
/** The one path the browser sends the cookie to. */
export const REFRESH_COOKIE_PATH = `${API_PREFIX}/auth/refresh`;
export const COOKIE_HEADER = 'x-refresh-cookie';
export const DEVICE_COOKIE = 'trellis_device';
/** The one path the browser sends the trusted-device cookie to. */
export const DEVICE_COOKIE_PATH = `${API_PREFIX}/auth/login`;

/** The request headers of the routes that can answer with the cookie, for their schemas. */
export const CookieOptIn = Type.Object({
  [COOKIE_HEADER]: Type.Optional(
    Type.Literal('1', {
      description:
        'Web console only: put the refresh token in an http-only, SameSite=Strict cookie (path /api/v1/auth/refresh) instead of the body, ' +
        'and, on /auth/refresh without a body token, read it from that cookie (decision 0050). ' +
        'A trusted-device token goes to a cookie sent to /auth/login only, which reads it when the body has none.',
    }),
  ),
});

export const wantsCookie = (req: FastifyRequest) => req.headers[COOKIE_HEADER] === '1';

/** The refresh token the request's cookie carries, if any. */
export const cookieToken = (req: FastifyRequest) => readCookie(req, REFRESH_COOKIE);
/** The trusted-device token the request's cookie carries, if any. */
export const deviceCookieToken = (req: FastifyRequest) => readCookie(req, DEVICE_COOKIE);

function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return value ? value : undefined;
    }
  }
  return undefined;
}

function setCookie(req: FastifyRequest, reply: FastifyReply, cookie: { name: string; path: string }, value: string, maxAgeSeconds: number) {
  const attributes = [`${cookie.name}=${value}`, `Path=${cookie.path}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  // Over plain HTTP (development on localhost) a Secure cookie would not be stored.
  if (req.protocol === 'https') attributes.push('Secure');
  const before = reply.getHeader('set-cookie');
  const lines = before === undefined ? [] : Array.isArray(before) ? before.map(String) : [String(before)];
  reply.header('set-cookie', [...lines, attributes.join('; ')]);
}

const REFRESH = { name: REFRESH_COOKIE, path: REFRESH_COOKIE_PATH };
const DEVICE = { name: DEVICE_COOKIE, path: DEVICE_COOKIE_PATH };

/**
 * Answers a token pair as the request asked: unchanged, or with the refresh token moved into
 * the cookie. The token is URL-safe base64 (randomToken), so it needs no encoding.
 */
export function deliverPair<T extends object>(req: FastifyRequest, reply: FastifyReply, pair: T, maxAgeSeconds: number): T {
  // An MFA challenge has no refresh token yet: it is answered as it is.
  if (!wantsCookie(req) || !('refreshToken' in pair) || typeof pair.refreshToken !== 'string') return pair;
  const { refreshToken, ...rest } = pair;
  setCookie(req, reply, REFRESH, refreshToken, maxAgeSeconds);
  if ('deviceToken' in rest && typeof rest.deviceToken === 'string') {
    setCookie(req, reply, DEVICE, rest.deviceToken, TRUSTED_DEVICE_TTL_DAYS * 86_400);
    delete rest.deviceToken;
  }
  return rest as T;
}

/** Clears the refresh cookie (sign-out, a refused refresh). The device cookie stays: trust outlives a session. */
export function clearCookie(req: FastifyRequest, reply: FastifyReply) {
  setCookie(req, reply, REFRESH, '', 0);
}
