// What a failed database call means for the caller: the server is away (retry later), or the
// call ran out of time (a lock, a slow statement, no free connection). Both answer 503.

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

/** Connection-level failures of `pg` (server down, restarting, connection cut), not query errors. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; syscall?: string } | null;
  if (!e) return false;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  // A server on a Unix socket (the embedded one, a local socket) removes the socket file when it
  // stops: connecting then fails with ENOENT. Only a connect's: a missing file elsewhere is a bug.
  if (e.code === 'ENOENT' && e.syscall === 'connect') return true;
  return /Connection terminated|Client has encountered a connection error/i.test(e.message ?? '');
}

/**
 * SQLSTATEs of a bound the connection set (decision 0029): `57014` a statement over
 * `statement_timeout` (or cancelled), `55P03` a lock not granted within `lock_timeout`,
 * `25P03` a transaction ended for idling.
 */
const TIMEOUT_CODES = new Set(['57014', '55P03', '25P03']);

/** A call that ran out of time: a statement or lock wait over its bound, or no pool connection in time. */
export function isDatabaseTimeout(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && TIMEOUT_CODES.has(e.code)) return true;
  // pg-pool's own deadline: no connection became free (or connected) within connectionTimeoutMillis.
  return /timeout exceeded when trying to connect/i.test(e.message ?? '');
}
