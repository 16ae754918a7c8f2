// Operator commands: `npm run migrate`, `npm run cli -- create-admin --email E --password P`.
import { parseArgs } from 'node:util';
import { allMigrations, buildApp } from './app.ts';
import { ConfigError, loadConfig } from './core/config.ts';
import { migrate, pendingMigrations } from './core/db/migrator.ts';
import { openConfiguredDatabase } from './core/db/open.ts';
import { installJobSchema } from './core/jobs/index.ts';
import { createLogger } from './core/log/logger.ts';

const USAGE = `usage:
  npm run migrate                      apply pending migrations
  npm run cli -- migrate [--status]    apply, or list pending migrations
  npm run cli -- create-admin --email E --password P [--name N]`;

function fail(message: string): never {
  process.stderr.write(`trellis: ${message}\n`);
  process.exit(1);
}

const [command, ...rest] = process.argv.slice(2);
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) fail(`invalid configuration: ${err.message}`);
  throw err;
}

try {
  switch (command) {
    case 'migrate': {
      const { values } = parseArgs({ args: rest, options: { status: { type: 'boolean' } } });
      // Without DATABASE_URL this starts the embedded server, and stops it again afterwards.
      const opened = await openConfiguredDatabase(config, createLogger('warn'));
      const { database } = opened;
      const migrations = allMigrations();
      try {
        if (values.status) {
          const pending = await pendingMigrations(database, migrations);
          process.stdout.write(pending.length ? `pending:\n  ${pending.join('\n  ')}\n` : 'up to date\n');
        } else {
          const applied = await migrate(database, migrations);
          await installJobSchema(database);
          process.stdout.write(applied.length ? `applied:\n  ${applied.join('\n  ')}\n` : 'up to date\n');
        }
      } finally {
        await opened.close();
      }
      break;
    }
    case 'create-admin': {
      const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } } });
      if (!values.email || !values.password) fail(`create-admin needs --email and --password\n${USAGE}`);
      const app = await buildApp({ ...config, migrateOnStart: true }, { log: createLogger('warn'), startDispatcher: false, startJobs: false });
      const result = await app.apis.auth.ensureAdmin(values.email, values.password, values.name);
      // Deliver the registration events now so the profile exists before the command ends.
      await app.dispatcher.drain();
      await app.close();
      process.stdout.write(`${result.created ? 'created' : 'promoted existing account to'} admin ${values.email} (${result.userId})\n`);
      break;
    }
    default:
      process.stdout.write(`${USAGE}\n`);
      process.exit(command ? 1 : 0);
  }
} catch (err) {
  fail((err as Error).message);
}
