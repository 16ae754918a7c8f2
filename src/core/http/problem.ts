// RFC 9457 problem+json: the only place that maps an error kind to an HTTP status.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { isDatabaseTimeout, isDatabaseUnavailable } from '../db/failures.ts';
import { AppError, CoreProblems, type ErrorKind } from '../errors.ts';

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  request_timeout: 408,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  unprocessable: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  unavailable: 503,
};

/** The HTTP status of a kind of error. */
export const statusOf = (kind: ErrorKind): number => STATUS[kind];

const TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    requestId: Type.String(),
  },
  { $id: 'Problem', title: 'Problem (RFC 9457)' },
);

/** A problem document: the schema's members, plus the members its code adds (`clashes`, …). */
export type Problem = Static<typeof ProblemSchema> & { [extension: string]: unknown };

function problemType(code: string): string {
  return `https://trellis.dev/problems/${code.toLowerCase().replace(/[._]/g, '-')}`;
}

export function toProblem(err: unknown, requestId: string): { problem: Problem; retryAfter?: number; internal: boolean } {
  const app = asAppError(err);
  const status = STATUS[app.kind];
  const internal = app.kind === 'internal';
  const problem: Problem = {
    type: problemType(app.code),
    title: TITLE[status] ?? 'Error',
    status,
    // 5xx details are masked: the log has the cause under the same request id.
    detail: internal ? 'An unexpected error occurred' : app.message,
    code: app.code,
    requestId,
  };
  if (app.errors?.length) problem.errors = app.errors;
  if (app.details && !internal) Object.assign(problem, app.details);
  return { problem, retryAfter: app.retryAfter, internal };
}

/** Translates framework errors (validation, body parsing, limits) into AppError. */
function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError & { validationContext?: string };
  if (fe?.validation) {
    const where = fe.validationContext ?? 'body';
    return new AppError('validation', 'VALIDATION_FAILED', 'The request is not valid', {
      errors: fe.validation.map((v) => ({ field: fieldName(where, v), message: v.message ?? 'is invalid' })),
    });
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('validation', 'VALIDATION_FAILED', 'The request body is not valid JSON', {
        errors: [{ field: 'body', message: 'must be valid JSON' }],
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'PAYLOAD_TOO_LARGE', 'The request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json', {
        errors: [{ field: 'content-type', message: 'must be application/json' }],
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('validation', 'VALIDATION_FAILED', 'The Content-Length header does not match the body', {
        errors: [{ field: 'content-length', message: 'does not match the body' }],
      });
    case 'FST_ERR_BAD_URL':
      // The router could not decode the path (a bad percent sequence, or one that is not UTF-8).
      return new AppError('validation', 'VALIDATION_FAILED', 'The request path is not valid', {
        errors: [{ field: 'path', message: 'must be valid percent-encoded UTF-8' }],
      });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('uri_too_long', 'URI_TOO_LONG', 'A path segment is too long');
  }
  if (isDatabaseTimeout(err)) {
    // A lock or a slow statement held the request past its bound; its transaction was rolled
    // back, so nothing of it happens later. Other requests go on (decision 0029).
    return CoreProblems.dbTimeout.error('The database did not answer in time, retry shortly', { retryAfter: 2 });
  }
  if (isDatabaseUnavailable(err)) {
    // The database is down or restarting: a retry soon may succeed, unlike a 500.
    return new AppError('unavailable', 'UNAVAILABLE', 'The service is temporarily unavailable, retry shortly', { retryAfter: 5 });
  }
  // Other framework refusals: a fixed text per status, since their messages may quote the input.
  const status = fe?.statusCode;
  if (status === 429) return new AppError('rate_limited', 'RATE_LIMITED', 'Too many requests, slow down');
  if (status === 404) return new AppError('not_found', 'NOT_FOUND', 'Not found');
  if (status && status >= 400 && status < 500) return new AppError('validation', 'BAD_REQUEST', 'The request is not valid');
  return new AppError('internal', 'INTERNAL', 'Internal error');
}

// A path segment may be a key the client chose (a record's): echoed short and printable.
const segment = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s).replace(/[\p{Cc}\uD800-\uDFFF]/gu, '?');

function fieldName(where: string, v: { instancePath?: string; params?: Record<string, unknown> }): string {
  const prefix = where === 'querystring' ? 'query' : where;
  const path = (v.instancePath ?? '').split('/').filter(Boolean).map(segment);
  const missing = v.params?.missingProperty ?? v.params?.additionalProperty;
  if (typeof missing === 'string') path.push(missing);
  return [prefix, ...path].join('.');
}

/** Where sendProblem leaves the code of a refusal for the access line (request-hooks.ts). */
export const PROBLEM_CODE = Symbol('problemCode');
export type RefusedRequest = FastifyRequest & { [PROBLEM_CODE]?: string };

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: unknown): FastifyReply {
  const { problem, retryAfter, internal } = toProblem(err, request.id);
  // A refusal is one line, the access line, which carries its code (decision 0029); only a bug
  // gets a line of its own, with the error.
  if (internal) request.log.error({ err }, 'unhandled error');
  (request as RefusedRequest)[PROBLEM_CODE] = problem.code;
  if (retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
  return reply.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}
