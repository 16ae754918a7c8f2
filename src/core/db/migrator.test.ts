// The migrator on a database of this file's own (a clone of the migrated template, so the
// ledger exists and holds the real migrations). Each test uses a module name and a
// PostgreSQL schema of its own, with migrations written to a temp folder.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/harness.ts';
import { createDatabase, dropDatabase } from '../../../test/test-server.ts';
import { type Database, openDatabase } from './database.ts';
import { MigrationError, migrate, pendingMigrations, readMigrations } from './migrator.ts';

let database: Database;
let drop: () => Promise<void>;
const dirs: string[] = [];

beforeAll(async () => {
  ({ database, drop } = await createTestDatabase());
});
afterAll(async () => {
  await drop?.();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let seq = 0;
/** A module name, its own schema, and a folder to write its migrations into. */
function fixture() {
  seq++;
  const module = `mtest${seq}`;
  const dir = mkdtempSync(join(tmpdir(), 'trellis-migrations-'));
  dirs.push(dir);
  return {
    module,
    schema: module,
    write: (name: string, sql: string) => writeFileSync(join(dir, name), sql),
    read: () => readMigrations([{ module, dir }]),
  };
}

async function ledger(module: string) {
  const rows = await database.db
    .selectFrom('core.schema_migrations')
    .select(['seq', 'name', 'checksum'])
    .where('module', '=', module)
    .orderBy('seq')
    .execute();
  return rows as { seq: number; name: string; checksum: string }[];
}

async function tableExists(qualified: string): Promise<boolean> {
  const rows = await database.rawTransaction((s) => s.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [qualified]));
  return rows[0].t !== null;
}

async function migrationError(p: Promise<unknown>): Promise<MigrationError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MigrationError);
    return err as MigrationError;
  }
  throw new Error('expected a MigrationError');
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('readMigrations', () => {
  it('reads .sql files in name order with their checksums and skips a missing folder', () => {
    const f = fixture();
    f.write('0002_second.sql', 'SELECT 2;');
    f.write('0001_first.sql', 'SELECT 1;');
    f.write('README.md', 'not a migration');
    expect(f.read()).toEqual([
      { module: f.module, name: '0001_first.sql', sql: 'SELECT 1;', checksum: sha256('SELECT 1;') },
      { module: f.module, name: '0002_second.sql', sql: 'SELECT 2;', checksum: sha256('SELECT 2;') },
    ]);
    expect(readMigrations([{ module: 'none', dir: join(tmpdir(), 'trellis-does-not-exist') }])).toEqual([]);
  });

  it('ignores CRLF line endings in the checksum', () => {
    const f = fixture();
    f.write('0001_a.sql', 'SELECT 1;\r\nSELECT 2;\r\n');
    expect(f.read()[0].checksum).toBe(sha256('SELECT 1;\nSELECT 2;\n'));
  });

  it('refuses a badly named file', () => {
    const f = fixture();
    f.write('1_bad.sql', 'SELECT 1;');
    expect(() => f.read()).toThrow(MigrationError);
    expect(() => f.read()).toThrow(/1_bad\.sql/);
  });
});

describe('migrate', () => {
  it('applies pending migrations in order and records each in the ledger with its checksum', async () => {
    const f = fixture();
    // Written out of order: the file name decides. 0002 needs the table of 0001.
    f.write('0002_seed.sql', `INSERT INTO ${f.schema}.items (name) VALUES ('a'), ('b');`);
    f.write('0001_items.sql', `CREATE SCHEMA ${f.schema};\nCREATE TABLE ${f.schema}.items (id serial PRIMARY KEY, name text NOT NULL);`);
    const migrations = f.read();
    expect(await pendingMigrations(database, migrations)).toEqual([`${f.module}/0001_items.sql`, `${f.module}/0002_seed.sql`]);

    expect(await migrate(database, migrations)).toEqual([`${f.module}/0001_items.sql`, `${f.module}/0002_seed.sql`]);
    const rows = await ledger(f.module);
    expect(rows.map((r) => [r.name, r.checksum])).toEqual(migrations.map((m) => [m.name, sha256(m.sql)]));
    expect(rows[0].seq).toBeLessThan(rows[1].seq);
    const items = await database.db.selectFrom(`${f.schema}.items`).select('name').orderBy('id').execute();
    expect(items.map((r: { name: string }) => r.name)).toEqual(['a', 'b']);
    expect(await pendingMigrations(database, migrations)).toEqual([]);
  });

  it('applies nothing on a second run', async () => {
    const f = fixture();
    f.write('0001_counter.sql', `CREATE SCHEMA ${f.schema};\nCREATE TABLE ${f.schema}.c (n int);\nINSERT INTO ${f.schema}.c VALUES (1);`);
    expect(await migrate(database, f.read())).toHaveLength(1);
    expect(await migrate(database, f.read())).toEqual([]);
    // Not re-run: the insert happened once.
    const rows = await database.db.selectFrom(`${f.schema}.c`).selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(await ledger(f.module)).toHaveLength(1);
  });

  it('applies only the new file when one is added, and pendingMigrations lists it first', async () => {
    const f = fixture();
    f.write('0001_a.sql', `CREATE SCHEMA ${f.schema};\nCREATE TABLE ${f.schema}.a (id int);`);
    await migrate(database, f.read());
    f.write('0002_b.sql', `CREATE TABLE ${f.schema}.b (id int);`);
    f.write('0003_c.sql', `CREATE TABLE ${f.schema}.c (id int);`);
    expect(await pendingMigrations(database, f.read())).toEqual([`${f.module}/0002_b.sql`, `${f.module}/0003_c.sql`]);
    expect(await migrate(database, f.read())).toEqual([`${f.module}/0002_b.sql`, `${f.module}/0003_c.sql`]);
    expect((await ledger(f.module)).map((r) => r.name)).toEqual(['0001_a.sql', '0002_b.sql', '0003_c.sql']);
  });

  it('refuses an applied migration that was edited, naming the file', async () => {
    const f = fixture();
    f.write('0001_a.sql', `CREATE SCHEMA ${f.schema};\nCREATE TABLE ${f.schema}.a (id int);`);
    await migrate(database, f.read());
    f.write('0001_a.sql', `CREATE SCHEMA ${f.schema};\nCREATE TABLE ${f.schema}.a (id bigint);`);
    f.write('0002_b.sql', `CREATE TABLE ${f.schema}.b (id int);`);
    const err = await migrationError(migrate(database, f.read()));
    expect(err.message).toContain(`${f.module}/0001_a.sql`);
    expect(err.message).toMatch(/edited/);
    // Nothing else ran: the new file is still pending and its table absent.
    expect(await tableExists(`${f.schema}.b`)).toBe(false);
    expect((await ledger(f.module)).map((r) => r.name)).toEqual(['0001_a.sql']);
    // The readiness check refuses the same way.
    expect((await migrationError(pendingMigrations(database, f.read()))).message).toMatch(/0001_a\.sql.*edited/);
  });

  it('rolls a failing run back entirely: no ledger row, no partial table', async () => {
    const f = fixture();
    f.write('0001_ok.sql', `CREATE SCHEMA ${f.schema};\nCREATE TABLE ${f.schema}.first (id int);`);
    f.write('0002_broken.sql', `CREATE TABLE ${f.schema}.second (id int);\nINSERT INTO ${f.schema}.second VALUES (1);\nSELECT 1 / 0;`);
    const err = await migrationError(migrate(database, f.read()));
    expect(err.message).toContain(`${f.module}/0002_broken.sql`);
    expect(err.message).toMatch(/division by zero/);
    expect(await ledger(f.module)).toEqual([]);
    expect(await tableExists(`${f.schema}.second`)).toBe(false);
    expect(await tableExists(`${f.schema}.first`)).toBe(false);
    expect(await pendingMigrations(database, f.read())).toEqual([`${f.module}/0001_ok.sql`, `${f.module}/0002_broken.sql`]);
    // The connection is usable afterwards, and a fixed file applies cleanly.
    f.write('0002_broken.sql', `CREATE TABLE ${f.schema}.second (id int);`);
    expect(await migrate(database, f.read())).toHaveLength(2);
    expect(await tableExists(`${f.schema}.second`)).toBe(true);
  });

  it('runs migrators started at once one after the other', async () => {
    const f = fixture();
    f.write('0001_a.sql', `CREATE SCHEMA ${f.schema};\nCREATE TABLE ${f.schema}.a (id int);`);
    const [a, b] = await Promise.all([migrate(database, f.read()), migrate(database, f.read())]);
    expect([...a, ...b]).toEqual([`${f.module}/0001_a.sql`]);
    expect(await ledger(f.module)).toHaveLength(1);
  });
});

describe('migrate on an empty database', () => {
  /** Opens `count` pools, as `count` instances would, on a database without even the ledger; drops it afterwards. */
  async function emptyDatabase(count: number): Promise<{ dbs: Database[]; dispose(): Promise<void> }> {
    const name = `trellis_t_empty_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const url = await createDatabase(name);
    const dbs = await Promise.all(Array.from({ length: count }, () => openDatabase({ url, poolSize: 2 })));
    return {
      dbs,
      async dispose() {
        for (const db of dbs) await db.close();
        await dropDatabase(name);
      },
    };
  }

  it('creates the ledger, and instances starting at once apply each migration once', { timeout: 90_000 }, async () => {
    const f = fixture();
    f.write('0001_a.sql', `CREATE SCHEMA ${f.schema};\nCREATE TABLE ${f.schema}.a (id int);`);
    f.write('0002_b.sql', `INSERT INTO ${f.schema}.a VALUES (1);`);
    const { dbs, dispose } = await emptyDatabase(4);
    try {
      expect(await pendingMigrations(dbs[0], f.read())).toEqual([`${f.module}/0001_a.sql`, `${f.module}/0002_b.sql`]);
      const results = await Promise.allSettled(dbs.map((db) => migrate(db, f.read())));
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      const applied = results.flatMap((r) => (r as PromiseFulfilledResult<string[]>).value);
      expect(applied).toEqual([`${f.module}/0001_a.sql`, `${f.module}/0002_b.sql`]);
      const rows = await dbs[0].db.selectFrom(`${f.schema}.a`).selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(await pendingMigrations(dbs[0], f.read())).toEqual([]);
    } finally {
      await dispose();
    }
  });
});
