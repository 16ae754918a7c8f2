// The one error channel. Services throw AppError with a kind and a stable code;
// only core/http knows how a kind maps to an HTTP status.
export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unsupported_media_type'
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

export const notFound = (what: string, code = 'NOT_FOUND') => new AppError('not_found', code, `${what} not found`);
export const conflict = (message: string, code = 'CONFLICT') => new AppError('conflict', code, message);
export const forbidden = (message = 'You are not allowed to do this', code = 'FORBIDDEN') =>
  new AppError('forbidden', code, message);
export const unauthenticated = (message = 'Authentication required', code = 'UNAUTHENTICATED') =>
  new AppError('unauthenticated', code, message);
export const invalid = (field: string, message: string, code = 'VALIDATION_FAILED') =>
  new AppError('validation', code, 'The request is not valid', { errors: [{ field, message }] });
