// The data analyzer: per-column statistics and correlations of a table or a result, computed by
// DuckDB over the rows (an in-memory database of its own, one per profile, dropped after), never
// by JavaScript loops over rows. Columns are loaded under positional names (c0, c1…), so any
// column name, duplicates included, is safe; numbers as DOUBLE, booleans as BOOLEAN, dates and
// timestamps cast from their ISO text, everything else as text.
import { type DuckDBAppender, DuckDBInstance } from '@duckdb/node-api';
import type { Static } from 'typebox';
import type { ColumnProfile, ProfileView } from './schemas.ts';

type Profile = Static<typeof ProfileView>;
type ColumnStats = Static<typeof ColumnProfile>;

export interface ProfileInput {
  columns: { name: string; type: string }[];
  batches: AsyncIterable<unknown[][]>;
  sampled(): boolean;
}

const NUMERIC = new Set(['integer', 'number']);
const TEMPORAL = new Set(['date', 'timestamp']);
const HISTOGRAM_BINS = 20;
const TOP_VALUES = 10;
const MAX_CORRELATED = 20;

const storageType = (type: string) => (NUMERIC.has(type) ? 'DOUBLE' : type === 'boolean' ? 'BOOLEAN' : 'VARCHAR');
const asNumber = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
};
const toNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function appendCell(appender: DuckDBAppender, type: string, v: unknown): void {
  if (v === null || v === undefined) appender.appendNull();
  else if (NUMERIC.has(type)) {
    const n = asNumber(v);
    if (n === null) appender.appendNull();
    else appender.appendDouble(n);
  } else if (type === 'boolean') appender.appendBoolean(Boolean(v));
  else appender.appendVarchar(typeof v === 'string' ? v : JSON.stringify(v));
}

export async function profileRows(input: ProfileInput): Promise<Profile> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '512MB', enable_external_access: 'false' });
  const db = await instance.connect();
  try {
    const cols = input.columns.map((c, i) => ({ ...c, id: `c${i}` }));
    if (!cols.length) return { rowCount: 0, sampled: false, columns: [], correlations: [] };
    await db.run(`CREATE TABLE raw (${cols.map((c) => `${c.id} ${storageType(c.type)}`).join(', ')})`);
    const appender = await db.createAppender('raw');
    for await (const batch of input.batches) {
      for (const row of batch) {
        for (const [i, c] of cols.entries()) appendCell(appender, c.type, row[i]);
        appender.endRow();
      }
    }
    appender.closeSync();
    // Dates and timestamps compare as instants, not as text.
    await db.run(`CREATE VIEW t AS SELECT ${cols.map((c) => (TEMPORAL.has(c.type) ? `TRY_CAST(${c.id} AS ${c.type === 'date' ? 'DATE' : 'TIMESTAMPTZ'}) AS ${c.id}` : c.id)).join(', ')} FROM raw`);
    const rowCount = Number((await db.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);

    const columns: ColumnStats[] = [];
    for (const c of cols) {
      const numeric = NUMERIC.has(c.type);
      const [base] = (
        await db.runAndReadAll(
          `SELECT count(${c.id}) AS nonnull, count(DISTINCT ${c.id}) AS distinct_values, min(${c.id})::VARCHAR AS min, max(${c.id})::VARCHAR AS max${
            numeric ? `, avg(${c.id}) AS mean, stddev_samp(${c.id}) AS stddev, quantile_cont(${c.id}, [0.05, 0.25, 0.5, 0.75, 0.95]) AS q, min(${c.id}) AS lo, max(${c.id}) AS hi` : ''
          } FROM t`,
        )
      ).getRowObjectsJson() as Record<string, any>[];
      const nonnull = Number(base.nonnull);
      let histogram: ColumnStats['histogram'] = null;
      let quantiles: ColumnStats['quantiles'] = null;
      if (numeric && nonnull > 0) {
        const q = (base.q as number[]).map(Number);
        quantiles = { p05: q[0], p25: q[1], p50: q[2], p75: q[3], p95: q[4] };
        const lo = Number(base.lo);
        const hi = Number(base.hi);
        const bins = hi > lo ? HISTOGRAM_BINS : 1;
        const width = hi > lo ? (hi - lo) / bins : 1;
        const counts = (await db.runAndReadAll(`SELECT least(floor((${c.id} - $1) / $2), $3 - 1)::INTEGER AS b, count(*) AS n FROM t WHERE ${c.id} IS NOT NULL GROUP BY 1 ORDER BY 1`, [lo, width, bins])).getRowsJson();
        const byBin = new Map(counts.map(([b, n]) => [Number(b), Number(n)]));
        histogram = Array.from({ length: bins }, (_, i) => ({ from: lo + i * width, to: i === bins - 1 ? hi : lo + (i + 1) * width, count: byBin.get(i) ?? 0 }));
      }
      const top = (await db.runAndReadAll(`SELECT ${c.id}::VARCHAR AS v, count(*) AS n FROM t WHERE ${c.id} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP_VALUES}`)).getRowsJson();
      columns.push({
        name: c.name,
        type: c.type,
        count: rowCount,
        nulls: rowCount - nonnull,
        distinct: Number(base.distinct_values),
        min: numeric ? toNumber(base.lo) : (base.min ?? null),
        max: numeric ? toNumber(base.hi) : (base.max ?? null),
        mean: numeric ? toNumber(base.mean) : null,
        stddev: numeric ? toNumber(base.stddev) : null,
        quantiles,
        histogram,
        topValues: top.map(([v, n]) => ({ value: numeric ? Number(v) : v, count: Number(n) })),
      });
    }

    const numericCols = cols.filter((c) => NUMERIC.has(c.type)).slice(0, MAX_CORRELATED);
    const pairs = numericCols.flatMap((a, i) => numericCols.slice(i + 1).map((b) => [a, b] as const));
    let correlations: Profile['correlations'] = [];
    if (pairs.length) {
      const [values] = (await db.runAndReadAll(`SELECT ${pairs.map(([a, b]) => `corr(${a.id}, ${b.id})`).join(', ')} FROM t`)).getRowsJson();
      correlations = pairs.map(([a, b], i) => {
        const r = toNumber(values[i]);
        return { a: a.name, b: b.name, pearson: r === null || Number.isNaN(r) ? null : Math.round(r * 1e6) / 1e6 };
      });
    }
    return { rowCount, sampled: input.sampled(), columns, correlations };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
