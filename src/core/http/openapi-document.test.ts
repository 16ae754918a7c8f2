import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { CoreProblems, defineProblem } from '../errors.ts';
import { addProblemResponses, problemSchemaName, type RouteFacts } from './openapi-document.ts';

const overlap = defineProblem('conflict', 'DEMO.OVERLAP', 'Overlaps others.', { extensions: { clashes: Type.Array(Type.String()) } });
const archived = defineProblem('conflict', 'DEMO.ARCHIVED', 'Archived.');
const missing = defineProblem('not_found', 'DEMO.NOT_FOUND', 'No such thing.');
const busy = defineProblem('conflict', 'DEMO.BUSY', 'Try again soon.', { retryAfter: true });

const facts = (over: Partial<RouteFacts> = {}): RouteFacts => ({ authenticated: true, rateLimited: true, input: true, body: true, problems: [], ...over });

/** A document of the given operations, each answering 200, after the problem responses are added. */
function build(ops: Record<string, RouteFacts>) {
  const paths = Object.fromEntries(Object.keys(ops).map((id) => [`/${id}`, { post: { operationId: id, responses: { 200: { description: 'ok' } } } }]));
  const document: Record<string, any> = { paths };
  addProblemResponses(document, new Map(Object.entries(ops)));
  return document;
}

describe('problem responses per operation', () => {
  it('names a code’s schema after the code', () => {
    expect(problemSchemaName('TIME.ENTRY_OVERLAP')).toBe('TimeEntryOverlapProblem');
    expect(problemSchemaName('VALIDATION_FAILED')).toBe('ValidationFailedProblem');
  });

  it('answers each status with its codes: one schema per code, oneOf when several', () => {
    const doc = build({ a: facts({ problems: [missing, overlap, archived] }) });
    const responses = doc.paths['/a'].post.responses;
    expect(Object.keys(responses).sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503']);
    expect(responses['404'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/DemoNotFoundProblem' });
    expect(responses['409'].content['application/problem+json'].schema).toEqual({
      oneOf: [{ $ref: '#/components/schemas/DemoOverlapProblem' }, { $ref: '#/components/schemas/DemoArchivedProblem' }],
    });
    // The code is a constant and the extension members are required: a client narrows on `code`.
    expect(doc.components.schemas.DemoOverlapProblem.allOf[0]).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(doc.components.schemas.DemoOverlapProblem.allOf[1].properties.code).toEqual({ type: 'string', const: 'DEMO.OVERLAP' });
    expect(doc.components.schemas.DemoOverlapProblem.allOf[1].required).toEqual(['code', 'clashes']);
  });

  it('derives the statuses from the route: none of 400, 401, 403, 413, 415 or 429 where they cannot happen', () => {
    const doc = build({ probe: facts({ authenticated: false, rateLimited: false, input: false, body: false }) });
    expect(Object.keys(doc.paths['/probe'].post.responses).sort()).toEqual(['200', '500', '503']);
  });

  it('shares a response for a status answered only with core’s codes, and keeps domain codes inline', () => {
    const doc = build({ a: facts(), b: facts({ problems: [CoreProblems.notFound] }), c: facts({ problems: [missing] }) });
    expect(doc.paths['/a'].post.responses['401']).toEqual({ $ref: '#/components/responses/Unauthorized' });
    expect(doc.paths['/b'].post.responses['404']).toEqual({ $ref: '#/components/responses/NotFound' });
    expect(doc.paths['/c'].post.responses['404'].$ref).toBeUndefined();
    expect(doc.components.responses.NotFound.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/NotFoundProblem' });
  });

  it('declares Retry-After where a code sends it, and the rate-limit headers on 429 and successes', () => {
    const doc = build({ a: facts({ problems: [busy] }) });
    const { responses } = doc.paths['/a'].post;
    expect(Object.keys(responses['409'].headers)).toEqual(['X-Request-Id', 'Retry-After']);
    expect(Object.keys(doc.components.responses.TooManyRequests.headers)).toEqual(['X-Request-Id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After']);
    expect(Object.keys(responses['200'].headers)).toEqual(['X-Request-Id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']);
  });

  it('refuses one code with two different sets of members', () => {
    const other = defineProblem('validation', 'DEMO.OVERLAP', 'Same code, other members.', { extensions: { reason: Type.String() } });
    expect(() => build({ a: facts({ problems: [overlap] }), b: facts({ problems: [other] }) })).toThrow(/DEMO\.OVERLAP/);
  });

  it('accepts one code defined with two kinds, as one schema', () => {
    const asInput = defineProblem('validation', 'DEMO.ARCHIVED', 'Archived, told as a bad field.');
    const doc = build({ a: facts({ problems: [archived, asInput] }) });
    expect(doc.paths['/a'].post.responses['400'].content['application/problem+json'].schema.oneOf).toContainEqual({ $ref: '#/components/schemas/DemoArchivedProblem' });
    expect(doc.paths['/a'].post.responses['409'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/DemoArchivedProblem' });
  });
});

describe('defineProblem', () => {
  it('throws an AppError of its kind and code, with the members given', () => {
    const err = overlap.error('It overlaps', { details: { clashes: ['x'] } });
    expect(err).toMatchObject({ kind: 'conflict', code: 'DEMO.OVERLAP', message: 'It overlaps', details: { clashes: ['x'] } });
    expect(busy.error('Soon', { retryAfter: 2 })).toMatchObject({ kind: 'conflict', retryAfter: 2 });
  });
});
