// Files (issue #12): a generated sales table (id, region of 20, product of 200, amount, day)
// written by a scratch DuckDB as CSV and as Parquet, each ingested with `ingestFiles` into a
// source database of its own (as an upload is), then a group-by over it through the files
// driver's `run`, as the module runs it: the parser guard with the source's tables as the allow
// list, then the driver on the read-only, locked-down DuckDB (external access off), the
// connector's settings (2 threads, 256 MB, a pool of 2). The two sources take turns.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createFilesDriver, ingestFiles } from '../../../src/modules/data_sources/connectors/index.ts';
import { guardSql } from '../../../src/modules/data_sources/guard/index.ts';
import { DEFAULT_LIMITS } from './guard.ts';
import { type Latency, summarize } from './stats.ts';

export const FILES_QUERY = 'SELECT region, sum(amount) AS amount, count(*) AS sales FROM sales GROUP BY region ORDER BY region';
export const REGIONS = 20;
export const PRODUCTS = 200;

export interface FilesSettings {
  rows: number;
  /** Measured runs per source (after one cold run each). */
  runs: number;
  /** Runs of the same group-by straight over each file, for comparison (0: none). */
  rawRuns: number;
}

export interface FilesSourceResult {
  format: 'csv' | 'parquet';
  fileBytes: number;
  ingestMs: number;
  /** The source database's size after ingestion. */
  databaseBytes: number;
  /** The first query: opening the database read-only and locking it down, then the query. */
  coldMs: number;
  query: Latency;
  /** The same group-by straight over the file (read_csv / read_parquet) in a scratch DuckDB: not a path Trellis takes. */
  raw: Latency | null;
}

export interface FilesResult {
  rows: number;
  generateMs: number;
  csv: FilesSourceResult;
  parquet: FilesSourceResult;
}

/** Writes the same `rows` rows to `dir`/sales.csv and `dir`/sales.parquet (deterministic values). */
export async function generateSales(dir: string, rows: number): Promise<{ csv: string; parquet: string }> {
  const csv = join(dir, 'sales.csv');
  const parquet = join(dir, 'sales.parquet');
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  try {
    const select = `SELECT i AS id,
        'region ' || lpad((i % ${REGIONS})::VARCHAR, 2, '0') AS region,
        'product ' || lpad((hash(i) % ${PRODUCTS})::VARCHAR, 3, '0') AS product,
        ((hash(i * 7 + 1) % 100000) / 100)::DECIMAL(10,2) AS amount,
        DATE '2025-01-01' + (i % 365)::INTEGER AS day
      FROM range(${rows}) t(i)`;
    await conn.run(`CREATE TABLE sales AS ${select}`);
    await conn.run(`COPY sales TO '${csv}' (FORMAT csv, HEADER)`);
    await conn.run(`COPY sales TO '${parquet}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return { csv, parquet };
}

export async function filesBench(dir: string, settings: FilesSettings, log: (m: string) => void = () => {}): Promise<FilesResult> {
  let t0 = performance.now();
  const generated = await generateSales(dir, settings.rows);
  const generateMs = performance.now() - t0;
  log(`files: ${settings.rows.toLocaleString('en-US')} rows written as CSV (${mb(statSync(generated.csv).size)}) and Parquet (${mb(statSync(generated.parquet).size)}) in ${(generateMs / 1000).toFixed(1)} s`);

  const formats = ['csv', 'parquet'] as const;
  const sources = new Map<(typeof formats)[number], { path: string; ingestMs: number; tables: string[] }>();
  for (const format of formats) {
    const into = join(dir, `${format}-source.duckdb`);
    t0 = performance.now();
    const ingested = await ingestFiles({ files: [{ path: generated[format], fileName: `sales.${format}` }], into });
    const ingestMs = performance.now() - t0;
    const [table] = ingested.tables;
    if (table?.name !== 'sales' || table.rowCount !== settings.rows) throw new Error(`ingesting sales.${format} gave ${JSON.stringify(ingested.tables.map((t) => [t.name, t.rowCount]))}`);
    sources.set(format, { path: into, ingestMs, tables: ingested.tables.map((t) => t.name) });
    log(`files: sales.${format} ingested in ${(ingestMs / 1000).toFixed(2)} s (${mb(ingested.bytes)} database)`);
  }

  // The connector's connection (built-in-connectors.ts): a pool of 2, the driver's defaults.
  const driver = createFilesDriver();
  const run = async (format: (typeof formats)[number]) => {
    const s = sources.get(format)!;
    const checked = guardSql(FILES_QUERY, { dialect: 'duckdb', allowedRelations: s.tables });
    if (!checked.ok) throw new Error(`the guard refuses the files query: ${checked.reason}`);
    const result = await driver.run({ id: `bench-files-${format}`, connection: { path: s.path, poolSize: 2 } }, checked.sql, [], DEFAULT_LIMITS, AbortSignal.timeout(DEFAULT_LIMITS.timeoutMs + 5000));
    const total = result.rows.reduce((n, r) => n + Number(r[2]), 0);
    if (result.rowCount !== Math.min(REGIONS, settings.rows) || total !== settings.rows) throw new Error(`the group-by on ${format} answered ${result.rowCount} groups of ${total} rows`);
    return result;
  };
  try {
    const cold = new Map<string, number>();
    const times = new Map<string, number[]>(formats.map((f) => [f, []]));
    for (const format of formats) {
      t0 = performance.now();
      await run(format);
      cold.set(format, performance.now() - t0);
    }
    for (let i = 0; i < settings.runs; i++) {
      for (const format of i % 2 ? [...formats].reverse() : formats) {
        t0 = performance.now();
        await run(format);
        times.get(format)!.push(performance.now() - t0);
      }
    }
    const raw = settings.rawRuns > 0 ? await rawGroupBy(generated, settings.rawRuns) : new Map<string, Latency>();
    const of = (format: (typeof formats)[number]): FilesSourceResult => ({
      format,
      fileBytes: statSync(generated[format]).size,
      ingestMs: sources.get(format)!.ingestMs,
      databaseBytes: statSync(sources.get(format)!.path).size,
      coldMs: cold.get(format)!,
      query: summarize(times.get(format)!),
      raw: raw.get(format) ?? null,
    });
    const result = { rows: settings.rows, generateMs, csv: of('csv'), parquet: of('parquet') };
    for (const s of [result.csv, result.parquet]) log(`files: group-by on the ${s.format} source p50 ${s.query.p50.toFixed(1)} ms, p99 ${s.query.p99.toFixed(1)} ms (cold ${s.coldMs.toFixed(0)} ms)`);
    return result;
  } finally {
    await driver.close();
  }
}

/** The group-by read straight from each file by a scratch DuckDB with the connector's threads and memory. */
async function rawGroupBy(files: { csv: string; parquet: string }, runs: number): Promise<Map<string, Latency>> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '256MB' });
  const conn = await instance.connect();
  try {
    const out = new Map<string, Latency>();
    for (const [format, reader] of [
      ['csv', `read_csv('${files.csv}')`],
      ['parquet', `read_parquet('${files.parquet}')`],
    ] as const) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await conn.runAndReadAll(FILES_QUERY.replace('FROM sales', `FROM ${reader}`));
        times.push(performance.now() - t0);
      }
      out.set(format, summarize(times));
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
