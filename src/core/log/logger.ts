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

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'trellis' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination as any) : pino(options);
}
