import type { MailTransport } from './mailer.ts';

/**
 * A failed send. Deliberately carries no `cause`: loggers serialise cause chains, and
 * nodemailer errors hold the SMTP conversation (`command`, `response`), which can echo
 * credentials. What is useful for retry decisions is copied over instead.
 */
export class MailError extends Error {
  readonly transport: MailTransport;
  /** Node or nodemailer error code (`ECONNREFUSED`, `EAUTH`, `ETIMEDOUT`, ...). */
  readonly code: string | undefined;
  /** SMTP reply code when the server answered: 4xx is worth retrying, 5xx usually is not. */
  readonly responseCode: number | undefined;

  constructor(transport: MailTransport, message: string, opts: { code?: string; responseCode?: number } = {}) {
    super(`${transport} transport: ${message}`);
    this.name = 'MailError';
    this.transport = transport;
    this.code = opts.code;
    this.responseCode = opts.responseCode;
  }
}

const MAX_DETAIL = 300;

/**
 * Wraps any failure in a MailError whose text has every given secret (and any
 * `scheme://user:pass@` userinfo) removed. Only the error's own message is used, never
 * the mail being sent, so a body cannot end up in a log line through this path.
 */
export function toMailError(transport: MailTransport, err: unknown, secrets: readonly string[] = []): MailError {
  if (err instanceof MailError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as { message?: unknown; code?: unknown; responseCode?: unknown };
  let detail = typeof e.message === 'string' && e.message ? e.message : 'failed to send mail';
  detail = detail.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1');
  // Longest first, so a secret containing a shorter one is removed whole.
  for (const s of [...secrets].filter(Boolean).sort((a, b) => b.length - a.length)) detail = detail.split(s).join('***');
  if (detail.length > MAX_DETAIL) detail = detail.slice(0, MAX_DETAIL) + '...';
  return new MailError(transport, detail, {
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
  });
}
