// Who acts, and the request they act in: one shape from the route to the use case to the
// event (decision 0033). A route builds it with `actorOf(req)` and hands it to the use case;
// the use case checks rights with its principal and publishes with `{ actor, orgId }`, and the
// outbox stamps the event with the user, the API key, the request id, the address and the user
// agent from it. Code that is handed no actor gets the same shape for the current request from
// the request context (`currentCaller()`), so the outbox reads one shape either way.
//
// The org is not part of it: a request may act on several orgs (creating one under a parent,
// accepting an invitation, moving an org), and the org is the tenant key each use case checks
// and filters by, so it stays the use case's explicit argument and the event's `orgId`.
import type { FastifyRequest } from 'fastify';
import { clientIp, clientUserAgent } from '../http/client-info.ts';
import type { Principal } from '../http/principal.ts';

export interface Actor {
  /** The signed-in user: id, role, email, the session or API key, the key's scopes. */
  readonly principal: Principal;
  /** X-Request-Id of the request; null outside one (a job acting for a stored principal). */
  readonly requestId: string | null;
  /** The client's address, normalised (core/http/client-info.ts). */
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** Whoever a request runs for, signed in or not (registration, sign-in): an actor without a principal. */
export type Caller = Omit<Actor, 'principal'> & { readonly principal: Principal | null };

/**
 * A request seen as its caller. Address and user agent are normalised when read, not when
 * built: most use cases never read them, and the outbox reads them once per event. The getters
 * live on the class, so building one is two fields; read the fields, don't spread the object.
 */
class RequestCaller implements Caller {
  readonly principal: Principal | null;
  readonly requestId: string;
  readonly #request: FastifyRequest;
  constructor(request: FastifyRequest) {
    this.#request = request;
    this.principal = request.principal;
    this.requestId = request.id;
  }
  get ip(): string {
    return clientIp(this.#request);
  }
  get userAgent(): string | null {
    return clientUserAgent(this.#request) ?? null;
  }
  /** The plain values, should an actor ever be logged or stored. */
  toJSON() {
    return { principal: this.principal, requestId: this.requestId, ip: this.ip, userAgent: this.userAgent };
  }
}

/** The caller of a request, signed in or not. */
export function callerOf(request: FastifyRequest): Caller {
  return new RequestCaller(request);
}

/** The actor of an authenticated route (the auth hook guarantees the principal). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.principal) throw new Error('actorOf called on a route without auth');
  return new RequestCaller(request) as Actor;
}

/**
 * A member acting outside a request: a job, a schedule or a share link working for a stored
 * user. Their org and project rights are checked as for a signed-in user; no session or key
 * limits them, and the instance role is never borrowed ('user'), so an instance admin's job
 * gets no more than their memberships give.
 */
export function memberActor(member: { userId: string; email: string }): Actor {
  return {
    principal: { userId: member.userId, email: member.email, role: 'user', emailVerified: true, sessionId: null, apiKeyId: null, scopes: null },
    requestId: null,
    ip: null,
    userAgent: null,
  };
}
