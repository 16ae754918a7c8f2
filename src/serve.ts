// The server process: load config, build the app, listen, and shut down gracefully (entered from main.ts).
import { fileURLToPath } from 'node:url';
import { buildApp, loadAppConfig } from './app.ts';
import { createLogger } from './core/log/logger.ts';
import { ConfigError } from './core/config.ts';
import { EmbeddedPostgresError } from './core/db/embedded-postgres.ts';
import { LegacyPgliteError } from './core/db/legacy-pglite.ts';
import { MigrationError } from './core/db/migrator.ts';
import { DatabaseStartError } from './core/db/wait-for-database.ts';
import { ModuleGraphError } from './core/module.ts';
import { stopTracing } from './core/telemetry/tracing.ts';
import { applyHeapPolicy, SEMI_SPACE_MB } from './core/runtime/heap.ts';

const started = performance.now();
const heap = applyHeapPolicy();

let config: ReturnType<typeof loadAppConfig>;
try {
  config = loadAppConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    // One clear line per bad variable, core's and the modules' alike; no stack trace.
    for (const { variable, message } of err.issues) process.stderr.write(`trellis: invalid configuration: ${variable}: ${message}\n`);
    process.exit(1);
  }
  throw err;
}

let app: Awaited<ReturnType<typeof buildApp>>;
/** Set once built: a start that fails to listen must still stop what the build started. */
let built: typeof app | undefined;
let ports: Awaited<ReturnType<typeof app.listen>>;
try {
  // The web console npm start built (scripts/build-console.ts); without it, the API alone.
  const consoleDir = fileURLToPath(new URL('../web/dist', import.meta.url));
  app = built = await buildApp(config, { log: createLogger(config.logLevel, { asyncStdout: true }), consoleDir });
  // PORT=0 and METRICS_PORT=0 ask the OS for free ports; the real ones are logged so scripts can find them.
  ports = await app.listen();
} catch (err) {
  const known =
    err instanceof MigrationError || err instanceof ModuleGraphError || err instanceof ConfigError || err instanceof EmbeddedPostgresError || err instanceof LegacyPgliteError || err instanceof DatabaseStartError;
  const message = known ? (err as Error).message : `start-up failed: ${(err as Error).message}`;
  process.stderr.write(`trellis: ${message}\n`);
  // Built but unable to listen (the port is taken): stop what it started, the embedded server included.
  await built?.close().catch(() => {});
  process.exit(1);
}

// Before the ready line: whoever waits for it may send SIGTERM at once, and without a handler
// Node would die on the spot (leaving the embedded PostgreSQL running for the next start).
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down: draining in-flight requests');
  // Past the bound, exit anyway: a stuck request must not keep a deploy waiting forever.
  const force = setTimeout(() => {
    app.log.error('shutdown timed out; exiting');
    app.log.flush();
    process.exit(1);
  }, config.shutdownTimeout * 1000);
  force.unref();
  try {
    await app.close();
    // The spans of the last requests and deliveries are still buffered: send them before exiting.
    await stopTracing();
    app.log.info('shutdown complete');
    app.log.flush();
    process.exit(0);
  } catch (err) {
    app.log.error({ err }, 'shutdown failed');
    app.log.flush();
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

app.log.info(
  {
    port: ports.port,
    host: config.host,
    ...(ports.metricsPort === undefined ? {} : { metricsPort: ports.metricsPort, metricsHost: config.metricsHost }),
    database: config.embedded ? 'embedded' : 'postgres',
    readyMs: Math.round(performance.now() - started),
  },
  'trellis ready',
);
if (heap.youngGenerationUncapped) {
  app.log.warn(
    { flag: `--max-semi-space-size=${SEMI_SPACE_MB}` },
    'started without a cap on the young generation: under load RSS grows by up to ~100 MB; start with the flags of `npm start` (docs/deploy.md)',
  );
}
app.log.flush();
