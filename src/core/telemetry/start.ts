// Starts OpenTelemetry tracing (decision 0024). main.ts imports this file only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, and before the app: the instrumentations must be in
// place before Fastify builds its server and before `pg` is loaded.
//
// - Requests: @fastify/otel, attached through Fastify's `fastify.initialization` diagnostics
//   channel, so server.ts needs no change. One span per request, named after the route
//   template; no hook or handler spans (noise), no headers, the path without its query.
// - SQL: @opentelemetry/instrumentation-pg. `pg` is imported from ESM, but the classes it
//   patches live in CommonJS files that pg's own entry requires (`pg/lib/client.js`,
//   `pg-pool`), which require-in-the-middle sees on Node 24, from the sources and from the
//   bundle alike; so no import-in-the-middle loader (an extra thread and a hook on every
//   import) is registered. test/tracing.test.ts fails if SQL spans ever go missing.
//   Statement text is recorded, parameter values never (`enhancedDatabaseReporting` off).
//   Queries outside any trace (pollers) make no spans.
// - Events and jobs: core/events and pg-boss, through tracing.ts.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK, resources } from '@opentelemetry/sdk-node';
import { loadTracingConfig } from '../config.ts';
import { createOtelTracing } from './otel.ts';
import { installTracing } from './tracing.ts';

/** Probes and scrapes arrive every few seconds and say nothing about the work: no traces. */
function isProbe(url: string): boolean {
  return url.startsWith('/health/') || url === '/metrics' || url.startsWith('/metrics?');
}

/**
 * Starts the SDK and installs the tracer of tracing.ts. The exporter reads the standard
 * OTEL_EXPORTER_OTLP_* variables itself (endpoint, per-signal endpoint, headers, timeout);
 * the SDK reads OTEL_TRACES_SAMPLER*, OTEL_BSP_*, OTEL_RESOURCE_ATTRIBUTES and OTEL_PROPAGATORS.
 * Throws ConfigError on an invalid setting.
 */
export function startTracing(env: Record<string, string | undefined> = process.env): void {
  const config = loadTracingConfig(env);
  const exporter = config.protocol === 'http/json' ? new OTLPJsonTraceExporter() : new OTLPProtoTraceExporter();
  const sdk = new NodeSDK({
    // The default; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, detected later, win over it.
    resource: resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': config.serviceName })),
    traceExporter: exporter,
    // Traces only: the SDK would otherwise start OTLP metric and log exporters by default.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        instrumentHooks: false,
        instrumentHandler: false,
        ignorePaths: ({ url }) => isProbe(url),
        requestHook(span, request) {
          const route = request.routeOptions.url;
          span.updateName(route ? `${request.method} ${route}` : request.method);
          // The request id of the access log line and of problem responses: logs and traces meet on it.
          span.setAttribute('trellis.request.id', request.id);
          // @fastify/otel records the raw URL; a query string is client text and may carry anything.
          const query = request.url.indexOf('?');
          if (query !== -1) span.setAttribute('url.path', request.url.slice(0, query));
        },
      }),
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  installTracing(createOtelTracing({ shutdown: () => sdk.shutdown() }));
}
