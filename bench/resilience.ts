// `npm run bench:resilience`: does the outbox keep up, and does webhook delivery (issue #20)?
// The real server, as `npm start` runs it (the production bundle, NODE_ENV=production), on a
// PostgreSQL database of its own; all traffic on 127.0.0.1.
//   a. Outbox under load: a seeded org (25 users, 10 projects, a webhook endpoint on a local
//      receiver for time.* and projects.*, so the fan-out and the deliveries are part of the
//      work), then a closed-loop mixed load (time entries created, updated, deleted, project
//      updates; /users/me, project and entry lists) of 20 and then 100 clients, each after a
//      warm-up: requests/s, events published and delivered per second, the backlog (pending
//      rows) sampled every second, and the delivery lag p50/p99 of the window's events,
//      `delivered_at − occurred_at` computed in SQL once they had up to 10 s to drain.
//   b. Dispatcher capacity: a server with the dispatcher on and the jobs off; copies of the
//      events of (a) (new ids, same types and payloads, so the real subscribers do their real
//      work: an audit record and a webhook delivery with its job per event) are committed in
//      one transaction, and the drain is timed from that commit to the last `delivered_at`.
//   c. Webhook backlog: 1,000 `POST …/webhooks/{id}/test` to a healthy receiver queued by a
//      server whose jobs are off, then a server with jobs on is started and timed from its
//      ready line to the 1,000th request the receiver gets; then again with 50 deliveries to
//      an endpoint that answers after 2 s queued first.
// Writes bench/results/resilience.json and the section between the bench:resilience markers of
// BENCHMARKS.md (the rest of the file is left as it is).
// Settings: DATABASE_URL (an empty database; default: a new database on BENCH_PG_URL, default
// postgres://postgres@127.0.0.1:5432/postgres, dropped at the end), RES_DURATION (s per load,
// default 30), RES_WARMUP (s, default 5), RES_CLIENTS (default "20,100"), RES_EVENTS (events
// copied for (b), default 20000), RES_DELIVERIES (default 1000), RES_SLOW (default 50),
// RES_SLOW_MS (default 2000); RES_PHASES (default "a,b,c"; BENCHMARKS.md is written only
// when all three ran), RES_KEEP=1 (keep the logs and the database), RES_CPU_PROF=<folder> with
// RES_CPU_PROF_SERVER (a V8 profile of one server). About 2–3 minutes with the defaults.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { buildServer } from '../scripts/build.ts';
import { type ApiResponse, api, closedLoop, expectStatus, percentile } from './lib/http.ts';
import { cpuModel, revision } from './lib/machine.ts';
import { backendCpu, backendCpuSince } from './lib/pg-cpu.ts';
import { writeSection } from './lib/sections.ts';
import { cpuTimeMs, endRunWhatever, killAllNow, ROOT, type Started, sleep, startProcess, stopAll, stopProcess } from './lib/proc.ts';
import { isTrellisReady, START_ENTRY, START_FLAGS, productionEnv } from './lib/server.ts';
import { type SeededUser, seedWorkspace } from './seed-workspace.ts';

const env = process.env;
const num = (v: string | undefined, def: number) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : def);
const DURATION_S = num(env.RES_DURATION, 30);
const WARMUP_S = num(env.RES_WARMUP, 5);
const CLIENTS = (env.RES_CLIENTS ?? '20,100').split(',').map((c) => num(c.trim(), 20));
const COPIED_EVENTS = num(env.RES_EVENTS, 20_000);
const DELIVERIES = num(env.RES_DELIVERIES, 1000);
const SLOW_DELIVERIES = num(env.RES_SLOW, 50);
const SLOW_MS = num(env.RES_SLOW_MS, 2000);
/** Phases to run (b needs the events of a; a with fewer clients or seconds is enough for it). */
const PHASES = new Set((env.RES_PHASES ?? 'a,b,c').split(',').map((p) => p.trim()));
/** Keep the servers' logs (and the database) after a successful run, for a look at them. */
const KEEP = env.RES_KEEP === '1';
/** After a load, the window's events may take this long to be delivered before they count as undelivered. */
const DRAIN_S = 10;
const USERS = 25;
const PROJECTS = 10;
const HOST = '127.0.0.1';
const JWT_SECRET = randomBytes(36).toString('base64url');
// Targets of issue #20 (and of the module-contract issue for the dispatcher).
const LAG_P99_TARGET_MS = 1000;
const DISPATCHER_TARGET = 5000;
const WEBHOOK_DRAIN_TARGET_S = 60;
/** "About the same time" with a slow endpoint: at most this factor of the time without it. */
const SLOW_FACTOR = 1.5;

const watchdogMs = (240 + CLIENTS.length * (WARMUP_S + DURATION_S + DRAIN_S + 20) + 120 + 2 * 120) * 1000;
let runTmp: string | undefined;
endRunWhatever(watchdogMs, () => {
  if (runTmp) rmSync(runTmp, { recursive: true, force: true });
});

const T0 = performance.now();
function log(message: string) {
  process.stderr.write(`[res ${((performance.now() - T0) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// The receiver: a local HTTP server that counts what arrives per path; `/slow…` answers late.

interface Receiver {
  url(path: string): string;
  count(path: string): number;
  /** performance.now() of each request's arrival on `path`. */
  times(path: string): number[];
  reset(): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<string, number[]>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      const answer = () => {
        const list = arrivals.get(path);
        if (list) list.push(performance.now());
        else arrivals.set(path, [performance.now()]);
        res.writeHead(204).end();
      };
      if (path.startsWith('/slow')) setTimeout(answer, SLOW_MS);
      else answer();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((ok) => server.listen(0, HOST, ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://${HOST}:${port}${path}`,
    count: (path) => arrivals.get(path)?.length ?? 0,
    times: (path) => arrivals.get(path) ?? [],
    reset: () => arrivals.clear(),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Servers

function trellisEnv(databaseUrl: string, dataDir: string, extra: Record<string, string>): Record<string, string> {
  return productionEnv({ jwtSecret: JWT_SECRET, host: HOST, dataDir }, { DATABASE_URL: databaseUrl, MIGRATE_ON_START: 'true', WEBHOOK_ALLOWED_HOSTS: HOST, ...extra });
}

/** RES_CPU_PROF=<folder>: a server (RES_CPU_PROF_SERVER, default the dispatcher's of b) writes a V8 CPU profile there when it stops. */
const CPU_PROF = env.RES_CPU_PROF ?? '';
const CPU_PROF_SERVER = env.RES_CPU_PROF_SERVER ?? 'trellis-dispatcher';

async function startTrellis(ctx: { databaseUrl: string; dataDir: string; logDir: string }, name: string, extra: Record<string, string> = {}): Promise<Started & { base: string }> {
  const profile = CPU_PROF && name === CPU_PROF_SERVER ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [];
  const s = await startProcess({
    script: START_ENTRY,
    nodeFlags: [...START_FLAGS, ...profile],
    env: trellisEnv(ctx.databaseUrl, ctx.dataDir, extra),
    logDir: ctx.logDir,
    name,
    isReady: isTrellisReady,
    timeoutMs: 60_000,
  });
  log(`${name}: ready in ${s.spawnToReadyMs.toFixed(0)} ms on port ${s.port} (pid ${s.pid}; ${Object.entries(extra).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults'})`);
  return { ...s, base: `http://${HOST}:${s.port}` };
}

// ---------------------------------------------------------------------------------------------
// Phase a: the outbox under a steady mixed load.

interface LoadUser {
  user: SeededUser;
  /** Projects the user may log time in. */
  projects: string[];
  /** The next free 10-minute slot of this user's entries (no two entries of a user overlap). */
  nextSlot: number;
  /** Entries this user created and has not deleted (ids). */
  entries: string[];
}

type OpKind = 'create entry' | 'update entry' | 'delete entry' | 'update project' | 'GET /users/me' | 'GET projects' | 'GET time-entries';
/** Share of each request kind; the writes (42 %) each publish one event. */
const MIX: [OpKind, number][] = [
  ['create entry', 0.2],
  ['update entry', 0.12],
  ['delete entry', 0.06],
  ['update project', 0.04],
  ['GET /users/me', 0.22],
  ['GET projects', 0.18],
  ['GET time-entries', 0.18],
];
const SLOT_BASE = Date.UTC(2020, 0, 6); // a Monday, far from the seeded entries (the past year)

interface OpStats {
  count: number;
  ok: number;
  statuses: Record<string, number>;
  latencies: number[];
}

interface LoadResult {
  clients: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  non2xx: number;
  errors: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  byKind: Record<string, { count: number; non2xx: number; p50Ms: number; p99Ms: number; statuses: Record<string, number> }>;
  eventsPublished: number;
  eventsPublishedPerSecond: number;
  eventsDeliveredPerSecond: number;
  backlogStart: number;
  backlogEnd: number;
  backlogMax: number;
  /** Pending rows, one sample a second through the window. */
  backlogSamples: number[];
  lagP50Ms: number | null;
  lagP99Ms: number | null;
  lagMaxMs: number | null;
  /** Events of the window still not delivered after the drain. */
  undelivered: number;
  drainS: number;
  serverCpuPercent: number | null;
  /** CPU of the database's backends (its server processes for this database), % of one core. */
  databaseCpuPercent: number;
  webhookDeliveriesReceived: number;
}

async function prepareLoad(base: string, databaseUrl: string, mailDir: string, receiver: Receiver) {
  const ws = await seedWorkspace({ base, databaseUrl, mailDir, users: USERS, projects: PROJECTS, entries: 2500, log });
  const org = `/api/v1/orgs/${ws.orgId}`;
  const owner = ws.owner;
  // Members (users 3…) contribute to two projects each; the owner and the two admins may log
  // time in any project.
  const users: LoadUser[] = [];
  for (const [i, u] of ws.users.entries()) {
    const projects = [ws.projects[i % PROJECTS].id, ws.projects[(i + 1) % PROJECTS].id];
    if (i >= 3) {
      for (const p of projects) expectStatus(await api(base, 'PUT', `${org}/projects/${p}/members/${u.userId}`, { token: owner.accessToken, body: { role: 'contributor' } }), 201, 'add project member');
    }
    users.push({ user: u, projects, nextSlot: 0, entries: [] });
  }
  const hook = await api(base, 'POST', `${org}/webhooks`, { token: owner.accessToken, body: { url: receiver.url('/outbox-load'), events: ['time.*', 'projects.*'], description: 'resilience bench' } });
  expectStatus(hook, 201, 'create webhook endpoint');
  log(`load: ${users.length} users, ${PROJECTS} projects, webhook endpoint ${hook.body.id} for time.* and projects.*`);
  return { ws, org, owner, users, endpointId: hook.body.id as string };
}

function pickKind(): OpKind {
  let r = Math.random();
  for (const [kind, share] of MIX) {
    r -= share;
    if (r < 0) return kind;
  }
  return MIX[MIX.length - 1][0];
}

/** One request of the mix as `u`; the kind that was actually made (an update needs an entry). */
async function oneRequest(base: string, setup: Awaited<ReturnType<typeof prepareLoad>>, u: LoadUser, n: number): Promise<{ kind: OpKind; r: ApiResponse }> {
  const { org } = setup;
  const token = u.user.accessToken;
  let kind = pickKind();
  // Several clients may act as one user: an update takes the newest entry, a delete the oldest
  // and only while two are left, so no request goes for an entry another one is deleting.
  if ((kind === 'update entry' && u.entries.length === 0) || (kind === 'delete entry' && u.entries.length < 2)) kind = 'create entry';
  switch (kind) {
    case 'create entry': {
      const start = new Date(SLOT_BASE + u.nextSlot++ * 600_000);
      const r = await api(base, 'POST', `${org}/time-entries`, {
        token,
        body: { projectId: u.projects[n % u.projects.length], start: start.toISOString(), durationSeconds: 300, description: `Resilience bench ${n}`, tags: ['bench'] },
      });
      if (r.status === 201) u.entries.push(r.body.id);
      return { kind, r };
    }
    case 'update entry': {
      const id = u.entries[u.entries.length - 1];
      return { kind, r: await api(base, 'PATCH', `${org}/time-entries/${id}`, { token, body: { description: `Edited ${n}`, billable: n % 2 === 0 } }) };
    }
    case 'delete entry': {
      const id = u.entries.shift()!;
      return { kind, r: await api(base, 'DELETE', `${org}/time-entries/${id}`, { token }) };
    }
    case 'update project': {
      const p = setup.ws.projects[n % setup.ws.projects.length];
      return { kind, r: await api(base, 'PATCH', `${org}/projects/${p.id}`, { token: setup.owner.accessToken, body: { description: `Updated by the resilience bench (${n})` } }) };
    }
    case 'GET /users/me':
      return { kind, r: await api(base, 'GET', '/api/v1/users/me', { token }) };
    case 'GET projects':
      return { kind, r: await api(base, 'GET', `${org}/projects?limit=20`, { token }) };
    default:
      return { kind, r: await api(base, 'GET', `${org}/time-entries?from=2020-01-06&to=2020-01-13&limit=20`, { token }) };
  }
}

/** Runs the mix with `clients` clients for `seconds`; client i acts as user i mod 25. */
function runMix(base: string, setup: Awaited<ReturnType<typeof prepareLoad>>, clients: number, seconds: number, stats?: Map<OpKind, OpStats>) {
  let n = 0;
  let client = 0;
  return closedLoop(clients, Date.now() + seconds * 1000, async () => {
    // closedLoop's workers call in turn; each call takes the next user round robin.
    const u = setup.users[client++ % setup.users.length];
    const { kind, r } = await oneRequest(base, setup, u, n++);
    if (stats) {
      const s = stats.get(kind) ?? { count: 0, ok: 0, statuses: {}, latencies: [] };
      s.count++;
      if (r.status >= 200 && r.status < 300) s.ok++;
      s.statuses[r.status] = (s.statuses[r.status] ?? 0) + 1;
      s.latencies.push(r.ms);
      stats.set(kind, s);
    }
    return r;
  });
}

async function pending(db: pg.Client): Promise<number> {
  return (await db.query(`SELECT count(*)::int AS n FROM core.outbox WHERE status = 'pending'`)).rows[0].n;
}

async function dbNow(db: pg.Client): Promise<string> {
  return (await db.query('SELECT clock_timestamp()::text AS t')).rows[0].t;
}

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) {
      log(`${what}: not within ${timeoutMs / 1000} s`);
      return false;
    }
    await sleep(everyMs);
  }
  return true;
}

async function outboxLoad(base: string, pid: number, db: pg.Client, setup: Awaited<ReturnType<typeof prepareLoad>>, receiver: Receiver, clients: number): Promise<LoadResult> {
  // Warm-up with the same load, then let what it left settle.
  await runMix(base, setup, clients, WARMUP_S).done;
  await waitFor('warm-up backlog', async () => (await pending(db)) === 0, 10_000);

  const stats = new Map<OpKind, OpStats>();
  const hooksBefore = receiver.count('/outbox-load');
  const from = await dbNow(db);
  const backlogStart = await pending(db);
  const cpuBefore = cpuTimeMs(pid);
  const dbCpuBefore = await backendCpu(db);
  const samples: number[] = [];
  let sampling = false;
  const sampler = setInterval(() => {
    if (sampling) return;
    sampling = true;
    pending(db)
      .then((n) => samples.push(n))
      .catch(() => {})
      .finally(() => {
        sampling = false;
      });
  }, 1000);
  const loop = runMix(base, setup, clients, DURATION_S, stats);
  const done = await loop.done;
  clearInterval(sampler);
  await waitFor('sampler', async () => !sampling, 5000, 10);
  const to = await dbNow(db);
  const backlogEnd = await pending(db);
  const cpuAfter = cpuTimeMs(pid);
  const dbCpuMs = backendCpuSince(dbCpuBefore, await backendCpu(db));
  const window = (await db.query(`SELECT extract(epoch FROM $2::timestamptz - $1::timestamptz)::float8 AS s`, [from, to])).rows[0].s as number;

  // The window's events get up to DRAIN_S to be delivered; what is left counts as undelivered.
  const t = performance.now();
  const windowPending = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM core.outbox WHERE status <> 'delivered' AND occurred_at >= $1 AND occurred_at < $2`, [from, to])).rows[0].n as number;
  await waitFor('the window\'s events delivered', async () => (await windowPending()) === 0, DRAIN_S * 1000, 100);
  const drainS = (performance.now() - t) / 1000;

  const e = (
    await db.query(
      `SELECT count(*)::int AS published,
              count(*) FILTER (WHERE status <> 'delivered')::int AS undelivered,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - occurred_at)) FILTER (WHERE status = 'delivered') * 1000 AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - occurred_at)) FILTER (WHERE status = 'delivered') * 1000 AS p99,
              max(extract(epoch FROM delivered_at - occurred_at)) * 1000 AS max
       FROM core.outbox WHERE occurred_at >= $1 AND occurred_at < $2`,
      [from, to],
    )
  ).rows[0];
  const delivered = (await db.query(`SELECT count(*)::int AS n FROM core.outbox WHERE delivered_at >= $1 AND delivered_at < $2`, [from, to])).rows[0].n as number;

  const byKind: LoadResult['byKind'] = {};
  for (const [kind, s] of [...stats].sort((a, b) => MIX.findIndex(([k]) => k === a[0]) - MIX.findIndex(([k]) => k === b[0]))) {
    const sorted = s.latencies.sort((a, b) => a - b);
    byKind[kind] = { count: s.count, non2xx: s.count - s.ok, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), statuses: s.statuses };
  }
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    clients,
    seconds: window,
    requests: done.completed,
    requestsPerSecond: done.completed / done.seconds,
    non2xx: done.non2xx,
    errors: done.errors,
    latencyP50Ms: done.p50,
    latencyP99Ms: done.p99,
    byKind,
    eventsPublished: e.published,
    eventsPublishedPerSecond: e.published / window,
    eventsDeliveredPerSecond: delivered / window,
    backlogStart,
    backlogEnd,
    backlogMax: Math.max(backlogStart, backlogEnd, ...samples),
    backlogSamples: samples,
    lagP50Ms: num(e.p50),
    lagP99Ms: num(e.p99),
    lagMaxMs: num(e.max),
    undelivered: e.undelivered,
    drainS,
    serverCpuPercent: cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) / 1000 / done.seconds) * 100 : null,
    databaseCpuPercent: (dbCpuMs / 1000 / done.seconds) * 100,
    webhookDeliveriesReceived: receiver.count('/outbox-load') - hooksBefore,
  };
}

// ---------------------------------------------------------------------------------------------
// Phase b: the dispatcher on a backlog.

interface DispatcherResult {
  events: number;
  types: Record<string, number>;
  insertS: number;
  /** From the commit of the copies to the last delivered_at (database clock). */
  drainS: number;
  eventsPerSecond: number;
  /** The same, timed by the bench polling the pending count every 50 ms. */
  polledS: number;
  undelivered: number;
  webhookDeliveriesCreated: number;
  auditRecordsCreated: number;
  serverCpuPercent: number | null;
  databaseCpuPercent: number;
  serverCpuUsPerEvent: number | null;
  databaseCpuUsPerEvent: number;
}

async function dispatcherCapacity(db: pg.Client, pid: number, endpointId: string): Promise<DispatcherResult> {
  await waitFor('backlog before the copies', async () => (await pending(db)) === 0, 15_000);
  const sources = (await db.query(`SELECT id FROM core.outbox WHERE status = 'delivered' AND (type LIKE 'time.%' OR type LIKE 'projects.%') ORDER BY id`)).rows.map((r) => r.id as string);
  if (!sources.length) throw new Error('no delivered time.* or projects.* events to copy');
  const ids = Array.from({ length: COPIED_EVENTS }, () => uuidv7());
  const src = ids.map((_, i) => sources[i % sources.length]);
  const auditBefore = (await db.query('SELECT count(*)::int AS n FROM audit.events')).rows[0].n as number;
  const t0 = performance.now();
  await db.query('BEGIN');
  const { stamp } = (await db.query('SELECT now()::text AS stamp')).rows[0];
  await db.query(
    `INSERT INTO core.outbox (id, type, version, payload, actor_id, org_id, request_id, api_key_id, ip, user_agent, trace_parent, trace_state)
     SELECT n.id, o.type, o.version, o.payload, o.actor_id, o.org_id, o.request_id, o.api_key_id, o.ip, o.user_agent, o.trace_parent, o.trace_state
     FROM unnest($1::uuid[], $2::uuid[]) AS n(id, src) JOIN core.outbox o ON o.id = n.src`,
    [ids, src],
  );
  const types = Object.fromEntries(
    (await db.query(`SELECT type, count(*)::int AS n FROM core.outbox WHERE occurred_at = $1 GROUP BY type ORDER BY type`, [stamp])).rows.map((r) => [r.type, r.n]),
  );
  await db.query(`SELECT pg_notify('core_outbox', '')`);
  // Taken just before COMMIT: the drain is timed from no later than the moment the rows appear.
  const { committed } = (await db.query('SELECT clock_timestamp()::text AS committed')).rows[0];
  await db.query('COMMIT');
  const insertS = (performance.now() - t0) / 1000;
  const tCommit = performance.now();
  const cpuBefore = cpuTimeMs(pid);
  const dbCpuBefore = await backendCpu(db);
  log(`dispatcher: ${COPIED_EVENTS} events committed in ${insertS.toFixed(1)} s; draining`);
  await waitFor('the copied events delivered', async () => (await pending(db)) === 0, 120_000, 50);
  const polledS = (performance.now() - tCommit) / 1000;
  const cpuAfter = cpuTimeMs(pid);
  const dbCpuMs = backendCpuSince(dbCpuBefore, await backendCpu(db));
  const r = (
    await db.query(
      `SELECT count(*) FILTER (WHERE status <> 'delivered')::int AS undelivered,
              extract(epoch FROM max(delivered_at) - $2::timestamptz)::float8 AS drain
       FROM core.outbox WHERE occurred_at = $1`,
      [stamp, committed],
    )
  ).rows[0];
  const hooks = (
    await db.query(`SELECT count(*)::int AS n FROM webhooks.deliveries d JOIN core.outbox o ON o.id = d.event_id WHERE d.endpoint_id = $1 AND o.occurred_at = $2`, [endpointId, stamp])
  ).rows[0].n as number;
  const audit = ((await db.query('SELECT count(*)::int AS n FROM audit.events')).rows[0].n as number) - auditBefore;
  return {
    events: COPIED_EVENTS,
    types,
    insertS,
    drainS: r.drain,
    eventsPerSecond: (COPIED_EVENTS - r.undelivered) / r.drain,
    polledS,
    undelivered: r.undelivered,
    webhookDeliveriesCreated: hooks,
    auditRecordsCreated: audit,
    serverCpuPercent: cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) / 1000 / polledS) * 100 : null,
    databaseCpuPercent: (dbCpuMs / 1000 / polledS) * 100,
    serverCpuUsPerEvent: cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) * 1000) / COPIED_EVENTS : null,
    databaseCpuUsPerEvent: (dbCpuMs * 1000) / COPIED_EVENTS,
  };
}

// ---------------------------------------------------------------------------------------------
// Phase c: a webhook backlog.

interface WebhookRun {
  deliveries: number;
  slowQueuedFirst: number;
  enqueueS: number;
  /** Server spawn to its ready line. */
  startS: number;
  /** Ready line to the last of the healthy deliveries at the receiver (null: not all arrived). */
  drainS: number | null;
  /** Healthy deliveries that arrived before the deadline. */
  received: number;
  /** First to last arrival. */
  spreadS: number | null;
  deliveriesPerSecond: number | null;
  /** Slow deliveries answered when the healthy ones were all in. */
  slowDoneMeanwhile: number;
  /** Delivery rows of the healthy endpoint that are `delivered` (checked after the drain). */
  recordedDelivered: number;
  /** Healthy deliveries arriving in each second after the ready line. */
  perSecond: number[];
  /** CPU of the server and of the database's backends from the ready line to the last arrival, µs per delivery. */
  serverCpuUsPerDelivery: number | null;
  databaseCpuUsPerDelivery: number | null;
}

async function sendTests(base: string, token: string, orgId: string, endpointId: string, count: number): Promise<number> {
  let sent = 0;
  const t0 = performance.now();
  const loop = closedLoop(8, Date.now() + 120_000, async () => {
    if (sent >= count) {
      loop.stop();
      return { status: 202, body: null, ms: 0 };
    }
    sent++;
    const r = await api(base, 'POST', `/api/v1/orgs/${orgId}/webhooks/${endpointId}/test`, { token });
    expectStatus(r, 202, 'test delivery');
    return r;
  });
  const done = await loop.done;
  if (done.errors || sent < count) throw new Error(`queued ${sent - done.errors} of ${count} test deliveries`);
  return (performance.now() - t0) / 1000;
}

async function webhookRun(
  ctx: { databaseUrl: string; dataDir: string; logDir: string },
  name: string,
  enqueue: { base: string; token: string; orgId: string },
  db: pg.Client,
  receiver: Receiver,
  healthy: { id: string; path: string },
  slow: { id: string; path: string } | null,
): Promise<WebhookRun> {
  receiver.reset();
  let enqueueS = 0;
  if (slow) enqueueS += await sendTests(enqueue.base, enqueue.token, enqueue.orgId, slow.id, SLOW_DELIVERIES);
  enqueueS += await sendTests(enqueue.base, enqueue.token, enqueue.orgId, healthy.id, DELIVERIES);
  log(`${name}: ${DELIVERIES} deliveries${slow ? ` (after ${SLOW_DELIVERIES} to the slow endpoint)` : ''} queued in ${enqueueS.toFixed(1)} s by the server whose jobs are off`);
  const worker = await startTrellis(ctx, name, { JOBS_ENABLED: 'true' });
  const ready = performance.now();
  const cpuBefore = cpuTimeMs(worker.pid);
  const dbCpuBefore = await backendCpu(db);
  try {
    await waitFor(`${name}: ${DELIVERIES} deliveries at the receiver`, async () => receiver.count(healthy.path) >= DELIVERIES, (WEBHOOK_DRAIN_TARGET_S + 30) * 1000, 20);
    const cpuAfter = cpuTimeMs(worker.pid);
    const dbCpuMs = backendCpuSince(dbCpuBefore, await backendCpu(db));
    const times = receiver.times(healthy.path);
    const received = times.length;
    const all = received >= DELIVERIES;
    const drainS = all ? (times[DELIVERIES - 1] - ready) / 1000 : null;
    const spreadS = all ? (times[DELIVERIES - 1] - times[0]) / 1000 : null;
    const slowDoneMeanwhile = slow ? receiver.count(slow.path) : 0;
    // The last answers are recorded just after they arrive.
    let recordedDelivered = 0;
    await waitFor(
      `${name}: delivery rows recorded`,
      async () => {
        recordedDelivered = (await db.query(`SELECT count(*)::int AS n FROM webhooks.deliveries WHERE endpoint_id = $1 AND status = 'delivered'`, [healthy.id])).rows[0].n;
        return recordedDelivered >= DELIVERIES;
      },
      5000,
    );
    return {
      deliveries: DELIVERIES,
      slowQueuedFirst: slow ? SLOW_DELIVERIES : 0,
      enqueueS,
      startS: worker.spawnToReadyMs / 1000,
      drainS,
      received,
      spreadS,
      deliveriesPerSecond: spreadS ? DELIVERIES / spreadS : null,
      slowDoneMeanwhile,
      recordedDelivered,
      perSecond: times.reduce((acc: number[], t) => {
        const i = Math.max(0, Math.floor((t - ready) / 1000));
        while (acc.length <= i) acc.push(0);
        acc[i]++;
        return acc;
      }, []),
      serverCpuUsPerDelivery: cpuBefore !== null && cpuAfter !== null && received ? ((cpuAfter - cpuBefore) * 1000) / received : null,
      databaseCpuUsPerDelivery: received ? (dbCpuMs * 1000) / received : null,
    };
  } finally {
    await stopProcess(worker.child, 20_000);
  }
}

// ---------------------------------------------------------------------------------------------
// The report

interface Target {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
}

interface ResilienceResult {
  date: string;
  revision: string;
  durationS: number;
  machine: { nproc: number; cpu: string; node: string; loadAvgStart: number[]; loadAvgEnd: number[] | null };
  database: string;
  settings: { durationS: number; warmupS: number; clients: number[]; copiedEvents: number; deliveries: number; slowDeliveries: number; slowMs: number; users: number; projects: number };
  outbox: LoadResult[];
  dispatcher: DispatcherResult | null;
  webhooks: { healthy: WebhookRun | null; withSlow: WebhookRun | null };
  targets: Target[];
}

const f0 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const f1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));
const f2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(2));

function targetsOf(r: ResilienceResult): Target[] {
  const t: Target[] = [];
  const at20 = r.outbox.find((o) => o.clients === 20) ?? r.outbox[0];
  if (at20) {
    t.push({
      name: `Outbox delivery lag p99, steady mixed load of ${at20.clients} clients`,
      target: `< ${LAG_P99_TARGET_MS / 1000} s`,
      measured: `${f0(at20.lagP99Ms)} ms (p50 ${f0(at20.lagP50Ms)} ms; ${f0(at20.eventsPublishedPerSecond)} events/s, ${f0(at20.requestsPerSecond)} req/s; ${at20.undelivered} undelivered after ${DRAIN_S} s)`,
      pass: at20.lagP99Ms !== null && at20.lagP99Ms < LAG_P99_TARGET_MS && at20.undelivered === 0,
    });
    // Not growing: the backlog at the end of the window is within one second of events of where it started.
    const slack = Math.max(10, at20.eventsPublishedPerSecond);
    t.push({
      name: `Outbox backlog does not grow, ${at20.clients} clients (pending rows, end − start ≤ 1 s of events)`,
      target: `≤ +${f0(slack)}`,
      measured: `${at20.backlogStart} → ${at20.backlogEnd} (max ${at20.backlogMax} in 1 s samples)`,
      pass: at20.backlogEnd - at20.backlogStart <= slack && at20.undelivered === 0,
    });
  }
  if (r.dispatcher) {
    t.push({
      name: 'Dispatcher capacity on a backlog (events delivered to every subscriber, per second)',
      target: `≥ ${DISPATCHER_TARGET.toLocaleString('en-US')}/s`,
      measured: `${f0(r.dispatcher.eventsPerSecond)}/s (${r.dispatcher.events.toLocaleString('en-US')} events in ${f1(r.dispatcher.drainS)} s)`,
      pass: r.dispatcher.eventsPerSecond >= DISPATCHER_TARGET && r.dispatcher.undelivered === 0,
    });
  }
  const h = r.webhooks.healthy;
  if (h) {
    t.push({
      name: `Webhook backlog of ${h.deliveries.toLocaleString('en-US')} to a healthy receiver, one instance`,
      target: `< ${WEBHOOK_DRAIN_TARGET_S} s`,
      measured: h.drainS === null ? `${h.received} arrived` : `${f1(h.drainS)} s (${f0(h.deliveriesPerSecond)}/s)`,
      pass: h.drainS !== null && h.drainS < WEBHOOK_DRAIN_TARGET_S,
    });
  }
  const s = r.webhooks.withSlow;
  if (s) {
    const ok = s.drainS !== null && s.drainS < WEBHOOK_DRAIN_TARGET_S && (!h?.drainS || s.drainS <= SLOW_FACTOR * h.drainS);
    t.push({
      name: `The same with ${s.slowQueuedFirst} deliveries to an endpoint answering in ${SLOW_MS / 1000} s queued first`,
      target: `< ${WEBHOOK_DRAIN_TARGET_S} s and ≤ ${SLOW_FACTOR} × without`,
      measured: s.drainS === null ? `${s.received} arrived` : `${f1(s.drainS)} s (${h?.drainS ? `${f2(s.drainS / h.drainS)} ×` : '–'}; ${s.slowDoneMeanwhile} of the slow ones answered meanwhile)`,
      pass: ok,
    });
  }
  return t;
}

function renderSection(r: ResilienceResult): string {
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push(
    '## Resilience: the outbox and webhooks under load (issue #20)',
    '',
    'Generated by `npm run bench:resilience` (`bench/resilience.ts`); raw results in `bench/results/resilience.json` (git-ignored).',
    '',
    `- Date: ${r.date.replace('T', ' ').slice(0, 19)} UTC; the run took ${f0(r.durationS)} s`,
    `- Code: ${r.revision}`,
    `- Machine: ${r.machine.nproc} vCPU (${r.machine.cpu}), Node ${r.machine.node}; 1/5/15-minute load average ${r.machine.loadAvgStart.map(f1).join(' / ')} at the start, ${r.machine.loadAvgEnd?.map(f1).join(' / ') ?? '–'} at the end (other engineers' test suites share the machine; this run adds about 2)`,
    `- Database: ${r.database}`,
    `- Server: the production bundle as \`npm start\` runs it, \`NODE_ENV=production\`, \`LOG_LEVEL=info\` (a line per request, to a file), the default pool of 10, rate limits raised, \`WEBHOOK_ALLOWED_HOSTS=127.0.0.1\`; the load generator and the receiver run in the bench process on the same 2 vCPUs`,
    '',
    '### Targets',
    '',
    '| target | goal | measured | result |',
    '| --- | --- | --- | --- |',
    ...r.targets.map((t) => `| ${t.name} | ${t.target} | ${t.measured} | ${t.pass ? 'PASS' : '**FAIL**'} |`),
    '',
    `### a. The outbox under a steady mixed load (${r.settings.warmupS} s warm-up, then ${r.settings.durationS} s measured)`,
    '',
    `${r.settings.users} users of one org (owner, 2 admins, members contributing to 2 of ${r.settings.projects} projects), client i acting as user i mod ${r.settings.users}; each request drawn at random: ${MIX.map(([k, s]) => `${k} ${Math.round(s * 100)} %`).join(', ')}. Every write publishes one event, which goes to two subscribers (the audit log and the webhook fan-out) and, through an endpoint for \`time.*\` and \`projects.*\`, to the local receiver as a webhook.`,
    '',
    '| clients | req/s | p50 / p99 ms | non-2xx | events published/s | events delivered/s | backlog start → end (max) | lag p50 ms | lag p99 ms | lag max ms | undelivered | webhooks received/s | CPU server / database |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.outbox.map(
      (o) =>
        `| ${o.clients} | ${f0(o.requestsPerSecond)} | ${f1(o.latencyP50Ms)} / ${f1(o.latencyP99Ms)} | ${o.non2xx + o.errors} | ${f0(o.eventsPublishedPerSecond)} | ${f0(o.eventsDeliveredPerSecond)} | ${o.backlogStart} → ${o.backlogEnd} (${o.backlogMax}) | ${f0(o.lagP50Ms)} | **${f0(o.lagP99Ms)}** | ${f0(o.lagMaxMs)} | ${o.undelivered} | ${f0(o.webhookDeliveriesReceived / o.seconds)} | ${f0(o.serverCpuPercent)} % / ${f0(o.databaseCpuPercent)} % |`,
    ),
    '',
    'Per request kind (p50 / p99 ms, non-2xx):',
    '',
    `| kind | ${r.outbox.map((o) => `${o.clients} clients`).join(' | ')} |`,
    `| --- | ${r.outbox.map(() => '---').join(' | ')} |`,
    ...MIX.map(([k]) => `| ${k} | ${r.outbox.map((o) => (o.byKind[k] ? `${f1(o.byKind[k].p50Ms)} / ${f1(o.byKind[k].p99Ms)}, ${o.byKind[k].non2xx}` : '–')).join(' | ')} |`),
    '',
    'The lag of an event is `delivered_at − occurred_at`, both stamped by PostgreSQL (`occurred_at` is the start of the',
    "request's transaction, so the lag includes the rest of that transaction), over every event that occurred in the window,",
    `after the window's events had up to ${DRAIN_S} s to be delivered (\`percentile_cont\`); the backlog is the count of pending rows, sampled every second.`,
    '',
  );
  const d = r.dispatcher;
  if (d) {
    push(
      '### b. Dispatcher capacity on a backlog',
      '',
      `A server with the dispatcher on and the jobs off (\`JOBS_ENABLED=false\`). ${d.events.toLocaleString('en-US')} copies of the events of (a) (new UUIDv7 ids, the same types and payloads: ${Object.entries(d.types)
        .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
        .join(', ')}) committed in one transaction (${f1(d.insertS)} s); the drain is timed from that commit to the last \`delivered_at\` (database clock). Each event is an audit record and a webhook delivery with its pg-boss job (${d.auditRecordsCreated.toLocaleString('en-US')} audit records and ${d.webhookDeliveriesCreated.toLocaleString('en-US')} deliveries were written).`,
      '',
      '| events | drain s | events/s | polled by the bench s | undelivered | CPU server / database | CPU µs per event, server / database |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      `| ${d.events.toLocaleString('en-US')} | ${f2(d.drainS)} | **${f0(d.eventsPerSecond)}** | ${f2(d.polledS)} | ${d.undelivered} | ${f0(d.serverCpuPercent)} % / ${f0(d.databaseCpuPercent)} % | ${f0(d.serverCpuUsPerEvent)} / ${f0(d.databaseCpuUsPerEvent)} |`,
      '',
      `CPU is that of the server process and of the database's backends for this database (from \`/proc\`), in % of one core: what the drain got of the two shared vCPUs. At ${f0((d.serverCpuUsPerEvent ?? 0) + d.databaseCpuUsPerEvent)} µs per event in all, two otherwise idle cores would allow about ${f0(2e6 / ((d.serverCpuUsPerEvent ?? 0) + d.databaseCpuUsPerEvent))} events/s.`,
      '',
    );
  }
  const runs = [r.webhooks.healthy, r.webhooks.withSlow].filter((x): x is WebhookRun => x !== null);
  if (runs.length) {
    push(
      '### c. Webhook backlog on one instance',
      '',
      `A server whose jobs are off queues the deliveries (\`POST …/webhooks/{id}/test\`, 202 each, 8 at a time); then a server with jobs on is started and timed from its ready line to the last of the ${r.settings.deliveries.toLocaleString('en-US')} healthy deliveries at the receiver (a local \`node:http\` server answering 204 at once). In the second run ${r.settings.slowDeliveries} deliveries to an endpoint answering after ${r.settings.slowMs / 1000} s are queued first.`,
      '',
      '| run | queued in s | server start s | drain s (ready → last arrival) | first → last arrival s | deliveries/s | slow ones answered meanwhile | rows `delivered` | CPU µs per delivery, server / database |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...runs.map(
        (w) =>
          `| ${w.slowQueuedFirst ? `${w.deliveries.toLocaleString('en-US')} healthy after ${w.slowQueuedFirst} slow` : `${w.deliveries.toLocaleString('en-US')} healthy`} | ${f1(w.enqueueS)} | ${f2(w.startS)} | **${f1(w.drainS)}** | ${f1(w.spreadS)} | ${f0(w.deliveriesPerSecond)} | ${w.slowQueuedFirst ? `${w.slowDoneMeanwhile} of ${w.slowQueuedFirst}` : '–'} | ${w.recordedDelivered.toLocaleString('en-US')} | ${f0(w.serverCpuUsPerDelivery)} / ${f0(w.databaseCpuUsPerDelivery)} |`,
      ),
      '',
      'Deliveries per second after the ready line (the first run): ' + (runs[0].perSecond.join(', ') || '–') + '. The server CPU includes its start (pg-boss opens after the ready line).',
      '',
    );
  }
  push(
    'Before the changes of issue #20: at ~550 requests/s (~190 events/s) the outbox backlog grew by ~110 events/s (3,271 pending after 30 s), and webhooks were delivered one per second per instance.',
    'This bench on the code of d5ca573 (batches of 100 in one transaction per subscriber, but every subscriber still a few statements per event; 2026-12-06, load average 2.5–4.9):',
    'lag p99 10.9 s at 20 clients (233 req/s, 98 events/s) with the backlog growing 0 → 811, 9.2 s at 100 clients; the dispatcher drained 381 events/s at 785 / 1,321 µs of CPU per event (server / database);',
    'the webhook backlog as now (8.1 s). Subscribers taking a batch at once (`handleBatch`: the audit record and the webhook fan-out in a few statements per batch), batches of 500 and the overlapping claim / deliver / mark steps made the difference.',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, drop: async () => {} };
  const admin = env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `trellis_res_${Date.now().toString(36)}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'trellis-res-'));
  runTmp = tmp;
  const logDir = join(tmp, 'logs');
  mkdirSync(logDir);
  const dataDir = join(tmp, 'data');
  const database = await createDatabase();
  const ctx = { databaseUrl: database.url, dataDir, logDir };
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const receiver = await startReceiver();
  const where = new URL(database.url);
  const result: ResilienceResult = {
    date: new Date().toISOString(),
    revision: revision(),
    durationS: 0,
    machine: { nproc: cpus().length, cpu: cpuModel(), node: process.version, loadAvgStart: loadavg(), loadAvgEnd: null },
    database: `PostgreSQL ${(await db.query('SHOW server_version')).rows[0].server_version} at ${where.hostname}:${where.port || 5432}${where.pathname}${env.DATABASE_URL ? '' : ' (created for the run, dropped after it)'}`,
    settings: { durationS: DURATION_S, warmupS: WARMUP_S, clients: CLIENTS, copiedEvents: COPIED_EVENTS, deliveries: DELIVERIES, slowDeliveries: SLOW_DELIVERIES, slowMs: SLOW_MS, users: USERS, projects: PROJECTS },
    outbox: [],
    dispatcher: null,
    webhooks: { healthy: null, withSlow: null },
    targets: [],
  };
  log(`database ${result.database}; logs in ${logDir}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  let ok = false;
  try {
    const build = await buildServer();
    if (!build.bundled) throw new Error('rolldown is not installed: run npm ci (dev dependencies included) first');
    log(`built ${START_ENTRY}`);

    // a. The outbox under load.
    const load = await startTrellis(ctx, 'trellis-load');
    const setup = await prepareLoad(load.base, database.url, join(dataDir, 'mail'), receiver);
    for (const clients of CLIENTS) {
      log(`outbox: ${clients} clients, ${WARMUP_S} s warm-up + ${DURATION_S} s`);
      const o = await outboxLoad(load.base, load.pid, db, setup, receiver, clients);
      result.outbox.push(o);
      log(
        `outbox, ${clients} clients: ${o.requestsPerSecond.toFixed(0)} req/s (${o.non2xx} non-2xx, ${o.errors} errors), ${o.eventsPublishedPerSecond.toFixed(0)} events/s published, ${o.eventsDeliveredPerSecond.toFixed(0)} delivered; backlog ${o.backlogStart} → ${o.backlogEnd} (max ${o.backlogMax}); lag p50 ${f0(o.lagP50Ms)} ms, p99 ${f0(o.lagP99Ms)} ms, max ${f0(o.lagMaxMs)} ms; ${o.undelivered} undelivered`,
      );
    }
    await stopProcess(load.child);

    // b. Dispatcher capacity: the dispatcher alone (no job workers) on a committed backlog.
    if (PHASES.has('b')) {
      const dispatcher = await startTrellis(ctx, 'trellis-dispatcher', { JOBS_ENABLED: 'false' });
      try {
        result.dispatcher = await dispatcherCapacity(db, dispatcher.pid, setup.endpointId);
        const d = result.dispatcher;
        log(
          `dispatcher: ${d.events} events in ${d.drainS.toFixed(2)} s = ${d.eventsPerSecond.toFixed(0)} events/s (${d.undelivered} undelivered); CPU server ${f0(d.serverCpuPercent)} % (${f0(d.serverCpuUsPerEvent)} µs/event), database ${f0(d.databaseCpuPercent)} % (${f0(d.databaseCpuUsPerEvent)} µs/event)`,
        );
      } finally {
        await stopProcess(dispatcher.child);
      }
    }

    if (PHASES.has('c')) {
      // c. Webhook backlog. The deliveries of (a) and (b) that are still queued (those of (b) all
      // are: its server ran no jobs) must not be in the way: their jobs go, the endpoint is disabled.
      const removed = await db.query(`DELETE FROM pgboss.job WHERE name = 'webhooks.deliver' AND state IN ('created', 'retry')`);
      await db.query(`UPDATE webhooks.deliveries SET status = 'failed', last_error = 'removed by the resilience bench' WHERE endpoint_id = $1 AND status = 'pending'`, [setup.endpointId]);
      // Their dead rows would slow the queue's fetches until autovacuum came by.
      await db.query('VACUUM ANALYZE pgboss.job, webhooks.deliveries, core.jobs');
      log(`webhooks: ${removed.rowCount} queued deliveries of (a) and (b) removed`);
      const enqueuer = await startTrellis(ctx, 'trellis-enqueue', { JOBS_ENABLED: 'false' });
      try {
        const token = setup.owner.accessToken;
        const orgId = setup.ws.orgId;
        expectStatus(await api(enqueuer.base, 'PATCH', `/api/v1/orgs/${orgId}/webhooks/${setup.endpointId}`, { token, body: { enabled: false } }), 200, 'disable the load endpoint');
        const create = async (path: string) => {
          const r = await api(enqueuer.base, 'POST', `/api/v1/orgs/${orgId}/webhooks`, { token, body: { url: receiver.url(path), events: ['reports.project_exported'], description: `resilience bench ${path}` } });
          expectStatus(r, 201, `create endpoint ${path}`);
          return { id: r.body.id as string, path };
        };
        const healthy = await create('/healthy');
        const slow = await create('/slow');
        const enqueue = { base: enqueuer.base, token, orgId };
        result.webhooks.healthy = await webhookRun(ctx, 'trellis-webhooks', enqueue, db, receiver, healthy, null);
        const h = result.webhooks.healthy;
        log(
          `webhooks: ${DELIVERIES} drained in ${f1(h.drainS)} s after ready (${f0(h.deliveriesPerSecond)}/s; CPU server ${f0(h.serverCpuUsPerDelivery)} µs, database ${f0(h.databaseCpuUsPerDelivery)} µs per delivery; per second: ${h.perSecond.join(' ')})`,
        );
        const healthy2 = await create('/healthy-2');
        result.webhooks.withSlow = await webhookRun(ctx, 'trellis-webhooks-slow', enqueue, db, receiver, healthy2, slow);
        log(`webhooks with a slow endpoint: ${DELIVERIES} drained in ${f1(result.webhooks.withSlow.drainS)} s after ready; ${result.webhooks.withSlow.slowDoneMeanwhile} slow ones answered meanwhile`);
      } finally {
        await stopProcess(enqueuer.child);
      }
    }
    ok = true;
  } finally {
    await stopAll();
    await receiver.close();
    await db.end().catch(() => {});
    result.machine.loadAvgEnd = loadavg();
    result.durationS = (performance.now() - T0) / 1000;
    result.targets = targetsOf(result);
    const resultsDir = join(ROOT, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'resilience.json'), `${JSON.stringify(result, null, 2)}\n`);
    // Only a complete run goes into BENCHMARKS.md.
    if (ok && ['a', 'b', 'c'].every((p) => PHASES.has(p))) writeSection('resilience', renderSection(result));
    if (ok && !KEEP) {
      rmSync(tmp, { recursive: true, force: true });
      await database.drop().catch((err) => log(`could not drop the database: ${(err as Error).message}`));
    } else if (ok) {
      log(`logs kept in ${logDir}${env.DATABASE_URL ? '' : `, database ${database.url} kept`}`);
    } else {
      log(`failed: logs kept in ${logDir}${env.DATABASE_URL ? '' : `, database ${database.url} kept`}`);
    }
  }
  process.stdout.write('\nTargets:\n');
  for (const t of result.targets) process.stdout.write(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.measured} (goal ${t.target})\n`);
  process.stdout.write(`\nbench/results/resilience.json written${PHASES.size === 3 ? ', BENCHMARKS.md section updated' : ''}; ${result.durationS.toFixed(0)} s\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    killAllNow();
    process.exit(1);
  },
);
