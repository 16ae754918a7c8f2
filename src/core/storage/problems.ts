// The refusals of core/storage (decision 0028): thrown by the drivers and the service, listed by
// the routes that can answer them (the download route, and the modules' upload routes).
import { Type } from 'typebox';
import { AppError, defineProblem } from '../errors.ts';

export const StorageProblems = {
  tooLarge: defineProblem('payload_too_large', 'STORAGE.TOO_LARGE', 'The file is over the largest size one upload may have (`maxBytes`, the `STORAGE_MAX_UPLOAD_BYTES` setting); nothing was stored.', {
    extensions: { maxBytes: Type.Integer({ description: 'The largest size an upload may have, in bytes' }) },
  }),
  quotaExceeded: defineProblem(
    'payload_too_large',
    'STORAGE.QUOTA_EXCEEDED',
    "The organization's files would pass its quota (`quotaBytes`, the `STORAGE_ORG_QUOTA_BYTES` setting); nothing was stored. Remove files to make room.",
    {
      extensions: {
        quotaBytes: Type.Integer({ description: 'Bytes of files the organization may keep' }),
        usedBytes: Type.Integer({ description: 'Bytes its files take now' }),
      },
    },
  ),
  notFound: defineProblem('not_found', 'STORAGE.NOT_FOUND', 'No such file: it was removed, or never stored.'),
  invalidKey: defineProblem('validation', 'STORAGE.INVALID_KEY', 'Not a storage key: segments of letters, digits, `.`, `_` and `-` joined by `/`, none empty or starting with a dot.'),
  linkInvalid: defineProblem('forbidden', 'STORAGE.LINK_INVALID', 'The download link is not one this server signed (mistyped, cut, or altered).'),
  linkExpired: defineProblem('forbidden', 'STORAGE.LINK_EXPIRED', 'The download link has expired: ask for a new one where you got it.'),
  rangeNotSatisfiable: defineProblem('range_not_satisfiable', 'STORAGE.RANGE_NOT_SATISFIABLE', 'The `Range` asked for starts past the end of the file; `Content-Range: bytes */<size>` gives its size.', {
    extensions: { size: Type.Integer({ description: 'The size of the file, in bytes' }) },
  }),
  unavailable: defineProblem('unavailable', 'STORAGE.UNAVAILABLE', 'The file storage (the S3 service) did not answer or refused; nothing was changed: retry after `Retry-After` seconds.', {
    retryAfter: true,
  }),
} as const;

/** Whether `err` is the problem `p` (a driver's refusal the service maps to one of its own). */
export const isProblem = (err: unknown, p: { code: string }): err is AppError => err instanceof AppError && err.code === p.code;
