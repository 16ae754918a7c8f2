// The client deadline of one query: the server's timeout plus a margin, or the caller's signal,
// whichever comes first. Both abort one signal; the driver listens to it to stop the query on the
// server (a cancel or KILL QUERY from another connection, a DuckDB interrupt) and to throw the
// right error once the query gave up.
import { ConnectorError } from './errors.ts';

export type DeadlineReason = 'timeout' | 'canceled';

export interface Deadline {
  readonly signal: AbortSignal;
  /** Why the query was stopped, or null while it runs. */
  readonly reason: DeadlineReason | null;
  /** The error to throw once stopped, naming `what` (`host:port`, a file source). */
  error(what: string): ConnectorError;
  /** Throws that error when stopped. */
  check(what: string): void;
  dispose(): void;
}

export function startDeadline(timeoutMs: number, marginMs: number, caller: AbortSignal): Deadline {
  const controller = new AbortController();
  let reason: DeadlineReason | null = null;
  const stop = (why: DeadlineReason) => {
    if (reason) return;
    reason = why;
    controller.abort(why);
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs + marginMs);
  const onCaller = () => stop('canceled');
  if (caller.aborted) stop('canceled');
  else caller.addEventListener('abort', onCaller, { once: true });

  const error = (what: string) =>
    reason === 'canceled'
      ? new ConnectorError('canceled', `The query on ${what} was canceled.`, 'CANCELED')
      : new ConnectorError('timeout', `The query on ${what} ran longer than ${formatMs(timeoutMs)} and was stopped.`, 'TIMEOUT');
  return {
    signal: controller.signal,
    get reason() {
      return reason;
    },
    error,
    check(what) {
      if (reason) throw error(what);
    },
    dispose() {
      clearTimeout(timer);
      caller.removeEventListener('abort', onCaller);
    },
  };
}

export const formatMs = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`);

/** Resolves `promise`, or rejects as soon as `signal` aborts (the promise keeps running; its outcome is dropped). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
