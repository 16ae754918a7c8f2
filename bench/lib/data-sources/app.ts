// Cache and pools (issue #12), through a running Trellis over real HTTP on 127.0.0.1 (Node's
// fetch, keep-alive), as an org owner:
//   cache: `POST /queries` with the same body, one request at a time, after its first run: every
//          answer must say `cached: true`; the same body with `fresh: true` now and then gives
//          the uncached latency beside it, and a read of the source taking turns with them (the
//          same authentication and org check, one row) the floor;
//   pools: bursts of concurrent `POST /queries` (`fresh: true`) split over two sources, while
//          this process samples the connections each source holds on its server as fast as one
//          round trip allows: PostgreSQL's pg_stat_activity by the pool's application_name
//          (`trellis data-source <id>`, connectors/postgres/driver.ts), MariaDB's processlist by
//          the source's own login. The most seen at once must never pass the source's pool size.
import { api, type ApiResponse, expectStatus } from '../http.ts';
import { backendCpu, backendCpuSince, type Queryable } from '../pg-cpu.ts';
import { cpuTimeMs, sleep } from '../proc.ts';
import { type Latency, summarize } from './stats.ts';

export interface Owner {
  base: string;
  token: string;
  orgId: string;
}

export interface QueryBody {
  sql: string;
  parameters: { name: string; type: string; value: unknown }[];
}

/** Registers a user, signs in and creates an org (its owner may add sources and query them). */
export async function signUpOwner(base: string, tag: string): Promise<Owner> {
  const email = `data-${tag}@bench.local`;
  const password = `Bench-data-${tag}-pw`;
  expectStatus(await api(base, 'POST', '/api/v1/auth/register', { body: { email, password, displayName: 'Data Bench' } }), 201, 'register');
  const login = await api(base, 'POST', '/api/v1/auth/login', { body: { email, password } });
  expectStatus(login, 200, 'login');
  const token: string = login.body.accessToken;
  const org = await api(base, 'POST', '/api/v1/orgs', { token, body: { name: 'Data Bench', slug: `data-${tag}` } });
  expectStatus(org, 201, 'create org');
  return { base, token, orgId: org.body.id };
}

export interface SourceConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  poolSize: number;
}

/** Adds a source through the API; answers its id. */
export async function addSource(o: Owner, name: string, kind: 'postgres' | 'mysql', connection: SourceConnection): Promise<string> {
  const r = await api(o.base, 'POST', `/api/v1/orgs/${o.orgId}/data-sources`, { token: o.token, body: { name, kind, connection } });
  expectStatus(r, 201, `add the ${kind} source ${name}`);
  return r.body.id;
}

export const postQuery = (o: Owner, sourceId: string, body: QueryBody, fresh = false): Promise<ApiResponse> =>
  api(o.base, 'POST', `/api/v1/orgs/${o.orgId}/queries`, { token: o.token, body: { dataSourceId: sourceId, ...body, ...(fresh ? { fresh: true } : {}) } });

export interface CacheSettings {
  /** Cached requests measured (after the first run and a warm-up of a tenth as many). */
  requests: number;
  /** One uncached request (`fresh: true`) after every this many cached ones. */
  freshEvery: number;
}

export interface CacheResult {
  /** The first run (cached: false): the source's pool opens here. */
  firstMs: number;
  cached: Latency;
  fresh: Latency;
  /** `GET …/data-sources/{id}`, taking turns with the cached requests: the same authentication, org check and source row, nothing else. */
  floor: Latency;
  /** Answers that were not 200 with `cached: true` (cached requests) or 200 with `cached: false` (fresh ones). */
  wrong: number;
  rows: number;
  /**
   * CPU per request (µs) of the server process and of the backends of its database, over a
   * stretch of cached requests alone and one of floor requests alone (with `cpu`): counts the
   * work, not the waiting, so it holds on a noisy machine. The cached stretch includes what each
   * run sets off after its answer (the dispatcher delivering its event).
   */
  cpu: { requests: number; cached: { serverUs: number | null; databaseUs: number }; floor: { serverUs: number | null; databaseUs: number } } | null;
}

/** Where a request's CPU goes: the server's process, and a connection to its database (its backends are read from /proc). */
export interface CpuProbe {
  serverPid: number;
  database: Queryable;
}

export async function cacheLatency(o: Owner, sourceId: string, body: QueryBody, settings: CacheSettings, cpu?: CpuProbe): Promise<CacheResult> {
  const first = await postQuery(o, sourceId, body, true);
  expectStatus(first, 200, 'the first run of the cached query');
  const rows: number = first.body.rowCount;
  let wrong = 0;
  const cached: number[] = [];
  const fresh: number[] = [];
  const floor: number[] = [];
  const warmup = Math.ceil(settings.requests / 10);
  for (let i = 0; i < warmup + settings.requests; i++) {
    const r = await postQuery(o, sourceId, body);
    if (r.status !== 200 || r.body.cached !== true || r.body.rowCount !== rows) wrong++;
    if (i >= warmup) cached.push(r.ms);
    const g = await api(o.base, 'GET', `/api/v1/orgs/${o.orgId}/data-sources/${sourceId}`, { token: o.token });
    expectStatus(g, 200, 'read the source');
    if (i >= warmup) floor.push(g.ms);
    if ((i + 1) % settings.freshEvery === 0) {
      const f = await postQuery(o, sourceId, body, true);
      if (f.status !== 200 || f.body.cached !== false) wrong++;
      if (i >= warmup) fresh.push(f.ms);
    }
  }
  let cpuResult: CacheResult['cpu'] = null;
  if (cpu) {
    const requests = Math.ceil(settings.requests / 2);
    const measure = async (send: () => Promise<ApiResponse>) => {
      await sleep(300);
      const server0 = cpuTimeMs(cpu.serverPid);
      const db0 = await backendCpu(cpu.database);
      for (let i = 0; i < requests; i++) {
        const r = await send();
        if (r.status !== 200) wrong++;
      }
      // What the last requests set off (deliveries of their events) finishes within this.
      await sleep(300);
      const server1 = cpuTimeMs(cpu.serverPid);
      const db1 = await backendCpu(cpu.database);
      return { serverUs: server0 === null || server1 === null ? null : ((server1 - server0) * 1000) / requests, databaseUs: (backendCpuSince(db0, db1) * 1000) / requests };
    };
    cpuResult = {
      requests,
      cached: await measure(async () => {
        const r = await postQuery(o, sourceId, body);
        return r.body?.cached === true ? r : { ...r, status: 0 };
      }),
      floor: await measure(() => api(o.base, 'GET', `/api/v1/orgs/${o.orgId}/data-sources/${sourceId}`, { token: o.token })),
    };
  }
  return { firstMs: first.ms, cached: summarize(cached), fresh: summarize(fresh), floor: summarize(floor), wrong, rows, cpu: cpuResult };
}

/** One source of a burst: what it runs and how to count the connections it holds on its server. */
export interface BurstSource {
  id: string;
  label: string;
  poolSize: number;
  body: QueryBody;
  /** Connections the source holds now: `open` in any state, `busy` running a statement or in a transaction. */
  connections(): Promise<{ open: number; busy: number }>;
}

export interface BurstSettings {
  /** Queries per burst, split evenly over the sources. */
  queries: number;
  rounds: number;
}

export interface BurstSourceResult {
  label: string;
  poolSize: number;
  queries: number;
  /** The most connections seen at once, in any state / busy. */
  maxOpen: number;
  maxBusy: number;
  samples: number;
  /** Answers other than 200. */
  failed: number;
  /** One query alone (`fresh: true`, before the bursts), ms. */
  aloneMs: number;
}

export interface BurstResult {
  rounds: number;
  queries: number;
  /** Wall time of each burst, first request sent to last answer (ms). */
  burstMs: number[];
  /** Slowest answer of each burst (ms). */
  slowestMs: number[];
  sources: BurstSourceResult[];
}

/** Bursts of `settings.queries` concurrent queries over the sources, their connections sampled throughout. */
export async function poolBursts(o: Owner, sources: BurstSource[], settings: BurstSettings, log: (m: string) => void = () => {}): Promise<BurstResult> {
  const stats = sources.map((s) => ({ label: s.label, poolSize: s.poolSize, queries: 0, maxOpen: 0, maxBusy: 0, samples: 0, failed: 0, aloneMs: 0 }));
  for (const [i, s] of sources.entries()) {
    const r = await postQuery(o, s.id, s.body, true);
    expectStatus(r, 200, `a burst query alone on ${s.label}`);
    stats[i].aloneMs = r.ms;
  }
  const burstMs: number[] = [];
  const slowestMs: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    let running = true;
    const samplers = sources.map(async (s, i) => {
      while (running) {
        const c = await s.connections();
        stats[i].samples++;
        stats[i].maxOpen = Math.max(stats[i].maxOpen, c.open);
        stats[i].maxBusy = Math.max(stats[i].maxBusy, c.busy);
      }
    });
    const t0 = performance.now();
    const answers = await Promise.all(
      Array.from({ length: settings.queries }, (_, k) => {
        const i = k % sources.length;
        stats[i].queries++;
        return postQuery(o, sources[i].id, sources[i].body, true).then((r) => {
          if (r.status !== 200) stats[i].failed++;
          return r.ms;
        });
      }),
    );
    burstMs.push(performance.now() - t0);
    slowestMs.push(Math.max(...answers));
    running = false;
    await Promise.all(samplers);
    log(`pools: burst ${round + 1}: ${settings.queries} queries in ${burstMs.at(-1)!.toFixed(0)} ms; ${stats.map((s) => `${s.label} at most ${s.maxOpen} open (${s.maxBusy} busy) of ${s.poolSize}`).join(', ')}`);
  }
  return { rounds: settings.rounds, queries: settings.queries, burstMs, slowestMs, sources: stats };
}
