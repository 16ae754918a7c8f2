// Result types and BENCHMARKS.md: one section per database, replaced by a run on that
// database; the other database's section and the hand-written notes block are kept.

export interface StartupResult {
  phase: 'pglite-new' | 'pglite-existing' | 'postgres-first' | 'postgres-existing' | string;
  spawnToReadyMs: number;
  /** `readyMs` of the ready line: measured by the server from the start of main.ts's body. */
  serverReadyMs: number | null;
  shutdownMs: number | null;
  exit: string | null;
}

export interface ScenarioResult {
  key: string;
  title: string;
  server: 'trellis' | 'floor';
  method: string;
  path: string;
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  /** CPU time (user + system) of the server process per answered request, in µs. */
  serverCpuUsPerRequest: number | null;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  avg: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  note?: string;
}

export interface MixedResult {
  key: string;
  probe: ScenarioResult;
  /** The same probe without logins, just before. */
  idle: ScenarioResult;
  logins: { concurrency: number; perSecond: number; completed: number; p50: number; p99: number; errors: number; non2xx: number };
}

/** The mixed read load (PostgreSQL, seeded workspace): throughput and RSS over time. */
export interface ReadMixResult {
  connections: number;
  users: { owner: number; admin: number; member: number };
  routes: string[];
  warmupS: number;
  durationS: number;
  /** The measured part (after the warm-up). */
  scenario: ScenarioResult;
  /** RSS of the server each second from just before the warm-up to the end (t in s). */
  timeline: { t: number; rssMB: number }[];
  restMB: number;
  peakMB: number;
  /** Median of the last 10 s of samples. */
  plateauMB: number;
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
}

export interface RunResult {
  database: 'pglite' | 'postgres';
  databaseLabel: string;
  date: string;
  /** The commit measured (and whether the work tree had changes). */
  revision?: string;
  machine: { nproc: number; cpu: string; memoryGB: number; node: string; kernel: string; loadAvgStart: number; loadAvgEnd: number | null };
  settings: { durationS: number; warmupS: number; connections: number; refreshPool: number; refreshRecycle: boolean; loginConcurrency: number };
  startups: StartupResult[];
  scenarios: ScenarioResult[];
  mixed: MixedResult[];
  floor: {
    trellis: ScenarioResult;
    floor: ScenarioResult;
    ratio: number;
    rounds: { trellisRps: number; floorRps: number }[];
    floorPeakMB: number | null;
    database: string;
  } | null;
  memory: { peakMB: number; rssMB: number } | null;
  /** RSS and peak RSS of the server after each phase. */
  memoryTimeline: { after: string; rssMB: number; peakMB: number }[];
  authMicro: { joseJwtVerifyUs: number; nodeHmacUs: number } | null;
  /** PostgreSQL only (absent in results of earlier runs). */
  readMix?: ReadMixResult | null;
  targets: Target[];
}

const TITLES: Record<string, string> = { pglite: 'PGlite (embedded)', postgres: 'PostgreSQL' };
const ORDER = ['pglite', 'postgres'];

const rps = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const ms = (n: number | null | undefined) => (n === null || n === undefined || Number.isNaN(n) ? '–' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const cpu = (s: ScenarioResult) => (s.serverCpuUsPerRequest === null ? '–' : s.serverCpuUsPerRequest.toFixed(0));
const codes = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k}×${v}`)
    .join(', ');

const PHASES: Record<string, string> = {
  'pglite-new': '(a) PGlite, new data folder (initdb + migrations)',
  'pglite-existing': '(b) PGlite, existing folder',
  'postgres-first': '(c) PostgreSQL, MIGRATE_ON_START=true, empty database (applies migrations)',
  'postgres-existing': '(c) PostgreSQL, MIGRATE_ON_START=true, already migrated',
};

export function renderSection(r: RunResult): string {
  const out: string[] = [];
  out.push(`## ${TITLES[r.database]}`, '');
  out.push(`- Date: ${r.date.replace('T', ' ').slice(0, 19)} UTC`);
  if (r.revision) out.push(`- Code: ${r.revision}`);
  out.push(`- Machine: ${r.machine.nproc} vCPU (${r.machine.cpu}), ${r.machine.memoryGB.toFixed(0)} GB RAM, Linux ${r.machine.kernel}, Node ${r.machine.node}`);
  out.push(
    `- Load from other work: 1-minute load average ${r.machine.loadAvgStart.toFixed(1)} at the start, ${r.machine.loadAvgEnd?.toFixed(1) ?? '?'} at the end (this run itself adds about 2)`,
  );
  out.push(`- Database: ${r.databaseLabel}`);
  out.push(
    `- Settings: ${r.settings.durationS} s per scenario after ${r.settings.warmupS} s of warm-up (health, users/me, floor), ${r.settings.connections} connections, one autocannon process on the same machine`,
  );
  out.push('', '### Targets', '', '| target | goal | measured | result |', '| --- | --- | --- | --- |');
  for (const t of r.targets) out.push(`| ${t.name} | ${t.target} | ${t.measured} | ${t.pass ? 'PASS' : '**FAIL**'} |`);

  out.push('', '### Scenarios (Trellis, production mode)', '');
  out.push(
    '| scenario | conns | req/s | p50 ms | p90 ms | p99 ms | max ms | requests | errors | non-2xx | server CPU µs/req |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const s of r.scenarios) {
    out.push(
      `| ${s.title} | ${s.connections} | ${rps(s.rps)} | ${ms(s.p50)} | ${ms(s.p90)} | ${ms(s.p99)} | ${ms(s.max)} | ${s.requests.toLocaleString('en-US')} | ${s.errors} | ${s.non2xx}${s.non2xx ? ` (${codes(s.statusCodes)})` : ''} | ${cpu(s)} |`,
    );
  }
  const notes = r.scenarios.filter((s) => s.note);
  if (notes.length) out.push('', ...notes.map((s) => `- ${s.title}: ${s.note}.`));

  if (r.floor) {
    const f = r.floor;
    out.push('', '### Trellis vs the floor (`GET /api/v1/users/me`, same token, same load)', '');
    out.push('| server | req/s | p50 ms | p99 ms | errors | non-2xx | server CPU µs/req |', '| --- | --- | --- | --- | --- | --- | --- |');
    out.push(`| Trellis | ${rps(f.trellis.rps)} | ${ms(f.trellis.p50)} | ${ms(f.trellis.p99)} | ${f.trellis.errors} | ${f.trellis.non2xx} | ${cpu(f.trellis)} |`);
    out.push(`| floor (bench/floor-server.ts) | ${rps(f.floor.rps)} | ${ms(f.floor.p50)} | ${ms(f.floor.p99)} | ${f.floor.errors} | ${f.floor.non2xx} | ${cpu(f.floor)} |`);
    const rounds = f.rounds.map((r, i) => `round ${i + 1}: ${rps(r.trellisRps)} ÷ ${rps(r.floorRps)} = ${(r.trellisRps / r.floorRps).toFixed(2)}`).join('; ');
    out.push(
      '',
      `Ratio Trellis ÷ floor: **${f.ratio.toFixed(2)}** (target ≥ 0.75), from the pooled runs (order Trellis, floor, floor, Trellis; ${rounds}).`,
      `Floor database: ${f.database}.${f.floorPeakMB ? ` Floor peak RSS ${f.floorPeakMB.toFixed(0)} MB.` : ''}`,
    );
    if (f.trellis.serverCpuUsPerRequest && f.floor.serverCpuUsPerRequest) {
      out.push(
        '',
        `Server CPU per request (user + system time of the server process ÷ requests; less sensitive to other load on the machine than req/s): Trellis ${cpu(f.trellis)} µs, floor ${cpu(f.floor)} µs, ratio floor ÷ Trellis **${(f.floor.serverCpuUsPerRequest / f.trellis.serverCpuUsPerRequest).toFixed(2)}**${r.database === 'postgres' ? ' (PostgreSQL\'s own CPU is not counted, and is the same one query for both)' : ' (PGlite runs inside each server process, so its CPU is counted for both)'}.`,
      );
    }
  }

  if (r.mixed.length) {
    out.push('', `### Cheap routes while ${r.settings.loginConcurrency} logins are in flight (probe: 10 connections)`, '');
    out.push(
      '| probe | alone: req/s | alone: p50 / p99 ms | with logins: req/s | with logins: p50 / p99 / max ms | errors / non-2xx | logins/s | login p50 / p99 ms |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const m of r.mixed) {
      out.push(
        `| GET ${m.probe.path} | ${rps(m.idle.rps)} | ${ms(m.idle.p50)} / ${ms(m.idle.p99)} | ${rps(m.probe.rps)} | ${ms(m.probe.p50)} / ${ms(m.probe.p99)} / ${ms(m.probe.max)} | ${m.probe.errors} / ${m.probe.non2xx} | ${m.logins.perSecond.toFixed(1)} | ${ms(m.logins.p50)} / ${ms(m.logins.p99)} |`,
      );
    }
  }

  out.push('', '### Start-up (spawn of `node dist/main.js`, the `npm start` bundle, to the `trellis ready` log line)', '');
  out.push('| start | spawn → ready ms | server `readyMs` | SIGTERM → exit ms |', '| --- | --- | --- | --- |');
  for (const s of r.startups) out.push(`| ${PHASES[s.phase] ?? s.phase} | ${s.spawnToReadyMs.toFixed(0)} | ${s.serverReadyMs ?? '–'} | ${s.shutdownMs === null ? '–' : s.shutdownMs.toFixed(0)}${s.exit && s.exit !== 'code 0' ? ` (${s.exit})` : ''} |`);

  if (r.memory) {
    out.push('', '### Memory', '', `Trellis server after the run: peak RSS (VmHWM) **${r.memory.peakMB.toFixed(0)} MB**, current RSS ${r.memory.rssMB.toFixed(0)} MB.`);
    if (r.memoryTimeline.length) {
      out.push('', `| after | ${r.memoryTimeline.map((m) => m.after).join(' | ')} |`, `| --- | ${r.memoryTimeline.map(() => '---').join(' | ')} |`);
      out.push(`| RSS MB | ${r.memoryTimeline.map((m) => m.rssMB.toFixed(0)).join(' | ')} |`);
      out.push(`| peak RSS MB | ${r.memoryTimeline.map((m) => m.peakMB.toFixed(0)).join(' | ')} |`);
    }
  }
  if (r.readMix) out.push('', ...renderReadMix(r.readMix));
  if (r.authMicro) {
    out.push(
      '',
      '### Access-token check, one call at a time, in the benchmark process',
      '',
      `jose \`jwtVerify\` (HS256, WebCrypto): ${r.authMicro.joseJwtVerifyUs.toFixed(1)} µs/call; the same checks with \`node:crypto\` HMAC + \`timingSafeEqual\`: ${r.authMicro.nodeHmacUs.toFixed(1)} µs/call.`,
    );
  }
  return out.join('\n');
}

function renderReadMix(m: ReadMixResult): string[] {
  const s = m.scenario;
  // The first sample, every 5th second and the last, one sample per second shown.
  const shown: ReadMixResult['timeline'] = [];
  for (const [i, x] of m.timeline.entries()) {
    const second = Math.round(x.t);
    if (shown.length && Math.round(shown[shown.length - 1].t) === second) continue;
    if (i === 0 || second % 5 === 0 || i === m.timeline.length - 1) shown.push(x);
  }
  return [
    `### Mixed read load (${m.connections} connections, ${m.warmupS} s warm-up + ${m.durationS} s measured)`,
    '',
    `As ${m.users.owner} owner, ${m.users.admin} admin and ${m.users.member} members of the seeded workspace, each connection taking the next request of one`,
    `sequence that interleaves the users' lists (${m.routes.length} routes: ${m.routes.map((r) => `\`${r}\``).join(', ')}).`,
    '',
    '| req/s | p50 ms | p99 ms | errors | non-2xx | server CPU µs/req | RSS before | RSS peak | RSS plateau (last 10 s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${rps(s.rps)} | ${ms(s.p50)} | ${ms(s.p99)} | ${s.errors} | ${s.non2xx}${s.non2xx ? ` (${codes(s.statusCodes)})` : ''} | ${cpu(s)} | ${m.restMB.toFixed(0)} MB | **${m.peakMB.toFixed(0)} MB** | ${m.plateauMB.toFixed(0)} MB |`,
    '',
    `RSS (MB) over time, sampled every second from the start of the warm-up (every 5th sample shown):`,
    '',
    `| s | ${shown.map((x) => x.t.toFixed(0)).join(' | ')} |`,
    `| --- | ${shown.map(() => '---').join(' | ')} |`,
    `| MB | ${shown.map((x) => x.rssMB.toFixed(0)).join(' | ')} |`,
  ];
}

const HEADER = `# Benchmarks

Generated by \`npm run bench\` (\`bench/run.ts\`). A run on one database replaces that database's
section below and keeps the other one; raw results of the last run are in
\`bench/results/latest.json\` (git-ignored).

**The machine is shared and noisy.** Absolute req/s and latencies move from run to run; the
ratios measured within one run (Trellis ÷ floor, latency under login load ÷ idle) are what to
compare. The load generator (autocannon, one process) runs on the same vCPUs as the server and
takes CPU from it, so absolute numbers are lower bounds.

## How to run

\`\`\`sh
npm run bench                                   # embedded PGlite in a temporary DATA_DIR
# PostgreSQL: start from a fresh database each time (the first start applies the migrations)
dropdb -h 127.0.0.1 -U postgres --if-exists trellis_bench && createdb -h 127.0.0.1 -U postgres trellis_bench
DATABASE_URL=postgres://postgres@127.0.0.1:5432/trellis_bench npm run bench
BENCH_DURATION=3 npm run bench                  # quicker, noisier
BENCH_ONLY=mixed DATABASE_URL=… npm run bench   # only the mixed read load (~2 min), BENCHMARKS.md untouched
node bench/run.ts --render                      # rewrite BENCHMARKS.md from bench/results/<database>.json
\`\`\`

Settings: \`BENCH_DURATION\` (seconds per scenario, default 10), \`BENCH_WARMUP\` (default 2),
\`BENCH_REFRESH_POOL\` (refresh tokens minted before the refresh scenario, default 200),
\`BENCH_REFRESH_RECYCLE\` (\`0\`: one request per pooled token, bounded by count); the mixed read load:
\`BENCH_MIX_DURATION\` (default 40), \`BENCH_MIX_WARMUP\` (default 10), \`BENCH_MIX_CONNECTIONS\` (default 40),
\`BENCH_MIX_USERS\` (default 10). With the defaults a run takes about 3 minutes on PGlite (12 load runs of
\`BENCH_DURATION\` plus start-ups) and about 6 on PostgreSQL (the workspace and the mixed load); every
child process is stopped at the end or on error, and a watchdog ends the run if a phase hangs.

## Method

- The server is the real one, as \`npm start\` runs it: the bundle \`scripts/build.ts\` writes
  (\`dist/main.js\`, built at the start of the run) with the start script's Node flags, \`NODE_ENV=production\`, a random 48-character
  \`JWT_SECRET\`, \`PORT=0\`, \`HOST=127.0.0.1\`, \`LOG_LEVEL=info\` (one JSON log line per request, written
  to a file), a temporary \`DATA_DIR\`, and rate limits at the largest values the config accepts
  (\`RATE_LIMIT=10000000\`, \`AUTH_RATE_LIMIT=100000\` per minute) so nothing is throttled.
- Start-up: wall time from \`spawn()\` to the \`trellis ready\` log line (Node boot and module loading
  included); the server's own \`readyMs\` counts from the start of \`main.ts\`'s body, after its imports.
  Each start is stopped with SIGTERM and awaited before the next.
- Seeding: a user is registered and logged in through the API; the run waits until the user's profile
  (created by an event subscriber) exists, so \`/users/me\` measures the normal path.
- Scenarios: autocannon with 50 connections. Each login verifies an argon2id hash (m=19 MiB, t=2;
  15–25 ms of server CPU per login here), so its req/s is bounded by CPU, not by the server's overhead. Refresh rotates the token on every
  request: a pool of refresh tokens (one session per login; the login scenario's tokens, topped up by
  more logins) is consumed one token per request through \`setupRequest\`; by default the rotated token
  of each successful answer goes back into the pool, so the run is bounded by time; if the pool ran dry
  the scenario would stop and report it.
- Under login load: autocannon runs 10 connections against \`/health/live\` (the target) and then
  \`/users/me\` (a diagnostic), each first alone and then while 16 \`POST /auth/login\` are kept in
  flight (a closed loop started 1 s before); logins/s counts the logins answered during the probe.
- Server CPU µs/req: user + system CPU time of the server process (from \`/proc/<pid>/stat\`) during a
  scenario ÷ requests answered. It counts work rather than waiting, so it is steadier than req/s on a
  busy machine; on PostgreSQL it leaves out the database server's own CPU.
- The floor (\`bench/floor-server.ts\`), a separate process: bare Fastify (no plugins, no request logging), the same JWT check
  as Trellis (HS256 with \`node:crypto\` in constant time, pinned alg, iss/aud/exp, required claims), one \`SELECT … FROM users.profiles WHERE user_id = $1\`
  and a JSON answer through a response schema. On PostgreSQL it reads the seeded user's real
  \`users.profiles\` row through a \`pg\` Pool of 10 (the size Trellis uses); on PGlite it opens a separate
  in-memory PGlite in its own process with a \`users.profiles\` table of the same columns holding one row
  (the seeded user). Trellis and the floor take turns with the same token and load, in the order
  Trellis, floor, floor, Trellis (each run \`BENCH_DURATION\` long, after a warm-up of each), and the
  ratio is computed from the pooled runs, so a drift of the machine's speed weighs on both alike.
- Memory: VmRSS (resident set) of the server process from \`/proc/<pid>/status\` 3 s after the last load (the target), and VmHWM (its peak during the run).
- Mixed read load (PostgreSQL, last, on the seeded workspace; \`bench/lib/read-mix.ts\`): first it adds what a
  client's reads find (tasks, project members, a running timer, a submitted timesheet and a report-file job per
  user, two disabled webhook endpoints) and checks that every request of the mix answers 200. Then 40
  connections take turns through one sequence interleaving the lists of 10 users (owner, admin, members): profile,
  orgs, members, project lists with search, filters and sorts, a project, its tasks and members, a month of time
  entries with filters, the timer, timesheets, one-week reports (JSON), audit, webhooks, notifications and the
  unread count, a job, and the OpenAPI document about once in 100 requests. 10 s of warm-up, 40 s measured; RSS
  is sampled every second throughout, and the target is that every sample stays under 250 MB.
`;

const NOTES_START = '<!-- bench:notes:start -->';
const NOTES_END = '<!-- bench:notes:end -->';
const sectionMarkers = (db: string) => [`<!-- bench:${db}:start -->`, `<!-- bench:${db}:end -->`] as const;

function between(text: string, start: string, end: string): string | null {
  const i = text.indexOf(start);
  const j = text.indexOf(end, i + start.length);
  return i >= 0 && j >= 0 ? text.slice(i + start.length, j) : null;
}

export function renderBenchmarks(previous: string, run: RunResult): string {
  const parts = [HEADER];
  const notes = between(previous, NOTES_START, NOTES_END);
  if (notes !== null) parts.push(`${NOTES_START}${notes}${NOTES_END}\n`);
  for (const db of ORDER) {
    const [start, end] = sectionMarkers(db);
    const body = db === run.database ? `\n${renderSection(run)}\n` : between(previous, start, end);
    if (body !== null) parts.push(`${start}${body}${end}\n`);
  }
  return parts.join('\n');
}
