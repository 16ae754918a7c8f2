// The request a piece of code runs for, without passing it through every call: the outbox
// stamps an event published without an actor (actor.ts) with the current request's caller,
// so account flows that take only the principal, or none (registration), still record who,
// from where and in which request. The store is the Fastify request itself, so entering it
// costs no allocation.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyRequest } from 'fastify';
import { outsideTrace } from '../telemetry/tracing.ts';
import { type Caller, callerOf } from './actor.ts';

const storage = new AsyncLocalStorage<FastifyRequest>();

/**
 * Runs `fn(request, reply, done)` (the rest of the request's hooks and handler) with `request`
 * as the current request. The arguments are passed through rather than closed over, so
 * entering the context allocates nothing per request.
 */
export function runInRequest<R, D>(request: FastifyRequest, fn: (request: FastifyRequest, reply: R, done: D) => void, reply: R, done: D): void {
  storage.run(request, fn, request, reply, done);
}

/**
 * Runs `fn` outside any request, so background work started from a request does not inherit
 * it: neither its caller nor, with tracing on, its trace.
 */
export function runOutsideRequest<T>(fn: () => T): T {
  return storage.exit(() => outsideTrace(fn));
}

/** Who is calling, when code runs on behalf of an HTTP request (the shape `actorOf` gives); undefined in background work. */
export function currentCaller(): Caller | undefined {
  const request = storage.getStore();
  return request ? callerOf(request) : undefined;
}

const dbWaitDeadline = Symbol('dbWaitDeadline');

/**
 * Who draws on the database pool now (db/connection-shares.ts): the group is the module of the
 * route a request runs (its tag), or `background` outside requests; the deadline bounds all
 * the waits for connections of one request together (`waitMs` from its first), so a request
 * that takes several connections cannot wait `waitMs` for each.
 */
export function currentDbCaller(waitMs: number): { group: string; deadline: number } {
  const request = storage.getStore() as (FastifyRequest & { [dbWaitDeadline]?: number }) | undefined;
  if (!request) return { group: 'background', deadline: Date.now() + waitMs };
  request[dbWaitDeadline] ??= Date.now() + waitMs;
  const tags = (request.routeOptions?.schema as { tags?: string[] } | undefined)?.tags;
  return { group: tags?.[0] ?? 'api', deadline: request[dbWaitDeadline] };
}
