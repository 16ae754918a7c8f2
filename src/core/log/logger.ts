import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line: credentials in headers, bodies and configs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.mfaToken',
  '*.deviceToken',
  '*.code',
  '*.recoveryCode',
  '*.secret',
  '*.key',
  '*.apiKey',
  'password',
  'token',
  'secret',
];

/**
 * `destination` defaults to stdout. With `asyncStdout`, lines are written through an
 * asynchronous buffer (sonic-boom) instead of a blocking write per line: the service's
 * choice, where a request log line must not cost the request; call `flush()` before exit.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream | { asyncStdout: true }): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'trellis' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination && 'asyncStdout' in destination) return pino(options, pino.destination({ dest: 1, sync: false }));
  return destination ? pino(options, destination as any) : pino(options);
}
