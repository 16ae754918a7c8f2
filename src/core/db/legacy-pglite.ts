// Data folders of earlier versions. Trellis used to keep its zero-config database in
// DATA_DIR/pglite (PGlite, decision 0002); the default is now a PostgreSQL server in
// DATA_DIR/postgres (decision 0027). Starting on an empty server next to an old folder would
// look like lost data, so start-up stops until the folder is imported (or moved away), and
// `npm run cli -- import-pglite` moves its data over with PGlite's own pg_dump.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDED_DATABASE, startEmbeddedPostgres } from './embedded-postgres.ts';

export class LegacyPgliteError extends Error {
  override name = 'LegacyPgliteError';
}

/** The folder an earlier version kept its PGlite database in, and where it goes once imported. */
export function legacyPgliteFolders(dataDir: string) {
  const source = join(dataDir, 'pglite');
  return { source, imported: `${source}.imported`, server: join(dataDir, 'postgres') };
}

/** PGlite's initdb writes PG_VERSION; a folder without it holds no database. */
function holdsDatabase(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/**
 * Stops start-up (on the embedded path) while DATA_DIR/pglite holds a database that has not
 * been imported: one sentence naming the command that imports it.
 */
export function assertNoLegacyPglite(dataDir: string): void {
  const { source, server } = legacyPgliteFolders(dataDir);
  if (!holdsDatabase(source)) return;
  throw new LegacyPgliteError(
    `${source} holds the database of an earlier Trellis version (PGlite), and the default database is now an embedded PostgreSQL server in ${server}: run \`npm run cli -- import-pglite\` once to move the data into it (or move the folder away to start with an empty database)`,
  );
}

export interface PgliteImport {
  from: string;
  to: string;
  /** Where the PGlite folder was moved once its data was in the server. */
  movedTo: string;
  tables: number;
  /** Size of the dump applied, in bytes. */
  dumpBytes: number;
}

/**
 * Dumps DATA_DIR/pglite with PGlite's pg_dump (WebAssembly, in this process), applies the dump
 * to the `trellis` database of the embedded server in one transaction, and renames the PGlite
 * folder to `pglite.imported`. Refuses when that database already has tables. Migrations newer
 * than the PGlite data are left to the next start, which applies them as on any start.
 */
export async function importPglite(opts: { dataDir: string; log?: (message: string) => void }): Promise<PgliteImport> {
  const log = opts.log ?? (() => {});
  const { source, imported, server: serverDir } = legacyPgliteFolders(opts.dataDir);
  if (!holdsDatabase(source)) {
    if (holdsDatabase(imported)) throw new LegacyPgliteError(`nothing to import: ${source} was imported already (the old folder is kept as ${imported})`);
    throw new LegacyPgliteError(`nothing to import: there is no PGlite database in ${source}`);
  }
  if (existsSync(imported)) {
    throw new LegacyPgliteError(`${imported} exists already (left by an earlier import): move it away, then run \`npm run cli -- import-pglite\` again`);
  }

  const server = await startEmbeddedPostgres({ dir: serverDir });
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: server.url() });
  client.on('error', () => {});
  try {
    await client.connect();
    // Checked before the dump, which takes a while, and again inside the transaction below.
    await refuseIfTables(client, serverDir);
    log(`dumping ${source} with PGlite's pg_dump`);
    const dump = await dumpPglite(source);
    log(`applying the dump (${(dump.length / 1e6).toFixed(1)} MB) to the embedded PostgreSQL`);
    await client.query('BEGIN');
    try {
      await refuseIfTables(client, serverDir);
      // The simple query protocol runs the whole script, statement after statement, inside
      // this transaction: a failure anywhere leaves the server as it was.
      await client.query(plainSql(dump));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
    // pg_dump carries no planner statistics.
    await client.query('ANALYZE');
    const tables = await countTables(client);
    try {
      renameSync(source, imported);
    } catch (err) {
      throw new LegacyPgliteError(
        `the data is in the embedded PostgreSQL now, but ${source} could not be renamed to ${imported} (${(err as Error).message}): rename or move it yourself so that start-up proceeds`,
      );
    }
    return { from: source, to: serverDir, movedTo: imported, tables, dumpBytes: Buffer.byteLength(dump) };
  } finally {
    await client.end().catch(() => {});
    // A server that was already running (`npm start`, or left by a crash) stays as it was.
    if (!server.reused) await server.stop();
  }
}

async function refuseIfTables(client: import('pg').Client, serverDir: string) {
  const tables = await countTables(client);
  if (tables > 0) {
    throw new LegacyPgliteError(
      `the embedded PostgreSQL in ${serverDir} already has ${tables} table(s) in its \`${EMBEDDED_DATABASE}\` database, and the import does not mix two databases: to import the PGlite data instead, stop Trellis, move ${serverDir} and ${serverDir}.password away, and run \`npm run cli -- import-pglite\` again`,
    );
  }
}

async function countTables(client: import('pg').Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg\\_toast%'`,
  );
  return rows[0].n;
}

async function dumpPglite(dir: string): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pgDump } = await import('@electric-sql/pglite-tools/pg_dump');
  const pglite = await PGlite.create({ dataDir: dir });
  try {
    // pgDump adds --inserts itself (plain INSERT statements, no COPY … FROM stdin that only
    // psql could feed). Owners and grants name PGlite's `postgres` role, which the embedded
    // server does not have: its tables belong to the `trellis` role that applies the dump.
    const file = await pgDump({ pg: pglite, args: ['--no-owner', '--no-privileges', '--rows-per-insert=500'] });
    return await file.text();
  } finally {
    await pglite.close();
  }
}

/**
 * The dump as SQL a server runs: pg_dump 17.6 and later wrap their output in the psql
 * meta-commands `\restrict KEY` … `\unrestrict KEY`, which no server understands. Only those
 * two exact lines go: the key is random, so no line of data can be mistaken for them. Any other
 * meta-command would fail the transaction rather than be guessed at.
 */
export function plainSql(dump: string): string {
  const key = /^\\restrict (\S+)$/m.exec(dump)?.[1];
  if (!key) return dump;
  return dump
    .split('\n')
    .filter((line) => line !== `\\restrict ${key}` && line !== `\\unrestrict ${key}`)
    .join('\n');
}
