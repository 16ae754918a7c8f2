// The red team, end to end: hostile SQL sent through the API (`POST /queries`, and the other doors
// to a source: saved questions, downloads, profiles, re-runs) at real servers: a PostgreSQL
// database, a MariaDB database, a files source (DuckDB) and the workspace source, each holding
// canaries. The guard's corpus (guard/hostile-cases.ts) is replayed per dialect with the reason it
// must give, then cases of our own that reach the layers below the guard: the read-only
// transaction, the read-only role, the statement timeout and the caps. For every case: a 4xx
// problem+json with a stable code, within the deadline, nothing written (the canaries keep their
// exact content, no relation appears), no file read (the canary file's secret is in no answer),
// no other org's row in any answer.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileCases } from '../src/modules/data_sources/guard/hostile-cases.ts';
import type { GuardRefusal } from '../src/modules/data_sources/guard/index.ts';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import {
  type Canary,
  createCanary,
  createMysqlFixture,
  createPgFixture,
  DOWNLOAD_MAX_ROWS,
  EVIL_MY_TABLE,
  EVIL_PG_TABLE,
  expectProblemOf,
  expectRefused,
  expectSourceProblem,
  filesSnapshot,
  MAX_RESULT_BYTES,
  MAX_ROWS,
  type MysqlFixture,
  type PgFixture,
  redteamEnv,
  type Sent,
  seedWorkspaces,
  sender,
  settled,
  suffix,
  TIMEOUT_MS,
  type WorkspaceSeed,
  workspaceSnapshot,
} from './redteam-fixture.ts';
import { orgUrl } from './time-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

interface Source {
  id: string;
  name: string;
}
type Kind = 'postgres' | 'mariadb' | 'duckdb' | 'workspace';
/** A refusal by the guard (with its reason, or any), or another problem. */
type Outcome = GuardRefusal | 'refused' | { status: number; code: string };
interface Case {
  category: string;
  sql: string;
  outcome: Outcome;
  parameters?: { name: string; type: string; value: unknown }[];
}

const id = suffix();
let t: TestApp;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let canary: Canary;
let dataDir: string;
let pgf: PgFixture | null;
let myf: MysqlFixture | null;
let seed: WorkspaceSeed;
const src: Partial<Record<Kind | 'postgresRole' | 'mariadbReadOnly', Source>> = {};
const baseline: Partial<Record<Kind, Record<string, unknown>>> = {};
/** Hostile cases that came back as the 4xx they must, by dialect and category. */
const tally = new Map<string, number>();

const forbidden = () => [canary.secret, ...(pgf?.mappingSecret ? [pgf.mappingSecret] : []), ...seed.bMarkers];
let send: ReturnType<typeof sender>;
const run = (source: Source, sql: string, extra: Record<string, unknown> = {}) => send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries'), { dataSourceId: source.id, sql, fresh: true, ...extra });

/** What `kind`'s canaries look like now, to compare with what they looked like before any attack. */
async function snapshotOf(kind: Kind): Promise<Record<string, unknown>> {
  if (kind === 'postgres') return pgf!.snapshot();
  if (kind === 'mariadb') return myf!.snapshot();
  if (kind === 'duckdb') return filesSnapshot(t, src.duckdb!.id);
  return workspaceSnapshot(t);
}

async function expectUntouched(kind: Kind, context = '') {
  expect(await snapshotOf(kind), `${kind} changed after ${context}`).toEqual(baseline[kind]);
}

function count(kind: string, category: string) {
  tally.set(`${kind}:${category}`, (tally.get(`${kind}:${category}`) ?? 0) + 1);
}

/** Checks one answer against the outcome a hostile case must have. */
function expectOutcome(sent: Sent, outcome: Outcome, context: string, source: Source) {
  if (typeof outcome === 'string') return expectRefused(sent.res, outcome === 'refused' ? undefined : outcome, context);
  if (outcome.code.startsWith('DATA_SOURCES.QUERY_') && outcome.code !== 'DATA_SOURCES.QUERY_REFUSED') return expectSourceProblem(sent.res, outcome.status, outcome.code, source, context);
  return expectProblemOf(sent.res, outcome.status, outcome.code, context);
}

/** Sends a hostile case at a source and checks the answer and the canaries. */
async function attack(kind: Kind, source: Source, c: Case) {
  const context = `${kind} [${c.category}] ${JSON.stringify(c.sql).slice(0, 160)}`;
  const sent = await run(source, c.sql, c.parameters ? { parameters: c.parameters } : {});
  // The API refuses text over 100,000 characters before the guard sees it.
  const outcome: Outcome = c.sql.length > 100_000 ? { status: 400, code: 'VALIDATION_FAILED' } : c.outcome;
  expectOutcome(sent, outcome, context, source);
  await expectUntouched(kind, context);
  count(kind, c.category);
  return sent;
}

/** A corpus case as the API must answer it: an unbound `:name` is a parameter the request did not declare (400). */
const corpusOutcome = (c: { code: GuardRefusal; note?: string }, reason: GuardRefusal | 'refused' = c.code): Outcome =>
  c.note === 'an unbound named parameter' ? { status: 400, code: 'DATA_SOURCES.PARAMETER_INVALID' } : reason;

/** The corpus's category for a refusal code. */
const corpusCategory = (code: GuardRefusal) =>
  ({
    not_a_select: 'writes and DDL',
    select_into: 'writes and DDL',
    data_modifying_cte: 'data-modifying CTEs',
    multiple_statements: 'stacked statements',
    executable_comment: 'comment and string tricks',
    ambiguous_syntax: 'comment and string tricks',
    parse_error: 'comment and string tricks',
    empty: 'comment and string tricks',
    too_long: 'oversized input',
    too_complex: 'oversized input',
    locking_clause: 'locks',
    denied_function: 'sleep, heavy, file and network functions',
    file_access: 'sleep, heavy, file and network functions',
    denied_relation: 'catalog reads of credentials',
    denied_variable: 'catalog reads of credentials',
    relation_not_allowed: 'other relations',
  })[code];

async function addSource(body: Record<string, unknown>): Promise<Source> {
  const res = await t.request({ method: 'POST', url: orgUrl(w.orgId, '/data-sources'), headers: bearer(w.admin.accessToken), payload: body as never });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id, name: body.name as string };
}

async function upload(source: Source, name: string, body: string) {
  const res = await t.request({ method: 'POST', url: orgUrl(w.orgId, `/data-sources/${source.id}/files?name=${encodeURIComponent(name)}`), headers: { ...bearer(w.admin.accessToken), 'content-type': 'application/octet-stream' }, payload: body });
  expect(res.statusCode, res.body).toBe(201);
}

async function sync(source: Source) {
  const res = await t.request({ method: 'POST', url: orgUrl(w.orgId, `/data-sources/${source.id}/sync`), headers: bearer(w.admin.accessToken) });
  expect(res.statusCode, res.body).toBe(202);
}

beforeAll(async () => {
  canary = createCanary();
  dataDir = mkdtempSync(join(tmpdir(), 'trellis-redteam-data-'));
  t = await createTestApp({ env: redteamEnv(dataDir) });
  w = await orgWithRoles(t);
  send = sender(t, forbidden);
  [pgf, myf, seed] = await Promise.all([createPgFixture(id), createMysqlFixture(id), seedWorkspaces(t, { orgId: w.orgId, owner: w.owner }, { orgId: w.outsiderOrgId, owner: w.outsider })]);

  if (pgf) {
    src.postgres = await addSource({ name: 'Red PostgreSQL', kind: 'postgres', connection: { ...pgf.connection, connectTimeoutSeconds: 2 } });
    src.postgresRole = await addSource({ name: 'Red PostgreSQL (read-only role)', kind: 'postgres', connection: { ...pgf.connection, role: pgf.role } });
    await sync(src.postgres);
  }
  if (myf) {
    src.mariadb = await addSource({ name: 'Red MariaDB', kind: 'mysql', connection: { ...myf.connection, connectTimeoutSeconds: 2 } });
    src.mariadbReadOnly = await addSource({ name: 'Red MariaDB (read-only login)', kind: 'mysql', connection: { ...myf.connection, ...myf.readOnly } });
    await sync(src.mariadb);
  }
  src.duckdb = await addSource({ name: 'Red files', kind: 'files' });
  await upload(src.duckdb, 'sales.csv', 'region,amount\nnorth,10\nsouth,32.5\nnorth,7\n');
  await upload(src.duckdb, 'customers.csv', 'id,name,region\n1,Ada,north\n2,Linus,south\n');
  src.workspace = await addSource({ name: 'Red workspace', kind: 'workspace' });
  await sync(src.duckdb);
  await sync(src.workspace);
  await t.runJobs();

  for (const kind of ['postgres', 'mariadb', 'duckdb', 'workspace'] as const) if (src[kind]) baseline[kind] = await snapshotOf(kind);
}, 120_000);

afterAll(async () => {
  await t?.close();
  await pgf?.close();
  await myf?.close();
  canary?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('the guard corpus, replayed through the API at real servers', () => {
  it('refuses every PostgreSQL case on a PostgreSQL database, with the reason the corpus names', async (ctx) => {
    if (!pgf) return ctx.skip();
    const cases = hostileCases.filter((c) => c.dialect === 'postgres');
    for (const c of cases) await attack('postgres', src.postgres!, { category: corpusCategory(c.code), sql: c.sql, outcome: corpusOutcome(c) });
    expect(cases.length).toBeGreaterThan(100);
  });

  it('refuses every workspace case on the workspace source, and every PostgreSQL case too', async () => {
    for (const c of hostileCases.filter((x) => x.dialect === 'workspace')) await attack('workspace', src.workspace!, { category: corpusCategory(c.code), sql: c.sql, outcome: corpusOutcome(c) });
    // The workspace is PostgreSQL with an allow list: whatever PostgreSQL refuses, it refuses (the reason may be the allow list's).
    for (const c of hostileCases.filter((x) => x.dialect === 'postgres')) await attack('workspace', src.workspace!, { category: corpusCategory(c.code), sql: c.sql, outcome: corpusOutcome(c, 'refused') });
  });

  it('refuses every DuckDB case on a files source', async () => {
    for (const c of hostileCases.filter((x) => x.dialect === 'duckdb')) await attack('duckdb', src.duckdb!, { category: corpusCategory(c.code), sql: c.sql, outcome: corpusOutcome(c) });
  });

  it('refuses every MySQL case on a MariaDB database', async (ctx) => {
    if (!myf) return ctx.skip();
    const cases = hostileCases.filter((c) => c.dialect === 'mysql');
    for (const c of cases) await attack('mariadb', src.mariadb!, { category: corpusCategory(c.code), sql: c.sql, outcome: corpusOutcome(c) });
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });
});

// ---------------------------------------------------------------------------------------------
// Cases of our own, per source: the corpus's kinds of attack aimed at the canaries, and the ones
// that pass the guard and must be stopped by a layer below it.

const FAILED = { status: 422, code: 'DATA_SOURCES.QUERY_FAILED' };
const TIMED_OUT = { status: 422, code: 'DATA_SOURCES.QUERY_TIMEOUT' };
const INVALID = { status: 400, code: 'VALIDATION_FAILED' };
const PARAMETER = { status: 400, code: 'DATA_SOURCES.PARAMETER_INVALID' };
/** A JSON array nested a million deep, built at run time from a short query. */
const DEEP_JSON = "repeat('[', 1000000) || repeat(']', 1000000)";
const c = (category: string, sql: string, outcome: Outcome, parameters?: Case['parameters']): Case => ({ category, sql, outcome, parameters });
const text = (name: string, value: unknown) => [{ name, type: 'text', value }];

function postgresCases(): Case[] {
  const file = canary.path;
  return [
    c('writes and DDL', "UPDATE t SET secret = 'pwned' RETURNING *", 'not_a_select'),
    c('writes and DDL', "INSERT INTO t VALUES (99, 0, 'pwned') ON CONFLICT DO NOTHING", 'not_a_select'),
    c('writes and DDL', 'CREATE TEMP TABLE pwned AS SELECT * FROM t', 'not_a_select'),
    c('writes and DDL', 'SELECT * INTO pwned FROM t', 'select_into'),
    c('writes and DDL', 'DROP FUNCTION canary_write()', 'not_a_select'),
    c('writes and DDL', "ALTER DATABASE current SET default_transaction_read_only = off", 'not_a_select'),
    c('writes and DDL', 'EXPLAIN ANALYZE SELECT canary_write()', 'not_a_select'),
    c('writes and DDL', 'DO $$ BEGIN DELETE FROM t; END $$', 'not_a_select'),
    c('writes and DDL', 'SELECT nextval(\'canary_seq\')', 'denied_function'),
    c('writes and DDL', "SELECT setval('canary_seq', 99)", 'denied_function'),
    c('stacked statements', "SELECT * FROM t; UPDATE t SET secret = 'pwned'", 'multiple_statements'),
    c('stacked statements', 'SELECT 1;\n\n;DELETE FROM t;', 'multiple_statements'),
    c('comment and string tricks', 'SELECT 1 /* */; DELETE FROM t', 'multiple_statements'),
    c('comment and string tricks', 'SELECT $tag$;$tag$; DELETE FROM t', 'multiple_statements'),
    c('comment and string tricks', "SELECT 'it''s'; DELETE FROM t", 'multiple_statements'),
    c('comment and string tricks', "SELECT E'\\\\'; DELETE FROM t; --'", 'multiple_statements'),
    c('comment and string tricks', 'SELECT 1 /* unclosed; DELETE FROM t', 'parse_error'),
    c('data-modifying CTEs', "WITH x AS (UPDATE t SET secret = 'pwned' RETURNING *) SELECT * FROM x", 'data_modifying_cte'),
    c('data-modifying CTEs', 'WITH RECURSIVE r AS (SELECT 1), d AS (DELETE FROM t RETURNING id) SELECT * FROM d', 'data_modifying_cte'),
    c('locks', 'SELECT * FROM t WHERE id = 1 FOR UPDATE NOWAIT', 'locking_clause'),
    c('sleep and heavy functions', 'SELECT pg_sleep(30)', 'denied_function'),
    c('sleep and heavy functions', "SELECT * FROM t WHERE pg_catalog.pg_sleep_for('30 seconds') IS NULL", 'denied_function'),
    c('sleep and heavy functions', 'SELECT pg_advisory_lock(42)', 'denied_function'),
    c('sleep and heavy functions', "SELECT repeat('x', 2147483647)", FAILED),
    c('sleep and heavy functions', `SELECT (${DEEP_JSON})::jsonb`, FAILED),
    c('file and network functions', `SELECT pg_read_file('${file}')`, 'denied_function'),
    c('file and network functions', `SELECT convert_from(pg_read_binary_file('${file}'), 'UTF8')`, 'denied_function'),
    c('file and network functions', `SELECT pg_stat_file('${file}')`, 'denied_function'),
    c('file and network functions', `SELECT lo_get(lo_import('${file}'))`, 'denied_function'),
    c('file and network functions', `COPY t FROM '${file}'`, 'not_a_select'),
    c('file and network functions', `COPY (SELECT secret FROM t) TO '${canary.dir}/out.csv'`, 'not_a_select'),
    c('file and network functions', `SELECT * FROM pg_ls_dir('${canary.dir}')`, 'denied_function'),
    c('file and network functions', 'SELECT pg_read_file(:path)', 'denied_function', text('path', file)),
    c('file and network functions', `SELECT query_to_xml('select pg_read_file(''${file}'')', true, true, '')`, 'denied_function'),
    c('file and network functions', `SELECT U&"pg\\005fread\\005ffile"('${file}')`, 'denied_function'),
    c('file and network functions', "SELECT * FROM dblink('host=127.0.0.1 dbname=postgres', 'select 1') AS x(a int)", 'denied_function'),
    c('catalog reads of credentials', 'SELECT * FROM information_schema.user_mapping_options', 'denied_relation'),
    c('catalog reads of credentials', 'SELECT umoptions FROM information_schema._pg_user_mappings', 'denied_relation'),
    c('catalog reads of credentials', 'SELECT umoptions FROM pg_catalog.pg_user_mapping', 'denied_relation'),
    c('catalog reads of credentials', 'SELECT * FROM pg_catalog.pg_stat_get_wal_receiver()', 'denied_function'),
    c('catalog reads of credentials', 'SELECT rolname, rolpassword FROM pg_authid', 'denied_relation'),
    c('unicode and encoding tricks', 'SELECT pg\u200bsleep(5)', FAILED),
    c('unicode and encoding tricks', 'SELECT pg_\u0455leep(5)', FAILED),
    c('unicode and encoding tricks', 'SELECT 1\uff1bDELETE FROM t', 'parse_error'),
    c('unicode and encoding tricks', 'SELECT 1;\u2029DELETE FROM t', 'parse_error'),
    c('unicode and encoding tricks', "SELECT '\u202e'; DELETE FROM t", 'multiple_statements'),
    c('unicode and encoding tricks', '\ufeffDELETE FROM t', 'parse_error'),
    c('unicode and encoding tricks', '\uff33\uff25\uff2c\uff25\uff23\uff34 1', 'parse_error'),
    c('unicode and encoding tricks', 'SELECT 1\u0000; DELETE FROM t', INVALID),
    c('unicode and encoding tricks', 'SELECT 1 --\u000b\nDELETE FROM t', INVALID),
    c('unicode and encoding tricks', "SELECT '\ud800'", INVALID),
    c('parameters', 'SELECT * FROM t LIMIT :n', PARAMETER, [{ name: 'n', type: 'integer', value: '1; DELETE FROM t' }]),
    c('parameters', 'SELECT * FROM t WHERE id = :id', PARAMETER, []),
    c('parameters', 'SELECT * FROM t WHERE id = $1', PARAMETER),
    c('layer 2: read-only transaction', 'SELECT canary_write()', FAILED),
    c('layer 2: read-only transaction', 'SELECT canary_ddl()', FAILED),
    c('layer 2: read-only transaction', 'SELECT canary_next()', FAILED),
    c('layer 2: read-only transaction', 'SELECT * FROM canary_rows()', FAILED),
    c('layer 2: read-only transaction', 'SELECT id FROM t WHERE canary_write() = 1', FAILED),
  ];
}

function workspaceCases(): Case[] {
  const b = w.outsiderOrgId;
  return [
    c('other-org rows', 'SELECT * FROM time_tracking.entries', 'relation_not_allowed'),
    c('other-org rows', 'SELECT * FROM time_tracking.workspace_time_entries', 'relation_not_allowed'),
    c('other-org rows', 'SELECT * FROM "time_tracking"."entries"', 'relation_not_allowed'),
    c('other-org rows', 'SELECT * FROM projects.workspace_projects', 'relation_not_allowed'),
    c('other-org rows', 'SELECT * FROM workspace_query', 'relation_not_allowed'),
    c('other-org rows', 'SELECT * FROM time_entries e JOIN organizations.memberships m ON m.user_id = e.user_id', 'relation_not_allowed'),
    c('other-org rows', `SELECT set_config('trellis.workspace_org', '${b}', true)`, 'denied_function'),
    c('other-org rows', `SELECT * FROM time_entries WHERE set_config('trellis.workspace_org', '${b}', true) IS NOT NULL`, 'denied_function'),
    c('other-org rows', `WITH x AS (SELECT pg_catalog.set_config('trellis.workspace_org', '${b}', true)) SELECT * FROM x, time_entries`, 'denied_function'),
    c('other-org rows', `SELECT U&"set\\005fconfig"('trellis.workspace_org', '${b}', true), * FROM projects`, 'denied_function'),
    c('other-org rows', "SELECT current_setting('trellis.workspace_org', true)", 'denied_function'),
    c('other-org rows', `SET LOCAL trellis.workspace_org = '${b}'`, 'not_a_select'),
    c('other-org rows', 'RESET trellis.workspace_org', 'not_a_select'),
    c('other-org rows', "SELECT table_to_xml('time_tracking.entries', true, true, '')", 'denied_function'),
    c('other-org rows', "SELECT query_to_xml('select * from time_tracking.entries', true, true, '')", 'denied_function'),
    c('other-org rows', "SELECT * FROM dblink('dbname=trellis', 'select * from time_tracking.entries') AS x(a text)", 'denied_function'),
    c('other-org rows', 'SELECT * FROM time_entries; SELECT * FROM time_tracking.entries', 'multiple_statements'),
    c('other-org rows', 'SELECT * FROM auth.accounts', 'relation_not_allowed'),
    // Statistics of the owners' tables count every org's rows.
    c('other-org rows', "SELECT pg_stat_get_live_tuples('time_tracking.entries'::regclass) AS n", 'denied_function'),
    c('other-org rows', "SELECT pg_stat_get_tuples_inserted(to_regclass('projects.projects')) AS n", 'denied_function'),
    c('other-org rows', "SELECT pg_catalog.pg_total_relation_size('auth.accounts') AS bytes", 'denied_function'),
    c('other-org rows', "SELECT pg_relation_size('time_tracking.entries') AS bytes", 'denied_function'),
    // An error that quotes a value: the view's barrier keeps other orgs' rows from ever reaching the cast.
    c('other-org rows', 'SELECT * FROM time_entries WHERE description::int > 0', FAILED),
    c('writes and DDL', "UPDATE time_entries SET description = 'pwned'", 'not_a_select'),
    c('writes and DDL', 'WITH d AS (DELETE FROM projects RETURNING *) SELECT * FROM d', 'data_modifying_cte'),
    c('sleep and heavy functions', 'SELECT pg_sleep(30) FROM members', 'denied_function'),
    c('file and network functions', `SELECT pg_read_file('${canary.path}')`, 'denied_function'),
    c('file and network functions', `SELECT lo_import('${canary.path}')`, 'denied_function'),
    c('catalog reads of credentials', 'SELECT * FROM pg_catalog.pg_authid', 'denied_relation'),
    c('catalog reads of credentials', 'SELECT * FROM information_schema.user_mapping_options', 'denied_relation'),
    c('unicode and encoding tricks', 'SELECT * FROM time_entries;\u2029SELECT * FROM time_tracking.entries', 'parse_error'),
    c('unicode and encoding tricks', 'SELECT * FROM "time_entrie\u0455"', 'relation_not_allowed'),
  ];
}

function duckdbCases(): Case[] {
  const file = canary.path;
  return [
    c('file and network functions', `SELECT * FROM read_csv('${file}')`, 'denied_function'),
    c('file and network functions', `SELECT * FROM read_csv_auto('${file}')`, 'denied_function'),
    c('file and network functions', `SELECT content FROM read_text('${file}')`, 'denied_function'),
    c('file and network functions', `SELECT * FROM read_blob('${file}')`, 'denied_function'),
    c('file and network functions', `SELECT * FROM '${file}'`, 'parse_error'),
    c('file and network functions', `SELECT * FROM "${file}"`, 'relation_not_allowed'),
    c('file and network functions', `SELECT * FROM glob('${canary.dir}/*')`, 'denied_function'),
    c('file and network functions', 'SELECT content FROM read_text(:p)', 'denied_function', text('p', file)),
    c('file and network functions', `SELECT * FROM sales WHERE region = (SELECT content FROM read_text('${file}'))`, 'denied_function'),
    c('file and network functions', `SELECT * FROM query('SELECT * FROM read_text(''${file}'')')`, 'denied_function'),
    c('file and network functions', `COPY sales TO '${canary.dir}/out.csv'`, 'not_a_select'),
    c('file and network functions', `ATTACH '${canary.dir}/x.duckdb' AS x`, 'parse_error'),
    c('file and network functions', 'SELECT * FROM sales s, LATERAL read_text(s.region)', 'denied_function'),
    c('file and network functions', "SELECT getenv('HOME')", 'denied_function'),
    c('writes and DDL', "INSERT INTO sales VALUES ('west', 1)", 'not_a_select'),
    c('writes and DDL', 'UPDATE sales SET amount = 0', 'not_a_select'),
    c('writes and DDL', 'DROP TABLE customers', 'not_a_select'),
    c('writes and DDL', 'CREATE TABLE pwned AS SELECT * FROM sales', 'not_a_select'),
    c('writes and DDL', 'SET enable_external_access = true', 'not_a_select'),
    c('stacked statements', 'SELECT * FROM sales; DELETE FROM sales', 'multiple_statements'),
    c('sleep and heavy functions', 'SELECT sleep_ms(30000)', 'denied_function'),
    // DuckDB runs in the server's process: these recursed a million deep and crashed it.
    c('sleep and heavy functions', `SELECT json_structure(${DEEP_JSON})`, 'denied_function'),
    c('sleep and heavy functions', `SELECT json_contains(${DEEP_JSON}, '1')`, 'denied_function'),
    c('sleep and heavy functions', `SELECT from_json('1', repeat('[', 1000000) || '"JSON"' || repeat(']', 1000000))`, 'denied_function'),
    c('sleep and heavy functions', "SELECT json_group_structure(region::JSON) FROM sales", 'denied_function'),
    c('sleep and heavy functions', 'SELECT pg_sleep(30)', 'denied_function'),
    c('catalog reads of credentials', 'SELECT * FROM duckdb_secrets()', 'denied_function'),
    c('unicode and encoding tricks', 'SELECT * FROM "sale\u0455"', 'relation_not_allowed'),
    c('unicode and encoding tricks', 'SELECT 1;\u2029DELETE FROM sales', 'parse_error'),
  ];
}

function mariadbCases(): Case[] {
  const file = canary.path;
  return [
    c('writes and DDL', "UPDATE t SET secret = 'pwned'", 'not_a_select'),
    c('writes and DDL', "REPLACE INTO t VALUES (1, 0, 'pwned')", 'not_a_select'),
    c('writes and DDL', 'CREATE TABLE pwned AS SELECT * FROM t', 'not_a_select'),
    c('writes and DDL', 'SELECT NEXTVAL(canary_seq)', 'denied_function'),
    c('writes and DDL', 'SELECT SETVAL(canary_seq, 100)', 'denied_function'),
    c('writes and DDL', 'SELECT NEXT VALUE FOR canary_seq', 'parse_error'),
    c('writes and DDL', 'SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(30)', 'refused'),
    c('stacked statements', 'SELECT * FROM t; DELETE FROM t', 'multiple_statements'),
    c('comment and string tricks', '/*!99999 DELETE FROM t; */ SELECT 1', 'executable_comment'),
    c('comment and string tricks', 'SELECT /*M!100000 SLEEP(30), */ 1', 'executable_comment'),
    c('comment and string tricks', 'SELECT 1 --, SLEEP(30)', 'ambiguous_syntax'),
    c('comment and string tricks', "SELECT 'a\\'; DELETE FROM t; -- '", 'ambiguous_syntax'),
    c('sleep and heavy functions', 'SELECT SLEEP(30)', 'denied_function'),
    c('sleep and heavy functions', "SELECT BENCHMARK(10000000000, SHA2('x', 512))", 'denied_function'),
    c('sleep and heavy functions', "SELECT GET_LOCK('redteam', 30)", 'denied_function'),
    c('file and network functions', `SELECT LOAD_FILE('${file}')`, 'denied_function'),
    c('file and network functions', `SELECT CONVERT(load_file  ('${file}') USING utf8mb4)`, 'denied_function'),
    c('file and network functions', 'SELECT LOAD_FILE(:p)', 'denied_function', text('p', file)),
    c('file and network functions', `LOAD DATA INFILE '${file}' INTO TABLE t`, 'not_a_select'),
    c('file and network functions', `LOAD DATA LOCAL INFILE '${file}' INTO TABLE t`, 'not_a_select'),
    c('file and network functions', `SELECT * FROM t INTO OUTFILE '${canary.dir}/out.txt'`, 'select_into'),
    c('file and network functions', `SELECT secret FROM t INTO DUMPFILE '${canary.dir}/dump.bin'`, 'select_into'),
    c('catalog reads of credentials', 'SELECT User, authentication_string FROM mysql.user', 'denied_relation'),
    c('catalog reads of credentials', 'SELECT * FROM mysql.global_priv', 'denied_relation'),
    c('catalog reads of credentials', 'SELECT * FROM information_schema.processlist', 'denied_relation'),
    c('catalog reads of credentials', 'SELECT * FROM performance_schema.events_statements_history', 'denied_relation'),
    c('catalog reads of credentials', 'SELECT @@global.secure_file_priv', 'denied_variable'),
    c('unicode and encoding tricks', 'SELECT SLEEP\u00a0(30)', FAILED),
    c('unicode and encoding tricks', 'SELECT \u0405LEEP(30)', 'parse_error'),
    c('unicode and encoding tricks', 'SELECT * FROM Information_Schema.ProcessList', 'denied_relation'),
    c('unicode and encoding tricks', 'SELECT * FROM \u0131nformation_schema.processlist', FAILED),
    c('unicode and encoding tricks', 'SELECT * FROM information_schema.proce\u017f\u017flist', FAILED),
    c('unicode and encoding tricks', 'SELECT * FROM `mysql `.user', FAILED),
    c('unicode and encoding tricks', 'SELECT 1\uff1bDELETE FROM t', 'parse_error'),
    c('unicode and encoding tricks', "SELECT '\u00bf\\''; DELETE FROM t", 'ambiguous_syntax'),
    c('unicode and encoding tricks', 'SELECT 1\u0000; DELETE FROM t', INVALID),
    c('parameters', 'SELECT * FROM t LIMIT :n', PARAMETER, [{ name: 'n', type: 'integer', value: '1; DELETE FROM t' }]),
    c('parameters', 'SELECT * FROM t WHERE id = ?', PARAMETER),
    c('layer 2: read-only transaction', 'SELECT canary_write()', FAILED),
    c('layer 2: read-only transaction', 'SELECT id FROM t WHERE canary_write() = 1', FAILED),
  ];
}

describe('cases of our own', () => {
  it('PostgreSQL: writes, tricks, sleeps, files, credentials, unicode, parameters, and writes only the read-only transaction stops', async (ctx) => {
    if (!pgf) return ctx.skip();
    for (const x of postgresCases()) await attack('postgres', src.postgres!, x);
    expect(existsSync(join(canary.dir, 'out.csv'))).toBe(false);
  });

  it('workspace: other orgs\' rows by any route, writes, files and credentials', async () => {
    for (const x of workspaceCases()) await attack('workspace', src.workspace!, x);
  });

  it('DuckDB: files by every reader, writes, settings, sleeps', async () => {
    for (const x of duckdbCases()) await attack('duckdb', src.duckdb!, x);
    expect(existsSync(join(canary.dir, 'out.csv'))).toBe(false);
  });

  it('MariaDB: writes, executable comments, sleeps, files in and out, credentials, unicode, and writes only the read-only transaction stops', async (ctx) => {
    if (!myf) return ctx.skip();
    for (const x of mariadbCases()) await attack('mariadb', src.mariadb!, x);
    expect(existsSync(join(canary.dir, 'out.txt'))).toBe(false);
    expect(existsSync(join(canary.dir, 'dump.bin'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// What passes the guard runs harmlessly: look-alikes, bound values, scoped workspace reads.

/** Runs an accepted query: 200, and the canaries as they were. */
async function harmless(kind: Kind, source: Source, sql: string, parameters?: Case['parameters']) {
  const { res } = await run(source, sql, parameters ? { parameters } : {});
  expect(res.statusCode, `${kind} ${sql} → ${res.body.slice(0, 300)}`).toBe(200);
  await expectUntouched(kind, sql);
  return res.json() as { rows: unknown[][]; rowCount: number; truncated: boolean; columns: { name: string }[] };
}

describe('what the guard lets through runs harmlessly', () => {
  it('PostgreSQL: hidden statements stay comments, values stay values, external entities stay unread', async (ctx) => {
    if (!pgf) return ctx.skip();
    const pg = src.postgres!;
    expect((await harmless('postgres', pg, '/* DELETE FROM t; */ SELECT count(*) AS n FROM t -- ; DROP TABLE t')).rows).toEqual([[5]]);
    expect((await harmless('postgres', pg, "SELECT count(*) AS n FROM t WHERE secret = :p", text('p', "x'; DELETE FROM t; --"))).rows).toEqual([[0]]);
    expect((await harmless('postgres', pg, 'SELECT :p AS v', text('p', '$$; DELETE FROM t; $$'))).rows).toEqual([['$$; DELETE FROM t; $$']]);
    // PostgreSQL never loads an external entity: the document comes back as written, the file unread.
    const xxe = await harmless('postgres', pg, `SELECT xmlparse(document '<!DOCTYPE x [<!ENTITY e SYSTEM "file://${canary.path}">]><x>&e;</x>')::text AS doc`);
    expect(String(xxe.rows[0][0])).toContain('&e;');
    // The catalog views without secrets stay readable, their password columns masked.
    expect((await harmless('postgres', pg, 'SELECT rolpassword FROM pg_roles WHERE rolname = current_user')).rows).toEqual([['********']]);
  });

  it('MariaDB: a comment the server also reads as one hides nothing that runs', async (ctx) => {
    if (!myf) return ctx.skip();
    expect((await harmless('mariadb', src.mariadb!, `SELECT 1 AS one --\t, LOAD_FILE('${canary.path}')`)).rows).toEqual([[1]]);
    expect((await harmless('mariadb', src.mariadb!, `SELECT 1 AS one # ; DELETE FROM t`)).rows).toEqual([[1]]);
    // MariaDB stops at its own JSON depth limit: no answer, no crash.
    expect((await harmless('mariadb', src.mariadb!, "SELECT JSON_DEPTH(CONCAT(REPEAT('[', 1000000), REPEAT(']', 1000000))) AS depth")).rows).toEqual([[null]]);
    expect((await harmless('mariadb', src.mariadb!, 'SELECT COUNT(*) AS n FROM t WHERE secret = :p', text('p', "x\\' OR 1=1; DELETE FROM t; -- "))).rows).toEqual([[0]]);
  });

  it('DuckDB: a path is only a string', async () => {
    expect((await harmless('duckdb', src.duckdb!, `SELECT count(*) AS n FROM sales WHERE region = :p`, text('p', canary.path))).rows).toEqual([[0]]);
    expect((await harmless('duckdb', src.duckdb!, 'SELECT region, sum(amount) AS total FROM sales GROUP BY region ORDER BY region')).rows).toEqual([
      ['north', 17],
      ['south', 32.5],
    ]);
  });

  it('workspace: whatever the SQL, org A reads org A\'s rows only', async () => {
    const ws = src.workspace!;
    expect((await harmless('workspace', ws, 'SELECT count(*) AS n, sum(hours) AS h FROM time_entries')).rows).toEqual([[seed.aEntries, seed.aHours]]);
    // The view's security barrier: the caller's predicate never sees another org's row, so it cannot fail on one.
    expect((await harmless('workspace', ws, "SELECT count(*) AS n FROM time_entries WHERE 1 / (CASE WHEN description LIKE 'orgb-%' THEN 0 ELSE 1 END) = 1")).rows).toEqual([[seed.aEntries]]);
    expect((await harmless('workspace', ws, 'SELECT count(*) AS n FROM time_entries WHERE project_id = :p', [{ name: 'p', type: 'text', value: seed.bProjectId }])).rows).toEqual([[0]]);
    for (const sql of [
      'SELECT * FROM time_entries',
      'SELECT * FROM projects p FULL JOIN tasks k ON k.project_id = p.id',
      'SELECT * FROM clients',
      'SELECT * FROM members',
      'SELECT json_agg(e) AS all_rows FROM time_entries e',
      'WITH time_entries AS (SELECT * FROM projects) SELECT * FROM time_entries',
      'SELECT * FROM time_entries e RIGHT JOIN members m ON m.user_id = e.user_id',
      'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r, projects',
      'SELECT * FROM (SELECT * FROM tasks UNION ALL SELECT * FROM tasks) x',
    ]) {
      const body = await harmless('workspace', ws, sql);
      // The sender checks every answer for org B's names, notes, task and owner's email.
      expect(body.rowCount, sql).toBeGreaterThanOrEqual(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The layers below the guard, each on its own, through the API.

describe('the layers below the guard', () => {
  it('layer 3: the read-only role (PostgreSQL) and login (MariaDB) refuse what the guard allows', async (ctx) => {
    if (!pgf && !myf) return ctx.skip();
    if (pgf) {
      expect((await harmless('postgres', src.postgres!, 'SELECT v FROM secret_table')).rowCount).toBe(1);
      const body = expectSourceProblem((await run(src.postgresRole!, 'SELECT v FROM secret_table')).res, 422, 'DATA_SOURCES.QUERY_FAILED', src.postgresRole!);
      expect(body.detail).toContain('permission denied');
      expect((await harmless('postgres', src.postgresRole!, 'SELECT count(*) AS n FROM t')).rows).toEqual([[5]]);
      expectSourceProblem((await run(src.postgresRole!, 'SELECT canary_write()')).res, 422, 'DATA_SOURCES.QUERY_FAILED', src.postgresRole!);
      await expectUntouched('postgres');
      count('postgres', 'layer 3: read-only role');
      count('postgres', 'layer 3: read-only role');
    }
    if (myf) {
      expect((await harmless('mariadb', src.mariadb!, 'SELECT v FROM secret_table')).rowCount).toBe(1);
      const body = expectSourceProblem((await run(src.mariadbReadOnly!, 'SELECT v FROM secret_table')).res, 422, 'DATA_SOURCES.QUERY_FAILED', src.mariadbReadOnly!);
      expect(body.detail).toMatch(/denied/i);
      expectSourceProblem((await run(src.mariadbReadOnly!, 'SELECT canary_write()')).res, 422, 'DATA_SOURCES.QUERY_FAILED', src.mariadbReadOnly!);
      await expectUntouched('mariadb');
      count('mariadb', 'layer 3: read-only role');
      count('mariadb', 'layer 3: read-only role');
    }
  });

  it('layer 4: a slow query the guard allows is stopped by the statement timeout, on every source at once, and nothing keeps running', async () => {
    const slow: [Kind, Source | undefined, string][] = [
      ['postgres', src.postgres, 'SELECT count(*) FROM digits a, digits b, digits c, digits d, digits e, digits f, digits g, digits h, digits i, digits j'],
      ['mariadb', src.mariadb, 'SELECT COUNT(*) FROM digits a, digits b, digits c, digits d, digits e, digits f, digits g, digits h, digits i, digits j'],
      ['duckdb', src.duckdb, 'SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b'],
      ['workspace', src.workspace, 'SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b'],
    ];
    const runs = slow.filter(([, source]) => source);
    const answers = await Promise.all(runs.map(([, source, sql]) => run(source!, sql)));
    for (const [i, [kind, source, sql]] of runs.entries()) {
      const { res, ms } = answers[i];
      expectSourceProblem(res, 422, 'DATA_SOURCES.QUERY_TIMEOUT', source!, `${kind} ${sql}`);
      // Stopped at the deadline, not before it (the sender bounds it above).
      expect(ms, kind).toBeGreaterThan(TIMEOUT_MS * 0.9);
      count(kind, 'layer 4: statement timeout');
    }
    if (pgf) expect(await settled(pgf.busy)).toBe(0);
    if (myf) expect(await settled(myf.busy)).toBe(0);
    for (const [kind] of runs) await expectUntouched(kind);
    // The sources answer again at once.
    for (const [kind, source] of runs) expect((await run(source!, 'SELECT 1 AS one')).res.statusCode, kind).toBe(200);
  });

  it('layer 5: ten million rows come back cut at the row cap, fast; huge rows at the byte cap', async () => {
    const many: [Kind, Source | undefined, string][] = [
      ['postgres', src.postgres, 'SELECT generate_series(1, 10000000) AS n'],
      ['postgres', src.postgres, 'SELECT a.d FROM digits a, digits b, digits c, digits d, digits e, digits f, digits g'],
      ['mariadb', src.mariadb, 'SELECT a.d FROM digits a, digits b, digits c, digits d, digits e, digits f, digits g'],
      ['duckdb', src.duckdb, 'SELECT * FROM range(10000000)'],
      ['workspace', src.workspace, 'SELECT generate_series(1, 10000000) AS n'],
    ];
    for (const [kind, source, sql] of many) {
      if (!source) continue;
      const { res, ms } = await run(source, sql);
      expect(res.statusCode, `${kind} ${res.body.slice(0, 200)}`).toBe(200);
      expect(res.json()).toMatchObject({ rowCount: MAX_ROWS, truncated: true });
      expect(ms, `${kind} ${sql}`).toBeLessThan(TIMEOUT_MS);
      count(kind, 'oversized results');
    }
    const wide: [Kind, Source | undefined, string][] = [
      ['postgres', src.postgres, "SELECT repeat('x', 100000) AS big FROM generate_series(1, 1000)"],
      ['mariadb', src.mariadb, "SELECT REPEAT('x', 100000) AS big FROM digits a, digits b, digits c"],
      ['duckdb', src.duckdb, "SELECT repeat('x', 100000) AS big FROM range(1000)"],
      ['workspace', src.workspace, "SELECT repeat('x', 100000) AS big FROM generate_series(1, 1000)"],
    ];
    for (const [kind, source, sql] of wide) {
      if (!source) continue;
      const { res } = await run(source, sql);
      expect(res.statusCode, `${kind} ${res.body.slice(0, 200)}`).toBe(200);
      const body = res.json();
      expect(body.truncated, kind).toBe(true);
      expect(body.rowCount, kind).toBeLessThan(MAX_ROWS);
      expect(res.body.length, kind).toBeLessThan(MAX_RESULT_BYTES * 1.5);
      count(kind, 'oversized results');
    }
    for (const kind of ['postgres', 'mariadb', 'duckdb', 'workspace'] as const) if (src[kind]) await expectUntouched(kind);
  });
});

// ---------------------------------------------------------------------------------------------
// The other doors to a source: saved questions, downloads, profiles, re-runs from the history.

describe('every door to a source has the same guard', () => {
  /** A few hostile cases per source, with what each must answer. */
  function selection(): [Kind, Source | undefined, string, Outcome][] {
    return [
      ['postgres', src.postgres, 'DELETE FROM t', 'not_a_select'],
      ['postgres', src.postgres, `SELECT pg_read_file('${canary.path}')`, 'denied_function'],
      ['postgres', src.postgres, 'SELECT 1; DROP TABLE t', 'multiple_statements'],
      ['postgres', src.postgres, 'SELECT * FROM information_schema.user_mapping_options', 'denied_relation'],
      ['postgres', src.postgres, 'SELECT canary_write()', FAILED],
      ['postgres', src.postgres, 'SELECT count(*) FROM digits a, digits b, digits c, digits d, digits e, digits f, digits g, digits h, digits i, digits j', TIMED_OUT],
      ['mariadb', src.mariadb, 'DROP TABLE t', 'not_a_select'],
      ['mariadb', src.mariadb, `SELECT LOAD_FILE('${canary.path}')`, 'denied_function'],
      ['mariadb', src.mariadb, 'SELECT canary_write()', FAILED],
      ['duckdb', src.duckdb, `SELECT * FROM read_csv('${canary.path}')`, 'denied_function'],
      ['duckdb', src.duckdb, 'SELECT sleep_ms(30000)', 'denied_function'],
      ['workspace', src.workspace, 'SELECT * FROM time_tracking.entries', 'relation_not_allowed'],
      ['workspace', src.workspace, `SELECT set_config('trellis.workspace_org', '${w.outsiderOrgId}', true)`, 'denied_function'],
    ];
  }
  const savable = (outcome: Outcome) => typeof outcome === 'string';

  it('saving a question: the guard checks its SQL, and nothing is saved', async () => {
    const before = (await t.request({ method: 'GET', url: orgUrl(w.orgId, '/questions'), headers: bearer(w.member.accessToken) })).json().data.length;
    for (const [kind, source, sql, outcome] of selection()) {
      if (!source || !savable(outcome)) continue;
      const sent = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), { dataSourceId: source.id, name: `hostile ${kind}`, sql });
      expectOutcome(sent, outcome, `save ${kind} ${sql}`, source);
      await expectUntouched(kind);
      count(kind, 'saved questions');
    }
    // A parameter's default is a value too, bound and never spliced.
    if (src.postgres) {
      const saved = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), { dataSourceId: src.postgres.id, name: 'by secret', sql: 'SELECT count(*) AS n FROM t WHERE secret = :s', parameters: [{ name: 's', type: 'text', default: "'; DELETE FROM t; --" }] });
      expect(saved.res.statusCode, saved.res.body).toBe(201);
      const ran = await send(w.viewer.accessToken, 'POST', orgUrl(w.orgId, `/questions/${saved.res.json().id}/run`), { parameters: [{ name: 's', value: "x' OR '1'='1" }] });
      expect(ran.res.json().rows).toEqual([[0]]);
      await expectUntouched('postgres');
      const after = (await t.request({ method: 'GET', url: orgUrl(w.orgId, '/questions'), headers: bearer(w.member.accessToken) })).json().data.length;
      expect(after).toBe(before + 1);
    }
  });

  it('downloads: a refusal, a failure or a timeout is a problem+json, never a broken file; ten million rows stop at the cap', async () => {
    for (const [kind, source, sql, outcome] of selection()) {
      if (!source) continue;
      for (const format of ['csv', 'xlsx']) {
        const sent = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries/download'), { dataSourceId: source.id, sql, format });
        expectOutcome(sent, outcome, `download ${format} ${kind} ${sql}`, source);
        await expectUntouched(kind);
        count(kind, 'downloads');
        if (typeof outcome !== 'string' && outcome.code === 'DATA_SOURCES.QUERY_TIMEOUT') break; // one slow download is enough
      }
    }
    if (src.postgres) {
      // Cells a spreadsheet would run are written as text.
      const formula = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries/download'), { dataSourceId: src.postgres.id, sql: "SELECT '=HYPERLINK(\"http://evil\",\"x\")' AS \"=cmd|' /C calc'!A0\"", format: 'csv' });
      expect(formula.res.body).toBe('\uFEFF\'=cmd|\' /C calc\'!A0\r\n"\'=HYPERLINK(""http://evil"",""x"")"\r\n');
      const { res, ms } = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries/download'), { dataSourceId: src.postgres.id, sql: 'SELECT generate_series(1, 10000000) AS n', format: 'csv' });
      expect(res.statusCode).toBe(200);
      expect(res.body.trimEnd().split('\r\n')).toHaveLength(DOWNLOAD_MAX_ROWS + 1);
      expect(ms).toBeLessThan(TIMEOUT_MS);
      count('postgres', 'oversized results');
    }
  });

  it('profiles: of SQL through the guard; of a table by its quoted name, however hostile the name', async () => {
    for (const [kind, source, sql, outcome] of selection()) {
      if (!source || (typeof outcome !== 'string' && outcome.code === 'DATA_SOURCES.QUERY_TIMEOUT')) continue;
      const sent = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries/profile'), { dataSourceId: source.id, sql });
      expectOutcome(sent, outcome, `profile ${kind} ${sql}`, source);
      await expectUntouched(kind);
      count(kind, 'profiles');
    }
    if (src.postgres) {
      const evil = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries/profile'), { dataSourceId: src.postgres.id, table: { schema: 'public', name: EVIL_PG_TABLE } });
      expect(evil.res.statusCode, evil.res.body).toBe(200);
      expect(evil.res.json().rowCount).toBe(3);
      const unknown = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries/profile'), { dataSourceId: src.postgres.id, table: { schema: 'public', name: 't"; DROP TABLE t; --' } });
      expectProblemOf(unknown.res, 400, 'DATA_SOURCES.UNKNOWN_TABLE');
      const big = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries/profile'), { dataSourceId: src.postgres.id, sql: 'SELECT generate_series(1, 10000000) AS n' });
      expect(big.res.json()).toMatchObject({ rowCount: 1000, sampled: true });
      await expectUntouched('postgres');
    }
    if (src.mariadb) {
      const evil = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries/profile'), { dataSourceId: src.mariadb.id, table: { schema: myf!.database, name: EVIL_MY_TABLE } });
      expect(evil.res.statusCode, evil.res.body).toBe(200);
      expect(evil.res.json().rowCount).toBe(3);
      await expectUntouched('mariadb');
    }
    const ws = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries/profile'), { dataSourceId: src.workspace!.id, table: { schema: 'workspace', name: 'time_entries' } });
    expect(ws.res.json().rowCount).toBe(seed.aEntries);
    expectProblemOf((await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries/profile'), { dataSourceId: src.workspace!.id, table: { schema: 'time_tracking', name: 'entries' } })).res, 400, 'DATA_SOURCES.UNKNOWN_TABLE');
  });

  it('re-running a refused or failed query from the history refuses or fails it again', async () => {
    const history = (await t.request({ method: 'GET', url: orgUrl(w.orgId, '/queries/history?limit=100'), headers: bearer(w.member.accessToken) })).json().data as { id: string; sql: string; status: string; errorCode: string; dataSourceId: string }[];
    const picks = [history.find((r) => r.status === 'refused'), history.find((r) => r.errorCode === 'DATA_SOURCES.QUERY_FAILED')].filter((r) => r !== undefined);
    expect(picks).toHaveLength(2);
    for (const r of picks) {
      const { res } = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, `/queries/history/${r.id}/run`));
      expectProblemOf(res, 422, r.errorCode);
    }
    for (const kind of ['postgres', 'mariadb', 'duckdb', 'workspace'] as const) if (src[kind]) await expectUntouched(kind);
  });
});

describe('after the attacks', () => {
  it('every canary is as it was, through the API too, and the red team counted at least 80 hostile cases', async () => {
    if (src.postgres) expect((await run(src.postgres, 'SELECT id, a, secret FROM t ORDER BY id')).res.json().rows).toEqual([1, 2, 3, 4, 5].map((i) => [i, i * 10, `row-${i}`]));
    if (src.mariadb) expect((await run(src.mariadb, 'SELECT id, a, secret FROM t ORDER BY id')).res.json().rows).toEqual([1, 2, 3, 4, 5].map((i) => [i, i * 10, `row-${i}`]));
    expect((await run(src.duckdb!, 'SELECT * FROM customers ORDER BY id')).res.json().rows).toEqual([
      [1, 'Ada', 'north'],
      [2, 'Linus', 'south'],
    ]);
    for (const kind of ['postgres', 'mariadb', 'duckdb', 'workspace'] as const) if (src[kind]) await expectUntouched(kind);
    for (const name of ['out.csv', 'out.txt', 'dump.bin', 'x.duckdb']) expect(existsSync(join(canary.dir, name)), name).toBe(false);
    const total = [...tally.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(80);
    // One line per source and category, for the record (vitest shows it with --reporter=verbose).
    const lines = [...tally.entries()].sort().map(([k, n]) => `${k}: ${n}`);
    console.info(`red team: ${total} hostile cases\n${lines.join('\n')}`);
  });
});
