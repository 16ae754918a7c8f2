// Guard cost (issue #12): a typical 3-join query with three named parameters, run over and over
// on a fixture database of its own, three ways taking turns in every iteration:
//   plain:   straight through `pg` (a pool of one connection): the bound SQL and values, one
//            extended-protocol round trip;
//   driver:  the PostgreSQL connector's `run` alone (the statement already bound and checked):
//            the read-only transaction, its SET LOCALs, the cursor, the caps;
//   guarded: what `POST /queries` does minus HTTP and the source lookup: bindNamedParameters,
//            guardSql (libpg-query), then the connector's `run`.
// The order of the three rotates each iteration, so a drift of the shared machine weighs on all
// of them. The parse (binding + guard) is also timed alone, in a loop of its own.
import pg from 'pg';
import { createPostgresDriver, type ServerConnection } from '../../../src/modules/data_sources/connectors/index.ts';
import { bindNamedParameters, guardSql, type ParameterDeclaration } from '../../../src/modules/data_sources/guard/index.ts';
import { type Latency, pairedMedian, summarize } from './stats.ts';

/** Four tables, three joins, three parameters: the revenue by category of one region's orders in one week. */
export const GUARD_QUERY = `SELECT p.category, count(DISTINCT o.id) AS orders, sum(oi.quantity * oi.unit_price) AS revenue
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN order_items oi ON oi.order_id = o.id
JOIN products p ON p.id = oi.product_id
WHERE c.region = :region AND o.placed_at >= :from AND o.placed_at < :to
GROUP BY p.category
ORDER BY revenue DESC
LIMIT 20`;

export const GUARD_PARAMETERS: { declared: ParameterDeclaration[]; values: Record<string, unknown> } = {
  declared: [
    { name: 'region', type: 'text' },
    { name: 'from', type: 'timestamp' },
    { name: 'to', type: 'timestamp' },
  ],
  values: { region: 'north', from: '2025-03-03T00:00:00Z', to: '2025-03-10T00:00:00Z' },
};

/** What POST /queries runs under by default (analytics settings): 10,000 rows, 10 MB, 30 s. */
export const DEFAULT_LIMITS = { maxRows: 10_000, maxBytes: 10_000_000, timeoutMs: 30_000 };

export interface FixtureSize {
  customers: number;
  products: number;
  orders: number;
  /** Items per order. */
  itemsPerOrder: number;
}

export const FIXTURE_SIZE: FixtureSize = { customers: 2_000, products: 200, orders: 60_000, itemsPerOrder: 3 };

/** The shop of the guard query, made with set-based statements (deterministic), indexed and analysed. */
export async function createShopFixture(client: { query(text: string): Promise<unknown> }, size: FixtureSize = FIXTURE_SIZE): Promise<void> {
  const statements = [
    'CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text NOT NULL, created_at timestamptz NOT NULL)',
    'CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, category text NOT NULL)',
    'CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, placed_at timestamptz NOT NULL, status text NOT NULL)',
    'CREATE TABLE order_items (order_id int NOT NULL REFERENCES orders, line int NOT NULL, product_id int NOT NULL REFERENCES products, quantity int NOT NULL, unit_price numeric(10,2) NOT NULL, PRIMARY KEY (order_id, line))',
    `INSERT INTO customers SELECT i, 'Customer ' || i, (ARRAY['north','south','east','west','central'])[1 + i % 5], timestamptz '2024-01-01 00:00Z' + i * interval '1 hour' FROM generate_series(1, ${size.customers}) i`,
    `INSERT INTO products SELECT i, 'Product ' || i, 'category ' || (i % 12) FROM generate_series(1, ${size.products}) i`,
    `INSERT INTO orders SELECT i, 1 + (i * 7919) % ${size.customers}, timestamptz '2025-01-01 00:00Z' + (i % 365) * interval '1 day' + (i * 37 % 86400) * interval '1 second', (ARRAY['paid','shipped','returned'])[1 + i % 3] FROM generate_series(1, ${size.orders}) i`,
    `INSERT INTO order_items SELECT o, k, 1 + (o * 31 + k * 17) % ${size.products}, 1 + (o + k) % 5, ((o * 37 + k * 101) % 10000) / 100.0 FROM generate_series(1, ${size.orders}) o, generate_series(1, ${size.itemsPerOrder}) k`,
    'CREATE INDEX ON orders (placed_at)',
    'CREATE INDEX ON orders (customer_id)',
    'ANALYZE',
  ];
  for (const s of statements) await client.query(s);
}

export interface GuardSettings {
  iterations: number;
  warmup: number;
  /** Iterations of the parse alone. */
  parseIterations: number;
}

export interface GuardResult {
  iterations: number;
  /** Rows the query answers (the same on every path, checked). */
  rows: number;
  plain: Latency;
  driver: Latency;
  guarded: Latency;
  /** bindNamedParameters + guardSql, alone (ms). */
  parse: Latency;
  /** p50 of the guarded path − p50 of plain pg: the figure the target reads. */
  overheadP50Ms: number;
  /** The median of the per-iteration differences (guarded − plain), steadier on a noisy machine. */
  overheadPairedMs: number;
  /** p50 of the driver alone − p50 of plain pg: the transaction, its settings, the cursor. */
  transactionP50Ms: number;
}

/**
 * Runs the three paths against `connection` (a database holding the shop fixture), side by side.
 * The driver's source has a pool of one connection, as the plain pool does.
 */
export async function guardCost(connection: ServerConnection, settings: GuardSettings, log: (m: string) => void = () => {}): Promise<GuardResult> {
  const { declared, values } = GUARD_PARAMETERS;
  const bound = bindNamedParameters(GUARD_QUERY, 'postgres', declared, values);
  if (!bound.ok) throw new Error(`the guard query does not bind: ${bound.reason}`);
  const checked = guardSql(bound.sql, { dialect: 'postgres' });
  if (!checked.ok) throw new Error(`the guard refuses the guard query: ${checked.reason}`);

  const plainPool = new pg.Pool({
    host: connection.address ?? connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    password: connection.password,
    max: 1,
    application_name: 'trellis bench plain',
  });
  const driver = createPostgresDriver();
  const source = { id: 'bench-guard', connection: { ...connection, poolSize: 1 } };

  const plain = async () => (await plainPool.query({ text: bound.sql, values: bound.values })).rows.length;
  const driverOnly = async () => (await driver.run(source, checked.sql, bound.values, DEFAULT_LIMITS, AbortSignal.timeout(DEFAULT_LIMITS.timeoutMs + 5000))).rowCount;
  const guarded = async () => {
    const b = bindNamedParameters(GUARD_QUERY, 'postgres', declared, values);
    if (!b.ok) throw new Error(b.reason);
    const g = guardSql(b.sql, { dialect: 'postgres' });
    if (!g.ok) throw new Error(g.reason);
    return (await driver.run(source, g.sql, b.values, DEFAULT_LIMITS, AbortSignal.timeout(DEFAULT_LIMITS.timeoutMs + 5000))).rowCount;
  };
  const paths = [plain, driverOnly, guarded];
  const times: number[][] = [[], [], []];
  try {
    const rows = await plain();
    for (const [i, run] of paths.entries()) {
      const n = await run();
      if (n !== rows) throw new Error(`path ${i} answered ${n} rows, plain pg ${rows}`);
    }
    for (let i = 0; i < settings.warmup; i++) for (const run of paths) await run();
    for (let i = 0; i < settings.iterations; i++) {
      for (let k = 0; k < 3; k++) {
        const which = (i + k) % 3;
        const t0 = performance.now();
        await paths[which]();
        times[which].push(performance.now() - t0);
      }
    }
    const parse: number[] = [];
    for (let i = 0; i < settings.parseIterations + settings.warmup; i++) {
      const t0 = performance.now();
      const b = bindNamedParameters(GUARD_QUERY, 'postgres', declared, values);
      if (b.ok) guardSql(b.sql, { dialect: 'postgres' });
      if (i >= settings.warmup) parse.push(performance.now() - t0);
    }
    const [p, d, g] = times.map(summarize);
    const result: GuardResult = {
      iterations: settings.iterations,
      rows,
      plain: p,
      driver: d,
      guarded: g,
      parse: summarize(parse),
      overheadP50Ms: g.p50 - p.p50,
      overheadPairedMs: pairedMedian(times[2], times[0]),
      transactionP50Ms: d.p50 - p.p50,
    };
    log(
      `guard: plain pg p50 ${p.p50.toFixed(2)} ms (p99 ${p.p99.toFixed(2)}), driver alone ${d.p50.toFixed(2)} (${d.p99.toFixed(2)}), guarded ${g.p50.toFixed(2)} (${g.p99.toFixed(2)}); overhead p50 ${result.overheadP50Ms.toFixed(2)} ms (paired ${result.overheadPairedMs.toFixed(2)}), parse alone p50 ${(result.parse.p50 * 1000).toFixed(0)} µs`,
    );
    return result;
  } finally {
    await driver.close();
    await plainPool.end();
  }
}
