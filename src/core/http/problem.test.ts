import { describe, expect, it } from 'vitest';
import { AppError, type ErrorKind } from '../errors.ts';
import { toProblem } from './problem.ts';

const RID = 'req-1';

describe('toProblem', () => {
  it.each<[ErrorKind, number, string]>([
    ['validation', 400, 'Bad Request'],
    ['unauthenticated', 401, 'Unauthorized'],
    ['forbidden', 403, 'Forbidden'],
    ['not_found', 404, 'Not Found'],
    ['conflict', 409, 'Conflict'],
    ['payload_too_large', 413, 'Payload Too Large'],
    ['unprocessable', 422, 'Unprocessable Content'],
    ['rate_limited', 429, 'Too Many Requests'],
    ['request_timeout', 408, 'Request Timeout'],
    ['uri_too_long', 414, 'URI Too Long'],
    ['headers_too_large', 431, 'Request Header Fields Too Large'],
  ])('maps kind %s to %i with the RFC 9457 shape', (kind, status, title) => {
    const { problem, internal } = toProblem(new AppError(kind, 'TIME.ENTRY_OVERLAP', 'What went wrong'), RID);
    expect(internal).toBe(false);
    expect(problem).toEqual({
      type: 'https://trellis.dev/problems/time-entry-overlap',
      title,
      status,
      detail: 'What went wrong',
      code: 'TIME.ENTRY_OVERLAP',
      requestId: RID,
    });
  });

  it('lists field errors and merges details for client errors', () => {
    const err = new AppError('validation', 'VALIDATION_FAILED', 'The request is not valid', {
      errors: [{ field: 'body.email', message: 'must be an email' }],
      details: { limit: 5 },
      retryAfter: 12,
    });
    const { problem, retryAfter } = toProblem(err, RID);
    expect(problem.errors).toEqual([{ field: 'body.email', message: 'must be an email' }]);
    expect(problem.limit).toBe(5);
    expect(retryAfter).toBe(12);
  });

  it('masks anything that is not an AppError as a 500 without detail or stack', () => {
    const err = new Error('connection to postgres://admin:hunter2@db failed');
    const { problem, internal } = toProblem(err, RID);
    expect(internal).toBe(true);
    expect(problem).toEqual({
      type: 'https://trellis.dev/problems/internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred',
      code: 'INTERNAL',
      requestId: RID,
    });
    expect(JSON.stringify(problem)).not.toMatch(/hunter2|stack|at /);
    for (const thrown of [undefined, null, 'a string', 42, { message: 'plain object' }]) {
      expect(toProblem(thrown, RID).problem).toMatchObject({ status: 500, code: 'INTERNAL', detail: 'An unexpected error occurred' });
    }
  });

  it('masks the message and details of an internal AppError', () => {
    const err = new AppError('internal', 'INTERNAL', 'the disk is full at /var/lib/x', { details: { path: '/var/lib/x' } });
    const { problem } = toProblem(err, RID);
    expect(problem.detail).toBe('An unexpected error occurred');
    expect(problem).not.toHaveProperty('path');
  });

  it('translates framework validation errors into field errors', () => {
    const err = Object.assign(new Error('body/email must match format "email"'), {
      validation: [
        { instancePath: '/email', message: 'must match format "email"', params: {} },
        { instancePath: '', message: "must have required property 'password'", params: { missingProperty: 'password' } },
        { instancePath: '/profile/age', message: 'must be integer', params: {} },
      ],
      validationContext: 'body',
    });
    const { problem } = toProblem(err, RID);
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(problem.errors).toEqual([
      { field: 'body.email', message: 'must match format "email"' },
      { field: 'body.password', message: "must have required property 'password'" },
      { field: 'body.profile.age', message: 'must be integer' },
    ]);
    const q = toProblem(Object.assign(new Error('x'), { validation: [{ instancePath: '/limit', message: 'must be <= 100' }], validationContext: 'querystring' }), RID);
    expect(q.problem.errors).toEqual([{ field: 'query.limit', message: 'must be <= 100' }]);
  });

  it('translates framework body errors and 4xx statuses', () => {
    const fe = (code: string, statusCode: number) => Object.assign(new Error(code), { code, statusCode });
    expect(toProblem(fe('FST_ERR_CTP_INVALID_JSON_BODY', 400), RID).problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(toProblem(fe('FST_ERR_CTP_EMPTY_JSON_BODY', 400), RID).problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(toProblem(fe('FST_ERR_CTP_BODY_TOO_LARGE', 413), RID).problem).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(toProblem(fe('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), RID).problem).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(toProblem(fe('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400), RID).problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(toProblem(fe('SOMETHING', 429), RID).problem).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // Framework messages may quote the request (Fastify's bad-URL error quotes the path): never echoed.
    expect(toProblem(fe("'/x/<script>' is not a valid url component", 400), RID).problem).toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
      detail: 'The request is not valid',
    });
    expect(toProblem(fe('FST_ERR_MAX_PARAM_LENGTH', 414), RID).problem).toMatchObject({ status: 414, code: 'URI_TOO_LONG', title: 'URI Too Long' });
    expect(toProblem(fe('FST_ERR_BAD_URL', 400), RID).problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ field: 'path' }] });
    // A framework 5xx is masked like any other unexpected error.
    expect(toProblem(fe('FST_SOMETHING_BROKE', 500), RID).problem).toMatchObject({ status: 500, code: 'INTERNAL', detail: 'An unexpected error occurred' });
  });
});

describe('field names', () => {
  it('clips and makes printable a path segment the client chose (a record key)', () => {
    const key = `k\u0000${'x'.repeat(100)}`;
    const err = Object.assign(new Error('x'), { validation: [{ instancePath: `/types/${key}`, message: 'must be boolean', params: {} }], validationContext: 'body' });
    const [field] = toProblem(err, RID).problem.errors!;
    expect(field.field).toBe(`body.types.k?${'x'.repeat(62)}…`);
  });
});
