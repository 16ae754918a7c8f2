// Operator commands: `npm run migrate`, `npm run cli -- create-admin --email E --password P`,
// `npm run cli -- db-url`, `npm run cli -- import-pglite`, `npm run cli -- events`,
// `npm run cli -- new-module <name>`.
// Without DATABASE_URL they work on the embedded PostgreSQL in DATA_DIR/postgres: one that is
// already running (`npm start`, or left by a crash) is used and left running; one they start
// themselves they stop again, except `db-url --start`, whose point is to leave it running.
import { compileOnMainThread } from './core/runtime/exit-safety.ts';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { allMigrations, buildApp, loadAppConfig, loadModules } from './app.ts';
import { ConfigError } from './core/config.ts';
import { type Database, openDatabase } from './core/db/database.ts';
import { embeddedFiles, embeddedUrl, runningPostmaster, startEmbeddedPostgres } from './core/db/embedded-postgres.ts';
import { assertNoLegacyPglite, importPglite } from './core/db/legacy-pglite.ts';
import { migrate, pendingMigrations } from './core/db/migrator.ts';
import { installJobSchema } from './core/jobs/index.ts';
import { formatEventGraph } from './core/events/graph.ts';
import { createLogger } from './core/log/logger.ts';
import { buildOfflineApp } from './offline-app.ts';

const USAGE = `usage:
  npm run migrate                      apply pending migrations
  npm run cli -- migrate [--status]    apply, or list pending migrations
  npm run cli -- create-admin --email E --password P [--name N]
  npm run cli -- db-url [--start]      print the database's connection string (psql "$(npm run -s cli -- db-url)");
                                       --start starts the embedded PostgreSQL if it is not running, and leaves it running
  npm run cli -- import-pglite         move the data of an earlier version (DATA_DIR/pglite) into the embedded PostgreSQL
  npm run cli -- events [--json]       every event type: producer, version, public flag and consumers
  npm run cli -- new-module <name>     scaffold src/modules/<name> (and test/<name>.test.ts) and register it in src/app.ts`;

/** The repository's root: where new-module writes. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function fail(message: string): never {
  process.stderr.write(`trellis: ${message}\n`);
  process.exit(1);
}

const note = (message: string) => process.stderr.write(`trellis: ${message}\n`);

compileOnMainThread();
const [command, ...rest] = process.argv.slice(2);
let config: ReturnType<typeof loadAppConfig>;
try {
  config = loadAppConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  for (const { variable, message } of err.issues) note(`invalid configuration: ${variable}: ${message}`);
  process.exit(1);
}

/** The configured database: DATABASE_URL, or the embedded server (started if it is not running). */
async function openConfigured(): Promise<{ database: Database; close(): Promise<void> }> {
  if (config.databaseUrl) {
    const database = await openDatabase({ url: config.databaseUrl });
    return { database, close: () => database.close() };
  }
  assertNoLegacyPglite(config.dataDir);
  const server = await startEmbeddedPostgres({ dir: join(config.dataDir, 'postgres') });
  const database = await openDatabase({ url: server.url() });
  return {
    database,
    async close() {
      await database.close();
      if (!server.reused) await server.stop();
    },
  };
}

try {
  switch (command) {
    case 'events': {
      // The graph is the app's shape, not its data: built offline, no database is opened.
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
      const app = await buildOfflineApp();
      try {
        const graph = app.eventGraph();
        process.stdout.write(values.json ? `${JSON.stringify(graph, null, 2)}\n` : formatEventGraph(graph));
      } finally {
        await app.close();
      }
      break;
    }
    case 'migrate': {
      const { values } = parseArgs({ args: rest, options: { status: { type: 'boolean' } } });
      const { database, close } = await openConfigured();
      try {
        const migrations = allMigrations(await loadModules(config.modulePackages));
        if (values.status) {
          const pending = await pendingMigrations(database, migrations);
          process.stdout.write(pending.length ? `pending:\n  ${pending.join('\n  ')}\n` : 'up to date\n');
        } else {
          const applied = await migrate(database, migrations);
          await installJobSchema(database);
          process.stdout.write(applied.length ? `applied:\n  ${applied.join('\n  ')}\n` : 'up to date\n');
        }
      } finally {
        await close();
      }
      break;
    }
    case 'create-admin': {
      const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } } });
      if (!values.email || !values.password) fail(`create-admin needs --email and --password\n${USAGE}`);
      const { database, close } = await openConfigured();
      try {
        const app = await buildApp({ ...config, migrateOnStart: true }, { database, log: createLogger('warn'), startDispatcher: false, startJobs: false });
        try {
          const result = await app.apis.auth.ensureAdmin(values.email, values.password, values.name);
          // Deliver the registration events now so the profile exists before the command ends.
          await app.dispatcher.drain();
          process.stdout.write(`${result.created ? 'created' : 'promoted existing account to'} admin ${values.email} (${result.userId})\n`);
        } finally {
          await app.close();
        }
      } finally {
        await close();
      }
      break;
    }
    case 'db-url': {
      // Only the connection string goes to stdout, so `psql "$(npm run -s cli -- db-url)"` works;
      // it holds the password, so it is printed here and never logged.
      const { values } = parseArgs({ args: rest, options: { start: { type: 'boolean' } } });
      if (config.databaseUrl) {
        process.stdout.write(`${config.databaseUrl}\n`);
        break;
      }
      const dir = join(config.dataDir, 'postgres');
      if (values.start) {
        assertNoLegacyPglite(config.dataDir);
        const server = await startEmbeddedPostgres({ dir });
        if (!server.reused) {
          note(`started the embedded PostgreSQL in ${dir} (pid ${server.pid}) and left it running: the next \`npm start\` uses it and stops it when it stops`);
        }
        process.stdout.write(`${server.url()}\n`);
        break;
      }
      // The address does not change between starts (same socket folder, same password), so
      // it is printed whether or not the server runs; stderr says when it does not.
      const url = embeddedUrl(dir);
      if (runningPostmaster(embeddedFiles(dir)) === null) {
        note(`the embedded PostgreSQL in ${dir} is not running: this address works while \`npm start\` runs (or after \`npm run cli -- db-url --start\`)`);
      }
      process.stdout.write(`${url}\n`);
      break;
    }
    case 'new-module': {
      const [name] = rest;
      if (!name) fail('usage: npm run cli -- new-module <name>');
      const { newModule } = await import('./cli/new-module.ts');
      const files = newModule(ROOT, name);
      // The typed client follows the document, which now has the module's operations.
      execFileSync(process.execPath, ['scripts/client.ts'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      process.stdout.write(`module ${name}: ${files.join(', ')}, clients/typescript\nnext: npm test, then make it yours (docs/modules.md)\n`);
      break;
    }
    case 'import-pglite': {
      if (config.databaseUrl) fail('import-pglite moves DATA_DIR/pglite into the embedded PostgreSQL, and DATABASE_URL is set: run it without DATABASE_URL');
      const result = await importPglite({ dataDir: config.dataDir, log: note });
      process.stdout.write(
        `imported ${result.from} into the embedded PostgreSQL in ${result.to} (${result.tables} tables); the old folder is now ${result.movedTo}. \`npm start\` applies any newer migrations.\n`,
      );
      break;
    }
    default:
      process.stdout.write(`${USAGE}\n`);
      process.exit(command ? 1 : 0);
  }
} catch (err) {
  fail((err as Error).message);
}
