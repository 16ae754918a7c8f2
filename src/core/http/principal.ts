// Who is calling. Core knows the shape; the auth module knows how to resolve it
// from a bearer token or API key, and plugs that in at composition time.
import type { FastifyRequest } from 'fastify';
import type { Executor } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { clientIp, clientUserAgent } from './client-info.ts';

const API_KEY_PREFIX = 'trl_';

export type UserRole = 'user' | 'admin';

export interface Principal {
  userId: string;
  email: string;
  role: UserRole;
  emailVerified: boolean;
  /** The session behind an access token; null for API keys. */
  sessionId: string | null;
  apiKeyId: string | null;
  /** null = everything the user's role allows (access tokens); a list limits an API key. */
  scopes: string[] | null;
}

export interface AuthRequirement {
  /** Only this role may call the route. */
  role?: UserRole;
  /**
   * The scope an API key needs for this route. Routes without one refuse API keys:
   * managing sessions, keys or passwords takes a real sign-in.
   */
  scope?: string;
}

export interface Credentials {
  bearer?: string;
  apiKey?: string;
}

export interface RequestInfo {
  /** Always a valid IP address (client-info.ts). */
  ip: string;
  /** Without control characters, at most 512 characters. */
  userAgent: string | undefined;
}

/**
 * Returns the principal for valid credentials, or null (the route answers 401). It may answer
 * synchronously (a cached session) so the common case costs no promise. `exec`: a caller's
 * transaction to look the credentials up in (the auth hook passes none: the pool).
 */
export type PrincipalResolver = (credentials: Credentials, request: RequestInfo, exec?: Executor) => Principal | null | Promise<Principal | null>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** `true` or a requirement: the route needs an authenticated principal. */
    auth?: true | AuthRequirement;
  }
}

/**
 * The client's address and user agent, normalised when read: the auth hook builds one for every
 * authenticated request, and most (a cached session) never read it. The getters live on the
 * class, so building one is a single-field allocation; read the fields, don't spread the object.
 */
class LazyRequestInfo implements RequestInfo {
  readonly #request: FastifyRequest;
  constructor(request: FastifyRequest) {
    this.#request = request;
  }
  get ip() {
    return clientIp(this.#request);
  }
  get userAgent() {
    return clientUserAgent(this.#request);
  }
}

export function requestInfo(request: FastifyRequest): RequestInfo {
  return new LazyRequestInfo(request);
}

/** The principal of an authenticated route (the auth hook guarantees it is set). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('principalOf called on a route without auth');
  return request.principal;
}

/** The credentials a request carries: `Authorization: Bearer` (a JWT or an API key) or `X-API-Key`. */
export function readCredentials(request: FastifyRequest): Credentials | null {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() !== 'bearer' || !value) {
      throw new AppError('unauthenticated', 'UNAUTHENTICATED', 'Use the Bearer authorization scheme');
    }
    return value.startsWith(API_KEY_PREFIX) ? { apiKey: value } : { bearer: value };
  }
  const key = request.headers['x-api-key'];
  if (typeof key === 'string' && key) return { apiKey: key };
  return null;
}
