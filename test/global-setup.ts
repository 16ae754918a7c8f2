// Prepares the PostgreSQL server of the run and one migrated template database on it, which
// every test file copies (`CREATE DATABASE … TEMPLATE`, test/harness.ts). The server is the
// one TEST_DATABASE_URL names (CI), else an embedded PostgreSQL started for this run in a
// temp folder, which is stopped and removed at the end.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { allMigrations } from '../src/app.ts';
import { openDatabase } from '../src/core/db/database.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/core/db/embedded-postgres.ts';
import { migrate } from '../src/core/db/migrator.ts';
import { installJobSchema } from '../src/core/jobs/index.ts';
import { withDatabase } from './connection-string.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A database of the test server to connect to for CREATE and DROP DATABASE. */
    serverUrl: string;
    templateDatabase: string;
    runId: string;
  }
}

/**
 * The run's own server trades durability for speed: nothing here must survive a crash. Two
 * forked workers, each file with a pool of 5, LISTEN connections and server processes of
 * its own (pools of 10), stay well below 200 connections.
 */
const EMBEDDED_SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '200' };

async function embeddedServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-test-pg-'));
  // Under root the server runs as `postgres`, which must be able to enter the folder
  // (mkdtemp makes it 0700).
  chmodSync(dir, 0o755);
  let server: EmbeddedPostgres;
  try {
    server = await startEmbeddedPostgres({ dir: join(dir, 'postgres'), settings: EMBEDDED_SETTINGS });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: server.url(),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject) {
  const server = process.env.TEST_DATABASE_URL ? { url: process.env.TEST_DATABASE_URL, stop: async () => {} } : await embeddedServer();
  // Names carry this run's id so concurrent runs on one server never drop each other's databases.
  const runId = `${process.pid}x${Date.now().toString(36)}`;
  const template = `trellis_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: server.url });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    const database = await openDatabase({ url: withDatabase(server.url, template) });
    await migrate(database, allMigrations());
    await installJobSchema(database);
    await database.close();
  } catch (err) {
    await admin.end().catch(() => {});
    await server.stop();
    throw err;
  }
  project.provide('serverUrl', server.url);
  project.provide('templateDatabase', template);
  project.provide('runId', runId);
  return async () => {
    // Clones are dropped by each file; the template goes last.
    const leftovers = await admin.query(`SELECT datname FROM pg_database WHERE starts_with(datname, $1) OR datname = $2`, [`trellis_t_${runId}_`, template]);
    for (const { datname } of leftovers.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
    await server.stop();
  };
}
