// The one error channel. Services throw AppError with a kind and a stable code;
// only core/http knows how a kind maps to an HTTP status.
import { type Static, type TObject, type TProperties, type TSchema, Type } from 'typebox';

export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'range_not_satisfiable'
  | 'unprocessable'
  | 'request_timeout'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'unavailable'
  | 'internal';

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly errors: FieldError[] | undefined;
  /** Seconds a client should wait before retrying (rate limits, locks). */
  readonly retryAfter: number | undefined;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    opts: { details?: Record<string, unknown>; errors?: FieldError[]; retryAfter?: number } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.details = opts.details;
    this.errors = opts.errors;
    this.retryAfter = opts.retryAfter;
  }
}

/** A field refused by a rule the schema cannot say: 400 `VALIDATION_FAILED`, naming the field. */
export const invalid = (field: string, message: string) => CoreProblems.validationFailed.error('The request is not valid', { errors: [{ field, message }] });

/**
 * One kind of problem an operation can answer: its code, its kind (hence its HTTP status), and
 * the members it adds to RFC 9457's (`clashes`, `key`, …) as a TypeBox schema. A module defines
 * its problems once (`<module>/problems.ts`), throws them with `.error()`, whose `details` are
 * typed by that schema, and lists on each route the ones it can answer (`config.problems`), so
 * /openapi.json declares, per operation, each status with the exact codes behind it
 * (decision 0028).
 */
export interface ProblemType<Code extends string = string, Extensions extends TProperties = TProperties> {
  readonly kind: ErrorKind;
  readonly code: Code;
  /** When a client meets it and what to do, for the document. */
  readonly description: string;
  /** The members this problem adds, or none. */
  readonly extensions: TObject<Extensions> | undefined;
  /** Whether answers carry `Retry-After`. */
  readonly retryAfter: boolean;
  error(message: string, ...options: ProblemOptions<Extensions>): AppError;
}

interface BaseOptions {
  errors?: FieldError[];
  retryAfter?: number;
}
type ProblemOptions<Extensions extends TProperties> = keyof Extensions extends never
  ? [options?: BaseOptions]
  : [options: BaseOptions & { details: Static<TObject<Extensions>> }];

export function defineProblem<const Code extends string, Extensions extends TProperties = Record<never, TSchema>>(
  kind: ErrorKind,
  code: Code,
  description: string,
  options: { extensions?: Extensions; retryAfter?: boolean } = {},
): ProblemType<Code, Extensions> {
  return {
    kind,
    code,
    description,
    extensions: options.extensions ? Type.Object(options.extensions) : undefined,
    retryAfter: options.retryAfter ?? false,
    error: (message, ...rest) => {
      const given = rest[0] as (BaseOptions & { details?: Record<string, unknown> }) | undefined;
      return new AppError(kind, code, message, given);
    },
  };
}

/**
 * The problems core answers for any route, and the generic codes modules use where no code of
 * their own says more. Which routes can answer which is derived in core/http/openapi-document.ts.
 */
export const CoreProblems = {
  validationFailed: defineProblem('validation', 'VALIDATION_FAILED', 'A field is missing or not valid: `errors` lists each one with its message.'),
  badRequest: defineProblem('validation', 'BAD_REQUEST', 'The request is not valid HTTP or not understood.'),
  unauthenticated: defineProblem('unauthenticated', 'UNAUTHENTICATED', 'No credentials, or invalid, expired or revoked ones.'),
  forbidden: defineProblem('forbidden', 'FORBIDDEN', 'The role, or the API key (its scopes, or keys at all), does not allow this.'),
  notFound: defineProblem('not_found', 'NOT_FOUND', 'No such resource, or not visible to the caller.'),
  conflict: defineProblem('conflict', 'CONFLICT', 'The request conflicts with the current state of the resource.'),
  payloadTooLarge: defineProblem('payload_too_large', 'PAYLOAD_TOO_LARGE', 'The body is over the size limit.'),
  unsupportedMediaType: defineProblem('unsupported_media_type', 'UNSUPPORTED_MEDIA_TYPE', 'The body is not application/json.'),
  rateLimited: defineProblem('rate_limited', 'RATE_LIMITED', 'Too many requests: wait `Retry-After` seconds.', { retryAfter: true }),
  internal: defineProblem('internal', 'INTERNAL', 'A bug: the detail is hidden; quote the `requestId`.'),
  dbTimeout: defineProblem('unavailable', 'DB.TIMEOUT', 'The database did not answer in time (a lock held elsewhere, a slow statement, no free connection); nothing was changed: retry after `Retry-After` seconds.', {
    retryAfter: true,
  }),
  unavailable: defineProblem('unavailable', 'UNAVAILABLE', 'Unavailable for a moment (database unreachable, shutting down): retry after `Retry-After` seconds.', {
    retryAfter: true,
  }),
} as const;
