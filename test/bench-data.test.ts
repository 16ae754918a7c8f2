// The data benchmarks (`npm run bench -- data`), each part run tiny so they cannot rot between
// runs: the guard cost on a small shop of its own, the files part on 2,000 generated rows, and
// the cache and pool bursts through a test app listening on 127.0.0.1 with PostgreSQL (and
// MariaDB when it answers) sources. What they report must add up: every path answers the same
// rows, every cached answer says so, no source ever holds more connections than its pool.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addSource, type BurstSource, cacheLatency, type Owner, poolBursts, signUpOwner } from '../bench/lib/data-sources/app.ts';
import { filesBench } from '../bench/lib/data-sources/files.ts';
import { createShopFixture, GUARD_PARAMETERS, GUARD_QUERY, guardCost } from '../bench/lib/data-sources/guard.ts';
import { type DataResult, dataTargets } from '../bench/lib/data-sources/report.ts';
import { BURST_PG_QUERY, burstMysqlQuery, createMariaFixture, type MariaFixture, pgConnections } from '../bench/lib/data-sources/servers.ts';
import { serverOf } from '../src/modules/data_sources/workspace-connector.ts';
import { createTestApp, type TestApp } from './harness.ts';
import { createDatabase, dropDatabase } from './test-server.ts';

const SERVER_URL = inject('serverUrl');
const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const SHOP = `bench_data_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const SIZE = { customers: 50, products: 20, orders: 2_000, itemsPerOrder: 2 };
/** Sources dial a host over TCP: a Unix-socket test server (the embedded default) has none, and the HTTP cases skip. */
const tcp = !serverOf(SERVER_URL).host.startsWith('/');

let shopUrl: string;
let expectedRows: number;

beforeAll(async () => {
  shopUrl = await createDatabase(SHOP);
  const c = new pg.Client({ connectionString: shopUrl });
  await c.connect();
  try {
    await createShopFixture(c, SIZE);
    // The guard's query with its values spliced in by hand: what every path must answer.
    const { region, from, to } = GUARD_PARAMETERS.values as Record<string, string>;
    const r = await c.query(GUARD_QUERY.replace(':region', '$1').replace(':from', '$2').replace(':to', '$3'), [region, from, to]);
    expectedRows = r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}, 30_000);

afterAll(async () => {
  await dropDatabase(SHOP);
});

describe('guard cost', () => {
  it('times plain pg, the driver and the guarded path side by side, each answering the same rows', { timeout: 20_000 }, async () => {
    expect(expectedRows).toBeGreaterThan(0);
    const r = await guardCost({ ...serverOf(shopUrl), connectTimeoutMs: 3000 }, { iterations: 12, warmup: 2, parseIterations: 15 });
    expect(r.rows).toBe(expectedRows);
    for (const l of [r.plain, r.driver, r.guarded]) {
      expect(l.samples).toBe(12);
      expect(l.p50).toBeGreaterThan(0);
      expect(l.p50).toBeLessThanOrEqual(l.p99);
      expect(l.p99).toBeLessThanOrEqual(l.max);
    }
    expect(r.parse.samples).toBe(15);
    expect(r.overheadP50Ms).toBeCloseTo(r.guarded.p50 - r.plain.p50, 9);
    expect(r.transactionP50Ms).toBeCloseTo(r.driver.p50 - r.plain.p50, 9);
    // Layer 1 alone is pure CPU: well under the round trips of a query.
    expect(r.parse.p50).toBeLessThan(r.guarded.p50);
  });
});

describe('files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-data-test-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates the same rows as CSV and Parquet, ingests both and groups them through the files driver', { timeout: 20_000 }, async () => {
    const r = await filesBench(dir, { rows: 2_000, runs: 3, rawRuns: 1 });
    expect(r.rows).toBe(2_000);
    for (const s of [r.csv, r.parquet]) {
      expect(s.fileBytes).toBeGreaterThan(0);
      expect(s.databaseBytes).toBeGreaterThan(0);
      expect(s.ingestMs).toBeGreaterThan(0);
      expect(s.query.samples).toBe(3);
      expect(s.raw?.samples).toBe(1);
    }
    expect(r.csv.format).toBe('csv');
    expect(r.parquet.format).toBe('parquet');
  });
});

describe.runIf(tcp)('cache and pools through the HTTP app', () => {
  let t: TestApp;
  let owner: Owner;
  let sampler: pg.Client;
  let maria: MariaFixture | null = null;
  beforeAll(async () => {
    t = await createTestApp({ env: { DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1,localhost' } });
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    owner = await signUpOwner(`http://127.0.0.1:${(t.app.http.server.address() as AddressInfo).port}`, `t${process.pid}${Date.now().toString(36)}`);
    sampler = new pg.Client({ connectionString: SERVER_URL });
    await sampler.connect();
    maria = await createMariaFixture(MYSQL_URL, `t${process.pid}${Date.now().toString(36)}`, 1_000);
    if (!maria && process.env.TEST_MYSQL_URL) throw new Error('TEST_MYSQL_URL is set but MariaDB does not answer');
  }, 30_000);
  afterAll(async () => {
    await maria?.drop();
    await sampler?.end();
    t?.app.http.server.closeAllConnections();
    await t?.close();
  });

  const shopConnection = (poolSize: number) => {
    const s = serverOf(shopUrl);
    return { host: s.host, port: s.port, database: s.database, user: s.user, password: s.password, poolSize };
  };

  it('serves the same body from the cache every time after the first run, beside the floor and fresh runs', { timeout: 20_000 }, async () => {
    const id = await addSource(owner, 'Shop', 'postgres', shopConnection(2));
    const body = { sql: GUARD_QUERY, parameters: GUARD_PARAMETERS.declared.map((d) => ({ ...d, value: GUARD_PARAMETERS.values[d.name] })) };
    const r = await cacheLatency(owner, id, body, { requests: 10, freshEvery: 5 }, { serverPid: process.pid, database: { query: (text, values) => t.database.runSql(text, values) } });
    expect(r.wrong).toBe(0);
    // The app runs in this process: its CPU and its database backends' are counted per request.
    expect(r.cpu?.requests).toBe(5);
    expect(r.cpu?.cached.serverUs).toBeGreaterThanOrEqual(0);
    expect(r.cpu?.floor.databaseUs).toBeGreaterThanOrEqual(0);
    expect(r.rows).toBe(expectedRows);
    expect(r.cached.samples).toBe(10);
    expect(r.floor.samples).toBe(10);
    expect(r.fresh.samples).toBe(2);
    expect(r.firstMs).toBeGreaterThan(0);
  });

  it('never sees a source hold more connections than its pool during a burst', { timeout: 20_000 }, async () => {
    const pgId = await addSource(owner, 'Shop burst', 'postgres', shopConnection(2));
    const sources: BurstSource[] = [{ id: pgId, label: 'PostgreSQL', poolSize: 2, body: BURST_PG_QUERY, connections: pgConnections(sampler, pgId) }];
    if (maria) {
      const id = await addSource(owner, 'Sales', 'mysql', { ...maria.connection, poolSize: 3 });
      sources.push({ id, label: 'MariaDB', poolSize: 3, body: burstMysqlQuery(maria.table), connections: maria.connections });
    } else {
      const id = await addSource(owner, 'Shop burst again', 'postgres', shopConnection(3));
      sources.push({ id, label: 'PostgreSQL again', poolSize: 3, body: BURST_PG_QUERY, connections: pgConnections(sampler, id) });
    }
    const r = await poolBursts(owner, sources, { queries: 12, rounds: 1 });
    expect(r.burstMs).toHaveLength(1);
    for (const s of r.sources) {
      expect(s.queries).toBe(6);
      expect(s.failed).toBe(0);
      expect(s.samples).toBeGreaterThan(0);
      // The sampler counts the source's own connections: the pool opened at least one (the query alone before the bursts).
      expect(s.maxOpen).toBeGreaterThanOrEqual(1);
      expect(s.maxOpen).toBeLessThanOrEqual(s.poolSize);
    }
    const [target] = dataTargets({ guard: null, files: null, cache: null, pools: r } as Pick<DataResult, 'guard' | 'files' | 'cache' | 'pools'>);
    expect(target.pass).toBe(true);
    const over = { ...r, sources: r.sources.map((s, i) => (i === 0 ? { ...s, maxOpen: s.poolSize + 1 } : s)) };
    expect(dataTargets({ guard: null, files: null, cache: null, pools: over })[0].pass).toBe(false);
  });
});
