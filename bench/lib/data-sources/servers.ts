// The data benchmark's servers: the bursts' queries, how a source's connections are counted on
// its server, and a MariaDB table with a login of its own (processlist tells connections apart
// by login only; performance_schema, which would name the client, is often off).
import mysql from 'mysql2/promise';
import type pg from 'pg';
import type { QueryBody, SourceConnection } from './app.ts';

/** The shop fixture (guard.ts), all regions and categories of one month: tens of milliseconds of work. */
export const BURST_PG_QUERY: QueryBody = {
  sql: `SELECT c.region, p.category, count(*) AS items, sum(oi.quantity * oi.unit_price) AS revenue
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN order_items oi ON oi.order_id = o.id
JOIN products p ON p.id = oi.product_id
WHERE o.placed_at >= :from AND o.placed_at < :to
GROUP BY c.region, p.category
ORDER BY c.region, p.category`,
  parameters: [
    { name: 'from', type: 'timestamp', value: '2025-01-01T00:00:00Z' },
    { name: 'to', type: 'timestamp', value: '2025-02-01T00:00:00Z' },
  ],
};

/** The MariaDB sales table (a full scan and a group-by). */
export const burstMysqlQuery = (table: string): QueryBody => ({
  sql: `SELECT region, sum(amount) AS amount, count(*) AS sales FROM ${table} WHERE day >= :from GROUP BY region ORDER BY region`,
  parameters: [{ name: 'from', type: 'date', value: '2025-01-01' }],
});

export type Counter = () => Promise<{ open: number; busy: number }>;

/** The connections of a PostgreSQL source's pool, by the application_name its driver sets. */
export function pgConnections(client: pg.Client, sourceId: string): Counter {
  const name = `trellis data-source ${sourceId}`.slice(0, 63);
  return async () => {
    const r = await client.query<{ open: number; busy: number }>(
      "SELECT count(*)::int AS open, count(*) FILTER (WHERE state <> 'idle')::int AS busy FROM pg_stat_activity WHERE application_name = $1",
      [name],
    );
    return r.rows[0];
  };
}

export interface MariaFixture {
  version: string;
  table: string;
  /** The source's connection: the fixture's own login, which may only read its table. */
  connection: Omit<SourceConnection, 'poolSize'>;
  connections: Counter;
  drop(): Promise<void>;
}

/**
 * Creates `bench_data_<tag>` (rows of sales, the sequence engine's numbers) and a login of the
 * same name that may only read it, on the server of `adminUrl`; null when no server answers.
 */
export async function createMariaFixture(adminUrl: string, tag: string, rows: number): Promise<MariaFixture | null> {
  let admin: mysql.Connection;
  try {
    admin = await mysql.createConnection({ uri: adminUrl, connectTimeout: 2000 });
  } catch {
    return null;
  }
  const u = new URL(adminUrl);
  const database = decodeURIComponent(u.pathname.slice(1));
  const table = `bench_data_${tag}`;
  const user = table.slice(0, 32);
  const password = `pw-${tag}`;
  const version = String(((await admin.query('SELECT VERSION() AS v')) as [{ v: string }[], unknown])[0][0].v);
  const drop = async () => {
    await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
    for (const host of ['%', 'localhost']) await admin.query(`DROP USER IF EXISTS '${user}'@'${host}'`);
  };
  try {
    await admin.query(`CREATE TABLE \`${table}\` (id int PRIMARY KEY, region varchar(20) NOT NULL, product varchar(20) NOT NULL, amount decimal(10,2) NOT NULL, day date NOT NULL)`);
    // The sequence engine's seq_1_to_N, in steps: numbers beyond a million are not needed here.
    await admin.query(
      `INSERT INTO \`${table}\` SELECT seq, CONCAT('region ', LPAD(seq % 20, 2, '0')), CONCAT('product ', LPAD((seq * 31) % 200, 3, '0')), ((seq * 7919) % 100000) / 100, DATE '2025-01-01' + INTERVAL (seq % 365) DAY FROM seq_1_to_${Math.max(1, Math.floor(rows))}`,
    );
    // Both host forms: a TCP login from 127.0.0.1 may be matched as 'localhost' when names resolve.
    for (const host of ['%', 'localhost']) {
      await admin.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY '${password}'`);
      await admin.query(`GRANT SELECT ON \`${database}\`.\`${table}\` TO '${user}'@'${host}'`);
    }
  } catch (err) {
    await drop().catch(() => {});
    await admin.end();
    throw err;
  }
  return {
    version,
    table,
    connection: { host: u.hostname, port: Number(u.port) || 3306, database, user, password },
    connections: async () => {
      const [r] = (await admin.query("SELECT COUNT(*) AS open, COALESCE(SUM(COMMAND <> 'Sleep'), 0) AS busy FROM information_schema.PROCESSLIST WHERE USER = ?", [user])) as [{ open: number; busy: number }[], unknown];
      return { open: Number(r[0].open), busy: Number(r[0].busy) };
    },
    async drop() {
      try {
        await drop();
      } finally {
        await admin.end();
      }
    },
  };
}
