// The MySQL/MariaDB driver against the real server (TEST_MYSQL_URL; MariaDB on this machine):
// each layer of the guard on its own, with SQL sent straight to the driver (no parser guard).
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../errors.ts';
import { answers, caught, closedPort, connectionOf, eventually, MYSQL_URL, silentServer, uniqueSuffix } from '../test-support.ts';
import type { QueryLimits, ServerConnection, Source, StreamPart } from '../types.ts';
import { createMysqlDriver, flavourOf, sessionSettings } from './driver.ts';

const url = new URL(MYSQL_URL);
const mysqlUp = process.env.TEST_MYSQL_URL !== undefined || (await answers(url.hostname, Number(url.port || 3306)));
if (!mysqlUp) console.warn(`MySQL/MariaDB tests skipped: TEST_MYSQL_URL is unset and nothing answers at ${MYSQL_URL}.`);

const suffix = uniqueSuffix();
const db = `trellis_ds_${suffix}`;
const user = `trellis_ds_${suffix}`.slice(0, 32);
const password = 'correct horse battery';
const limits: QueryLimits = { maxRows: 1000, maxBytes: 1_000_000, timeoutMs: 5000 };
const never = new AbortController().signal;
const server = `${url.hostname}:${url.port || 3306}`;

let admin: mysql.Connection;
let driver: ReturnType<typeof createMysqlDriver>;
let n = 0;
function source(overrides: Partial<ServerConnection> = {}): Source<ServerConnection> {
  return { id: `my-${suffix}-${++n}`, connection: connectionOf(MYSQL_URL, { database: db, ...overrides }) };
}
const restricted = (overrides: Partial<ServerConnection> = {}) => source({ user, password, ...overrides });

/** Statements containing `marker` that the server is running now. */
async function running(marker: string): Promise<number> {
  const [rows] = await admin.query(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND INFO NOT LIKE '%PROCESSLIST%'`, [`%${marker}%`]);
  return Number((rows as { n: number }[])[0].n);
}

describe('flavours', () => {
  it('tells MariaDB from MySQL by the version string, and sets each one its timeout', () => {
    expect(flavourOf('10.11.6-MariaDB-0+deb12u1')).toBe('mariadb');
    expect(flavourOf('8.0.36')).toBe('mysql');
    expect(sessionSettings('mariadb', 1500)).toBe("SET SESSION time_zone = '+00:00', SESSION max_statement_time = 1.500");
    expect(sessionSettings('mysql', 1500)).toBe("SET SESSION time_zone = '+00:00', SESSION max_execution_time = 1500");
  });
});

describe.skipIf(!mysqlUp)('MySQL/MariaDB driver', () => {
  beforeAll(async () => {
    driver = createMysqlDriver({ deadlineMarginMs: 300 });
    admin = await mysql.createConnection(MYSQL_URL);
    for (const sql of [
      `CREATE DATABASE ${db}`,
      `CREATE TABLE ${db}.clients (id int PRIMARY KEY, name varchar(100) NOT NULL, mood enum('ok','meh')) ENGINE=InnoDB`,
      `CREATE TABLE ${db}.projects (org int, id int, client_id int, budget decimal(10,2), PRIMARY KEY (org, id), FOREIGN KEY (client_id) REFERENCES ${db}.clients (id)) ENGINE=InnoDB`,
      `CREATE TABLE ${db}.tasks (id int PRIMARY KEY, org int, project_id int, FOREIGN KEY (org, project_id) REFERENCES ${db}.projects (org, id)) ENGINE=InnoDB`,
      `CREATE VIEW ${db}.client_names AS SELECT name FROM ${db}.clients`,
      `CREATE TABLE ${db}.secrets (token text)`,
      `CREATE TABLE ${db}.writes (n int)`,
      `CREATE TABLE ${db}.kinds (at timestamp(6) NULL, bits bit(3))`,
      `SET time_zone = '+00:00'`,
      `INSERT INTO ${db}.kinds VALUES ('2024-01-02 03:04:05.5', b'101')`,
      `CREATE FUNCTION ${db}.sneaky_write() RETURNS int MODIFIES SQL DATA BEGIN INSERT INTO ${db}.writes VALUES (1); RETURN 1; END`,
      `INSERT INTO ${db}.clients SELECT seq, CONCAT('client ', seq), 'ok' FROM seq_1_to_40`,
      `ANALYZE TABLE ${db}.clients`,
      `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`,
      `GRANT SELECT ON ${db}.clients TO '${user}'@'%'`,
    ]) {
      await admin.query(sql);
    }
  });

  afterAll(async () => {
    await driver?.close();
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin?.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin?.end();
  });

  const writes = async () => Number(((await admin.query(`SELECT COUNT(*) AS n FROM ${db}.writes`))[0] as { n: number }[])[0].n);

  describe('test', () => {
    it('reports the server version and a latency', async () => {
      const result = await driver.test(connectionOf(MYSQL_URL), never);
      expect(result.serverVersion).toMatch(/^(MariaDB|MySQL) \d+\.\d+/);
      expect(result.latencyMs).toBeLessThan(1000);
    });

    it('names host:port when nothing listens there', async () => {
      const port = await closedPort();
      const err = await caught(() => driver.test(connectionOf(MYSQL_URL, { port }), never));
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err.kind).toBe('unreachable');
      expect(err.message).toContain(`127.0.0.1:${port}`);
    });

    it('names a host that does not resolve', async () => {
      const err = await caught(() => driver.test(connectionOf(MYSQL_URL, { host: 'db.nonexistent.invalid' }), never));
      expect(err.kind).toBe('unreachable');
      expect(err.message).toMatch(/^Could not connect to db\.nonexistent\.invalid:3306: /);
    });

    it('dials the checked address, not the host name', async () => {
      const result = await driver.test(connectionOf(MYSQL_URL, { host: 'db.nonexistent.invalid', address: url.hostname }), never);
      expect(result.serverVersion).toMatch(/^(MariaDB|MySQL)/);
      const rows = await driver.run(source({ host: 'db.nonexistent.invalid', address: url.hostname }), 'SELECT 1', [], limits, never);
      expect(rows.rows).toEqual([[1]]);
    });

    it('gives up on a server that never answers after connectTimeoutMs', async () => {
      const silent = await silentServer();
      try {
        const started = Date.now();
        const err = await caught(() => driver.test(connectionOf(MYSQL_URL, { port: silent.port, connectTimeoutMs: 300 }), never));
        expect(err.kind).toBe('unreachable');
        expect(err.message).toBe(`Could not connect to 127.0.0.1:${silent.port}: the server did not answer in time.`);
        expect(Date.now() - started).toBeLessThan(1500);
      } finally {
        await silent.close();
      }
    });

    it('refuses a wrong password as auth, and never shows it', async () => {
      const err = await caught(() => driver.test(connectionOf(MYSQL_URL, { user, password: 'wrong-hunter2' }), never));
      expect(err.kind).toBe('auth');
      expect(err.message).toMatch(new RegExp(`^The server at ${server} refused the login: Access denied for user '${user}'@`));
      expect(`${err.message} ${err.stack}`).not.toContain('hunter2');
    });

    it('says the database does not exist', async () => {
      const err = await caught(() => driver.test(connectionOf(MYSQL_URL, { database: `nope_${suffix}` }), never));
      expect(err.kind).toBe('auth');
      expect(err.message).toBe(`The server at ${server} has no database "nope_${suffix}".`);
    });

    it('refuses TLS on a server without it, as a tls error', async () => {
      const have = ((await admin.query(`SHOW VARIABLES LIKE 'have_ssl'`))[0] as { Value: string }[])[0]?.Value;
      if (have === 'YES') return;
      const err = await caught(() => driver.test(connectionOf(MYSQL_URL, { tls: { mode: 'require' } }), never));
      expect(err.kind).toBe('tls');
    });
  });

  describe('the read-only session and transaction (layer 2)', () => {
    it('refuses a write hidden in a function call, and nothing is written', async () => {
      const err = await caught(() => driver.run(source(), `SELECT ${db}.sneaky_write()`, [], limits, never));
      expect(err.kind).toBe('permission');
      expect(err.message).toBe(`The server at ${server} refused the query: the source is read-only.`);
      expect(await writes()).toBe(0);
    });

    it('refuses DDL, which would commit out of a read-only transaction', async () => {
      const err = await caught(() => driver.run(source(), `CREATE TABLE ${db}.stolen (x int)`, [], limits, never));
      expect(err.kind).toBe('permission');
      const insert = await caught(() => driver.run(source(), `INSERT INTO ${db}.writes VALUES (2)`, [], limits, never));
      expect(insert.kind).toBe('permission');
      const [tables] = await admin.query(`SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'stolen'`, [db]);
      expect(Number((tables as { n: number }[])[0].n)).toBe(0);
      expect(await writes()).toBe(0);
    });

    it('runs one statement only', async () => {
      const err = await caught(() => driver.run(source(), `SELECT 1; DROP TABLE ${db}.writes`, [], limits, never));
      expect(err.kind).toBe('query');
      expect(await writes()).toBe(0);
    });

    it('binds parameters, never splices them', async () => {
      const result = await driver.run(source(), 'SELECT ? AS a, ? + 1 AS b', ["x'; DROP TABLE clients; --", 5], limits, never);
      expect(result.rows).toEqual([["x'; DROP TABLE clients; --", 6]]);
    });
  });

  describe('the login (layer 3)', () => {
    it('refuses a table the login may not read', async () => {
      const ok = await driver.run(restricted(), 'SELECT COUNT(*) FROM clients', [], limits, never);
      expect(ok.rows).toEqual([[40]]);
      const err = await caught(() => driver.run(restricted(), 'SELECT * FROM secrets', [], limits, never));
      expect(err.kind).toBe('permission');
      expect(err.message).toContain('SELECT command denied');
    });
  });

  describe('timeouts (layer 4)', () => {
    it('the server stops a statement at timeoutMs', async () => {
      const slow = createMysqlDriver({ deadlineMarginMs: 10_000 });
      const marker = `srv_${suffix}`;
      const started = Date.now();
      try {
        const err = await caught(() => slow.run(source(), `SELECT SLEEP(30) /* ${marker} */`, [], { ...limits, timeoutMs: 300 }, never));
        expect(err.kind).toBe('timeout');
        expect(err.code).toBe('ER_STATEMENT_TIMEOUT');
        expect(Date.now() - started).toBeLessThan(2000);
        expect(await running(marker)).toBe(0);
      } finally {
        await slow.close();
      }
    });

    it('the client deadline kills a statement that turned the server timeout off, and drops the connection', async () => {
      const marker = `cli_${suffix}`;
      const s = source({ poolSize: 1 });
      const before = (await driver.run(s, 'SELECT CONNECTION_ID()', [], limits, never)).rows[0][0];
      const started = Date.now();
      const err = await caught(() => driver.run(s, `SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(30) /* ${marker} */`, [], { ...limits, timeoutMs: 400 }, never));
      expect(err.kind).toBe('timeout');
      expect(err.message).toBe(`The query on ${server} ran longer than 400 ms and was stopped.`);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await eventually(async () => (await running(marker)) === 0, 2000)).toBe(true);
      const gone = await eventually(async () => {
        const [rows] = await admin.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?', [before]);
        return Number((rows as { n: number }[])[0].n) === 0;
      }, 2000);
      expect(gone).toBe(true);
      const after = (await driver.run(s, 'SELECT CONNECTION_ID()', [], limits, never)).rows[0][0];
      expect(after).not.toBe(before);
    });

    it("the caller's signal kills the statement on the server", async () => {
      const marker = `sig_${suffix}`;
      const started = Date.now();
      const err = await caught(() => driver.run(source(), `SELECT SLEEP(30) /* ${marker} */`, [], { ...limits, timeoutMs: 30_000 }, AbortSignal.timeout(300)));
      expect(err.kind).toBe('canceled');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await eventually(async () => (await running(marker)) === 0, 2000)).toBe(true);
    });
  });

  describe('streaming with caps (layer 5)', () => {
    it('stops ten million rows at maxRows, fast, with the socket paused in between', async () => {
      const started = Date.now();
      const parts: StreamPart[] = [];
      for await (const part of driver.stream(source(), 'SELECT seq, MD5(seq) FROM seq_1_to_10000000', [], { ...limits, maxRows: 1200 }, never)) {
        parts.push(part);
      }
      expect(Date.now() - started).toBeLessThan(3000);
      expect(parts[0].type).toBe('columns');
      expect(parts.filter((p) => p.type === 'rows').length).toBeGreaterThan(1);
      expect(parts.at(-1)).toMatchObject({ type: 'end', rowCount: 1200, truncated: true });
      expect(await eventually(async () => (await running('seq_1_to_10000000')) === 0, 2000)).toBe(true);
    });

    it('stops at maxBytes', async () => {
      const result = await driver.run(source(), "SELECT REPEAT('x', 1000) FROM seq_1_to_1000000", [], { ...limits, maxBytes: 10_000 }, never);
      expect(result.rows.length).toBe(9);
      expect(result.truncated).toBe(true);
    });

    it('is not truncated when the result fits exactly', async () => {
      expect(await driver.run(source(), 'SELECT seq FROM seq_1_to_5', [], { ...limits, maxRows: 5 }, never)).toMatchObject({ rowCount: 5, truncated: false });
      expect(await driver.run(source(), 'SELECT seq FROM seq_1_to_6', [], { ...limits, maxRows: 5 }, never)).toMatchObject({ rowCount: 5, truncated: true });
    });

    it('gives the columns of an empty result', async () => {
      const result = await driver.run(source(), 'SELECT id, name FROM clients WHERE 1 = 0', [], limits, never);
      expect(result.columns.map((c) => c.name)).toEqual(['id', 'name']);
      expect(result.rows).toEqual([]);
    });

    it('breaking out of the loop frees the slot for the next query', async () => {
      const s = source({ poolSize: 1 });
      for await (const part of driver.stream(s, 'SELECT seq FROM seq_1_to_100000', [], limits, never)) {
        if (part.type === 'rows') break;
      }
      expect((await driver.run(s, 'SELECT 1', [], limits, never)).rows).toEqual([[1]]);
    });
  });

  describe('values', () => {
    it('are JSON-safe and typed', async () => {
      const result = await driver.run(
        source(),
        `SELECT CAST(42 AS SIGNED) AS small_big, 9007199254740993 AS huge_big, CAST(12345.67 AS DECIMAL(10,2)) AS money,
                CAST('123456789012345678.9' AS DECIMAL(30,1)) AS long_dec, CAST(1.5 AS DOUBLE) AS dbl,
                DATE '2024-02-29' AS d, TIMESTAMP '2024-01-02 03:04:05.123456' AS dt, FROM_UNIXTIME(0) AS dt0,
                X'00FF' AS bin, 'héllo' AS txt, kinds.at, kinds.bits, NULL AS nothing, CAST('10:11:12' AS TIME) AS t
         FROM kinds`,
        [],
        limits,
        never,
      );
      expect(result.rows[0]).toEqual([42, '9007199254740993', 12345.67, '123456789012345678.9', 1.5, '2024-02-29', '2024-01-02T03:04:05.123456', '1970-01-01T00:00:00', 'AP8=', 'héllo', '2024-01-02T03:04:05.500000Z', 5, null, '10:11:12']);
      expect(result.columns.map((c) => c.type)).toEqual(['integer', 'integer', 'number', 'number', 'number', 'date', 'timestamp', 'timestamp', 'binary', 'text', 'timestamp', 'integer', 'other', 'other']);
      expect(result.columns.map((c) => c.dbType).slice(10, 12)).toEqual(['timestamp', 'bit']);
      expect(result.columns[2].dbType).toBe('decimal');
    });
  });

  describe('errors in plain words', () => {
    it('names the unknown table', async () => {
      const err = await caught(() => driver.run(source(), 'SELECT * FROM no_such_table', [], limits, never));
      expect(err.kind).toBe('query');
      expect(err.message).toBe(`The query failed on ${server}: Table '${db}.no_such_table' doesn't exist.`);
    });
  });

  describe('pools', () => {
    it('never opens more than poolSize connections, under 50 concurrent queries', async () => {
      const marker = `pool_${suffix}`;
      const s = source({ poolSize: 3 });
      const sql = `SELECT CONNECTION_ID(), (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%/* ${marker} */%'), SLEEP(0.02) /* ${marker} */`;
      const results = await Promise.all(Array.from({ length: 50 }, () => driver.run(s, sql, [], limits, never)));
      const ids = new Set(results.map((r) => r.rows[0][0]));
      const seen = Math.max(...results.map((r) => Number(r.rows[0][1])));
      expect(ids.size).toBeLessThanOrEqual(3);
      expect(seen).toBeLessThanOrEqual(3);
      expect(seen).toBe(3);
    });
  });

  describe('introspect', () => {
    it('lists tables and views with columns, keys and estimates', async () => {
      const result = await driver.introspect(source(), never);
      expect(result.schemas.map((x) => x.name)).toEqual([db]);
      const byName = Object.fromEntries(result.schemas[0].tables.map((t) => [t.name, t]));
      expect(Object.keys(byName).sort()).toEqual(['client_names', 'clients', 'kinds', 'projects', 'secrets', 'tasks', 'writes']);
      expect(byName.clients).toMatchObject({ kind: 'table', primaryKey: ['id'], foreignKeys: [] });
      expect(byName.clients.rowEstimate).toBeGreaterThan(0);
      expect(byName.clients.columns).toEqual([
        { name: 'id', dbType: 'int(11)', type: 'integer', nullable: false, position: 1 },
        { name: 'name', dbType: 'varchar(100)', type: 'text', nullable: false, position: 2 },
        { name: 'mood', dbType: "enum('ok','meh')", type: 'text', nullable: true, position: 3 },
      ]);
      expect(byName.projects.primaryKey).toEqual(['org', 'id']);
      expect(byName.projects.foreignKeys).toEqual([{ columns: ['client_id'], references: { schema: db, table: 'clients', columns: ['id'] } }]);
      expect(byName.tasks.foreignKeys).toEqual([{ columns: ['org', 'project_id'], references: { schema: db, table: 'projects', columns: ['org', 'id'] } }]);
      expect(byName.client_names).toMatchObject({ kind: 'view', rowEstimate: null });
    });

    it('lists only what the login may see', async () => {
      const result = await driver.introspect(restricted(), never);
      expect(result.schemas[0].tables.map((t) => t.name)).toEqual(['clients']);
    });
  });
});
