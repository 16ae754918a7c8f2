// The app built without a database, for what reads only its shape: the OpenAPI document
// (`npm run client`, scripts/client.ts) and the event graph (`npm run cli -- events`).
//
// Why no database: the document is made from the route schemas as Fastify registers them
// (@fastify/swagger reads them at registration); no row of any table goes into it. Building
// the app still touches a database in three places: the realtime broker and two caches open a
// LISTEN connection, and the job queue opens pg-boss in the background. An embedded PostgreSQL
// under a temporary DATA_DIR would serve them, at the price of an initdb, every migration and,
// under root, a `postgres` account: seconds and a failure mode for a document that needs none
// of it. So the app gets a Database that never connects: queries through Kysely compile and
// answer no rows (its DummyDriver), LISTEN subscribes nothing, and raw SQL is refused (only
// pg-boss's background start sends any, and it fails there quietly, as it would with the
// database away). The event graph is read from the module definitions and what their setup
// returns: no row either.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { type App, buildApp, loadAppConfig } from './app.ts';
import type { Database } from './core/db/database.ts';
import { createLogger } from './core/log/logger.ts';
import { MemoryMailer } from './core/mail/index.ts';

/** A Database that connects nowhere: enough to build the app and read its routes. */
function offlineDatabase(): Database {
  const db = new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const refuse = async (): Promise<never> => {
    throw new Error('no database: the OpenAPI document is built offline');
  };
  return {
    db,
    url: '',
    rawTransaction: refuse,
    runSql: refuse,
    readWaits: refuse,
    listen: async () => async () => {},
    poolStats: () => ({ total: 0, idle: 0, waiting: 0 }),
    close: () => db.destroy(),
  };
}

/**
 * The app on a database that connects nowhere, its dispatcher and jobs stopped. The settings
 * are fixed, not read from the environment: what is read from it must not depend on whoever
 * runs the script (none of these settings changes the routes or the modules).
 */
export async function buildOfflineApp(): Promise<App> {
  const config = loadAppConfig({
    NODE_ENV: 'development',
    JWT_SECRET: 'openapi-document-only-openapi-document-only',
    LOG_LEVEL: 'silent',
    DATA_DIR: join(tmpdir(), 'trellis-openapi-unused'),
    MIGRATE_ON_START: 'false',
  });
  return buildApp(config, {
    database: offlineDatabase(),
    mailer: new MemoryMailer(),
    log: createLogger('silent'),
    startDispatcher: false,
    startJobs: false,
  });
}
