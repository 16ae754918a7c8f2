// Issue #12's "done when", as a client that reads only /openapi.json: every call below is found
// by its operationId in the document. An org admin connects a PostgreSQL database, a MariaDB
// database and a CSV file, asks "hours per client last quarter" of the workspace source, asks a
// question in plain language of each other source (the scripted model), profiles a table and
// downloads a result.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import { llmEnv, type LlmServer, startLlmServer } from './llm-server.ts';
import { createProject } from './projects-fixture.ts';
import { logTime } from './time-fixture.ts';
import { createOrg, newUser, type U } from './workspace.ts';

const PG_URL = process.env.TEST_DATABASE_URL ?? inject('serverUrl');
const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const tcp = (url: string) => /^(\w+):\/\/([^:@/]*)(?::([^@/]*))?@([^:/?]+)(?::(\d+))?\/([^?]*)/.exec(url);
const suffix = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

let t: TestApp;
let llm: LlmServer;
let admin: U;
let orgId: string;
let doc: { paths: Record<string, Record<string, { operationId: string }>> };
let mysqlUp = false;

/** Calls the operation named `id` in /openapi.json, filling its path parameters. */
async function call(id: string, params: Record<string, string>, body?: unknown, query = '') {
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.operationId !== id) continue;
      const url = `/api/v1${path.replace(/\{(\w+)\}/g, (_, k) => params[k])}${query}`;
      return t.request({ method: method.toUpperCase() as 'GET', url, headers: bearer(admin.accessToken), ...(body !== undefined ? { payload: body as never } : {}) });
    }
  }
  throw new Error(`no operation ${id} in /openapi.json`);
}

beforeAll(async () => {
  llm = await startLlmServer();
  t = await createTestApp({ env: { ...llmEnv(llm), DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1,localhost' } });
  doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
  admin = await newUser(t);
  orgId = (await createOrg(t, admin.accessToken)).id;
  const now = new Date();
  const lastQuarterStart = new Date(Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3 - 3, 1, 9));
  const project = await createProject(t, admin.accessToken, orgId, { client: 'Initech' });
  await logTime(t, admin.accessToken, orgId, { projectId: project.id, start: new Date(lastQuarterStart.getTime() + 86_400_000).toISOString(), durationSeconds: 5400 });
  if (tcp(PG_URL)) {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`CREATE TABLE acc_${suffix} (id int PRIMARY KEY, city text, visitors int)`);
    await c.query(`INSERT INTO acc_${suffix} VALUES (1, 'Oslo', 120), (2, 'Bergen', 80), (3, 'Oslo', 40)`);
    await c.end();
  }
  try {
    const c = await mysql.createConnection(MYSQL_URL);
    await c.query(`CREATE TABLE acc_${suffix} (id int PRIMARY KEY, city varchar(40), visitors int)`);
    await c.query(`INSERT INTO acc_${suffix} VALUES (1, 'Lyon', 10), (2, 'Nice', 30)`);
    await c.end();
    mysqlUp = true;
  } catch (err) {
    if (process.env.TEST_MYSQL_URL) throw err;
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
  await llm?.close();
  if (tcp(PG_URL)) {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP TABLE IF EXISTS acc_${suffix}`);
    await c.end();
  }
  if (mysqlUp) {
    const c = await mysql.createConnection(MYSQL_URL);
    await c.query(`DROP TABLE IF EXISTS acc_${suffix}`);
    await c.end();
  }
});

/** Adds a source, syncs it and asks it a question whose SQL the scripted model writes. */
async function connectAndAsk(body: Record<string, unknown>, sql: string, expected: unknown[][]) {
  const created = await call('createDataSource', { orgId }, body);
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id;
  return { id, ask: () => askOf(id, sql, expected) };
}

async function askOf(sourceId: string, sql: string, expected: unknown[][]) {
  const synced = await call('syncDataSource', { orgId, sourceId });
  expect(synced.statusCode).toBe(202);
  await t.runJobs();
  llm.script({ text: JSON.stringify({ sql, explanation: 'Visitors per city.' }) });
  const answer = await call('askQuestion', { orgId }, { dataSourceId: sourceId, question: 'How many visitors per city?' });
  expect(answer.statusCode, answer.body).toBe(200);
  expect(answer.json()).toMatchObject({ sql, result: { rows: expected } });
  expect(llm.requests.at(-1)!.prompt).toContain(`acc_${suffix}`);
}

describe('an org admin who reads only /openapi.json', () => {
  it('asks "hours per client last quarter" of the workspace source', async () => {
    const { id } = await connectAndAsk({ name: 'Our work', kind: 'workspace' }, '', []);
    const res = await call('runQuery', { orgId }, {
      dataSourceId: id,
      sql: "SELECT p.client, sum(e.hours) AS hours FROM time_entries e JOIN projects p ON p.id = e.project_id WHERE e.start_at >= date_trunc('quarter', now()) - interval '3 months' AND e.start_at < date_trunc('quarter', now()) GROUP BY p.client",
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().rows).toEqual([['Initech', 1.5]]);
  });

  it.runIf(tcp(PG_URL))('connects a PostgreSQL database and asks it in plain language', async () => {
    const [, , user, password, host, port, database] = tcp(PG_URL)!;
    const pgSource = await connectAndAsk(
      { name: 'Visits (PostgreSQL)', kind: 'postgres', connection: { host, port: Number(port ?? 5432), database, user, password: decodeURIComponent(password ?? '') } },
      `SELECT city, sum(visitors) AS visitors FROM public.acc_${suffix} GROUP BY city ORDER BY city`,
      [
        ['Bergen', 80],
        ['Oslo', 160],
      ],
    );
    await pgSource.ask();
    const profile = await call('profileData', { orgId }, { dataSourceId: pgSource.id, table: { schema: 'public', name: `acc_${suffix}` } });
    expect(profile.statusCode, profile.body).toBe(200);
    expect(profile.json().columns.find((c: { name: string }) => c.name === 'visitors')).toMatchObject({ count: 3, min: 40, max: 120, mean: 80 });
    const csv = await call('downloadQueryResult', { orgId }, { dataSourceId: pgSource.id, sql: `SELECT city, visitors FROM public.acc_${suffix} ORDER BY id`, format: 'csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toBe('\uFEFFcity,visitors\r\nOslo,120\r\nBergen,80\r\nOslo,40\r\n');
  });

  it('connects a MariaDB database and asks it in plain language', async () => {
    if (!mysqlUp) return;
    const [, , user, password, host, port, database] = tcp(MYSQL_URL)!;
    const source = await connectAndAsk(
      { name: 'Visits (MariaDB)', kind: 'mysql', connection: { host, port: Number(port ?? 3306), database, user, password: decodeURIComponent(password ?? '') } },
      `SELECT city, sum(visitors) AS visitors FROM acc_${suffix} GROUP BY city ORDER BY city`,
      [
        ['Lyon', 10],
        ['Nice', 30],
      ],
    );
    await source.ask();
  });

  it('uploads a CSV file and asks it in plain language', async () => {
    const created = await call('createDataSource', { orgId }, { name: 'Visits (CSV)', kind: 'files' });
    const sourceId = created.json().id;
    const up = await t.request({
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/data-sources/${sourceId}/files?name=acc_${suffix}.csv`,
      headers: { ...bearer(admin.accessToken), 'content-type': 'text/csv' },
      payload: 'city,visitors\nRome,5\nRome,6\nMilan,9\n',
    });
    expect(up.statusCode, up.body).toBe(201);
    await askOf(sourceId, `SELECT city, sum(visitors) AS visitors FROM acc_${suffix} GROUP BY city ORDER BY city`, [
      ['Milan', 9],
      ['Rome', 11],
    ]);
  });
});
