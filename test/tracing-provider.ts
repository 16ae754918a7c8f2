// Tracing inside a test process: the tracer of core/telemetry/otel.ts over an in-memory
// exporter, as start.ts installs it over NodeSDK in a server (which tests do not start).
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createOtelTracing } from '../src/core/telemetry/otel.ts';
import { installTracing } from '../src/core/telemetry/tracing.ts';

export interface TestTracing {
  exporter: InMemorySpanExporter;
  /** Finished spans named `name`. */
  spans(name: string | RegExp): ReadableSpan[];
  stop(): Promise<void>;
}

export function startTestTracing(): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  installTracing(createOtelTracing());
  return {
    exporter,
    spans: (name) => exporter.getFinishedSpans().filter((s) => (typeof name === 'string' ? s.name === name : name.test(s.name))),
    async stop() {
      installTracing(undefined);
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The `traceparent` a span would send: `00-<trace id>-<span id>-01` (sampled). */
export function traceParentOf(span: ReadableSpan): string {
  const { traceId, spanId } = span.spanContext();
  return `00-${traceId}-${spanId}-01`;
}
