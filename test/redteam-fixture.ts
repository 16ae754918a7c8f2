// The red-team suites' ground (test/sql-guard-redteam*.test.ts): databases of their own on the
// real PostgreSQL and MariaDB servers holding canaries (a table `t` the hostile corpus aims at,
// functions that write, a sequence, a user mapping whose password is a secret), a canary file
// with a random secret that the database servers could read, two orgs with marked workspace
// data, and one way to send a request that checks what every answer must hold: a 4xx
// problem+json with a stable code, within the deadline, with no secret in it.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { expect, inject } from 'vitest';
import { withDatabase } from './connection-string.ts';
import { bearer, type TestApp } from './harness.ts';
import { createProject } from './projects-fixture.ts';
import { logTime, orgUrl } from './time-fixture.ts';
import type { U } from './workspace.ts';

export const PG_URL = process.env.TEST_DATABASE_URL ?? inject('serverUrl');
export const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** The query deadline the red-team apps run with (ANALYTICS_QUERY_TIMEOUT). */
export const TIMEOUT_MS = 2000;
/** No request may take longer: the deadline, the driver's margin, and room for a loaded machine. */
export const WALL_MS = TIMEOUT_MS + 2000;
export const MAX_ROWS = 1000;
export const MAX_RESULT_BYTES = 1_000_000;
export const DOWNLOAD_MAX_ROWS = 5000;

/** The environment of a red-team app: local databases allowed, short deadline, small caps. */
export function redteamEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1,localhost',
    ANALYTICS_QUERY_TIMEOUT: `${TIMEOUT_MS}ms`,
    ANALYTICS_MAX_ROWS: String(MAX_ROWS),
    ANALYTICS_MAX_RESULT_BYTES: String(MAX_RESULT_BYTES),
    ANALYTICS_DOWNLOAD_MAX_ROWS: String(DOWNLOAD_MAX_ROWS),
    ANALYTICS_PROFILE_MAX_ROWS: '1000',
    DATA_DIR: dataDir,
    ...extra,
  };
}

export const suffix = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** A TCP server's connection as the API takes it (a Unix-socket server has none: those parts skip). */
export function connectionOf(url: string) {
  const m = /^(\w+):\/\/([^:@/]*)(?::([^@/]*))?@([^:/?]+)(?::(\d+))?\/([^?]*)/.exec(url);
  if (!m) return null;
  return { host: m[4], port: Number(m[5] ?? (m[1].startsWith('mysql') ? 3306 : 5432)), database: m[6], user: decodeURIComponent(m[2]), password: decodeURIComponent(m[3] ?? '') };
}

// ---------------------------------------------------------------------------------------------
// The canary file: a random secret in a file every local server process can read.

export interface Canary {
  dir: string;
  path: string;
  secret: string;
  remove(): void;
}

export function createCanary(): Canary {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-redteam-'));
  // The database servers run as other users: they must be able to read it, or a refusal proves nothing.
  chmodSync(dir, 0o755);
  const secret = `canary-secret-${randomBytes(12).toString('hex')}`;
  const path = join(dir, 'canary.csv');
  writeFileSync(path, `secret\n${secret}\n`);
  chmodSync(path, 0o644);
  return { dir, path, secret, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a database of our own, so that "no new relation" is about our database alone.

export interface PgFixture {
  database: string;
  connection: NonNullable<ReturnType<typeof connectionOf>>;
  /** The role for the read-only-role layer: it may read `t` and `digits`, nothing else. */
  role: string;
  /** The password of the user mapping (a credential the catalog holds), or null when the login may not create one. */
  mappingSecret: string | null;
  /** The tables, functions, sequence, large objects, advisory locks and canary rows, as one comparable value. */
  snapshot(): Promise<Record<string, unknown>>;
  /** Statements of other sessions still running (or idle in a transaction) in our database. */
  busy(): Promise<number>;
  close(): Promise<void>;
}

export const EVIL_PG_TABLE = 'evil"; DROP TABLE t; --';

export async function createPgFixture(id: string): Promise<PgFixture | null> {
  const base = connectionOf(PG_URL);
  if (!base) return null;
  const database = `redteam_${id}`;
  const role = `redteam_ro_${id}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const drop = async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  };
  const client = new pg.Client({ connectionString: withDatabase(PG_URL, database) });
  await client.connect();
  await client.query(`
    CREATE TABLE t (id int PRIMARY KEY, a int, secret text);
    INSERT INTO t SELECT g, g * 10, 'row-' || g FROM generate_series(1, 5) g;
    CREATE TABLE s (id int PRIMARY KEY, a int);
    INSERT INTO s VALUES (1, 1), (2, 2);
    CREATE TABLE a (id int); CREATE TABLE b (id int);
    CREATE TABLE digits (d int);
    INSERT INTO digits SELECT generate_series(0, 9);
    CREATE TABLE secret_table (v text);
    INSERT INTO secret_table VALUES ('not for the read-only role');
    CREATE TABLE ${pg.escapeIdentifier(EVIL_PG_TABLE)} (n int);
    INSERT INTO ${pg.escapeIdentifier(EVIL_PG_TABLE)} VALUES (1), (2), (3);
    CREATE SEQUENCE canary_seq;
    CREATE FUNCTION canary_write() RETURNS int LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t VALUES (100, 0, 'written'); RETURN 1; END $$;
    CREATE FUNCTION canary_ddl() RETURNS int LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE canary_created (x int); RETURN 1; END $$;
    CREATE FUNCTION canary_next() RETURNS bigint LANGUAGE sql AS $$ SELECT nextval('canary_seq') $$;
    CREATE FUNCTION canary_rows() RETURNS SETOF t LANGUAGE plpgsql AS $$ BEGIN UPDATE t SET a = -1 WHERE id = 1; RETURN QUERY SELECT * FROM t; END $$;
    CREATE ROLE ${role} NOLOGIN;
    GRANT SELECT ON t, digits TO ${role};
  `).catch(async (err) => {
    await client.end();
    await drop();
    throw err;
  });
  // A credential in the catalog (a foreign server's user mapping): only a superuser may set one up.
  let mappingSecret: string | null = `mapping-secret-${randomBytes(10).toString('hex')}`;
  try {
    await client.query('CREATE FOREIGN DATA WRAPPER redteam_fdw');
    await client.query('CREATE SERVER redteam_srv FOREIGN DATA WRAPPER redteam_fdw');
    await client.query(`CREATE USER MAPPING FOR CURRENT_USER SERVER redteam_srv OPTIONS (user 'remote', password '${mappingSecret}')`);
  } catch {
    mappingSecret = null;
  }
  const self = `(SELECT oid FROM pg_database WHERE datname = current_database())`;
  return {
    database,
    connection: { ...base, database },
    role,
    mappingSecret,
    async snapshot() {
      const { rows } = await client.query(`SELECT
        (SELECT string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text, ',' ORDER BY n.nspname, c.relname)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%') AS relations,
        (SELECT string_agg(t::text, '|' ORDER BY id) FROM t) AS t,
        (SELECT string_agg(s::text, '|' ORDER BY id) FROM s) AS s,
        (SELECT count(*)::int FROM ${pg.escapeIdentifier(EVIL_PG_TABLE)}) AS evil,
        (SELECT last_value || ':' || is_called FROM canary_seq) AS seq,
        (SELECT count(*)::int FROM pg_largeobject_metadata) AS large_objects,
        (SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE pronamespace = 'public'::regnamespace) AS functions,
        (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND database = ${self}) AS advisory_locks,
        (SELECT count(*)::int FROM pg_db_role_setting WHERE setdatabase = ${self}) AS database_settings,
        (SELECT count(*)::int FROM pg_prepared_xacts WHERE database = current_database()) AS prepared`);
      return rows[0];
    },
    async busy() {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'`);
      return rows[0].n;
    },
    async close() {
      await client.end();
      await drop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// MariaDB (or MySQL): a database of our own, a login that may only read.

export interface MysqlFixture {
  database: string;
  connection: NonNullable<ReturnType<typeof connectionOf>>;
  /** A login that may read `t` and `digits` only. */
  readOnly: { user: string; password: string };
  snapshot(): Promise<Record<string, unknown>>;
  busy(): Promise<number>;
  close(): Promise<void>;
}

export const EVIL_MY_TABLE = 'evil`; DROP TABLE t; --x';

/** Whether the MariaDB server answers: false only when TEST_MYSQL_URL is unset and none does (the MariaDB parts skip then); throws when it is set and fails. */
export async function mysqlAnswers(): Promise<boolean> {
  const base = connectionOf(MYSQL_URL);
  if (!base) return false;
  try {
    const c = await mysql.createConnection({ host: base.host, port: base.port, user: base.user, password: base.password, connectTimeout: 3000 });
    await c.end();
    return true;
  } catch (err) {
    if (process.env.TEST_MYSQL_URL) throw err;
    return false;
  }
}

/** Null when TEST_MYSQL_URL is unset and no server answers (the MariaDB parts skip then); throws when it is set and fails. */
export async function createMysqlFixture(id: string): Promise<MysqlFixture | null> {
  const base = connectionOf(MYSQL_URL);
  if (!base) return null;
  let admin: mysql.Connection;
  try {
    admin = await mysql.createConnection({ host: base.host, port: base.port, user: base.user, password: base.password, connectTimeout: 3000 });
  } catch (err) {
    if (process.env.TEST_MYSQL_URL) throw err;
    return null;
  }
  const database = `redteam_${id}`;
  const ro = { user: `redteam_ro_${id}`.slice(0, 32), password: `ro-${randomBytes(8).toString('hex')}` };
  const drop = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`DROP USER IF EXISTS '${ro.user}'@'%'`);
  };
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.query(`USE ${database}`);
  const setup = [
    'CREATE TABLE t (id int PRIMARY KEY, a int, secret varchar(64)) ENGINE=InnoDB',
    "INSERT INTO t VALUES (1, 10, 'row-1'), (2, 20, 'row-2'), (3, 30, 'row-3'), (4, 40, 'row-4'), (5, 50, 'row-5')",
    'CREATE TABLE s (id int PRIMARY KEY, a int) ENGINE=InnoDB',
    'INSERT INTO s VALUES (1, 1), (2, 2)',
    'CREATE TABLE t2 (id int)',
    'CREATE TABLE digits (d int)',
    'INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)',
    'CREATE TABLE secret_table (v varchar(40))',
    "INSERT INTO secret_table VALUES ('not for the read-only login')",
    `CREATE TABLE ${mysql.escapeId(EVIL_MY_TABLE)} (n int)`,
    `INSERT INTO ${mysql.escapeId(EVIL_MY_TABLE)} VALUES (1), (2), (3)`,
    'CREATE SEQUENCE canary_seq',
    "CREATE FUNCTION canary_write() RETURNS int MODIFIES SQL DATA BEGIN INSERT INTO t VALUES (100, 0, 'written'); RETURN 1; END",
    `CREATE USER '${ro.user}'@'%' IDENTIFIED BY '${ro.password}'`,
    `GRANT SELECT ON ${database}.t TO '${ro.user}'@'%'`,
    `GRANT SELECT ON ${database}.digits TO '${ro.user}'@'%'`,
  ];
  try {
    for (const statement of setup) await admin.query(statement);
  } catch (err) {
    await drop();
    await admin.end();
    throw err;
  }
  return {
    database,
    connection: { ...base, database },
    readOnly: ro,
    async snapshot() {
      const [rows] = await admin.query(`SELECT
        (SELECT GROUP_CONCAT(CONCAT(table_name, ':', table_type) ORDER BY table_name) FROM information_schema.tables WHERE table_schema = DATABASE()) AS relations,
        (SELECT GROUP_CONCAT(CONCAT_WS(':', id, a, secret) ORDER BY id SEPARATOR '|') FROM t) AS t,
        (SELECT GROUP_CONCAT(CONCAT_WS(':', id, a) ORDER BY id SEPARATOR '|') FROM s) AS s,
        (SELECT COUNT(*) FROM ${mysql.escapeId(EVIL_MY_TABLE)}) AS evil,
        (SELECT next_not_cached_value FROM canary_seq) AS seq,
        (SELECT GROUP_CONCAT(routine_name ORDER BY routine_name) FROM information_schema.routines WHERE routine_schema = DATABASE()) AS routines,
        @@global.general_log AS general_log, @@global.max_statement_time AS max_statement_time, @@global.read_only AS read_only`);
      return { ...(rows as Record<string, unknown>[])[0] };
    },
    async busy() {
      const [rows] = await admin.query(`SELECT COUNT(*) AS n FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID() AND command <> 'Sleep'`);
      return Number((rows as { n: number }[])[0].n);
    },
    async close() {
      await drop();
      await admin.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The workspace: org A (the attacker's) and org B (the victim), each with marked rows.

export interface WorkspaceSeed {
  /** Strings only org B's rows hold: no answer to org A may contain one. */
  bMarkers: string[];
  bProjectId: string;
  /** Org A's own entries and hours, to check answers against. */
  aEntries: number;
  aHours: number;
}

export async function seedWorkspaces(t: TestApp, a: { orgId: string; owner: U }, b: { orgId: string; owner: U }): Promise<WorkspaceSeed> {
  const tag = randomBytes(6).toString('hex');
  const bMarkers = [`orgb-project-${tag}`, `orgb-client-${tag}`, `orgb-note-${tag}`, `orgb-task-${tag}`, b.owner.email];
  const start = (days: number) => new Date(Date.UTC(2026, 0, 5 + days, 9)).toISOString();

  const mine = await createProject(t, a.owner.accessToken, a.orgId, { name: 'Alpha work', client: 'Alpha client', hourlyRateMinor: 10000, currency: 'EUR' });
  await logTime(t, a.owner.accessToken, a.orgId, { projectId: mine.id, start: start(0), durationSeconds: 3600, description: '42', billable: true });
  await logTime(t, a.owner.accessToken, a.orgId, { projectId: mine.id, start: start(1), durationSeconds: 7200, description: 'alpha note', billable: true });

  const theirs = await createProject(t, b.owner.accessToken, b.orgId, { name: bMarkers[0], client: bMarkers[1], hourlyRateMinor: 99900, currency: 'EUR' });
  const task = await t.request({ method: 'POST', url: orgUrl(b.orgId, `/projects/${theirs.id}/tasks`), headers: bearer(b.owner.accessToken), payload: { name: bMarkers[3] } });
  expect(task.statusCode, task.body).toBe(201);
  for (let i = 0; i < 3; i++) {
    await logTime(t, b.owner.accessToken, b.orgId, { projectId: theirs.id, taskId: task.json().id, start: start(i), durationSeconds: 36_000, description: bMarkers[2], billable: true });
  }
  return { bMarkers, bProjectId: theirs.id, aEntries: 2, aHours: 3 };
}

/** Both orgs' workspace rows (every org's, in fact) and the app database's relations, as one comparable value. */
export async function workspaceSnapshot(t: TestApp): Promise<Record<string, unknown>> {
  const { rows } = await sql<Record<string, unknown>>`SELECT
    (SELECT md5(string_agg(e::text, '|' ORDER BY e.id)) FROM time_tracking.entries e) AS entries,
    (SELECT md5(string_agg(p::text, '|' ORDER BY p.id)) FROM projects.projects p) AS projects,
    (SELECT md5(string_agg(k::text, '|' ORDER BY k.id)) FROM projects.tasks k) AS tasks,
    (SELECT md5(string_agg(m::text, '|' ORDER BY m.org_id, m.user_id)) FROM organizations.memberships m) AS memberships,
    (SELECT md5(string_agg(u::text, '|' ORDER BY u::text)) FROM auth.accounts u) AS accounts,
    (SELECT md5(string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text, ',' ORDER BY n.nspname, c.relname))
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%') AS relations,
    (SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE pronamespace = 'public'::regnamespace) AS functions`.execute(t.database.db);
  return rows[0];
}

/** A files source's database and files, as the app database records them. */
export async function filesSnapshot(t: TestApp, sourceId: string): Promise<Record<string, unknown>> {
  const { rows } = await sql<Record<string, unknown>>`SELECT s.database_key, s.schema_version,
      (SELECT string_agg(f.id::text || ':' || f.tables::text || ':' || f.row_count, '|' ORDER BY f.id) FROM data_sources.files f WHERE f.source_id = s.id) AS files,
      (SELECT count(*)::int FROM core.stored_files sf WHERE sf.org_id = s.org_id) AS stored
    FROM data_sources.sources s WHERE s.id = ${sourceId}`.execute(t.database.db);
  return rows[0];
}

// ---------------------------------------------------------------------------------------------
// Requests and what every hostile answer must be.

export interface Sent {
  res: LightMyRequestResponse;
  ms: number;
}

/**
 * A sender that checks every answer: never a 5xx but 503, never slower than WALL_MS, never a forbidden
 * string (the canary's secret, a credential, another org's data) anywhere in the body.
 */
export function sender(t: TestApp, forbidden: () => readonly string[]) {
  return async function send(token: string, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<Sent> {
    const started = performance.now();
    const res = await t.request({ method, url, headers: bearer(token), ...(payload !== undefined ? { payload: payload as never } : {}) });
    const ms = performance.now() - started;
    const context = `${method} ${url} ${JSON.stringify(payload)?.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
    // A source that is down is 503 (DATA_SOURCES.UNREACHABLE); any other 5xx is a bug.
    if (res.statusCode !== 503) expect(res.statusCode, context).toBeLessThan(500);
    expect(ms, `${context} took ${Math.round(ms)} ms`).toBeLessThan(WALL_MS);
    for (const secret of forbidden()) expect(res.body.includes(secret), `${context}: the answer holds ${secret}`).toBe(false);
    return { res, ms };
  };
}

/** A 4xx problem+json with this code (and, for a refusal, this reason when given). */
export function expectProblemOf(res: LightMyRequestResponse, status: number, code: string, context = '') {
  const why = `${context} → ${res.statusCode} ${res.body.slice(0, 400)}`;
  expect(res.statusCode, why).toBe(status);
  expect(res.headers['content-type'], why).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body, why).toMatchObject({ type: expect.stringMatching(/^https:\/\//), title: expect.any(String), status, code, detail: expect.any(String), requestId: expect.any(String) });
  expect(body.detail, why).not.toMatch(/\n\s+at /); // no stack trace
  return body;
}

export function expectRefused(res: LightMyRequestResponse, reason?: string, context = '') {
  const body = expectProblemOf(res, 422, 'DATA_SOURCES.QUERY_REFUSED', context);
  expect(typeof body.reason, context).toBe('string');
  if (reason) expect(body.reason, `${context} → ${body.detail}`).toBe(reason);
  return body;
}

/** A failure below the guard: it names the source. */
export function expectSourceProblem(res: LightMyRequestResponse, status: number, code: string, source: { id: string; name: string }, context = '') {
  const body = expectProblemOf(res, status, code, context);
  expect(body, context).toMatchObject({ sourceId: source.id, sourceName: source.name });
  return body;
}

/** Waits until `busy()` says nothing of ours runs on the server any more (a cancelled statement takes a moment to go). */
export async function settled(busy: () => Promise<number>, withinMs = 2000): Promise<number> {
  const until = Date.now() + withinMs;
  let n = await busy();
  while (n > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    n = await busy();
  }
  return n;
}
