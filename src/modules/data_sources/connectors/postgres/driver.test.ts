// The PostgreSQL driver against the real server (TEST_DATABASE_URL): each layer of the guard on
// its own, with SQL sent straight to the driver (no parser guard in front).
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../errors.ts';
import { caught, closedPort, connectionOf, eventually, PG_URL, silentServer, uniqueSuffix } from '../test-support.ts';
import type { QueryLimits, ServerConnection, Source, StreamPart } from '../types.ts';
import { createPostgresDriver } from './driver.ts';

const suffix = uniqueSuffix();
const schema = `trellis_ds_${suffix}`;
const restricted = `trellis_ds_r_${suffix}`;
const limits: QueryLimits = { maxRows: 1000, maxBytes: 1_000_000, timeoutMs: 5000 };
const driver = createPostgresDriver({ deadlineMarginMs: 300 });
const admin = new pg.Client({ connectionString: PG_URL });
const never = new AbortController().signal;

let n = 0;
/** A source with its own id, so its connections are told apart in pg_stat_activity. */
function source(overrides: Partial<ServerConnection> = {}): Source<ServerConnection> {
  return { id: `pg-${suffix}-${++n}`, connection: connectionOf(PG_URL, overrides) };
}
const appName = (s: Source<ServerConnection>) => `trellis data-source ${s.id}`;

async function activeQueries(s: Source<ServerConnection>): Promise<number> {
  const r = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'`, [appName(s)]);
  return r.rows[0].n;
}

beforeAll(async () => {
  await admin.connect();
  await admin.query(`
    CREATE SCHEMA ${schema};
    CREATE TYPE ${schema}.mood AS ENUM ('ok', 'meh');
    CREATE TABLE ${schema}.clients (id int PRIMARY KEY, name text NOT NULL, mood ${schema}.mood);
    CREATE TABLE ${schema}.projects (
      org int, id int, client_id int REFERENCES ${schema}.clients (id), budget numeric(10,2), starts date,
      PRIMARY KEY (org, id));
    CREATE TABLE ${schema}.tasks (id int PRIMARY KEY, org int, project_id int, FOREIGN KEY (org, project_id) REFERENCES ${schema}.projects (org, id));
    CREATE VIEW ${schema}.client_names AS SELECT name FROM ${schema}.clients;
    CREATE TABLE ${schema}.secrets (token text);
    CREATE TABLE ${schema}.writes (n int);
    CREATE SEQUENCE ${schema}.seq;
    CREATE FUNCTION ${schema}.sneaky_write() RETURNS int LANGUAGE sql AS 'INSERT INTO ${schema}.writes VALUES (1) RETURNING 1';
    INSERT INTO ${schema}.clients SELECT g, 'client ' || g, 'ok' FROM generate_series(1, 40) g;
    ANALYZE ${schema}.clients;
    CREATE ROLE ${restricted} NOLOGIN;
    GRANT USAGE ON SCHEMA ${schema} TO ${restricted};
    GRANT SELECT ON ${schema}.clients TO ${restricted};
  `);
});

afterAll(async () => {
  await driver.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.query(`DROP OWNED BY ${restricted}; DROP ROLE IF EXISTS ${restricted}`);
  await admin.end();
});

describe('test', () => {
  it('reports the server version and a latency', async () => {
    const result = await driver.test(connectionOf(PG_URL), never);
    expect(result.serverVersion).toMatch(/^PostgreSQL \d+/);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.latencyMs).toBeLessThan(1000);
  });

  it('names host:port when nothing listens there', async () => {
    const port = await closedPort();
    const err = await caught(() => driver.test(connectionOf(PG_URL, { port }), never));
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('unreachable');
    expect(err.message).toBe(`Could not connect to 127.0.0.1:${port}: the connection was refused (is the server running, and on this port?).`);
  });

  it('names a host that does not resolve', async () => {
    const err = await caught(() => driver.test(connectionOf(PG_URL, { host: 'db.nonexistent.invalid' }), never));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toMatch(/^Could not connect to db\.nonexistent\.invalid:5432: /);
  });

  it('dials the checked address, not the host name', async () => {
    const result = await driver.test(connectionOf(PG_URL, { host: 'db.nonexistent.invalid', address: '127.0.0.1' }), never);
    expect(result.serverVersion).toMatch(/^PostgreSQL/);
  });

  it('gives up on a server that never answers after connectTimeoutMs', async () => {
    const silent = await silentServer();
    try {
      const started = Date.now();
      const err = await caught(() => driver.test(connectionOf(PG_URL, { port: silent.port, connectTimeoutMs: 300 }), never));
      expect(err.kind).toBe('unreachable');
      expect(err.message).toBe(`Could not connect to 127.0.0.1:${silent.port}: the server did not answer in time.`);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await silent.close();
    }
  });

  it('says the database does not exist', async () => {
    const err = await caught(() => driver.test(connectionOf(PG_URL, { database: `nope_${suffix}` }), never));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain(`has no database "nope_${suffix}"`);
  });

  it('refuses TLS on a server without it, as a tls error', async () => {
    const err = await caught(() => driver.test(connectionOf(PG_URL, { tls: { mode: 'require' } }), never));
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('127.0.0.1');
  });

  it('refuses a role the login cannot take', async () => {
    const err = await caught(() => driver.test(connectionOf(PG_URL, { role: `no_such_role_${suffix}` }), never));
    expect(err.kind).toBe('query');
    expect(err.message).toContain('does not exist');
  });

  it('never shows the password', async () => {
    const err = await caught(() => driver.test(connectionOf(PG_URL, { database: `nope_${suffix}`, password: 'hunter2-secret' }), never));
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain('hunter2');
    expect(err.stack ?? '').not.toContain('hunter2');
  });
});

describe('the read-only transaction (layer 2)', () => {
  it('refuses a write hidden in a function call, and nothing is written', async () => {
    const err = await caught(() => driver.run(source(), `SELECT ${schema}.sneaky_write()`, [], limits, never));
    expect(err.kind).toBe('permission');
    expect(err.message).toBe('The server at 127.0.0.1:5432 refused the query: the source is read-only.');
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.writes`);
    expect(rows[0].n).toBe(0);
  });

  it('refuses nextval and row locks', async () => {
    expect((await caught(() => driver.run(source(), `SELECT nextval('${schema}.seq')`, [], limits, never))).kind).toBe('permission');
    expect((await caught(() => driver.run(source(), `SELECT * FROM ${schema}.clients FOR UPDATE`, [], limits, never))).kind).toBe('permission');
  });

  it('runs only one statement, and only a query (DECLARE … CURSOR FOR)', async () => {
    const stacked = await caught(() => driver.run(source(), `SELECT 1; DROP TABLE ${schema}.writes`, [], limits, never));
    expect(stacked.kind).toBe('query');
    const insert = await caught(() => driver.run(source(), `INSERT INTO ${schema}.writes VALUES (2) RETURNING n`, [], limits, never));
    expect(insert.kind).toBe('query');
    const cte = await caught(() => driver.run(source(), `WITH w AS (INSERT INTO ${schema}.writes VALUES (3) RETURNING n) SELECT * FROM w`, [], limits, never));
    expect(cte.kind).toBe('query');
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.writes`);
    expect(rows[0].n).toBe(0);
  });

  it('binds parameters, never splices them', async () => {
    const result = await driver.run(source(), 'SELECT $1::text AS a, $2::int AS b', ["x'; DROP TABLE clients; --", 5], limits, never);
    expect(result.rows).toEqual([["x'; DROP TABLE clients; --", 5]]);
  });
});

describe('the role (layer 3)', () => {
  it('reads what the role may read', async () => {
    const result = await driver.run(source({ role: restricted }), `SELECT count(*) FROM ${schema}.clients`, [], limits, never);
    expect(result.rows).toEqual([[40]]);
  });

  it('refuses a table the role may not read', async () => {
    const err = await caught(() => driver.run(source({ role: restricted }), `SELECT * FROM ${schema}.secrets`, [], limits, never));
    expect(err.kind).toBe('permission');
    expect(err.message).toContain('permission denied for table secrets');
  });

  it('quotes the role name', async () => {
    const err = await caught(() => driver.run(source({ role: `x"; DROP SCHEMA ${schema} CASCADE; --` }), 'SELECT 1', [], limits, never));
    expect(err.kind).toBe('query');
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [schema]);
    expect(rows[0].n).toBe(1);
  });
});

describe('timeouts (layer 4)', () => {
  it('the server stops a statement at timeoutMs', async () => {
    const slow = createPostgresDriver({ deadlineMarginMs: 10_000 });
    const s = source();
    const started = Date.now();
    try {
      const err = await caught(() => slow.run(s, 'SELECT pg_sleep(30)', [], { ...limits, timeoutMs: 300 }, never));
      expect(err.kind).toBe('timeout');
      expect(err.code).toBe('57014');
      expect(err.message).toContain('statement timeout');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await activeQueries(s)).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('the client deadline cancels a statement whose server timeout the query turned off, and drops the connection', async () => {
    // One row per FETCH: the first FETCH runs set_config (statement_timeout = 0 for the rest of
    // the transaction), the second sleeps with no server timeout left. Only the deadline remains.
    const oneRow = createPostgresDriver({ deadlineMarginMs: 300, fetchRows: 1 });
    const s = source({ poolSize: 1 });
    const sql = `SELECT CASE WHEN g = 1 THEN set_config('statement_timeout', '0', true) ELSE pg_sleep(30)::text END FROM generate_series(1, 2) g`;
    try {
      const pidBefore = (await oneRow.run(s, 'SELECT pg_backend_pid()', [], limits, never)).rows[0][0];
      const started = Date.now();
      const err = await caught(() => oneRow.run(s, sql, [], { ...limits, timeoutMs: 400 }, never));
      expect(err.kind).toBe('timeout');
      expect(err.message).toBe('The query on 127.0.0.1:5432 ran longer than 400 ms and was stopped.');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await eventually(async () => (await activeQueries(s)) === 0, 2000)).toBe(true);
      // The connection it ran on was discarded: the next query gets a new one.
      const gone = await eventually(async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pidBefore])).rowCount === 0, 2000);
      expect(gone).toBe(true);
      const pidAfter = (await oneRow.run(s, 'SELECT pg_backend_pid()', [], limits, never)).rows[0][0];
      expect(pidAfter).not.toBe(pidBefore);
    } finally {
      await oneRow.close();
    }
  });

  it("the caller's signal cancels the statement on the server", async () => {
    const s = source();
    const started = Date.now();
    const err = await caught(() => driver.run(s, 'SELECT pg_sleep(30)', [], { ...limits, timeoutMs: 30_000 }, AbortSignal.timeout(300)));
    expect(err.kind).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await eventually(async () => (await activeQueries(s)) === 0, 2000)).toBe(true);
  });

  it('a consumer that stops pulling is cut off at the deadline, its transaction ended', async () => {
    const s = source();
    const parts = driver.stream(s, 'SELECT g FROM generate_series(1, 100000) g', [], { ...limits, maxRows: 100_000, timeoutMs: 300 }, never)[Symbol.asyncIterator]();
    expect((await parts.next()).value?.type).toBe('columns');
    await new Promise((r) => setTimeout(r, 900));
    const idle = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [appName(s)]);
    expect(idle.rows[0].n).toBe(0);
    const err = await caught(() => parts.next());
    expect(err.kind).toBe('timeout');
  });
});

describe('streaming with caps (layer 5)', () => {
  it('stops ten million rows at maxRows, fast, reading in batches', async () => {
    const started = Date.now();
    const parts: StreamPart[] = [];
    for await (const part of driver.stream(source(), 'SELECT g, md5(g::text) FROM generate_series(1, 10000000) g', [], { ...limits, maxRows: 1200 }, never)) {
      parts.push(part);
    }
    expect(Date.now() - started).toBeLessThan(3000);
    expect(parts[0].type).toBe('columns');
    const batches = parts.filter((p) => p.type === 'rows');
    expect(batches.length).toBeGreaterThan(1);
    expect(parts.at(-1)).toMatchObject({ type: 'end', rowCount: 1200, truncated: true });
  });

  it('stops at maxBytes', async () => {
    const result = await driver.run(source(), "SELECT repeat('x', 1000) FROM generate_series(1, 1000000)", [], { ...limits, maxBytes: 10_000 }, never);
    expect(result.rows.length).toBe(9);
    expect(result.truncated).toBe(true);
  });

  it('is not truncated when the result fits exactly', async () => {
    const exact = await driver.run(source(), 'SELECT g FROM generate_series(1, 5) g', [], { ...limits, maxRows: 5 }, never);
    expect(exact).toMatchObject({ rowCount: 5, truncated: false });
    const over = await driver.run(source(), 'SELECT g FROM generate_series(1, 6) g', [], { ...limits, maxRows: 5 }, never);
    expect(over).toMatchObject({ rowCount: 5, truncated: true });
  });

  it('gives the columns of an empty result', async () => {
    const result = await driver.run(source(), `SELECT id, name FROM ${schema}.clients WHERE false`, [], limits, never);
    expect(result.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(result.rows).toEqual([]);
  });

  it('breaking out of the loop frees the connection for the next query', async () => {
    const s = source({ poolSize: 1 });
    for await (const part of driver.stream(s, 'SELECT g FROM generate_series(1, 100000) g', [], limits, never)) {
      if (part.type === 'rows') break;
    }
    const next = await driver.run(s, 'SELECT 1', [], limits, never);
    expect(next.rows).toEqual([[1]]);
  });
});

describe('values', () => {
  it('are JSON-safe and typed', async () => {
    const result = await driver.run(
      source(),
      `SELECT 42::int8 AS small_big, 9007199254740993::int8 AS huge_big, 12345.67::numeric(10,2) AS money,
              123456789012345678.9::numeric AS long_numeric, 'NaN'::float8 AS nan, 1.5::float4 AS f,
              DATE '2024-02-29' AS d, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts,
              TIMESTAMPTZ '2024-01-02 03:04:05+02' AS tstz, '\\x00ff'::bytea AS bin,
              '{"a":[1,2]}'::jsonb AS doc, ARRAY[1,2]::int8[] AS ids, true AS yes,
              'ok'::${schema}.mood AS mood, '7c9e6679-7425-40de-944b-e07fc1f90ae7'::uuid AS uid, NULL::text AS nothing,
              interval '1 day 2 hours' AS span`,
      [],
      limits,
      never,
    );
    expect(result.rows[0]).toEqual([
      42,
      '9007199254740993',
      12345.67,
      '123456789012345678.9',
      'NaN',
      1.5,
      '2024-02-29',
      '2024-01-02T03:04:05.123456',
      '2024-01-02T01:04:05Z',
      'AP8=',
      { a: [1, 2] },
      [1, 2],
      true,
      'ok',
      '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      null,
      'P1DT2H',
    ]);
    expect(result.columns.map((c) => [c.type, c.dbType])).toEqual([
      ['integer', 'bigint'],
      ['integer', 'bigint'],
      ['number', 'numeric(10,2)'],
      ['number', 'numeric'],
      ['number', 'double precision'],
      ['number', 'real'],
      ['date', 'date'],
      ['timestamp', 'timestamp without time zone'],
      ['timestamp', 'timestamp with time zone'],
      ['binary', 'bytea'],
      ['json', 'jsonb'],
      ['other', 'bigint[]'],
      ['boolean', 'boolean'],
      ['text', `${schema}.mood`],
      ['text', 'uuid'],
      ['text', 'text'],
      ['other', 'interval'],
    ]);
  });
});

describe('errors in plain words', () => {
  it('names the unknown table', async () => {
    const err = await caught(() => driver.run(source(), 'SELECT * FROM no_such_table', [], limits, never));
    expect(err.kind).toBe('query');
    expect(err.message).toBe('The query failed on 127.0.0.1:5432: relation "no_such_table" does not exist.');
  });

  it('a syntax error is a query error', async () => {
    const err = await caught(() => driver.run(source(), 'SELEC 1', [], limits, never));
    expect(err.kind).toBe('query');
    expect(err.code).toBe('42601');
  });
});

describe('pools', () => {
  it('never opens more than poolSize connections, under 50 concurrent queries', async () => {
    const s = source({ poolSize: 3 });
    const sql = `SELECT pg_backend_pid(), (SELECT count(*)::int FROM pg_stat_activity WHERE application_name = $1), pg_sleep(0.02)::text`;
    const results = await Promise.all(Array.from({ length: 50 }, () => driver.run(s, sql, [appName(s)], limits, never)));
    const pids = new Set(results.map((r) => r.rows[0][0]));
    const seen = Math.max(...results.map((r) => r.rows[0][1] as number));
    expect(pids.size).toBeLessThanOrEqual(3);
    expect(seen).toBeLessThanOrEqual(3);
    expect(seen).toBe(3);
  });

  it('a query that waits too long for a connection gives up with its deadline', async () => {
    const s = source({ poolSize: 1 });
    const busy = driver.run(s, 'SELECT pg_sleep(1)', [], limits, never);
    const err = await caught(() => driver.run(s, 'SELECT 1', [], { ...limits, timeoutMs: 100 }, never));
    expect(err.kind).toBe('timeout');
    await busy;
  });
});

describe('round trips', () => {
  /** Socket writes to the server while `fn` runs: each is one trip out (writes pg corks together count once). */
  async function writesDuring(fn: () => Promise<unknown>): Promise<number> {
    const port = Number(new URL(PG_URL).port || 5432);
    const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (this: net.Socket, ...args: unknown[]) => unknown>;
    const originals = { _write: proto._write, _writev: proto._writev };
    let writes = 0;
    for (const name of ['_write', '_writev'] as const) {
      proto[name] = function (this: net.Socket, ...args: unknown[]) {
        if (this.remotePort === port) writes++;
        return originals[name].apply(this, args);
      };
    }
    try {
      await fn();
    } finally {
      Object.assign(proto, originals);
    }
    return writes;
  }

  const states = async (s: Source<ServerConnection>) =>
    (await admin.query(`SELECT state FROM pg_stat_activity WHERE application_name = $1 ORDER BY state`, [appName(s)])).rows.map((r) => r.state);
  /** A driver of its own whose owed ROLLBACKs wait `rollbackDelayMs`, closed after `fn`. */
  async function withDriver(rollbackDelayMs: number, fn: (d: ReturnType<typeof createPostgresDriver>, s: Source<ServerConnection>) => Promise<void>) {
    const d = createPostgresDriver({ deadlineMarginMs: 300, rollbackDelayMs });
    try {
      await fn(d, source({ poolSize: 1 }));
    } finally {
      await d.close();
    }
  }

  it("sends the transaction, the cursor and the first fetch in one write, with the ROLLBACK the last query's transaction owes", () =>
    // A timer that never fires here: every ROLLBACK rides with the next query.
    withDriver(60_000, async (lazy, s) => {
      // The pool's connection and the names of the result's types, once.
      await lazy.run(s, 'SELECT 1 AS n', [], limits, never);
      let result: Awaited<ReturnType<typeof driver.run>> | undefined;
      const writes = await writesDuring(async () => {
        result = await lazy.run(s, 'SELECT $1::int AS n', [2], limits, never);
      });
      expect(result?.rows).toEqual([[2]]);
      expect(writes).toBe(1);
      // Back in the pool at once, its transaction open (read-only, every row read) until the next query.
      expect(await states(s)).toEqual(['idle in transaction']);
      // The ROLLBACK goes first: in the transaction of the query before, BEGIN would only warn, but
      // the DECLARE of a cursor by the same name would fail.
      expect((await lazy.run(s, 'SELECT 3 AS n', [], limits, never)).rows).toEqual([[3]]);
      expect(await states(s)).toEqual(['idle in transaction']);
    }));

  it('rolls back a connection that no query takes within rollbackDelayMs', () =>
    withDriver(20, async (quick, s) => {
      expect((await quick.run(s, 'SELECT 1 AS n', [], limits, never)).rows).toEqual([[1]]);
      expect(await eventually(async () => (await states(s)).join() === 'idle')).toBe(true);
      expect((await quick.run(s, 'SELECT 2 AS n', [], limits, never)).rows).toEqual([[2]]);
    }));

  it('rolls back at once after a query that failed or stopped early', () =>
    withDriver(60_000, async (lazy, s) => {
      await caught(() => lazy.run(s, 'SELECT 1/0', [], limits, never));
      expect(await states(s)).toEqual(['idle']);
      for await (const part of lazy.stream(s, `SELECT g FROM generate_series(1, 5000) g`, [], limits, never)) {
        if (part.type === 'rows') break;
      }
      expect(await states(s)).toEqual(['idle']);
    }));

  it('reports the first failure of the pipeline, not the aborted statements after it', async () => {
    const err = await caught(() => driver.run(source({ settings: { statement_timeout: 'soon' } }), 'SELECT 1', [], limits, never));
    expect(err.kind).toBe('query');
    expect(err.message).toContain('statement_timeout');
    expect(err.message).not.toContain('current transaction is aborted');
  });
});

describe('introspect', () => {
  it('lists tables and views with columns, keys and estimates', async () => {
    const result = await driver.introspect(source(), never);
    const mine = result.schemas.find((x) => x.name === schema);
    expect(result.schemas.map((x) => x.name)).not.toContain('pg_catalog');
    expect(result.schemas.map((x) => x.name)).not.toContain('information_schema');
    const byName = Object.fromEntries(mine!.tables.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['client_names', 'clients', 'projects', 'secrets', 'tasks', 'writes']);
    expect(byName.clients).toMatchObject({ kind: 'table', rowEstimate: 40, primaryKey: ['id'], foreignKeys: [] });
    expect(byName.clients.columns).toEqual([
      { name: 'id', dbType: 'integer', type: 'integer', nullable: false, position: 1 },
      { name: 'name', dbType: 'text', type: 'text', nullable: false, position: 2 },
      { name: 'mood', dbType: `${schema}.mood`, type: 'text', nullable: true, position: 3 },
    ]);
    expect(byName.projects.primaryKey).toEqual(['org', 'id']);
    expect(byName.projects.columns.find((c) => c.name === 'budget')).toMatchObject({ dbType: 'numeric(10,2)', type: 'number' });
    expect(byName.projects.foreignKeys).toEqual([{ columns: ['client_id'], references: { schema, table: 'clients', columns: ['id'] } }]);
    expect(byName.tasks.foreignKeys).toEqual([{ columns: ['org', 'project_id'], references: { schema, table: 'projects', columns: ['org', 'id'] } }]);
    expect(byName.client_names).toMatchObject({ kind: 'view', rowEstimate: null });
    expect(byName.writes.rowEstimate).toBeNull();
  });

  it('lists only what the role may read', async () => {
    const result = await driver.introspect(source({ role: restricted }), never);
    const mine = result.schemas.find((x) => x.name === schema);
    expect(mine!.tables.map((t) => t.name)).toEqual(['clients']);
  });
});
