// How a background component reports a failure that repeats (decision 0029): the first one in
// full, then at most one summary every 30 s with the number of repeats and the last error, and
// one line when it works again. While PostgreSQL was down, the job queue and the dispatcher
// logged ~9 errors a second each, which buried the one line that said what was wrong.
import type { Logger } from './logger.ts';

export interface FailureLog {
  /** A failure: logged if it is the first since the last success, else counted. */
  failed(err: unknown, fields?: Record<string, unknown>): void;
  /** A success: one line if failures were logged since the last one. */
  ok(): void;
}

/** pg-boss reports worker failures as plain objects (`{ ...err, message, queue }`), not Errors. */
const messageOf = (err: unknown) => {
  const message = (err as { message?: unknown } | null)?.message;
  return (typeof message === 'string' ? message : String(err)).slice(0, 500);
};

/**
 * `recoverAfterMs`: for a component that reports only its failures (an event emitter's
 * 'error'), quiet for this long counts as working again.
 */
export function createFailureLog(
  log: Pick<Logger, 'error' | 'warn' | 'info'>,
  what: string,
  opts: { summaryEveryMs?: number; level?: 'error' | 'warn'; now?: () => number; recoverAfterMs?: number } = {},
): FailureLog {
  const every = opts.summaryEveryMs ?? 30_000;
  const level = opts.level ?? 'error';
  const now = opts.now ?? Date.now;
  let failing = false;
  let failingSince = 0;
  let lastLine = 0;
  let repeats = 0;
  let total = 0;
  let quiet: NodeJS.Timeout | undefined;
  const self: FailureLog = {
    failed(err, fields = {}) {
      const t = now();
      total++;
      if (opts.recoverAfterMs !== undefined) {
        clearTimeout(quiet);
        quiet = setTimeout(() => self.ok(), opts.recoverAfterMs);
        quiet.unref?.();
      }
      if (!failing) {
        failing = true;
        failingSince = t;
        lastLine = t;
        log[level]({ ...fields, err: messageOf(err) }, `${what} failed`);
        return;
      }
      repeats++;
      if (t - lastLine < every) return;
      log[level]({ ...fields, err: messageOf(err), repeats, failingForMs: t - failingSince }, `${what} still failing (${repeats} more since the last line)`);
      lastLine = t;
      repeats = 0;
    },
    ok() {
      if (!failing) return;
      log.info({ failures: total, failedForMs: now() - failingSince }, `${what} works again`);
      failing = false;
      repeats = 0;
      total = 0;
    },
  };
  return self;
}
