// Targets and the BENCHMARKS.md section of the data benchmarks (issue #12).
import { writeSection } from '../sections.ts';
import type { BurstResult, CacheResult } from './app.ts';
import type { FilesResult } from './files.ts';
import type { GuardResult } from './guard.ts';
import type { Latency } from './stats.ts';

export const GUARD_OVERHEAD_TARGET_MS = 1;
export const CSV_P50_TARGET_MS = 1000;
export const PARQUET_P50_TARGET_MS = 300;
export const CACHED_P99_TARGET_MS = 5;

export interface DataTarget {
  name: string;
  goal: string;
  measured: string;
  pass: boolean;
}

export interface DataResult {
  date: string;
  revision: string;
  durationS: number;
  machine: { nproc: number; cpu: string; node: string; loadAvgStart: number[]; loadAvgEnd: number[] | null };
  database: string;
  /** The second source of the bursts: MariaDB when one answered, else PostgreSQL. */
  secondServer: string | null;
  parts: string[];
  guard: GuardResult | null;
  files: FilesResult | null;
  cache: CacheResult | null;
  /** The same on an API-only instance (DISPATCHER_ENABLED=false, JOBS_ENABLED=false): the answer without the deliveries it sets off. */
  cacheApiOnly: CacheResult | null;
  pools: BurstResult | null;
  targets: DataTarget[];
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const us = (ms: number) => `${f0(ms * 1000)} µs`;
const n = (x: number) => x.toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const lat = (l: Latency, fmt = f2) => `${fmt(l.p50)} / ${fmt(l.p95)} / ${fmt(l.p99)} / ${fmt(l.max)}`;

/** "; CPU per request, server + database: …" of a cache run, when it was counted. */
function cpuText(c: CacheResult): string {
  if (!c.cpu) return '';
  const sum = (x: { serverUs: number | null; databaseUs: number }) => f0((x.serverUs ?? Number.NaN) + x.databaseUs);
  return `; CPU per request, server + database: ${sum(c.cpu.cached)} µs cached, ${sum(c.cpu.floor)} µs the floor`;
}

export function dataTargets(r: Pick<DataResult, 'guard' | 'files' | 'cache' | 'pools'> & Partial<Pick<DataResult, 'cacheApiOnly'>>): DataTarget[] {
  const t: DataTarget[] = [];
  const g = r.guard;
  if (g) {
    t.push({
      name: `Guard overhead, a 3-join query with 3 parameters (${n(g.iterations)} runs of each path, interleaved): p50 through bindNamedParameters + guardSql + the PostgreSQL driver's \`run\` − p50 straight through \`pg\``,
      goal: `≤ ${GUARD_OVERHEAD_TARGET_MS} ms`,
      measured: `${f2(g.overheadP50Ms)} ms (${f2(g.plain.p50)} → ${f2(g.guarded.p50)} ms; median of the paired differences ${f2(g.overheadPairedMs)} ms); the parse alone ${us(g.parse.p50)}, the read-only transaction and cursor ${f2(g.transactionP50Ms)} ms`,
      pass: g.overheadP50Ms <= GUARD_OVERHEAD_TARGET_MS,
    });
  }
  const f = r.files;
  if (f) {
    for (const [s, limit] of [
      [f.csv, CSV_P50_TARGET_MS],
      [f.parquet, PARQUET_P50_TARGET_MS],
    ] as const) {
      t.push({
        name: `Group-by over ${n(f.rows)} rows, a ${s.format === 'csv' ? 'CSV' : 'Parquet'} source (files driver \`run\`, ${n(s.query.samples)} runs), p50`,
        goal: `< ${limit / 1000} s`,
        measured: `${f1(s.query.p50)} ms (p99 ${f1(s.query.p99)} ms; ingested in ${f2(s.ingestMs / 1000)} s)`,
        pass: s.query.p50 < limit,
      });
    }
  }
  const c = r.cache;
  const a = r.cacheApiOnly ?? null;
  if (c) {
    const wrong = c.wrong + (a?.wrong ?? 0);
    t.push({
      name: `A cached result: \`POST /queries\` with the same body (${n(c.cached.samples)} requests, one at a time, real HTTP), p99`,
      goal: `< ${CACHED_P99_TARGET_MS} ms`,
      measured: `${f2(c.cached.p99)} ms (p50 ${f2(c.cached.p50)} ms; uncached p50 ${f2(c.fresh.p50)} ms; the floor, an authenticated read of the source's row taking turns with them: p50 ${f2(c.floor.p50)}, p99 ${f2(c.floor.p99)} ms${cpuText(c)})${a ? `; on an API-only instance (the deliveries elsewhere): p99 ${f2(a.cached.p99)} ms, p50 ${f2(a.cached.p50)} ms, the floor p99 ${f2(a.floor.p99)} ms${cpuText(a)}` : ''}${wrong ? `; ${wrong} answers not cached or not 200` : ''}`,
      pass: c.cached.p99 < CACHED_P99_TARGET_MS && wrong === 0,
    });
  }
  const p = r.pools;
  if (p) {
    const over = p.sources.filter((s) => s.maxOpen > s.poolSize);
    const failed = p.sources.reduce((k, s) => k + s.failed, 0);
    t.push({
      name: `${p.queries} concurrent queries over two sources (${p.rounds} bursts): connections each source held at once, most seen`,
      goal: '≤ pool size',
      measured: `${p.sources.map((s) => `${s.label}: ${s.maxOpen} of ${s.poolSize} (${n(s.samples)} samples)`).join('; ')}${failed ? `; ${failed} queries failed` : ''}`,
      pass: over.length === 0 && failed === 0,
    });
  }
  return t;
}

const cpuCell = (x: { serverUs: number | null; databaseUs: number } | undefined) => (x ? `${f0(x.serverUs ?? Number.NaN)} / ${f0(x.databaseUs)}` : '–');

function cacheRows(label: string, c: CacheResult): string[] {
  return [
    `| ${label}cached | ${n(c.cached.samples)} | **${lat(c.cached)}** | ${cpuCell(c.cpu?.cached)} |`,
    `| ${label}the floor: \`GET …/data-sources/{id}\` | ${n(c.floor.samples)} | ${lat(c.floor)} | ${cpuCell(c.cpu?.floor)} |`,
    `| ${label}\`fresh: true\` (the guard's query on the shop) | ${n(c.fresh.samples)} | ${lat(c.fresh)} | – |`,
  ];
}

function renderSection(r: DataResult): string {
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push(
    '## Data: guard cost, files, cache and pools (issue #12)',
    '',
    'Generated by `npm run bench -- data` (also part of `npm run bench`; `bench/data.ts`); raw results in `bench/results/data.json` (git-ignored).',
    '',
    `- Date: ${r.date.replace('T', ' ').slice(0, 19)} UTC; the run took ${f0(r.durationS)} s`,
    `- Code: ${r.revision}`,
    `- Machine: ${r.machine.nproc} vCPU (${r.machine.cpu}), Node ${r.machine.node}; 1/5/15-minute load average ${r.machine.loadAvgStart.map(f1).join(' / ')} at the start, ${r.machine.loadAvgEnd?.map(f1).join(' / ') ?? '–'} at the end. Shared and noisy: the bench process, the database and the server share the two cores with other work; the paths compared run interleaved in one run`,
    `- Database: ${r.database}${r.secondServer ? `; second source of the bursts: ${r.secondServer}` : ''}`,
    '',
    '### Targets',
    '',
    '| target | goal | measured | result |',
    '| --- | --- | --- | --- |',
    ...r.targets.map((t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.pass ? 'PASS' : '**MISS**'} |`),
    '',
  );
  const g = r.guard;
  if (g) {
    push(
      '### Guard cost',
      '',
      `A shop on a database of its own (2,000 customers, 200 products, 60,000 orders, 180,000 order items; indexed, analysed); the query joins the four tables for one region's orders of one week (\`:region\`, \`:from\`, \`:to\`) and answers ${g.rows} rows. Three paths take turns in every iteration (the order rotates), each on one connection of its own to the same server over TCP: **plain** \`pg\` (a pool of one; the bound SQL and values, one extended-protocol round trip); **driver**, the PostgreSQL connector's \`run\` with the statement already bound and checked (\`BEGIN READ ONLY\` and its seven \`SET LOCAL\`s in one simple-protocol round trip, \`DECLARE … CURSOR\` with the parameters, \`FETCH\`, \`ROLLBACK\`: four round trips, plus the deadline and the caps); **guarded**, what \`POST /queries\` does minus HTTP and the source lookup: \`bindNamedParameters\` + \`guardSql\` (libpg-query: a scan to find \`:name\`s, a scan to strip comments, a parse and the walk) + the driver's \`run\`. The parse is also timed alone, ${n(g.parse.samples)} times in a row.`,
      '',
      '| path | runs | p50 / p95 / p99 / max ms | p50 − plain p50 |',
      '| --- | --- | --- | --- |',
      `| plain \`pg\` | ${n(g.plain.samples)} | ${lat(g.plain)} | – |`,
      `| the driver's \`run\` alone | ${n(g.driver.samples)} | ${lat(g.driver)} | ${f2(g.transactionP50Ms)} ms |`,
      `| guarded (bind + guard + \`run\`) | ${n(g.guarded.samples)} | ${lat(g.guarded)} | **${f2(g.overheadP50Ms)} ms** (paired: ${f2(g.overheadPairedMs)} ms) |`,
      `| the parse alone (bind + guard) | ${n(g.parse.samples)} | ${lat(g.parse, (x) => (x * 1000).toFixed(0))} (µs) | – |`,
      '',
    );
  }
  const f = r.files;
  if (f) {
    push(
      '### Files',
      '',
      `${n(f.rows)} rows (id, region of 20, product of 200, amount DECIMAL(10,2), day) made by a scratch DuckDB and written with \`COPY … (FORMAT csv, HEADER)\` and \`(FORMAT parquet)\` in ${f2(f.generateMs / 1000)} s; each file ingested with \`ingestFiles\` into a source database of its own, as an upload is. Then \`${'SELECT region, sum(amount), count(*) FROM sales GROUP BY region'}\` through \`guardSql\` (DuckDB dialect, the source's tables as the allow list) and the files driver's \`run\` (the database opened read-only, external access off, configuration locked; the connector's 2 threads and 256 MB), the two sources taking turns. Both sources hold the rows in DuckDB's own columnar format after ingestion, so the query reads the same kind of table whichever file it came from: the file's format shows in the ingestion.`,
      '',
      '| source | file | ingest s | source database | first query ms (opens the database) | runs | p50 / p95 / p99 / max ms | for comparison: straight over the file, p50 ms (runs) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...[f.csv, f.parquet].map(
        (s) =>
          `| ${s.format === 'csv' ? 'CSV' : 'Parquet'} | ${mb(s.fileBytes)} | ${f2(s.ingestMs / 1000)} | ${mb(s.databaseBytes)} | ${f0(s.coldMs)} | ${n(s.query.samples)} | **${lat(s.query, f1)}** | ${s.raw ? `${f0(s.raw.p50)} (${s.raw.samples})` : '–'} |`,
      ),
      '',
      'The last column is not a path Trellis takes: the same group-by in a scratch DuckDB (2 threads, 256 MB) reading the uploaded file itself (`read_csv`, `read_parquet`) every time, which is what ingestion saves each query.',
      '',
    );
  }
  const c = r.cache;
  if (c) {
    push(
      '### Cache',
      '',
      `The production bundle as \`npm start\` runs it (\`NODE_ENV=production\`, rate limits raised, \`DATA_SOURCE_ALLOWED_HOSTS=127.0.0.1,localhost\`; no Redis, so the result cache is in memory), on a database of its own; an org owner signed in through the API adds the shop as a PostgreSQL source and runs the guard's query (${c.rows} rows) with \`POST /api/v1/orgs/{orgId}/queries\`, over real HTTP on 127.0.0.1 (Node's fetch, keep-alive), one request at a time. After the first run (${f1(c.firstMs)} ms: the source's pool opens) and a warm-up, every answer must say \`cached: true\`; a request with \`fresh: true\` after every few gives the uncached latency beside it. The floor takes turns with them: \`GET …/data-sources/{id}\`, the same token, authentication and org check and the source's row, nothing more.`,
      '',
      'What a cached answer does on the server beyond the floor: the source row is read a second time (the runner reads the source for its schema version and cache settings, then `prepare` reads it again), the SQL is bound and guarded (the cache key is the checked statement and its values: ~0.3 ms, see the guard cost), the cache is read, then the run is written to the history and its `analytics.query_executed` event to the outbox in one transaction (`BEGIN`, two `INSERT`s, `COMMIT` with its WAL flush) before the answer is sent. After it, in the same process, the dispatcher delivers that event to the audit log and the webhook fan-out (a claim, two delivery transactions, a mark), which the next request meets on the same two cores.',
      '',
      'Then the same again on an **API-only instance** of the same database (`DISPATCHER_ENABLED=false`, `JOBS_ENABLED=false`, as config.ts offers for instances that only serve the API while others deliver events and run jobs; here nothing delivers, and the events wait in the outbox): the answer without the deliveries it sets off.',
      '',
      `CPU per request (the last column) is counted apart, after the latencies: ${c.cpu ? n(c.cpu.requests) : '–'} cached requests alone, then as many floor requests alone, the server process's CPU time and that of its database's backends (from /proc) read before and after each stretch (300 ms after the last answer, so the deliveries each run sets off are counted): it counts the work, not the waiting, and holds on a noisy machine.`,
      '',
      '| request | count | p50 / p95 / p99 / max ms | CPU µs per request: server / its database |',
      '| --- | --- | --- | --- |',
      ...cacheRows('', c),
      ...(r.cacheApiOnly ? cacheRows('API-only instance: ', r.cacheApiOnly) : []),
      '',
    );
  }
  const p = r.pools;
  if (p) {
    push(
      '### Pools',
      '',
      `${p.rounds} bursts of ${p.queries} concurrent \`POST /queries\` (\`fresh: true\`), split evenly over two sources of the same org, against the same server. Each query does tens of milliseconds of work (the shop's month by region and category; a group-by over a MariaDB table), so the queries pile up behind each source's pool. Meanwhile this process counts, as fast as one round trip allows, the connections each source holds on its server: PostgreSQL's \`pg_stat_activity\` by the pool's \`application_name\` (\`trellis data-source <id>\`), MariaDB's \`information_schema.PROCESSLIST\` by the source's own login. Idle pooled connections count: "open" is every connection in any state.`,
      '',
      '| source | pool size | queries | one alone, ms | most open at once | most busy at once | samples | failed |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...p.sources.map((s) => `| ${s.label} | ${s.poolSize} | ${n(s.queries)} | ${f1(s.aloneMs)} | **${s.maxOpen}** | ${s.maxBusy} | ${n(s.samples)} | ${s.failed} |`),
      '',
      `Each burst, first request to last answer: ${p.burstMs.map(f0).join(', ')} ms (slowest answer ${p.slowestMs.map(f0).join(', ')} ms).`,
      '',
    );
  }
  return lines.join('\n');
}

/** Replaces the data section of BENCHMARKS.md; the rest of the file stays as it is. */
export function writeDataSection(r: DataResult): void {
  writeSection('data', renderSection(r));
}
