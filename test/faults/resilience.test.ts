// The fault suite (issue #20): one Trellis process on a PostgreSQL and a Redis of the suite's
// own, under a bounded mixed load, through one fault after another. Each scenario asserts the
// properties of docs/reliability.md and records its figures, printed at the end:
//
//   0. a frozen database at start-up (postmaster stopped with SIGSTOP): one line per attempt
//      naming the database within 10 s, exit 1 at DB_START_TIMEOUT;
//   1. Redis stopped for 16 s: no error, readiness `degraded` then `ok` soon after it returns,
//      rate limits and the role cache in Redis again;
//   2. PostgreSQL fast stop, and 3. its postmaster SIGKILLed: every request that needs it
//      answers 503 problem+json with Retry-After, the process stays up, and the first success
//      comes soon after the server is back;
//   4. `time_tracking.entries` locked for 30 s by another session: reads elsewhere stay fast,
//      writes to it answer 503 DB.TIMEOUT within 5 s and are rolled back (abandoned ones too),
//      probes answer within 2 s, and one warning names the table and its holder;
//   5. at the end: every acknowledged write is there (each id checked), no refused write was
//      committed, the outbox and the job queue drained with nothing stuck or failed, every
//      acknowledged time entry reached the webhook receiver, and the logs stayed quiet.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDataDir, PASSWORD } from '../processes.ts';
import { type RedisServer, startRedisServer } from '../redis-server.ts';
import { type Actor, call, isRetryable503, type Kind, Load, latency, type Sample } from './load.ts';
import { type OwnPostgres, startOwnPostgres } from './postgres.ts';
import { type LogLine, spawnTrellis, type Trellis } from './trellis.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RUN = `f${process.pid}${randomBytes(3).toString('hex')}`;
/** How long each fault lasts. */
const REDIS_DOWN_MS = 16_000;
const PG_DOWN_MS = 6_000;
const LOCK_MS = 30_000;
/** Kinds of request that need PostgreSQL. */
const NEEDS_DB: Kind[] = ['entry', 'register', 'me', 'projects'];

let postgres: OwnPostgres;
let redis: RedisServer;
let trellis: Trellis;
let load: Load;
let dataDir: string;
const dataDirs: string[] = [];
let base: string;
const actors: Actor[] = [];
const hooks: { body: string; at: number }[] = [];
const receiver = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    hooks.push({ body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
    res.writeHead(204).end();
  });
});

/**
 * When PostgreSQL was being stopped or killed: [from, down]. A write whose COMMIT was in flight
 * then may have committed although its client got 503 UNAVAILABLE (the connection died before
 * the answer): in doubt, as for any client of any database.
 */
const serverGoingAway: { from: number; down: number }[] = [];

/** The measured figures, printed at the end (docs/reliability.md quotes them). */
const figures: Record<string, Record<string, unknown>> = {};
const since = (t: number, from: number) => t - from;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function sql<R = any>(text: string, values?: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: postgres.tcpUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

/** The first answer of `kinds` with a 2xx that started at or after `from`: its end. */
const firstSuccess = (from: number, kinds: Kind[]) =>
  until(
    `a success of ${kinds.join('/')}`,
    () => load.samples.find((s) => s.start >= from && kinds.includes(s.kind) && s.status >= 200 && s.status < 300)?.end,
    20_000,
  );

const runStarted = Date.now();
const brief = (s: Sample) => `${s.kind} ${s.ref ?? ''} ${s.status}${s.code ? ` ${s.code}` : ''} at +${s.start - runStarted} ms for ${s.ms} ms${s.error ? ` ${s.error}` : ''}`;

beforeAll(async () => {
  // One after the other: afterAll stops whichever started if the other fails.
  postgres = await startOwnPostgres();
  redis = await startRedisServer();
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
}, 120_000);

afterAll(async () => {
  await load?.stop();
  await trellis?.stop();
  await postgres?.remove();
  await redis?.kill();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  // The server's log, for whoever reads a failure.
  const logFile = join(tmpdir(), `trellis-faults-${RUN}.log`);
  if (trellis) writeFileSync(logFile, trellis.lines.map((l) => l.text).join('\n'));
  console.log(`\nfault suite figures (${RUN}; server log: ${logFile}):\n${JSON.stringify(figures, null, 2)}`);
}, 60_000);

describe.sequential('Trellis under faults (its own PostgreSQL and Redis, a mixed load)', () => {
  it('0. a frozen database at start-up: one line per attempt naming it within 10 s, exit 1 at DB_START_TIMEOUT', { timeout: 60_000 }, async () => {
    const dir = embeddedDataDir('trellis-faults-frozen-');
    dataDirs.push(dir);
    postgres.freeze();
    let frozen: Trellis;
    let exit: Awaited<Trellis['exited']>;
    try {
      // Over the Unix socket, as the embedded server is reached: the kernel accepts, nobody answers.
      frozen = spawnTrellis(dir, { DATABASE_URL: postgres.socketUrl, DB_START_TIMEOUT: '8s', MIGRATE_ON_START: 'true' });
      exit = await frozen.exited;
    } finally {
      postgres.thaw();
    }
    const attempts = frozen.lines.filter((l) => l.entry.component === 'database' && l.entry.level === 40);
    const socketDir = new URLSearchParams(postgres.socketUrl.split('?')[1]).get('host');
    figures.frozenStart = {
      attempts: attempts.length,
      firstLineAfterMs: attempts[0] ? since(attempts[0].at, frozen.started) : null,
      exitAfterMs: since(exit.at, frozen.started),
      exitCode: exit.code,
      firstLine: attempts[0]?.entry.msg,
    };
    expect(exit.code, frozen.stderr()).toBe(1);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(since(attempts[0].at, frozen.started)).toBeLessThan(10_000);
    // Host (the socket folder) and database, never the password.
    expect(attempts[0].entry.database).toBe(`trellis@${socketDir}:${postgres.port}/trellis`);
    expect(attempts[0].entry.reason).toMatch(/no answer within/);
    expect(frozen.stderr()).toContain(`did not answer within 8 s (DB_START_TIMEOUT)`);
    // Each attempt has a 3 s deadline: it exits at the deadline, not long after (Node's start-up included).
    expect(since(exit.at, frozen.started)).toBeLessThan(8000 + 3000 + 3000);
    const everything = frozen.lines.map((l) => l.text).join('\n') + frozen.stderr();
    expect(everything).not.toContain(decodeURIComponent(new URL(postgres.tcpUrl).password));
  });

  it('starts on its PostgreSQL and Redis and serves the mixed load', { timeout: 90_000 }, async () => {
    dataDir = embeddedDataDir('trellis-faults-data-');
    dataDirs.push(dataDir);
    trellis = spawnTrellis(dataDir, {
      DATABASE_URL: postgres.tcpUrl,
      REDIS_URL: redis.url,
      MIGRATE_ON_START: 'true',
      METRICS_PORT: '0',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      RATE_LIMIT: '1000000',
      AUTH_RATE_LIMIT: '100000',
    });
    const ready = await trellis.ready;
    base = ready.base;
    figures.start = { readyAfterMs: since(trellis.lines.find((l) => l.entry.msg === 'trellis ready')!.at, trellis.started) };
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    for (let i = 0; i < 4; i++) {
      const email = `${RUN}-actor${i}@example.test`;
      const reg = await call(`${base}/api/v1/auth/register`, 'POST', { body: { email, password: PASSWORD, displayName: `Actor ${i}` } });
      expect(reg.status, reg.text).toBe(201);
      const login = await call(`${base}/api/v1/auth/login`, 'POST', { body: { email, password: PASSWORD } });
      expect(login.status, login.text).toBe(200);
      const token = login.body.accessToken as string;
      const org = await call(`${base}/api/v1/orgs`, 'POST', { token, body: { name: `Faults ${i}`, slug: `${RUN}-org${i}` } });
      expect(org.status, org.text).toBe(201);
      const project = await call(`${base}/api/v1/orgs/${org.body.id}/projects`, 'POST', { token, body: { name: 'Load', key: `LOAD${'ABCD'[i]}` } });
      expect(project.status, project.text).toBe(201);
      // Every time entry becomes an event, a webhook delivery job, and a request to the receiver.
      const hook = await call(`${base}/api/v1/orgs/${org.body.id}/webhooks`, 'POST', { token, body: { url: hookUrl, events: ['time.entry_created'] } });
      expect(hook.status, hook.text).toBe(201);
      actors.push({ email, userId: reg.body.user.id, token, orgId: org.body.id, projectId: project.body.id });
    }
    load = new Load({ base, metricsBase: `http://127.0.0.1:${ready.metricsPort}`, writers: actors.slice(0, 2), readers: actors.slice(2), run: RUN, maxMs: 270_000 });
    const from = Date.now();
    load.start();
    await sleep(4000);
    const baseline = load.between(from, Date.now());
    expect(baseline.filter((s) => s.status < 200 || s.status >= 300).map(brief)).toEqual([]);
    figures.baseline = {
      requests: baseline.length,
      meMs: latency(baseline.filter((s) => s.kind === 'me')),
      projectsMs: latency(baseline.filter((s) => s.kind === 'projects')),
      entryMs: latency(baseline.filter((s) => s.kind === 'entry')),
    };
  });

  it('1. Redis stopped for 16 s: no error, readiness degraded then ok, limits and roles shared again', { timeout: 60_000 }, async () => {
    const probe = new Redis(redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    probe.on('error', () => {});
    const from = Date.now();
    await redis.kill();
    const down = Date.now();
    await sleep(REDIS_DOWN_MS);
    await redis.start();
    const back = Date.now();
    // Readiness polled closely from the moment Redis answers again.
    const okAt = await until(
      'readiness ok',
      async () => {
        const res = await call(`${base}/health/ready`, 'GET', { timeoutMs: 2000 });
        return res.body?.status === 'ok' ? Date.now() : undefined;
      },
      10_000,
      25,
    );
    await probe.connect();
    // Rate limits: every request counts in Redis again. Roles: one computed now (actor 0 asking
    // for actor 2's org, never asked before) is written to the shared tier. (Roles this instance
    // already holds are written again when their local entry expires, ≤ 10 s: see figures.)
    const outsider = call(`${base}/api/v1/orgs/${actors[2].orgId}/projects`, 'GET', { token: actors[0].token });
    const rolesKey = (a: Actor) => `trellis:cache:organizations:roles:user:${a.userId}`;
    const [limitsAt, rolesAt, heldRolesAt] = await Promise.all([
      until('rate-limit counters in Redis', async () => ((await probe.keys('trellis:ratelimit:*')).length ? Date.now() : undefined), 10_000, 25),
      until('a role computed after Redis returned, in Redis', async () => ((await probe.get(rolesKey(actors[0])))?.includes(actors[2].orgId) ? Date.now() : undefined), 10_000, 25),
      until('roles held before the outage, in Redis again', async () => ((await probe.exists(rolesKey(actors[2]))) ? Date.now() : undefined), 15_000, 50),
    ]);
    expect((await outsider).status).toBe(404);
    probe.disconnect();
    await sleep(1000);
    const window = load.between(from, Date.now());
    const errors = window.filter((s) => s.status === 0 || s.status >= 500);
    const degraded = load.between(down, back, 'ready').filter((s) => s.readiness === 'degraded');
    const restored = trellis.lines.find((l) => l.at >= back && /redis connection restored/.test(l.entry.msg));
    figures.redis = {
      downMs: back - down,
      requests: window.length,
      errors: errors.length,
      readinessDegradedAnswers: degraded.length,
      readinessOkAfterMs: okAt - back,
      reconnectLoggedAfterMs: restored ? restored.at - back : null,
      rateLimitsSharedAfterMs: limitsAt - back,
      rolesSharedAfterMs: rolesAt - back,
      heldRolesSharedAfterMs: heldRolesAt - back,
      meMs: latency(load.between(down, back, 'me')),
      projectsMs: latency(load.between(down, back, 'projects')),
    };
    expect(errors.map(brief)).toEqual([]);
    expect(degraded.length).toBeGreaterThan(0);
    // The issue's 2 s: the client retries at most every 2 s (with jitter), so it reconnects within
    // 2 s of Redis answering, plus the handshake and this poll's 25 ms; 2.5 s keeps that from
    // flaking on a busy machine. The figure printed is the measured one (1.1–1.5 s so far).
    expect(okAt - back).toBeLessThan(2500);
    expect(limitsAt - back).toBeLessThan(3000);
    expect(rolesAt - back).toBeLessThan(3000);
    expect(trellis.alive()).toBe(true);
  });

  /** A PostgreSQL outage: `stop` takes it down, it stays down PG_DOWN_MS, then starts again. */
  async function outage(name: string, stop: () => Promise<void>) {
    const from = Date.now();
    await stop();
    const down = Date.now();
    serverGoingAway.push({ from, down });
    await sleep(PG_DOWN_MS);
    const restarting = Date.now();
    await postgres.start();
    const back = Date.now();
    const [firstWrite, firstRead] = await Promise.all([firstSuccess(back, ['entry']), firstSuccess(back, ['projects', 'me'])]);
    await sleep(3000);
    const during = load.answeredBetween(from, back);
    const needing = during.filter((s) => NEEDS_DB.includes(s.kind));
    const refused = needing.filter((s) => s.status >= 300);
    const wrong = needing.filter((s) => !(s.status >= 200 && s.status < 300) && !isRetryable503(s));
    const probes = load.answeredBetween(down, back, 'ready', 'metrics');
    figures[name] = {
      stopMs: down - from,
      downMs: back - down,
      restartMs: back - restarting,
      requestsAnswered: during.length,
      refused503: refused.length,
      codes: [...new Set(refused.map((s) => s.code))],
      refusedMs: latency(refused),
      firstWriteAfterMs: firstWrite - back,
      firstReadAfterMs: firstRead - back,
      readyMs: latency(probes.filter((s) => s.kind === 'ready')),
      metricsMs: latency(probes.filter((s) => s.kind === 'metrics')),
    };
    // Every request that needs the database was answered: a success, or a retryable 503
    // problem+json; never a 500, never a hang or a dropped connection.
    expect(wrong.map(brief)).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    // A refusal comes fast: within the bound on waiting for a connection, not at the client's timeout.
    expect(Math.max(...refused.map((s) => s.ms))).toBeLessThan(5000);
    // Readiness says so (503) and answers; /metrics answers from its cache.
    // (Those answered before the restart began: the server accepts connections a moment before
    // start() sees it ready.)
    const readyDown = probes.filter((s) => s.kind === 'ready' && s.start >= down + 500 && s.end < restarting);
    expect(readyDown.length).toBeGreaterThan(0);
    expect(readyDown.filter((s) => s.status !== 503 || s.ms >= 2000).map(brief)).toEqual([]);
    expect(probes.filter((s) => s.kind === 'metrics' && (s.status !== 200 || s.ms >= 2000)).map(brief)).toEqual([]);
    expect(trellis.alive()).toBe(true);
    // Back soon after the server: the issue measured 126–173 ms; the load's own pace adds to it.
    expect(firstWrite - back).toBeLessThan(3000);
    expect(firstRead - back).toBeLessThan(3000);
  }

  it('2. PostgreSQL fast stop: 503 problem+json with Retry-After, the process stays up, success soon after it is back', { timeout: 60_000 }, async () => {
    await outage('postgresFastStop', () => postgres.fastStop());
  });

  it('3. PostgreSQL postmaster SIGKILL: the same, after crash recovery', { timeout: 90_000 }, async () => {
    await outage('postgresSigkill', () => postgres.killPostmaster());
  });

  it('4. time_tracking.entries locked for 30 s: reads elsewhere stay fast, its writes answer 503 DB.TIMEOUT within 5 s, rolled back', { timeout: 90_000 }, async () => {
    const holder = new pg.Client({ connectionString: postgres.tcpUrl });
    holder.on('error', () => {});
    await holder.connect();
    await holder.query(`SET application_name = 'fault lock holder'`);
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE time_tracking.entries IN ACCESS EXCLUSIVE MODE');
    const lockedAt = Date.now();
    // Clients that give up after 300 ms: what they asked for must never be created.
    await sleep(2000);
    const abandoned = await Promise.all(actors.slice(0, 2).flatMap((a, i) => [load.entry(a, `abandoning${i}`, 300), load.entry(a, `abandoning${i}`, 300)]));
    await sleep(LOCK_MS - (Date.now() - lockedAt));
    // A write waiting on the lock may finish between the ROLLBACK and the line after it (the
    // client's own end() takes a moment): only one that finished before the release is late.
    const releasingAt = Date.now();
    await holder.query('ROLLBACK');
    await holder.end();
    const unlockedAt = Date.now();
    await sleep(3000);

    const entries = load.between(lockedAt, unlockedAt, 'entry').filter((s) => !s.abandoned);
    const timedOut = entries.filter((s) => s.status === 503);
    const late = entries.filter((s) => s.status === 201 && s.end < releasingAt);
    const wrongEntries = entries.filter((s) => !(isRetryable503(s) && s.code === 'DB.TIMEOUT' && s.ms < 5000) && !(s.status === 201 && s.end >= releasingAt));
    const reads = load.between(lockedAt, unlockedAt, 'me', 'projects');
    const probes = load.between(lockedAt, unlockedAt, 'ready', 'metrics');
    const warning = trellis.lines.find((l) => l.at >= lockedAt && l.entry.component === 'database' && l.entry.level === 40);
    const meMs = latency(reads.filter((s) => s.kind === 'me'));
    const projectsMs = latency(reads.filter((s) => s.kind === 'projects'));
    const readsMs = latency(reads);
    figures.lock = {
      lockedMs: unlockedAt - lockedAt,
      entryWrites: entries.length,
      dbTimeout503: timedOut.length,
      dbTimeoutMs: latency(timedOut),
      abandoned: abandoned.length,
      reads: reads.length,
      meMs,
      projectsMs,
      readsMs,
      readsNot200: reads.filter((s) => s.status !== 200).length,
      readyMs: latency(probes.filter((s) => s.kind === 'ready')),
      metricsMs: latency(probes.filter((s) => s.kind === 'metrics')),
      warningAfterMs: warning ? warning.at - lockedAt : null,
      warning: warning?.entry.msg,
    };
    expect(late.map(brief)).toEqual([]);
    expect(wrongEntries.map(brief)).toEqual([]);
    expect(timedOut.length).toBeGreaterThan(0);
    expect(abandoned.every((s) => s.abandoned)).toBe(true);
    // Reads of other modules: answered, and fast. The issue's bound is p99 < 500 ms; on the
    // shared 2-core machine (other suites running) the assertion keeps a margin of 2×, and the
    // figure printed is the measured one.
    expect(reads.filter((s) => s.status !== 200).map(brief)).toEqual([]);
    expect(readsMs.p99).toBeLessThan(1000);
    // Probes answer within 2 s; readiness stays 200 (the database answers, one table is locked).
    expect(probes.filter((s) => s.ms >= 2000 || s.status !== 200).map(brief)).toEqual([]);
    // One warning names the table and the session that holds it: as the relation waited on, or
    // (no request waiting at the instant it looked) as the strong lock held.
    expect(warning?.entry.msg).toMatch(/time_tracking\.entries \(.*AccessExclusiveLock held by pid \d+|time_tracking\.entries \(.*held by pid \d+ holding AccessExclusiveLock/);
    expect(trellis.lines.filter((l) => l.at >= lockedAt && l.at < unlockedAt && l.entry.component === 'database' && l.entry.level === 40)).toHaveLength(1);
    expect(trellis.alive()).toBe(true);
  });

  it('5. kept every acknowledged write, committed no refused one, drained the outbox and the jobs, logged quietly', { timeout: 180_000 }, async () => {
    await load.stop();
    const writes = load.samples.filter((s) => s.kind === 'entry' || s.kind === 'register');
    const acked = writes.filter((s) => s.status === 201);
    // Answered with an error, or given up by its client while the server still had it: must not exist.
    const refused = writes.filter((s) => (s.status >= 400 && s.status < 600) || s.abandoned);
    // No answer at all (a connection cut mid-request): the outcome cannot be known from outside.
    const unknown = writes.filter((s) => s.status === 0 && !s.abandoned);

    // Every acknowledged id, one by one.
    const entryIds = acked.filter((s) => s.kind === 'entry');
    const stored = new Map((await sql<{ id: string; description: string }>('SELECT id, description FROM time_tracking.entries WHERE id = ANY($1)', [entryIds.map((s) => s.id)])).map((r) => [r.id, r.description]));
    const lostEntries = entryIds.filter((s) => stored.get(s.id!) !== s.ref);
    const accounts = acked.filter((s) => s.kind === 'register');
    const storedAccounts = new Map((await sql<{ id: string; email: string }>('SELECT id, email FROM auth.accounts WHERE id = ANY($1)', [accounts.map((s) => s.id)])).map((r) => [r.id, r.email]));
    const lostAccounts = accounts.filter((s) => storedAccounts.get(s.id!) !== s.ref);
    // Refused ones: no entry with their tag, no account with their email.
    const refusedTags = refused.filter((s) => s.kind === 'entry').map((s) => s.ref);
    const refusedEmails = refused.filter((s) => s.kind === 'register').map((s) => s.ref);
    const committedRefs = new Set(
      [
        ...(await sql<{ ref: string }>('SELECT description AS ref FROM time_tracking.entries WHERE description = ANY($1)', [refusedTags])),
        ...(await sql<{ ref: string }>('SELECT email AS ref FROM auth.accounts WHERE email = ANY($1)', [refusedEmails])),
      ].map((r) => r.ref),
    );
    // A refusal that committed is a lie, unless its connection died under it while the server was
    // going away (UNAVAILABLE, in flight at that moment): then the client cannot know either way.
    const inDoubt = (s: Sample) => s.code === 'UNAVAILABLE' && serverGoingAway.some((g) => s.start <= g.down && s.end >= g.from);
    const committedRefusals = refused.filter((s) => committedRefs.has(s.ref!));
    const unknownCommitted = (await sql<{ n: number }>(
      'SELECT ((SELECT count(*) FROM time_tracking.entries WHERE description = ANY($1)) + (SELECT count(*) FROM auth.accounts WHERE email = ANY($2)))::int AS n',
      [unknown.filter((s) => s.kind === 'entry').map((s) => s.ref), unknown.filter((s) => s.kind === 'register').map((s) => s.ref)],
    ))[0];

    // The outbox and the jobs resume and drain: nothing pending, nothing dead or failed.
    const drainFrom = Date.now();
    const jobsAtStop = await sql<{ queue: string; status: string; n: number }>(
      `SELECT queue, status, count(*)::int AS n FROM core.jobs WHERE status <> 'completed' GROUP BY queue, status ORDER BY queue, status`,
    );
    // pg-boss's own view of them: active attempts whose completion was lost while the database
    // was away wait for their 30 s timeout, then for their retry's backoff.
    const bossAtStop = await sql<{ state: string; n: number; startsInS: number | null; activeForS: number | null }>(
      `SELECT state, count(*)::int AS n, round(extract(epoch FROM max(start_after) - now()))::int AS "startsInS",
              round(extract(epoch FROM now() - min(started_on)))::int AS "activeForS"
       FROM pgboss.job WHERE name = 'webhooks.deliver' AND state NOT IN ('completed') GROUP BY state ORDER BY state`,
    );
    const outboxDrainedAt = await until(
      'the outbox drained',
      async () => ((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM core.outbox WHERE status <> 'delivered'`))[0].n === 0 ? Date.now() : undefined),
      120_000,
      250,
    ).catch(() => null);
    const jobsDrainedAt = await until(
      'the job queue drained',
      async () => ((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM core.jobs WHERE status IN ('queued', 'active', 'retrying')`))[0].n === 0 ? Date.now() : undefined),
      150_000,
      250,
    ).catch(() => null);
    const outbox = await sql<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM core.outbox GROUP BY status');
    const jobs = await sql<{ queue: string; status: string; n: number }>('SELECT queue, status, count(*)::int AS n FROM core.jobs GROUP BY queue, status ORDER BY queue, status');
    // Each acknowledged entry reached the receiver (at least once); no refused one did.
    const delivered = hooks.map((h) => h.body).join('\n');
    const undelivered = entryIds.filter((s) => !delivered.includes(s.id!));
    const deliveredRefusals = refused.filter((s) => s.kind === 'entry' && !inDoubt(s) && delivered.includes(`"${s.ref}"`)).map(brief);

    // Quiet logs: a refused request is one line (its access line); background components log a
    // failure once, then at most a summary every 30 s. (A readiness check that starts failing is
    // logged once, on the probe that saw it: counted with the background lines.)
    const access = (l: LogLine) => l.entry.msg === 'request completed';
    const byRequest = new Map<string, LogLine[]>();
    for (const l of trellis.lines) if (l.entry.reqId) byRequest.set(l.entry.reqId, [...(byRequest.get(l.entry.reqId) ?? []), l]);
    const refusedRequestLines = trellis.lines.filter((l) => access(l) && l.entry.status >= 500 && l.entry.route !== '/health/ready');
    const chatty = refusedRequestLines.filter((l) => byRequest.get(l.entry.reqId)!.length > 1).map((l) => byRequest.get(l.entry.reqId)!.map((x) => x.text));
    const warnings = trellis.lines.filter((l) => l.entry.level >= 40 && !access(l));
    const perMessage = new Map<string, number>();
    for (const l of warnings) {
      const key = `${l.entry.component ?? l.entry.module ?? l.entry.check ?? ''}: ${String(l.entry.msg).replace(/\d+/g, 'N')}`;
      perMessage.set(key, (perMessage.get(key) ?? 0) + 1);
    }

    figures.end = {
      writes: writes.length,
      acknowledged: acked.length,
      acknowledgedEntries: entryIds.length,
      acknowledgedAccounts: accounts.length,
      lost: lostEntries.length + lostAccounts.length,
      refused: refused.length,
      refusedCommitted: committedRefusals.length,
      refusedCommittedInDoubt: committedRefusals.filter(inDoubt).map(brief),
      noAnswer: unknown.length,
      noAnswerCommitted: unknownCommitted.n,
      outboxDrainedAfterMs: outboxDrainedAt === null ? null : outboxDrainedAt - drainFrom,
      jobsDrainedAfterMs: jobsDrainedAt === null ? null : jobsDrainedAt - drainFrom,
      outbox: Object.fromEntries(outbox.map((r) => [r.status, r.n])),
      jobsOpenAtStop: jobsAtStop.map((r) => `${r.queue} ${r.status} ${r.n}`),
      pgBossAtStop: bossAtStop,
      jobs: jobs.map((r) => `${r.queue} ${r.status} ${r.n}`),
      webhookRequests: hooks.length,
      refusedRequestLines: refusedRequestLines.length,
      backgroundWarnings: Object.fromEntries(perMessage),
    };

    expect(lostEntries.map(brief)).toEqual([]);
    expect(lostAccounts.map(brief)).toEqual([]);
    expect(committedRefusals.filter((s) => !inDoubt(s)).map(brief)).toEqual([]);
    expect(outboxDrainedAt, JSON.stringify(outbox)).not.toBeNull();
    expect(jobsDrainedAt, JSON.stringify(jobs)).not.toBeNull();
    expect(outbox.filter((r) => r.status !== 'delivered')).toEqual([]);
    expect(jobs.filter((r) => r.status === 'failed')).toEqual([]);
    expect(undelivered.map(brief)).toEqual([]);
    expect(deliveredRefusals).toEqual([]);
    expect(chatty).toEqual([]);
    expect(warnings.filter((l) => l.entry.msg === 'unhandled error').map((l) => l.text)).toEqual([]);
    // Three database outages (fast stop, SIGKILL, the lock) and one of Redis, each well under
    // 30 s: no line repeats more than a few times per outage.
    expect([...perMessage].filter(([, n]) => n > 8)).toEqual([]);
    expect(trellis.alive()).toBe(true);
  });
});
