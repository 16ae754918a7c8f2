// Start-up against a database that is not there yet, or not answering (decision 0029): each
// attempt to connect and run one query has a deadline, each failure is one log line naming the
// server (never the password), and attempts repeat with backoff until DB_START_TIMEOUT, when
// start-up fails with that reason. Without it, a database that accepted connections but never
// answered kept the process silent and not listening for as long as it lasted.
import type { Logger } from '../log/logger.ts';

export class DatabaseStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseStartError';
  }
}

/**
 * `user@host:port/database` of a connection string: what the logs may say of it. A Unix-socket
 * one names no host (`postgresql://u:pw@/db?host=/run/postgresql`, as the embedded server's
 * are), which WHATWG URL refuses: it is read with a placeholder host, and the socket folder of
 * its `host` parameter is the host.
 */
export function describeDatabase(url: string): string {
  try {
    const socket = /^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)\//.exec(url);
    const u = new URL(socket ? `${socket[1]}socket${url.slice(socket[0].length - 1)}` : url);
    const host = (socket ? '' : u.hostname) || u.searchParams.get('host') || 'localhost';
    const port = u.port || (socket ? (u.searchParams.get('port') ?? '') : '');
    const user = decodeURIComponent(u.username || u.searchParams.get('user') || '');
    return `${user ? `${user}@` : ''}${host}${port ? `:${port}` : ''}/${decodeURIComponent(u.pathname.slice(1)) || user}`;
  } catch {
    return 'the configured database';
  }
}

/** One attempt: connect and `SELECT 1` within `ms`. Returns why it failed, or null. */
async function probe(url: string, ms: number): Promise<string | null> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: ms });
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((done) => {
    timer = setTimeout(() => done(`no answer within ${ms} ms`), ms);
  });
  const attempt = (async () => {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  })().catch((err: Error & { code?: string }) => (err.code ? `${err.code} ${err.message}` : err.message));
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
    // A server that does not answer would keep end() waiting: cut the socket instead.
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
}

export interface WaitOptions {
  /** DB_START_TIMEOUT. */
  timeoutMs: number;
  log: Logger;
  /** Deadline of one attempt. */
  attemptMs?: number;
  /** First pause between attempts; doubles up to 5 s. */
  backoffMs?: number;
}

export async function waitForDatabase(url: string, opts: WaitOptions): Promise<void> {
  const target = describeDatabase(url);
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let pause = opts.backoffMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    const failure = await probe(url, Math.max(100, Math.min(opts.attemptMs ?? 3000, deadline - Date.now())));
    if (failure === null) {
      if (attempt > 1) opts.log.info({ database: target, attempts: attempt, waitedMs: Date.now() - started }, `database ${target} answers`);
      return;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new DatabaseStartError(`the database ${target} did not answer within ${Math.round(opts.timeoutMs / 1000)} s (DB_START_TIMEOUT): ${failure}`);
    }
    const wait = Math.min(pause, left);
    opts.log.warn({ database: target, attempt, retryInMs: wait, reason: failure }, `database ${target} not reachable (${failure}); retrying`);
    await new Promise((r) => setTimeout(r, wait));
    pause = Math.min(pause * 2, 5000);
  }
}
