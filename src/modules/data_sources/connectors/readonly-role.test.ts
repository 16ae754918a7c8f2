// docs/data-sources-readonly-role.md, proven: the read-only login it describes is created on the
// real servers, and the server itself refuses writes from it, with no Trellis layer in between.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDriver } from './postgres/driver.ts';
import { answers, caught, connectionOf, MYSQL_URL, PG_URL, uniqueSuffix } from './test-support.ts';

const suffix = uniqueSuffix();
const never = new AbortController().signal;
const limits = { maxRows: 100, maxBytes: 100_000, timeoutMs: 5000 };

describe('PostgreSQL read-only login', () => {
  const schema = `trellis_ds_ro_${suffix}`;
  const reader = `trellis_reader_${suffix}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  const database = new URL(PG_URL).pathname.slice(1);
  let asReader: pg.Client;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`
      CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.invoices (id int PRIMARY KEY, amount numeric);
      INSERT INTO ${schema}.invoices VALUES (1, 10), (2, 20);
      CREATE ROLE ${reader} LOGIN PASSWORD 'a long random password' CONNECTION LIMIT 5;
      GRANT CONNECT ON DATABASE ${database} TO ${reader};
      GRANT USAGE ON SCHEMA ${schema} TO ${reader};
      GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${reader};
      ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT ON TABLES TO ${reader};
      ALTER ROLE ${reader} SET default_transaction_read_only = on;
      ALTER ROLE ${reader} SET statement_timeout = '60s';
    `);
    const url = new URL(PG_URL);
    url.username = reader;
    url.password = 'a long random password';
    asReader = new pg.Client({ connectionString: url.toString() });
    await asReader.connect();
  });

  afterAll(async () => {
    await asReader?.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`DROP OWNED BY ${reader}; DROP ROLE IF EXISTS ${reader}`);
    await admin.end();
  });

  it('reads through the driver', async () => {
    const driver = createPostgresDriver();
    try {
      const source = { id: `ro-${suffix}`, connection: connectionOf(PG_URL, { user: reader, password: 'a long random password' }) };
      const result = await driver.run(source, `SELECT sum(amount) FROM ${schema}.invoices`, [], limits, never);
      expect(result.rows).toEqual([[30]]);
    } finally {
      await driver.close();
    }
  });

  it('the server refuses its writes, even in a transaction that asks for read-write', async () => {
    expect((await asReader.query('SHOW default_transaction_read_only')).rows[0].default_transaction_read_only).toBe('on');
    const insert = await caught(() => asReader.query(`INSERT INTO ${schema}.invoices VALUES (3, 30)`));
    expect(insert.code).toBe('25006');
    await asReader.query('BEGIN READ WRITE');
    const update = await caught(() => asReader.query(`UPDATE ${schema}.invoices SET amount = 0`));
    expect(update.code).toBe('42501');
    await asReader.query('ROLLBACK');
    await asReader.query('BEGIN READ WRITE');
    const ddl = await caught(() => asReader.query(`CREATE TABLE ${schema}.stolen (x int)`));
    expect(ddl.code).toBe('42501');
    await asReader.query('ROLLBACK');
    const { rows } = await admin.query(`SELECT count(*)::int AS n, sum(amount)::int AS total FROM ${schema}.invoices`);
    expect(rows[0]).toEqual({ n: 2, total: 30 });
  });
});

const mysqlUp = process.env.TEST_MYSQL_URL !== undefined || (await answers(new URL(MYSQL_URL).hostname, Number(new URL(MYSQL_URL).port || 3306)));
if (!mysqlUp) console.warn(`MySQL/MariaDB tests skipped: TEST_MYSQL_URL is unset and nothing answers at ${MYSQL_URL}.`);

describe.skipIf(!mysqlUp)('MySQL/MariaDB read-only login', () => {
  const db = `trellis_ds_ro_${suffix}`;
  const reader = `trellis_reader_${suffix}`.slice(0, 32);
  let admin: mysql.Connection;
  let asReader: mysql.Connection;

  beforeAll(async () => {
    admin = await mysql.createConnection(MYSQL_URL);
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.query(`CREATE TABLE ${db}.invoices (id int PRIMARY KEY, amount decimal(10,2))`);
    await admin.query(`INSERT INTO ${db}.invoices VALUES (1, 10), (2, 20)`);
    await admin.query(`CREATE USER '${reader}'@'%' IDENTIFIED BY 'a long random password' WITH MAX_USER_CONNECTIONS 5`);
    await admin.query(`GRANT SELECT, SHOW VIEW ON ${db}.* TO '${reader}'@'%'`);
    const url = new URL(MYSQL_URL);
    asReader = await mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user: reader, password: 'a long random password', database: db });
  });

  afterAll(async () => {
    await asReader?.end();
    await admin.query(`DROP USER IF EXISTS '${reader}'@'%'`);
    await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.end();
  });

  it('the server refuses its writes and DDL', async () => {
    const [rows] = await asReader.query('SELECT SUM(amount) AS total FROM invoices');
    expect((rows as { total: string }[])[0].total).toBe('30.00');
    const insert = await caught(() => asReader.query('INSERT INTO invoices VALUES (3, 30)'));
    expect(insert.code).toBe('ER_TABLEACCESS_DENIED_ERROR');
    const ddl = await caught(() => asReader.query('CREATE TABLE stolen (x int)'));
    expect(ddl.code).toBe('ER_TABLEACCESS_DENIED_ERROR');
    const drop = await caught(() => asReader.query('DROP TABLE invoices'));
    expect(drop.code).toBe('ER_TABLEACCESS_DENIED_ERROR');
    const [after] = await admin.query(`SELECT COUNT(*) AS n FROM ${db}.invoices`);
    expect((after as { n: number }[])[0].n).toBe(2);
  });
});
