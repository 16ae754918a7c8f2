// The files driver: layers 2, 4 and 5 of the guard on a source's DuckDB database, with SQL sent
// straight to the driver (no parser guard in front).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught } from '../test-support.ts';
import type { FilesConnection, QueryLimits, Source, StreamPart } from '../types.ts';
import { createFilesDriver } from './driver.ts';
import { ingestFiles } from './ingest.ts';

const dir = mkdtempSync(join(tmpdir(), 'trellis-files-'));
const dbPath = join(dir, 'source.duckdb');
const secret = join(dir, 'secret.csv');
const limits: QueryLimits = { maxRows: 1000, maxBytes: 1_000_000, timeoutMs: 5000 };
const never = new AbortController().signal;
const driver = createFilesDriver();
let n = 0;
const source = (overrides: Partial<FilesConnection> = {}): Source<FilesConnection> => ({ id: `files-${++n}`, connection: { path: dbPath, poolSize: 2, ...overrides } });

beforeAll(async () => {
  writeFileSync(secret, 'token\nhunter2\n');
  const clients = join(dir, 'clients.csv');
  writeFileSync(clients, 'id,name,rate,joined\n1,Acme,120.5,2024-01-02\n2,Globex,99,2024-03-04\n3,Initech,,2024-05-06\n');
  await ingestFiles({ into: dbPath, files: [{ path: clients, fileName: 'clients.csv' }] });
});

afterAll(async () => {
  await driver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('queries', () => {
  it('read the ingested tables with bound parameters', async () => {
    const result = await driver.run(source(), 'SELECT name, rate FROM clients WHERE id >= $1 ORDER BY id', [2], limits, never);
    expect(result.columns).toEqual([
      { name: 'name', type: 'text', dbType: 'VARCHAR' },
      { name: 'rate', type: 'number', dbType: 'DOUBLE' },
    ]);
    expect(result.rows).toEqual([
      ['Globex', 99],
      ['Initech', null],
    ]);
  });

  it('give JSON-safe values', async () => {
    const result = await driver.run(
      source(),
      `SELECT 42::BIGINT AS a, 9007199254740993::BIGINT AS b, 12.345::DECIMAL(10,3) AS c, (2::HUGEINT ** 70)::HUGEINT AS d,
              DATE '2024-02-29' AS e, TIMESTAMP '2024-01-02 03:04:05.5' AS f, TIMESTAMPTZ '2024-01-02 03:04:05+02' AS g,
              'abc'::BLOB AS h, '{"x":[1,2]}'::JSON AS i, [1, 2]::BIGINT[] AS j, {'k': 1} AS k, 'NaN'::DOUBLE AS l`,
      [],
      limits,
      never,
    );
    expect(result.rows[0]).toEqual([42, '9007199254740993', 12.345, '1180591620717411303424', '2024-02-29', '2024-01-02T03:04:05.5', '2024-01-02T01:04:05Z', 'YWJj', { x: [1, 2] }, [1, 2], { k: 1 }, 'NaN']);
    expect(result.columns.map((c) => c.type)).toEqual(['integer', 'integer', 'number', 'integer', 'date', 'timestamp', 'timestamp', 'binary', 'json', 'other', 'other', 'number']);
    expect(result.columns[8].dbType).toBe('JSON');
  });

  it('run one statement only', async () => {
    const err = await caught(() => driver.run(source(), 'SELECT 1; SELECT 2', [], limits, never));
    expect(err.kind).toBe('query');
    expect(err.message).toBe('The query failed on the uploaded files: Cannot prepare multiple statements at once!');
  });

  it('name an unknown table in plain words', async () => {
    const err = await caught(() => driver.run(source(), 'SELECT * FROM nope', [], limits, never));
    expect(err.kind).toBe('query');
    expect(err.message).toMatch(/^The query failed on the uploaded files: Table with name nope does not exist!/);
  });
});

describe('the read-only, locked-down database (layer 2)', () => {
  const refused: [string, string][] = [
    ['read_csv', `SELECT * FROM read_csv('${secret}')`],
    ['read_csv of /etc/passwd', "SELECT * FROM read_csv('/etc/passwd')"],
    ['read_text', "SELECT * FROM read_text('/etc/passwd')"],
    ['read_blob', `SELECT * FROM read_blob('${secret}')`],
    ['a replacement scan', "FROM '/etc/passwd'"],
    ['glob', "SELECT * FROM glob('/etc/*')"],
    ['COPY … TO', `COPY clients TO '${join(dir, 'out.csv')}'`],
    ['COPY … TO the database WAL', `COPY clients TO '${dbPath}.wal'`],
    ['ATTACH', `ATTACH '${join(dir, 'other.duckdb')}' AS other`],
    ['INSTALL', 'INSTALL httpfs'],
    ['LOAD', 'LOAD httpfs'],
    ['SET enable_external_access', 'SET enable_external_access = true'],
    ['SET lock_configuration', 'SET lock_configuration = false'],
    ['RESET disabled_filesystems', 'RESET disabled_filesystems'],
    ['CREATE TABLE', 'CREATE TABLE stolen AS SELECT 1'],
    ['INSERT', "INSERT INTO clients VALUES (9, 'x', 1, DATE '2024-01-01')"],
    ['DELETE', 'DELETE FROM clients'],
    ['EXPORT DATABASE', `EXPORT DATABASE '${join(dir, 'export')}'`],
  ];

  for (const [what, sql] of refused) {
    it(`refuses ${what}`, async () => {
      const err = await caught(() => driver.run(source(), sql, [], limits, never));
      expect(['permission', 'query']).toContain(err.kind);
      expect(err.message).not.toContain('hunter2');
    });
  }

  it('refuses file reads as permission errors, and leaves every file as it was', async () => {
    const err = await caught(() => driver.run(source(), `SELECT * FROM read_csv('${secret}')`, [], limits, never));
    expect(err.kind).toBe('permission');
    // enable_external_access alone still lets DuckDB write its own WAL path; the disabled local
    // file system does not.
    const write = await caught(() => driver.run(source(), `COPY clients TO '${dbPath}.wal'`, [], limits, never));
    expect(write.kind).toBe('permission');
    expect(write.message).toBe('The query was refused on the uploaded files: File system LocalFileSystem has been disabled by configuration');
    expect(() => statSync(`${dbPath}.wal`)).toThrow();
    expect(() => statSync(join(dir, 'out.csv'))).toThrow();
    expect((await driver.run(source(), 'SELECT count(*) FROM clients', [], limits, never)).rows).toEqual([[3]]);
  });

  it('keeps the settings locked for every connection of the instance', async () => {
    const s = source();
    const result = await driver.run(
      s,
      "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', 'lock_configuration', 'access_mode', 'temp_directory') ORDER BY name",
      [],
      limits,
      never,
    );
    expect(result.rows).toEqual([
      ['access_mode', 'read_only'],
      ['enable_external_access', 'false'],
      ['lock_configuration', 'true'],
      ['temp_directory', ''],
    ]);
  });
});

describe('deadline (layer 4)', () => {
  it('interrupts a query at timeoutMs', async () => {
    const started = Date.now();
    const err = await caught(() => driver.run(source(), 'SELECT count(*) FROM range(1000000000000) t(a) WHERE a % 7 = 3', [], { ...limits, timeoutMs: 300 }, never));
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe('The query on the uploaded files ran longer than 300 ms and was stopped.');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("interrupts it when the caller's signal aborts", async () => {
    const err = await caught(() => driver.run(source(), 'SELECT count(*) FROM range(1000000000000) t(a) WHERE a % 7 = 3', [], { ...limits, timeoutMs: 30_000 }, AbortSignal.timeout(200)));
    expect(err.kind).toBe('canceled');
  });
});

describe('streaming with caps (layer 5)', () => {
  it('stops a huge result at maxRows, chunk by chunk', async () => {
    const started = Date.now();
    const parts: StreamPart[] = [];
    for await (const part of driver.stream(source(), 'SELECT range, md5(range::VARCHAR) FROM range(10000000000)', [], { ...limits, maxRows: 5000 }, never)) parts.push(part);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(parts[0].type).toBe('columns');
    expect(parts.filter((p) => p.type === 'rows').length).toBeGreaterThan(1);
    expect(parts.at(-1)).toMatchObject({ type: 'end', rowCount: 5000, truncated: true });
  });

  it('stops at maxBytes', async () => {
    const result = await driver.run(source(), "SELECT repeat('x', 1000) FROM range(1000000)", [], { ...limits, maxBytes: 10_000 }, never);
    expect(result.rows.length).toBe(9);
    expect(result.truncated).toBe(true);
  });

  it('is not truncated when the result fits exactly', async () => {
    expect(await driver.run(source(), 'SELECT * FROM range(5)', [], { ...limits, maxRows: 5 }, never)).toMatchObject({ rowCount: 5, truncated: false });
  });
});

describe('introspect', () => {
  it('lists the tables with their columns and exact row counts', async () => {
    const schema = await driver.introspect(source(), never);
    expect(schema).toEqual({
      schemas: [
        {
          name: 'main',
          tables: [
            {
              name: 'clients',
              kind: 'table',
              rowEstimate: 3,
              primaryKey: [],
              foreignKeys: [],
              columns: [
                { name: 'id', dbType: 'BIGINT', type: 'integer', nullable: true, position: 1 },
                { name: 'name', dbType: 'VARCHAR', type: 'text', nullable: true, position: 2 },
                { name: 'rate', dbType: 'DOUBLE', type: 'number', nullable: true, position: 3 },
                { name: 'joined', dbType: 'DATE', type: 'date', nullable: true, position: 4 },
              ],
            },
          ],
        },
      ],
    });
  });
});

describe('re-ingestion', () => {
  it('a source whose database was rebuilt reads the new one', async () => {
    const path = join(dir, 'rebuilt.duckdb');
    const s = source({ path });
    const csv = join(dir, 'v1.csv');
    writeFileSync(csv, 'v\n1\n');
    await ingestFiles({ into: path, files: [{ path: csv, fileName: 'v.csv' }] });
    expect((await driver.run(s, 'SELECT * FROM v', [], limits, never)).rows).toEqual([[1]]);
    writeFileSync(csv, 'v\n2\n');
    await ingestFiles({ into: path, files: [{ path: csv, fileName: 'v.csv' }] });
    expect((await driver.run(s, 'SELECT * FROM v', [], limits, never)).rows).toEqual([[2]]);
  });

  it('a source without its database says so', async () => {
    const err = await caught(() => driver.run(source({ path: join(dir, 'missing.duckdb') }), 'SELECT 1', [], limits, never));
    expect(err.kind).toBe('unreachable');
  });
});

describe('test', () => {
  it('opens the database and reports DuckDB', async () => {
    const result = await driver.test({ path: dbPath, poolSize: 1 }, never);
    expect(result.serverVersion).toMatch(/^DuckDB v1\.5/);
    expect(readFileSync(secret, 'utf8')).toBe('token\nhunter2\n');
  });
});
