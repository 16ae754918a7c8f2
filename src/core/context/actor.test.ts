import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../http/principal.ts';
import { actorOf, callerOf } from './actor.ts';

const principal: Principal = { userId: 'u1', email: 'u1@example.test', role: 'user', emailVerified: true, sessionId: 's1', apiKeyId: null, scopes: null };

/** The fields of a Fastify request the actor reads. */
const request = (over: Partial<Record<string, unknown>> = {}) =>
  ({ id: 'req-1', principal, ip: '203.0.113.9', headers: { 'user-agent': 'curl/8\u0007x' }, socket: { remoteAddress: '10.0.0.1' }, ...over }) as unknown as FastifyRequest;

describe('the actor of a request', () => {
  it('carries the principal and the request id, and reads the address and user agent normalised', () => {
    const actor = actorOf(request());
    expect(actor.principal).toBe(principal);
    expect(actor.requestId).toBe('req-1');
    expect(actor.ip).toBe('203.0.113.9');
    // Control characters become spaces, as everywhere the app stores a user agent.
    expect(actor.userAgent).toBe('curl/8 x');
    expect(JSON.parse(JSON.stringify(actor))).toEqual({ principal, requestId: 'req-1', ip: '203.0.113.9', userAgent: 'curl/8 x' });
  });

  it('falls back to the peer address for a forwarded value that is no address, and to null without a user agent', () => {
    const actor = actorOf(request({ ip: '<script>', headers: {} }));
    expect(actor.ip).toBe('10.0.0.1');
    expect(actor.userAgent).toBeNull();
  });

  it('is refused on a route without auth; the caller of such a route has no principal', () => {
    expect(() => actorOf(request({ principal: null }))).toThrow(/without auth/);
    expect(callerOf(request({ principal: null }))).toMatchObject({ principal: null, requestId: 'req-1', ip: '203.0.113.9' });
  });
});
