// The PostgreSQL server of this test run (global-setup.ts): the one TEST_DATABASE_URL names,
// or the embedded server started for the run. Databases on it are made, reached and dropped
// here, the same way on both.
import pg from 'pg';
import { inject } from 'vitest';
import { withDatabase } from './connection-string.ts';

/** The connection string of database `name` on the test server. */
export function databaseUrl(name: string): string {
  return withDatabase(inject('serverUrl'), name);
}

/** Runs one statement on the test server's own database (CREATE/DROP DATABASE). */
export async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('serverUrl') });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

/** Creates database `name` (empty, or a copy of `template`); returns its connection string. */
export async function createDatabase(name: string, template?: string): Promise<string> {
  await adminQuery(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
