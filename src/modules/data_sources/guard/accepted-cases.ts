// Queries layer 1 must let through: what analysts and the question generator write every day,
// and the look-alikes of hostile input that are harmless (a sleep inside a string, a CTE named
// like a catalog). Data, like hostile-cases.ts, so the red-team suite can check that the guard
// refuses the hostile corpus without refusing these.
import { CORPUS_DUCKDB_TABLES, CORPUS_WORKSPACE_RELATIONS } from './hostile-cases.ts';
import type { Dialect } from './types.ts';

export interface AcceptedCase {
  readonly dialect: Dialect;
  readonly sql: string;
  readonly allowedRelations?: readonly string[];
  /** The relations the guard must report, when the case checks them. */
  readonly relations?: readonly string[];
  /** The statement the guard must hand back, when it differs from `sql`. */
  readonly statement?: string;
  readonly note?: string;
}

const postgres: Omit<AcceptedCase, 'dialect'>[] = [
  {
    sql: 'SELECT c.name, sum(te.minutes) / 60.0 AS hours FROM clients c JOIN projects p ON p.client_id = c.id LEFT JOIN time_entries te ON te.project_id = p.id GROUP BY c.name ORDER BY hours DESC',
    relations: ['clients', 'projects', 'time_entries'],
  },
  { sql: "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '30 days') SELECT count(*) FROM recent", relations: ['orders'] },
  { sql: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r', relations: [] },
  { sql: 'WITH RECURSIVE a AS (SELECT * FROM b), b AS (SELECT 1 AS x) SELECT * FROM a', relations: [], note: 'WITH RECURSIVE items see each other' },
  { sql: 'WITH pg_settings AS (SELECT 1 AS x) SELECT * FROM pg_settings', relations: [], note: 'a CTE named like a catalog is the CTE' },
  { sql: 'SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC), sum(total) OVER w FROM orders WINDOW w AS (ORDER BY id)' },
  { sql: 'SELECT * FROM orders o WHERE o.total > (SELECT avg(total) FROM orders) AND EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)', relations: ['orders', 'customers'] },
  { sql: 'SELECT id FROM a UNION SELECT id FROM b EXCEPT SELECT id FROM c INTERSECT SELECT id FROM d', relations: ['a', 'b', 'c', 'd'] },
  { sql: 'SELECT * FROM orders WHERE created_at >= $1 AND status = $2 LIMIT $3' },
  { sql: '-- top\nSELECT /* inline */ 1 -- trailing', statement: 'SELECT   1' },
  { sql: 'SELECT 1 /* /* nested */ ; DROP TABLE t */', statement: 'SELECT 1', note: 'the DROP is inside a nested comment' },
  { sql: 'SELECT 1;;', statement: 'SELECT 1' },
  { sql: 'SELECT "Order Id", "select" FROM "Orders"', relations: ['Orders'] },
  { sql: 'SELECT "PG_SLEEP"(1)', note: 'a quoted name keeps its case: not pg_sleep (the server will not find it)' },
  { sql: 'SELECT pg_sleep FROM t', note: 'a column, not a call' },
  { sql: "SELECT 'pg_sleep(1); DROP TABLE t' AS s, $$ ; $$ AS d, E'it\\'s' AS e" },
  { sql: 'VALUES (1, 2), (3, 4)' },
  { sql: 'TABLE orders', relations: ['orders'] },
  { sql: 'SELECT * FROM generate_series(1, 10) g, LATERAL (SELECT g * 2 AS x) l' },
  { sql: "SELECT data->>'name', data ? 'key', data @> '{\"a\": 1}' FROM docs" },
  { sql: 'SELECT relname FROM pg_class JOIN pg_namespace n ON n.oid = relnamespace', relations: ['pg_class', 'pg_namespace'], note: 'catalogs without secrets stay readable' },
  { sql: "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders'", relations: ['information_schema.columns'] },
  { sql: 'SELECT status, count(*) FILTER (WHERE total > 100) FROM orders GROUP BY GROUPING SETS ((status), ())' },
  { sql: "SELECT date_trunc('month', created_at)::date AS month, percentile_cont(0.5) WITHIN GROUP (ORDER BY total) FROM orders GROUP BY 1" },
  { sql: 'SELECT txid_current_if_assigned()' },
  { sql: 'SELECT CASE WHEN total > 100 THEN \'big\' ELSE \'small\' END, coalesce(note, \'\') FROM orders' },
];

const workspace: Omit<AcceptedCase, 'dialect'>[] = [
  {
    sql: 'SELECT c.name, sum(te.duration_minutes) / 60.0 AS hours FROM clients c JOIN projects p ON p.client_id = c.id JOIN time_entries te ON te.project_id = p.id WHERE te.started_at >= $1 GROUP BY c.name',
    relations: ['clients', 'projects', 'time_entries'],
  },
  { sql: 'WITH open_tasks AS (SELECT * FROM tasks WHERE done = false) SELECT p.name, count(*) FROM open_tasks t JOIN projects p ON p.id = t.project_id GROUP BY p.name', relations: ['tasks', 'projects'] },
  { sql: 'SELECT * FROM "projects"', relations: ['projects'] },
  { sql: 'SELECT m.*, g FROM members m, generate_series(1, 3) g', relations: ['members'] },
];

const duckdb: Omit<AcceptedCase, 'dialect'>[] = [
  { sql: 'SELECT region, sum(amount) FROM sales GROUP BY region ORDER BY 2 DESC', relations: ['sales'] },
  { sql: 'SELECT c.name, s.amount FROM sales s JOIN customers c ON c.id = s.customer_id WHERE s.sold_at >= $1', relations: ['sales', 'customers'] },
  { sql: 'SELECT * FROM "SALES"', relations: ['sales'], note: 'DuckDB names are case-insensitive' },
  { sql: 'SELECT * FROM range(10) r', relations: [] },
  { sql: "SELECT strftime(sold_at, '%Y/%m/%d'), regexp_matches(url, '/api/.*') FROM sales", note: 'strings that are not paths' },
];

const mysqlFamily: Omit<AcceptedCase, 'dialect'>[] = [
  { sql: 'SELECT c.name, SUM(o.total) FROM customers c JOIN orders o ON o.customer_id = c.id LEFT JOIN refunds r ON r.order_id = o.id GROUP BY c.name', relations: ['customers', 'orders', 'refunds'] },
  { sql: 'WITH recent AS (SELECT * FROM orders WHERE created_at > NOW() - INTERVAL 30 DAY) SELECT COUNT(*) FROM recent', relations: ['orders'] },
  { sql: 'WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r', relations: [] },
  { sql: 'SELECT * FROM orders o WHERE o.total > (SELECT AVG(total) FROM orders) AND EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)', relations: ['orders', 'customers'] },
  { sql: 'SELECT id FROM a UNION SELECT id FROM b UNION ALL SELECT id FROM c', relations: ['a', 'b', 'c'] },
  { sql: 'SELECT * FROM orders WHERE created_at >= ? AND status = ? LIMIT 10' },
  { sql: '# top\nSELECT /* inline */ 1 -- trailing', statement: 'SELECT   1' },
  { sql: 'SELECT 1 --\tcomment', statement: 'SELECT 1', note: '-- and a tab start a comment' },
  { sql: 'SELECT 1 /* ; DROP TABLE t */', statement: 'SELECT 1' },
  { sql: "SELECT '/*! DROP TABLE t */', 'SLEEP(5)', '@@datadir'", note: 'hostile words inside strings' },
  { sql: 'SELECT `weird col`, `select` FROM `my table`', relations: ['my table'] },
  { sql: "SELECT 1 FROM t WHERE x LIKE 'a\\_b'", note: 'a backslash not before a quote reads the same in every mode' },
  { sql: "SELECT 'it''s'" },
  { sql: "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders'", relations: ['information_schema.columns'] },
  { sql: "SELECT CASE WHEN total > 100 THEN 'big' ELSE 'small' END, COALESCE(note, ''), DATE_FORMAT(created_at, '%Y-%m') FROM orders" },
  { sql: 'SELECT 1;', statement: 'SELECT 1' },
];

const mysqlOnly: Omit<AcceptedCase, 'dialect'>[] = [{ sql: 'SELECT id, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY created_at DESC) FROM orders' }];

export const acceptedCases: readonly AcceptedCase[] = [
  ...postgres.map((c) => ({ dialect: 'postgres' as const, ...c })),
  ...workspace.map((c) => ({ dialect: 'workspace' as const, allowedRelations: CORPUS_WORKSPACE_RELATIONS, ...c })),
  ...duckdb.map((c) => ({ dialect: 'duckdb' as const, allowedRelations: CORPUS_DUCKDB_TABLES, ...c })),
  ...[...mysqlFamily, ...mysqlOnly].map((c) => ({ dialect: 'mysql' as const, ...c })),
  ...mysqlFamily.map((c) => ({ dialect: 'mariadb' as const, ...c })),
];
