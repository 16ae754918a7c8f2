// Data sources over HTTP: an org admin connects a PostgreSQL database, a MariaDB database and
// uploaded files; members see them, viewers and outsiders do not; secrets never come back; hosts
// pass the SSRF guard; tests report versions or plain-word errors; syncs read schemas as jobs.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSecrets } from '../src/core/security/secrets.ts';
import { bearer, createTestApp, expectProblem, TEST_JWT_SECRET, type TestApp } from './harness.ts';
import { orgUrl } from './time-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

const PG_URL = process.env.TEST_DATABASE_URL ?? inject('serverUrl');
const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const suffix = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const SCHEMA = `ds_${suffix}`;

/** A TCP server's connection as the API takes it (a Unix-socket test server has none: those cases skip). */
function connectionOf(url: string) {
  const m = /^(\w+):\/\/([^:@/]*)(?::([^@/]*))?@([^:/?]+)(?::(\d+))?\/([^?]*)/.exec(url);
  if (!m) return null;
  return { host: m[4], port: Number(m[5] ?? (m[1].startsWith('mysql') ? 3306 : 5432)), database: m[6], user: decodeURIComponent(m[2]), password: decodeURIComponent(m[3] ?? '') };
}
const PG = connectionOf(PG_URL);
const MY = connectionOf(MYSQL_URL);

let t: TestApp;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let mysqlUp = false;

const post = (token: string, url: string, payload: unknown = {}) => t.request({ method: 'POST', url, headers: bearer(token), payload: payload as never });
const get = (token: string, url: string) => t.request({ method: 'GET', url, headers: bearer(token) });
const sources = (rest = '') => orgUrl(w.orgId, `/data-sources${rest}`);

beforeAll(async () => {
  t = await createTestApp({ env: { DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1,localhost' } });
  w = await orgWithRoles(t);
  if (PG) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA ${SCHEMA}`);
    await client.query(`CREATE TABLE ${SCHEMA}.customers (id int PRIMARY KEY, name text NOT NULL, country text)`);
    await client.query(`CREATE TABLE ${SCHEMA}.orders (id int PRIMARY KEY, customer_id int REFERENCES ${SCHEMA}.customers (id), total numeric(10,2), placed_at timestamptz)`);
    await client.query(`INSERT INTO ${SCHEMA}.customers VALUES (1, 'Ada', 'UK'), (2, 'Linus', 'FI')`);
    await client.query(`INSERT INTO ${SCHEMA}.orders VALUES (1, 1, 10.50, '2026-01-02T10:00:00Z'), (2, 1, 4.50, '2026-01-03T10:00:00Z'), (3, 2, 20, '2026-02-01T10:00:00Z')`);
    await client.end();
  }
  try {
    const c = await mysql.createConnection(MYSQL_URL);
    await c.query(`CREATE TABLE ds_${suffix}_items (id int PRIMARY KEY, name varchar(40), price decimal(8,2))`);
    await c.query(`INSERT INTO ds_${suffix}_items VALUES (1, 'apple', 0.5), (2, 'pear', 0.75)`);
    await c.end();
    mysqlUp = true;
  } catch (err) {
    if (process.env.TEST_MYSQL_URL) throw err;
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
  if (PG) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await client.end();
  }
  if (mysqlUp) {
    const c = await mysql.createConnection(MYSQL_URL);
    await c.query(`DROP TABLE IF EXISTS ds_${suffix}_items`);
    await c.end();
  }
});

describe('a PostgreSQL source', () => {
  let id: string;
  const password = `pw-${randomBytes(8).toString('hex')}`;

  it.runIf(PG)('is added by an admin, never shows its password, and is seen by members only', async () => {
    expectProblem(await post(w.member.accessToken, sources(), { name: 'Shop', kind: 'postgres', connection: { ...PG, password } }), 403, 'FORBIDDEN');
    const created = await post(w.admin.accessToken, sources(), { name: 'Shop', kind: 'postgres', connection: { ...PG, password } });
    expect(created.statusCode, created.body).toBe(201);
    id = created.json().id;
    expect(created.body).not.toContain(password);
    expect(created.json().connection).toMatchObject({ host: PG!.host, hasPassword: true, tls: { mode: 'disable', hasCa: false }, poolSize: 2 });
    expect((await get(w.member.accessToken, sources(`/${id}`))).json().name).toBe('Shop');
    expectProblem(await get(w.viewer.accessToken, sources(`/${id}`)), 403, 'FORBIDDEN');
    expectProblem(await get(w.outsider.accessToken, sources(`/${id}`)), 404, 'ORG.NOT_FOUND');
    // Sealed at rest, and nowhere in the outbox.
    const row = await sql<{ secrets_sealed: string; connection: unknown }>`SELECT secrets_sealed, connection FROM data_sources.sources WHERE id = ${id}`.execute(t.database.db);
    expect(JSON.stringify(row.rows[0])).not.toContain(password);
    const events = await sql<{ payload: unknown }>`SELECT payload FROM core.outbox WHERE payload->>'sourceId' = ${id}`.execute(t.database.db);
    expect(JSON.stringify(events.rows)).not.toContain(password);
    expectProblem(await post(w.admin.accessToken, sources(), { name: 'shop', kind: 'workspace' }), 409, 'DATA_SOURCES.NAME_TAKEN');
  });

  it.runIf(PG)('tests the connection: the server version and latency, or what failed in plain words', async () => {
    const ok = (await post(w.admin.accessToken, sources(`/${id}/test`))).json();
    expect(ok).toMatchObject({ ok: true, error: null });
    expect(ok.serverVersion).toMatch(/PostgreSQL \d+/);
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    const down = (await post(w.admin.accessToken, sources(), { name: 'Down', kind: 'postgres', connection: { ...PG, port: 1, password } })).json();
    const failed = (await post(w.admin.accessToken, sources(`/${down.id}/test`))).json();
    expect(failed).toMatchObject({ ok: false, serverVersion: null, error: { kind: 'unreachable' } });
    expect(failed.error.message).toContain(`${PG!.host}:1`);
    expect(JSON.stringify(failed)).not.toContain(password);
  });

  it.runIf(PG)('syncs the schema as a job: tables, columns, keys and row estimates; descriptions survive the next sync', async () => {
    const started = await post(w.admin.accessToken, sources(`/${id}/sync`));
    expect(started.statusCode).toBe(202);
    await t.runJobs();
    const schema = (await get(w.member.accessToken, sources(`/${id}/schema`))).json();
    const mine = schema.schemas.find((s: { name: string }) => s.name === SCHEMA);
    const orders = mine.tables.find((x: { name: string }) => x.name === 'orders');
    expect(orders.primaryKey).toEqual(['id']);
    expect(orders.foreignKeys).toEqual([{ columns: ['customer_id'], references: { schema: SCHEMA, table: 'customers', columns: ['id'] } }]);
    expect(orders.columns.map((c: { name: string; type: string }) => [c.name, c.type])).toEqual([
      ['id', 'integer'],
      ['customer_id', 'integer'],
      ['total', 'number'],
      ['placed_at', 'timestamp'],
    ]);
    const described = await t.request({ method: 'PUT', url: sources(`/${id}/descriptions`), headers: bearer(w.admin.accessToken), payload: { schema: SCHEMA, table: 'orders', column: 'total', description: 'Order total in EUR, tax included' } });
    expect(described.statusCode, described.body).toBe(204);
    expectProblem(await t.request({ method: 'PUT', url: sources(`/${id}/descriptions`), headers: bearer(w.admin.accessToken), payload: { schema: SCHEMA, table: 'nope', description: 'x' } }), 400, 'DATA_SOURCES.UNKNOWN_TABLE');
    await post(w.admin.accessToken, sources(`/${id}/sync`));
    await t.runJobs();
    const again = (await get(w.member.accessToken, sources(`/${id}/schema`))).json();
    const total = again.schemas.find((s: { name: string }) => s.name === SCHEMA).tables.find((x: { name: string }) => x.name === 'orders').columns.find((c: { name: string }) => c.name === 'total');
    expect(total.description).toBe('Order total in EUR, tax included');
    expect(again.schemaVersion).toBe(schema.schemaVersion + 1);
  });

  it.runIf(PG)('keeps a glossary that admins edit and members read', async () => {
    const term = await post(w.admin.accessToken, sources(`/${id}/glossary`), { term: 'Big order', definition: 'An order with a total over 15' });
    expect(term.statusCode, term.body).toBe(201);
    expectProblem(await post(w.admin.accessToken, sources(`/${id}/glossary`), { term: 'big order', definition: 'x' }), 409, 'DATA_SOURCES.TERM_TAKEN');
    expectProblem(await post(w.member.accessToken, sources(`/${id}/glossary`), { term: 'Other', definition: 'x' }), 403, 'FORBIDDEN');
    expect((await get(w.member.accessToken, sources(`/${id}/glossary`))).json().data).toEqual([expect.objectContaining({ term: 'Big order' })]);
  });

  it.runIf(PG)('runs queries read-only with the guard in front, naming the source when it fails', async () => {
    const res = await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: id, sql: `SELECT c.name, sum(o.total) AS spent FROM ${SCHEMA}.orders o JOIN ${SCHEMA}.customers c ON c.id = o.customer_id GROUP BY c.name ORDER BY spent DESC` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().rows).toEqual([
      ['Linus', 20],
      ['Ada', 15],
    ]);
    const missing = await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: id, sql: `SELECT nope FROM ${SCHEMA}.orders` });
    expectProblem(missing, 422, 'DATA_SOURCES.QUERY_FAILED');
    expect(missing.json()).toMatchObject({ sourceId: id, sourceName: 'Shop' });
    expect(missing.json().detail).toContain('nope');
  });

  it.runIf(PG)('keeps the password when a connection is edited without one, and re-checks the host', async () => {
    const patched = await t.request({ method: 'PATCH', url: sources(`/${id}`), headers: bearer(w.admin.accessToken), payload: { connection: { ...PG, poolSize: 3 } } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().connection).toMatchObject({ poolSize: 3, hasPassword: true });
    expect((await post(w.admin.accessToken, sources(`/${id}/test`))).json().ok).toBe(true);
    const refused = await t.request({ method: 'PATCH', url: sources(`/${id}`), headers: bearer(w.admin.accessToken), payload: { connection: { ...PG, host: '169.254.169.254' } } });
    expectProblem(refused, 400, 'DATA_SOURCES.HOST_NOT_ALLOWED');
  });
});

describe('hosts a source may reach', () => {
  it('refuses private and loopback hosts unless the operator allows them', async () => {
    const strict = await createTestApp();
    try {
      const v = await orgWithRoles(strict);
      for (const host of ['127.0.0.1', 'localhost', '10.0.0.5', '169.254.169.254', '[::1]', '0x7f.1', '2130706433']) {
        const res = await strict.request({ method: 'POST', url: orgUrl(v.orgId, '/data-sources'), headers: bearer(v.admin.accessToken), payload: { name: `h ${host}`, kind: 'postgres', connection: { host, port: 5432, database: 'x', user: 'x' } } });
        expectProblem(res, 400, 'DATA_SOURCES.HOST_NOT_ALLOWED');
        expect(res.json().errors[0].field).toBe('body.connection.host');
      }
    } finally {
      await strict.close();
    }
  });

  it('refuses a connection on kinds that take none, and none on kinds that need one', async () => {
    expectProblem(await post(w.admin.accessToken, sources(), { name: 'No conn', kind: 'postgres' }), 400, 'DATA_SOURCES.CONNECTION_INVALID');
    expectProblem(await post(w.admin.accessToken, sources(), { name: 'Conn', kind: 'workspace', connection: { host: '127.0.0.1', port: 1, database: 'x', user: 'x' } }), 400, 'DATA_SOURCES.CONNECTION_INVALID');
    expectProblem(await post(w.admin.accessToken, sources(), { name: 'Sys', kind: 'mysql', connection: { host: '127.0.0.1', port: 3306, database: 'mysql', user: 'root' } }), 400, 'DATA_SOURCES.CONNECTION_INVALID');
  });
});

describe('a MariaDB source', () => {
  it.runIf(MY)('connects, syncs and answers queries; a wrong password is an auth error in plain words', async () => {
    if (!mysqlUp) return;
    const created = await post(w.admin.accessToken, sources(), { name: 'Shop (MariaDB)', kind: 'mysql', connection: MY });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const tested = (await post(w.admin.accessToken, sources(`/${id}/test`))).json();
    expect(tested).toMatchObject({ ok: true });
    expect(tested.serverVersion).toMatch(/MariaDB|MySQL/);
    await post(w.admin.accessToken, sources(`/${id}/sync`));
    await t.runJobs();
    const schema = (await get(w.member.accessToken, sources(`/${id}/schema`))).json();
    const items = schema.schemas.flatMap((s: { tables: { name: string }[] }) => s.tables).find((x: { name: string }) => x.name === `ds_${suffix}_items`);
    expect(items.primaryKey).toEqual(['id']);
    const res = await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: id, sql: `SELECT name, price FROM ds_${suffix}_items WHERE price > :min ORDER BY name`, parameters: [{ name: 'min', type: 'number', value: 0.6 }] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().rows).toEqual([['pear', 0.75]]);
    const wrong = (await post(w.admin.accessToken, sources(), { name: 'Wrong pw', kind: 'mysql', connection: { ...MY, user: `nobody_${suffix}`, password: 'wrong' } })).json();
    const failed = (await post(w.admin.accessToken, sources(`/${wrong.id}/test`))).json();
    expect(failed).toMatchObject({ ok: false, error: { kind: 'auth' } });
    expect(failed.error.message).not.toContain('wrong');
  });
});

describe('a files source', () => {
  let id: string;
  const upload = (name: string, body: string | Buffer, token = w.admin.accessToken) =>
    t.request({ method: 'POST', url: sources(`/${id}/files?name=${encodeURIComponent(name)}`), headers: { ...bearer(token), 'content-type': 'application/octet-stream' }, payload: body });

  beforeAll(async () => {
    id = (await post(w.admin.accessToken, sources(), { name: 'Spreadsheets', kind: 'files' })).json().id;
  });

  it('takes a CSV as a table, under a key of its own, and answers queries over it', async () => {
    const res = await upload('../../etc/Sales 2026.csv', 'region,amount\nnorth,10\nsouth,32.5\nnorth,7\n');
    expect(res.statusCode, res.body).toBe(201);
    const file = res.json().files[0];
    expect(file).toMatchObject({ fileName: 'Sales 2026.csv', rowCount: 3, format: 'csv' });
    expect(file.tables).toEqual(['sales_2026']);
    const key = await sql<{ storage_key: string }>`SELECT storage_key FROM data_sources.files WHERE id = ${file.id}`.execute(t.database.db);
    expect(key.rows[0].storage_key).toMatch(new RegExp(`^orgs/${w.orgId}/data-sources/${id}/[0-9a-f-]{36}$`));
    const q = await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: id, sql: 'SELECT region, sum(amount) AS total FROM sales_2026 GROUP BY region ORDER BY region' });
    expect(q.statusCode, q.body).toBe(200);
    expect(q.json().rows).toEqual([
      ['north', 17],
      ['south', 32.5],
    ]);
    expectProblem(await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: id, sql: "SELECT * FROM read_csv('/etc/passwd')" }), 422, 'DATA_SOURCES.QUERY_REFUSED');
    expectProblem(await upload('x.csv', 'a\n1\n', w.member.accessToken), 403, 'FORBIDDEN');
  });

  it('takes TSV, JSON, Parquet and a workbook of two sheets, each as tables of its own', async () => {
    expect((await upload('people.tsv', 'name\tage\nAda\t36\nAlan\t41\n')).statusCode).toBe(201);
    expect((await upload('cities.json', JSON.stringify([{ city: 'Oslo', pop: 700 }, { city: 'Rome', pop: 2800 }]))).statusCode).toBe(201);
    const dir = await mkdtemp(join(tmpdir(), 'ds-parquet-'));
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run(`COPY (SELECT range AS n, range * 2 AS twice FROM range(5)) TO '${join(dir, 'n.parquet')}' (FORMAT parquet)`);
    duck.closeSync();
    expect((await upload('numbers.parquet', await readFile(join(dir, 'n.parquet')))).statusCode).toBe(201);
    await rm(dir, { recursive: true, force: true });
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Q1').addRows([['month', 'sales'], ['Jan', 10], ['Feb', 20]]);
    book.addWorksheet('Q2').addRows([['month', 'sales'], ['Apr', 40]]);
    const res = await upload('Budget.xlsx', Buffer.from(await book.xlsx.writeBuffer()));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().files.find((f: { fileName: string }) => f.fileName === 'Budget.xlsx').tables).toHaveLength(2);
    const q = await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), {
      dataSourceId: id,
      sql: 'SELECT (SELECT sum(age) FROM people) AS ages, (SELECT max(pop) FROM cities) AS pop, (SELECT sum(twice) FROM numbers) AS twice',
    });
    expect(q.statusCode, q.body).toBe(200);
    expect(q.json().rows).toEqual([[77, 2800, 20]]);
  });

  it('refuses a broken file, a file that is not UTF-8 and a zip bomb dressed as XLSX, keeping nothing', async () => {
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM core.stored_files WHERE org_id = ${w.orgId}`.execute(t.database.db);
    expectProblem(await upload('bad.csv', Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x2c, 0x31, 0x0a])), 422, 'DATA_SOURCES.FILE_REFUSED');
    expectProblem(await upload('ragged.csv', 'a,b\n1,2,3,4\n"unterminated\n'), 422, 'DATA_SOURCES.FILE_REFUSED');
    expectProblem(await upload('book.xlsx', Buffer.from('not a zip at all')), 422, 'DATA_SOURCES.FILE_REFUSED');
    expectProblem(await upload('notes.docx', 'hello'), 422, 'DATA_SOURCES.FILE_REFUSED');
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM core.stored_files WHERE org_id = ${w.orgId}`.execute(t.database.db);
    expect(after.rows[0].n).toBe(before.rows[0].n);
    const view = (await get(w.member.accessToken, sources(`/${id}`))).json();
    expect(view.files.map((f: { fileName: string }) => f.fileName)).toEqual(['Sales 2026.csv', 'people.tsv', 'cities.json', 'numbers.parquet', 'Budget.xlsx']);
  });

  it('adds a second file as a second table, and removes one with its table', async () => {
    const res = await upload('targets.ndjson', '{"region":"north","target":20}\n{"region":"south","target":30}\n');
    expect(res.statusCode, res.body).toBe(201);
    const q = await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: id, sql: 'SELECT s.region, sum(s.amount) - max(t.target) AS gap FROM sales_2026 s JOIN targets t USING (region) GROUP BY s.region ORDER BY 1' });
    expect(q.json().rows).toEqual([
      ['north', -3],
      ['south', 2.5],
    ]);
    const target = res.json().files.find((f: { fileName: string }) => f.fileName === 'targets.ndjson');
    expect((await t.request({ method: 'DELETE', url: sources(`/${id}/files/${target.id}`), headers: bearer(w.admin.accessToken) })).statusCode).toBe(204);
    expectProblem(await post(w.member.accessToken, orgUrl(w.orgId, '/queries'), { dataSourceId: id, sql: 'SELECT * FROM targets' }), 422, 'DATA_SOURCES.QUERY_REFUSED');
  });
});

describe('credentials after the master key rotates', () => {
  it('are opened with the previous key and sealed again with the new one by the re-seal job', async () => {
    const newSecret = 'the-next-secret-the-next-secret-0123456789';
    const rotated = await createTestApp({ env: { JWT_SECRET: newSecret, SEALING_PREVIOUS_KEYS: TEST_JWT_SECRET, DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1' }, database: t.database });
    try {
      const sealed = await post(w.admin.accessToken, sources(), { name: 'Sealed before', kind: 'postgres', connection: { host: '127.0.0.1', port: 5432, database: 'x', user: 'x', password: 'old-secret-pw' } });
      expect(sealed.statusCode, sealed.body).toBe(201);
      const old = createSecrets({ algorithm: 'HS256', secret: TEST_JWT_SECRET });
      const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM data_sources.sources WHERE secrets_sealed IS NOT NULL AND key_id = ${old.keyId}`.execute(t.database.db);
      expect(before.rows[0].n).toBeGreaterThan(0);
      await rotated.app.jobs.enqueue('data_sources.reseal', {});
      await rotated.runJobs();
      const fresh = createSecrets({ algorithm: 'HS256', secret: newSecret });
      const rows = await sql<{ key_id: string; secrets_sealed: string }>`SELECT key_id, secrets_sealed FROM data_sources.sources WHERE secrets_sealed IS NOT NULL`.execute(t.database.db);
      for (const r of rows.rows) {
        expect(r.key_id).toBe(fresh.keyId);
        expect(() => fresh.open(r.secrets_sealed)).not.toThrow();
      }
      const mine = await sql<{ secrets_sealed: string }>`SELECT secrets_sealed FROM data_sources.sources WHERE id = ${sealed.json().id}`.execute(t.database.db);
      expect(JSON.parse(fresh.open(mine.rows[0].secrets_sealed))).toEqual({ password: 'old-secret-pw' });
    } finally {
      await rotated.close();
    }
  });
});
