// Process entry. Node's compile cache keeps type-stripped and compiled modules between starts
// (in NODE_COMPILE_CACHE, else the OS temp folder): it about halves the time spent importing
// the ~200 TypeScript files of the app. It only helps modules imported after it is enabled,
// hence this small door in front of serve.ts. A cache that cannot be written is skipped.
import './core/runtime/exit-safety.ts';
import { enableCompileCache } from 'node:module';

enableCompileCache();
// Tracing must be in place before the app loads Fastify and `pg`, so it starts here, ahead of
// config.ts's full parse: this is the one variable read outside config.ts. Unset, nothing of
// OpenTelemetry is even loaded (decision 0024).
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  try {
    (await import('./core/telemetry/start.ts')).startTracing();
  } catch (err) {
    const { ConfigError } = await import('./core/config.ts');
    const message = err instanceof ConfigError ? `invalid configuration: ${err.message}` : `tracing failed to start: ${(err as Error).message}`;
    process.stderr.write(`trellis: ${message}\n`);
    process.exit(1);
  }
}
await import('./serve.ts');
