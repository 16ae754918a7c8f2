// Per-module SQL migrations with one ordered ledger. Files are `NNNN_description.sql`,
// forward-only; pending files are applied in one transaction under an advisory lock and
// recorded with a checksum so
// an edited, already-applied file is refused instead of silently diverging.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, RawSession } from './database.ts';

export interface MigrationSource {
  module: string;
  dir: string;
}

export interface Migration {
  module: string;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

const FILE_PATTERN = /^\d{4}_[a-z0-9_]+\.sql$/;
// Serializes migrators of several instances starting at once.
const LOCK_KEY = 7_420_318_911;

export function readMigrations(sources: MigrationSource[]): Migration[] {
  const all: Migration[] = [];
  for (const { module, dir } of sources) {
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
    } catch {
      continue; // a module without migrations
    }
    for (const name of files.sort()) {
      if (!FILE_PATTERN.test(name)) throw new MigrationError(`migration ${module}/${name}: name must look like 0001_description.sql`);
      const sql = readFileSync(join(dir, name), 'utf8');
      all.push({ module, name, sql, checksum: checksum(sql) });
    }
  }
  return all;
}

function checksum(sql: string): string {
  // Line endings must not change the checksum of an untouched file checked out on another OS.
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

const LEDGER = `
  CREATE SCHEMA IF NOT EXISTS core;
  CREATE TABLE IF NOT EXISTS core.schema_migrations (
    seq        serial PRIMARY KEY,
    module     text NOT NULL,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (module, name)
  );`;

interface Applied {
  module: string;
  name: string;
  checksum: string;
}

async function readLedger(s: RawSession): Promise<Map<string, Applied>> {
  const rows = await s.query<Applied>('SELECT module, name, checksum FROM core.schema_migrations ORDER BY seq');
  return new Map(rows.map((r) => [`${r.module}/${r.name}`, r]));
}

function verify(migrations: Migration[], applied: Map<string, Applied>) {
  for (const m of migrations) {
    const done = applied.get(`${m.module}/${m.name}`);
    if (done && done.checksum !== m.checksum) {
      throw new MigrationError(
        `migration ${m.module}/${m.name} was edited after it was applied (checksum ${done.checksum.slice(0, 12)} in the ledger, ${m.checksum.slice(0, 12)} on disk); add a new migration instead`,
      );
    }
  }
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(database: Database, migrations: Migration[]): Promise<string[]> {
  const applied: string[] = [];
  await database.rawTransaction(async (s) => {
    // Under the lock too: concurrent CREATE ... IF NOT EXISTS on an empty database races
    // (duplicate key in pg_namespace) when several instances start at once.
    await s.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await s.exec(LEDGER);
  });
  await database.rawTransaction(async (s) => {
    await s.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const ledger = await readLedger(s);
    verify(migrations, ledger);
    for (const m of migrations) {
      if (ledger.has(`${m.module}/${m.name}`)) continue;
      try {
        await s.exec(m.sql);
      } catch (err) {
        throw new MigrationError(`migration ${m.module}/${m.name} failed: ${(err as Error).message}`);
      }
      await s.query('INSERT INTO core.schema_migrations (module, name, checksum) VALUES ($1, $2, $3)', [m.module, m.name, m.checksum]);
      applied.push(`${m.module}/${m.name}`);
    }
  });
  return applied;
}

/** Pending migration names, after verifying the checksums of applied ones (for /health/ready). */
export async function pendingMigrations(database: Database, migrations: Migration[]): Promise<string[]> {
  return database.rawTransaction(async (s) => {
    const exists = await s.query<{ t: string | null }>("SELECT to_regclass('core.schema_migrations')::text AS t");
    if (!exists[0]?.t) return migrations.map((m) => `${m.module}/${m.name}`);
    const ledger = await readLedger(s);
    verify(migrations, ledger);
    return migrations.filter((m) => !ledger.has(`${m.module}/${m.name}`)).map((m) => `${m.module}/${m.name}`);
  });
}
