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
  if (destination && 'asyncStdout' in destination) {
    // Lines are batched into 4 KiB writes instead of one write per line; a timer flushes
    // whatever is pending every 250 ms, so a quiet service's lines still appear promptly.
    // A SIGKILL can lose at most that much.
    const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
    setInterval(() => stream.flush(), 250).unref();
    return pino(options, stream);
  }
  return destination ? pino(options, destination as any) : pino(options);
}
