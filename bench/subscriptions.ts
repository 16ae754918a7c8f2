// The dashboard subscription benchmark of issue #13, run by `npm run bench -- subscriptions` (alone)
// and at the end of `npm run bench`: "a subscription run for 100 recipients finishes without
// blocking requests: /health/live p99 stays < 20 ms meanwhile".
//   The production server (jobs on, as by default: the run happens in the API process), its mail
//   written as .eml files under its DATA_DIR (the transport a server uses with no mail settings).
//   A workspace of 101 members and their time entries (bench/seed-workspace.ts); the owner saves
//   four questions over the workspace source, three charts of them (bars, a line, an area) and a
//   table, puts them on a dashboard and subscribes the 100 other members with every format
//   (`inline`, `pdf`, `csv`: the heaviest mail). A warm-up run to one recipient starts the drawing
//   thread (vega, resvg, pdfkit); then `POST …/dashboard-subscriptions/{id}/send` runs the 100 while this process
//   sends `GET /health/live` every 10 ms (open loop: a new probe whether or not the last answered,
//   so a stall shows in every probe it holds up). Reported: the probe's p50/p99 during the run next
//   to the same probe with nothing running, the run's duration, mails per second, the server's CPU
//   per mail and its peak RSS.
// Database: as the data benchmarks (bench/data.ts): DATABASE_URL's server, or an embedded
// PostgreSQL in the run's temporary folder; a database made for the run and dropped after it.
// Settings: BENCH_SUBS_RECIPIENTS (default 100), BENCH_SUBS_ENTRIES (time entries, default 20,000),
// BENCH_SUBS_CPU_PROF=1 (the server writes V8 CPU profiles, one a thread, into
// bench/results/subscriptions-cpuprofiles/).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildServer } from '../scripts/build.ts';
import { providePostgres } from './data.ts';
import { type Latency, summarize } from './lib/data-sources/stats.ts';
import { api, expectStatus } from './lib/http.ts';
import { cpuModel, revision } from './lib/machine.ts';
import { cpuTimeMs, memoryOf, ROOT, sleep, startProcess, stopProcess } from './lib/proc.ts';
import { writeSection } from './lib/sections.ts';
import { isTrellisReady, productionEnv, START_ENTRY, START_FLAGS } from './lib/server.ts';
import { seedWorkspace } from './seed-workspace.ts';

const env = process.env;
const num = (v: string | undefined, def: number) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : def);

export const SUBSCRIPTION_SETTINGS = {
  recipients: num(env.BENCH_SUBS_RECIPIENTS, 100),
  entries: num(env.BENCH_SUBS_ENTRIES, 20_000),
  /** One probe every this many ms, during the run and alone. */
  probeEveryMs: 10,
  /** The probe alone, before the run (s). */
  idleS: 5,
  cpuProfile: env.BENCH_SUBS_CPU_PROF === '1',
};
export type SubscriptionSettings = typeof SUBSCRIPTION_SETTINGS;

export const HEALTH_P99_TARGET_MS = 20;
const FORMATS = ['inline', 'pdf', 'csv'];
/** Probes in flight at most; past it a tick sends nothing and is counted (none are expected). */
const MAX_IN_FLIGHT = 50;

/** An upper bound of a run, for the watchdog: seeding, then a run that could take a few minutes. */
export function subscriptionsWatchdogMs(s: SubscriptionSettings = SUBSCRIPTION_SETTINGS): number {
  return (240 + s.recipients * 3 + 120) * 1000;
}

export interface Probe extends Latency {
  errors: number;
  non2xx: number;
  /** Ticks that sent nothing because MAX_IN_FLIGHT probes were waiting. */
  skipped: number;
  seconds: number;
}

export interface SubscriptionsResult {
  date: string;
  revision: string;
  durationS: number;
  machine: { nproc: number; cpu: string; node: string; loadAvgStart: number[]; loadAvgEnd: number[] | null };
  database: string;
  seeded: { members: number; entries: number };
  dashboard: { charts: string[]; tableRows: number };
  warmupMs: number;
  run: {
    recipients: number;
    sent: number;
    failed: number;
    ms: number;
    mailsPerSecond: number;
    /** The server's CPU time over the run, per mail sent (ms). */
    cpuMsPerMail: number | null;
    /** The server's RSS just before the run, and its peak during it (sampled every 250 ms). */
    rssBeforeMiB: number | null;
    peakRssMiB: number | null;
    /** The .eml files the run wrote: count, mean and largest size, and the parts of one. */
    files: { count: number; meanKB: number; maxKB: number; parts: string[] };
  };
  idle: Probe;
  during: Probe;
  profile: string | null;
  targets: { name: string; goal: string; measured: string; pass: boolean }[];
}

/** `GET /health/live` every `everyMs` until stopped, each probe on its own (open loop). */
export function startProbe(base: string, everyMs: number) {
  const ms: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let skipped = 0;
  let inFlight = 0;
  const t0 = performance.now();
  const timer = setInterval(() => {
    if (inFlight >= MAX_IN_FLIGHT) {
      skipped++;
      return;
    }
    inFlight++;
    const start = performance.now();
    fetch(`${base}/health/live`, { signal: AbortSignal.timeout(10_000) })
      .then(async (r) => {
        await r.arrayBuffer();
        ms.push(performance.now() - start);
        if (!r.ok) non2xx++;
      })
      .catch(() => {
        errors++;
      })
      .finally(() => {
        inFlight--;
      });
  }, everyMs);
  return {
    async stop(): Promise<Probe> {
      clearInterval(timer);
      const seconds = (performance.now() - t0) / 1000;
      while (inFlight > 0) await sleep(5);
      return { ...summarize(ms), errors, non2xx, skipped, seconds };
    },
  };
}

/** A POST that may take minutes (the whole run answers at once), unlike `api`'s 30 s. */
async function longPost(base: string, path: string, token: string): Promise<{ status: number; body: any; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30 * 60_000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, ms: performance.now() - t0 };
}

const emlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.eml'));

/** The .eml files the run wrote (not among `before`), with the content types of one. */
function mailFiles(dir: string, before: ReadonlySet<string>) {
  const files = emlFiles(dir)
    .filter((f) => !before.has(f))
    .map((f) => join(dir, f));
  const sizes = files.map((f) => statSync(f).size);
  const parts = files.length ? [...readFileSync(files[0], 'utf8').matchAll(/^Content-Type: ([a-z]+\/[a-z.+-]+)/gim)].map((m) => m[1].toLowerCase()) : [];
  return { count: files.length, meanKB: sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length) / 1000, maxKB: Math.max(0, ...sizes) / 1000, parts };
}

async function benchRun(databaseUrl: string, opts: { tmp: string; logDir: string; log(m: string): void }, s: SubscriptionSettings, result: SubscriptionsResult) {
  const { log } = opts;
  const build = await buildServer();
  if (!build.bundled) throw new Error('rolldown is not installed: run npm ci (dev dependencies included) first');
  const dataDir = join(opts.tmp, 'data-subscriptions');
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const server = await startProcess({
    script: START_ENTRY,
    // A profile per thread (the API's and the drawing thread), under Node's own names.
    nodeFlags: s.cpuProfile ? [...START_FLAGS, '--cpu-prof', `--cpu-prof-dir=${join(resultsDir, 'subscriptions-cpuprofiles')}`] : START_FLAGS,
    env: productionEnv({ jwtSecret: randomBytes(36).toString('base64url'), host: '127.0.0.1', dataDir }, { DATABASE_URL: databaseUrl, MIGRATE_ON_START: 'true' }),
    logDir: opts.logDir,
    name: 'trellis-subscriptions',
    isReady: isTrellisReady,
    timeoutMs: 60_000,
  });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    log(`subscriptions: server ready in ${server.spawnToReadyMs.toFixed(0)} ms (pid ${server.pid})`);
    const mailDir = join(dataDir, 'mail');
    const ws = await seedWorkspace({ base, databaseUrl, mailDir, users: s.recipients + 1, projects: 20, entries: s.entries, log });
    result.seeded = { members: ws.users.length, entries: ws.entries };
    const token = ws.owner.accessToken;
    const call = (method: string, path: string, body?: unknown) => api(base, method, `/api/v1/orgs/${ws.orgId}${path}`, { token, body });

    const source = await call('POST', '/data-sources', { name: 'Workspace', kind: 'workspace' });
    expectStatus(source, 201, 'add the workspace source');
    expectStatus(await call('POST', `/data-sources/${source.body.id}/sync`, {}), 202, 'sync the workspace source');
    const question = async (name: string, sql: string) => {
      const q = await call('POST', '/questions', { dataSourceId: source.body.id, name, sql });
      expectStatus(q, 201, `save ${name}`);
      // The first runs wait for the sync.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = await call('POST', `/questions/${q.body.id}/run`, {});
        if (r.status === 200) return { id: q.body.id as string, rows: r.body.rowCount as number };
        if (Date.now() > deadline) expectStatus(r, 200, `run ${name}`);
        await sleep(200);
      }
    };
    const perProject = await question('Hours per project', 'SELECT p.name AS project, round(sum(e.hours), 1) AS hours FROM time_entries e JOIN projects p ON p.id = e.project_id GROUP BY p.name ORDER BY hours DESC');
    const perWeek = await question('Hours per week', "SELECT CAST(date_trunc('week', e.start_at) AS date) AS week, round(sum(e.hours), 1) AS hours FROM time_entries e GROUP BY 1 ORDER BY 1");
    const perDay = await question('Entries per day', 'SELECT CAST(e.start_at AS date) AS day, count(*) AS entries FROM time_entries e GROUP BY 1 ORDER BY 1');
    const perMember = await question('Hours per member', 'SELECT m.email, count(*) AS entries, round(sum(e.hours), 1) AS hours FROM time_entries e JOIN members m ON m.user_id = e.user_id GROUP BY m.email ORDER BY hours DESC, m.email');
    const chart = async (questionId: string, type: string, x: string, y: string, title: string) => {
      const c = await call('POST', '/charts', { questionId, type, encoding: { x, y }, options: { title } });
      expectStatus(c, 201, `create the chart ${title}`);
      return c.body.id as string;
    };
    const charts = [
      { id: await chart(perProject.id, 'bar', 'project', 'hours', 'Hours per project'), title: `bars, ${perProject.rows} projects` },
      { id: await chart(perWeek.id, 'line', 'week', 'hours', 'Hours per week'), title: `a line, ${perWeek.rows} weeks` },
      { id: await chart(perDay.id, 'area', 'day', 'entries', 'Entries per day'), title: `an area, ${perDay.rows} days` },
    ];
    result.dashboard = { charts: charts.map((c) => c.title), tableRows: perMember.rows };
    const board = await call('POST', '/dashboards', {
      name: 'Weekly hours',
      widgets: [
        { id: 'projects', kind: 'chart', chartId: charts[0].id, x: 0, y: 0, w: 6, h: 4 },
        { id: 'weeks', kind: 'chart', chartId: charts[1].id, x: 6, y: 0, w: 6, h: 4 },
        { id: 'days', kind: 'chart', chartId: charts[2].id, x: 0, y: 4, w: 12, h: 4 },
        { id: 'members', kind: 'question', questionId: perMember.id, title: 'Hours per member', x: 0, y: 8, w: 12, h: 6 },
      ],
    });
    expectStatus(board, 201, 'create the dashboard');
    const subscribe = async (recipients: string[]) => {
      // A schedule that is not due during the run: the run is the one `send` starts.
      const sub = await call('POST', '/dashboard-subscriptions', { dashboardId: board.body.id, recipients, schedule: '0 0 1 1 *', skipEmpty: false, formats: FORMATS });
      expectStatus(sub, 201, 'subscribe');
      return sub.body.id as string;
    };
    const send = (id: string) => longPost(base, `/api/v1/orgs/${ws.orgId}/dashboard-subscriptions/${id}/send`, token);

    // A warm-up run to one recipient: vega, resvg and pdfkit load here.
    const warm = await send(await subscribe([ws.owner.userId]));
    expectStatus(warm, 200, 'the warm-up run');
    if (warm.body.sent.length !== 1) throw new Error(`the warm-up run: ${JSON.stringify(warm.body)}`);
    result.warmupMs = warm.ms;
    log(`subscriptions: warm-up run to 1 recipient in ${warm.ms.toFixed(0)} ms`);

    const recipients = ws.users.filter((u) => u.userId !== ws.owner.userId).map((u) => u.userId);
    const subscriptionId = await subscribe(recipients);
    const idle = startProbe(base, s.probeEveryMs);
    await sleep(s.idleS * 1000);
    result.idle = await idle.stop();
    log(`subscriptions: /health/live alone: p50 ${result.idle.p50.toFixed(2)} ms, p99 ${result.idle.p99.toFixed(2)} ms (${result.idle.samples} probes)`);

    const before = new Set(emlFiles(mailDir));
    const rssBefore = memoryOf(server.pid)?.rssMiB ?? null;
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, memoryOf(server.pid)?.rssMiB ?? 0);
    }, 250);
    const cpuBefore = cpuTimeMs(server.pid);
    const during = startProbe(base, s.probeEveryMs);
    const run = await send(subscriptionId);
    result.during = await during.stop();
    const cpuAfter = cpuTimeMs(server.pid);
    clearInterval(sampler);
    expectStatus(run, 200, 'the run');
    const sent = run.body.sent.length as number;
    result.run = {
      recipients: recipients.length,
      sent,
      failed: run.body.failed.length,
      ms: run.ms,
      mailsPerSecond: sent / (run.ms / 1000),
      cpuMsPerMail: cpuBefore === null || cpuAfter === null || sent === 0 ? null : (cpuAfter - cpuBefore) / sent,
      rssBeforeMiB: rssBefore,
      peakRssMiB: peakRss || null,
      files: mailFiles(mailDir, before),
    };
    log(
      `subscriptions: ${sent} of ${recipients.length} mails in ${(run.ms / 1000).toFixed(1)} s (${result.run.mailsPerSecond.toFixed(1)}/s, ${result.run.cpuMsPerMail?.toFixed(0)} ms CPU each, RSS ${rssBefore?.toFixed(0)} MiB before, ${peakRss.toFixed(0)} MiB at most); /health/live meanwhile: p50 ${result.during.p50.toFixed(2)} ms, p99 ${result.during.p99.toFixed(2)} ms, max ${result.during.max.toFixed(1)} ms (${result.during.samples} probes, ${result.during.errors} errors, ${result.during.skipped} skipped)`,
    );
    if (sent !== recipients.length) throw new Error(`the run: ${JSON.stringify({ ...run.body, sent: sent })}`);
  } finally {
    await stopProcess(server.child);
    if (s.cpuProfile) result.profile = 'bench/results/subscriptions-cpuprofiles/';
  }
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const mib = (x: number | null) => (x === null ? '–' : `${x.toFixed(0)} MiB`);
const lat = (l: Latency) => `${f2(l.p50)} / ${f2(l.p95)} / ${f2(l.p99)} / ${f1(l.max)}`;

export function subscriptionsTargets(r: Pick<SubscriptionsResult, 'run' | 'during'>): SubscriptionsResult['targets'] {
  const d = r.during;
  return [
    {
      name: `\`GET /health/live\` p99 while a subscription run mails ${r.run.recipients} recipients (inline charts, PDF and CSV; one probe every 10 ms)`,
      goal: `< ${HEALTH_P99_TARGET_MS} ms`,
      measured: `${f2(d.p99)} ms (p50 ${f2(d.p50)}, max ${f1(d.max)} ms; ${d.samples} probes, ${d.errors} errors, ${d.non2xx} non-2xx); the run ${f1(r.run.ms / 1000)} s, ${r.run.sent} mails`,
      pass: d.p99 < HEALTH_P99_TARGET_MS && d.errors === 0 && d.non2xx === 0 && r.run.sent === r.run.recipients,
    },
  ];
}

function renderSection(r: SubscriptionsResult): string {
  const run = r.run;
  return [
    '## Dashboard subscriptions: a run for 100 recipients beside requests (issue #13)',
    '',
    'Generated by `npm run bench -- subscriptions` (also part of `npm run bench`; `bench/subscriptions.ts`); raw results in `bench/results/subscriptions.json` (git-ignored).',
    '',
    `- Date: ${r.date.replace('T', ' ').slice(0, 19)} UTC; the run took ${Math.round(r.durationS)} s`,
    `- Code: ${r.revision}`,
    `- Machine: ${r.machine.nproc} vCPU (${r.machine.cpu}), Node ${r.machine.node}; 1/5/15-minute load average ${r.machine.loadAvgStart.map(f1).join(' / ')} at the start, ${r.machine.loadAvgEnd?.map(f1).join(' / ') ?? '–'} at the end. The two cores are shared with other work, and the server, its database and this process share them`,
    `- Database: ${r.database || '–'}`,
    '',
    '### Targets',
    '',
    '| target | goal | measured | result |',
    '| --- | --- | --- | --- |',
    ...r.targets.map((t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.pass ? 'PASS' : '**MISS**'} |`),
    '',
    '### The run',
    '',
    `The production bundle (\`NODE_ENV=production\`, jobs on as by default, so the run happens in the API process; mail written as .eml files under its DATA_DIR, the transport of a server without mail settings) on a database of its own. A workspace of ${r.seeded.members} members and ${r.seeded.entries.toLocaleString('en')} time entries (\`bench/seed-workspace.ts\`); the owner saves four questions over the workspace source and puts on a dashboard three charts (${r.dashboard.charts.join('; ')}) and a table (hours per member, ${r.dashboard.tableRows} rows), then subscribes the ${run.recipients} other members with the formats ${FORMATS.map((f) => `\`${f}\``).join(', ')}. Each mail computes the four widgets as its recipient (four saved-question runs in their history), writes the table as CSV and composes a message of the three charts as PNG (992 px wide, shown at 496) and the PDF. Drawing happens on the drawing thread (\`src/modules/dashboards/drawing.ts\`), and a run draws each distinct chart and PDF once: these ${run.recipients} recipients see the same values (rights are per dashboard), so the run draws three PNGs and one PDF and the other mails reuse them. A warm-up run to one recipient (${f1(r.warmupMs)} ms) starts the drawing thread first. \`POST …/dashboard-subscriptions/{id}/send\` starts the run and answers when it ends; meanwhile this process sends \`GET /health/live\` every 10 ms, each on its own whether or not the last one answered (open loop), and the same for ${SUBSCRIPTION_SETTINGS.idleS} s before the run with nothing else going on. Server CPU is the API process's (both threads) over the run, from /proc.`,
    '',
    '| | probes | p50 / p95 / p99 / max ms | errors / non-2xx |',
    '| --- | --- | --- | --- |',
    `| \`GET /health/live\`, nothing else running | ${r.idle.samples} | ${lat(r.idle)} | ${r.idle.errors} / ${r.idle.non2xx} |`,
    `| \`GET /health/live\` during the run | ${r.during.samples} | **${lat(r.during)}** | ${r.during.errors} / ${r.during.non2xx} |`,
    '',
    '| recipients | mails sent / failed | run | mails/s | server CPU per mail | server RSS before / peak during | mail files: count, mean / largest |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| ${run.recipients} | ${run.sent} / ${run.failed} | ${f1(run.ms / 1000)} s | ${f2(run.mailsPerSecond)} | ${run.cpuMsPerMail === null ? '–' : `${run.cpuMsPerMail.toFixed(0)} ms`} | ${mib(run.rssBeforeMiB)} / ${mib(run.peakRssMiB)} | ${run.files.count}, ${f1(run.files.meanKB)} kB / ${f1(run.files.maxKB)} kB |`,
    '',
    `Each mail's parts (the first file): ${run.files.parts.map((p) => `\`${p}\``).join(', ')}.`,
    '',
  ].join('\n');
}

export async function runSubscriptionsBench(opts: { tmp: string; logDir: string; log(m: string): void; settings?: SubscriptionSettings }): Promise<SubscriptionsResult> {
  const s = opts.settings ?? SUBSCRIPTION_SETTINGS;
  const { log } = opts;
  const t0 = performance.now();
  const noProbe: Probe = { samples: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN, errors: 0, non2xx: 0, skipped: 0, seconds: 0 };
  const result: SubscriptionsResult = {
    date: new Date().toISOString(),
    revision: revision(),
    durationS: 0,
    machine: { nproc: cpus().length, cpu: cpuModel(), node: process.version, loadAvgStart: loadavg(), loadAvgEnd: null },
    database: '',
    seeded: { members: 0, entries: 0 },
    dashboard: { charts: [], tableRows: 0 },
    warmupMs: Number.NaN,
    run: { recipients: 0, sent: 0, failed: 0, ms: Number.NaN, mailsPerSecond: Number.NaN, cpuMsPerMail: null, rssBeforeMiB: null, peakRssMiB: null, files: { count: 0, meanKB: 0, maxKB: 0, parts: [] } },
    idle: noProbe,
    during: noProbe,
    profile: null,
    targets: [],
  };
  const postgres = await providePostgres(opts.tmp, log);
  const app = `bench_subscriptions_${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgres.admin });
  let made = false;
  try {
    await admin.connect();
    result.database = `PostgreSQL ${(await admin.query('SHOW server_version')).rows[0].server_version} ${postgres.label} (the database ${app}, made for the run and dropped after it)`;
    await admin.query(`CREATE DATABASE ${app}`);
    made = true;
    await benchRun(postgres.url(app), opts, s, result);
  } finally {
    if (made) await admin.query(`DROP DATABASE IF EXISTS ${app} WITH (FORCE)`).catch((err) => log(`could not drop ${app}: ${(err as Error).message}`));
    await admin.end().catch(() => {});
    await postgres.stop();
  }
  result.machine.loadAvgEnd = loadavg();
  result.durationS = (performance.now() - t0) / 1000;
  result.targets = subscriptionsTargets(result);
  writeFileSync(join(ROOT, 'bench/results/subscriptions.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** Prints the target and writes the BENCHMARKS.md section. */
export function reportSubscriptions(result: SubscriptionsResult, log: (m: string) => void): void {
  for (const t of result.targets) log(`${t.pass ? 'PASS' : 'MISS'} ${t.name}: ${t.measured} (goal ${t.goal})`);
  writeSection('subscriptions', renderSection(result));
  log('wrote bench/results/subscriptions.json and the subscriptions section of BENCHMARKS.md');
}
