// The server process: load config, build the app, listen, and shut down gracefully (entered from main.ts).
import { buildApp } from './app.ts';
import { createLogger } from './core/log/logger.ts';
import { ConfigError, loadConfig } from './core/config.ts';
import { MigrationError } from './core/db/migrator.ts';
import { ModuleGraphError } from './core/module.ts';
import { stopTracing } from './core/telemetry/tracing.ts';

const started = performance.now();

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    // One clear line naming the variable, no stack trace.
    process.stderr.write(`trellis: invalid configuration: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

let app: Awaited<ReturnType<typeof buildApp>>;
let port = config.port;
try {
  app = await buildApp(config, { log: createLogger(config.logLevel, { asyncStdout: true }) });
  await app.http.listen({ port: config.port, host: config.host });
  // PORT=0 asks the OS for a free port; log the real one so scripts can find it.
  const address = app.http.server.address();
  if (address && typeof address === 'object') port = address.port;
} catch (err) {
  const known = err instanceof MigrationError || err instanceof ModuleGraphError || err instanceof ConfigError;
  const message = known ? (err as Error).message : `start-up failed: ${(err as Error).message}`;
  process.stderr.write(`trellis: ${message}\n`);
  process.exit(1);
}

app.log.info(
  { port, host: config.host, database: config.embedded ? 'pglite' : 'postgres', readyMs: Math.round(performance.now() - started) },
  'trellis ready',
);
app.log.flush();

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
