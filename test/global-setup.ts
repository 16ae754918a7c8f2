// Prepares one migrated database that every test file clones: a PGlite data-dir dump by
// default, or a template database on the server named by TEST_DATABASE_URL.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { allMigrations } from '../src/app.ts';
import { createPglite, openDatabase } from '../src/core/db/database.ts';
import { migrate } from '../src/core/db/migrator.ts';
import { installJobSchema } from '../src/core/jobs/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteDump: string;
    templateDatabase: string;
    runId: string;
  }
}

export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (project.name === 'postgres' && serverUrl) {
    // Names carry this run's id so concurrent runs on one server never drop each other's databases.
    const runId = `${process.pid}x${Date.now().toString(36)}`;
    const template = `trellis_tpl_${runId}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    const url = new URL(serverUrl);
    url.pathname = `/${template}`;
    const database = await openDatabase({ url: url.toString() });
    await migrate(database, allMigrations());
    await installJobSchema(database);
    await database.close();
    project.provide('templateDatabase', template);
    project.provide('runId', runId);
    project.provide('pgliteDump', '');
    return async () => {
      // Clones are dropped by each file; the template goes last.
      const leftovers = await admin.query(`SELECT datname FROM pg_database WHERE starts_with(datname, $1) OR datname = $2`, [`trellis_t_${runId}_`, template]);
      for (const { datname } of leftovers.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      await admin.end();
    };
  }
  const pglite = await createPglite();
  const database = await openDatabase({ pglite });
  await migrate(database, allMigrations());
  await installJobSchema(database);
  const dump = await pglite.dumpDataDir('none');
  const dir = mkdtempSync(join(tmpdir(), 'trellis-test-'));
  const file = join(dir, 'migrated.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await database.close();
  project.provide('pgliteDump', file);
  project.provide('templateDatabase', '');
  project.provide('runId', '');
  return () => rmSync(dir, { recursive: true, force: true });
}
