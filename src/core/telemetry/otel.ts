// The OpenTelemetry side of tracing.ts, over the global tracer provider (NodeSDK in
// production, a test provider in tests). Loaded only when tracing is on.
import { type Context, context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Span, Tracing } from './tracing.ts';

// Stored contexts are W3C Trace Context whatever OTEL_PROPAGATORS says: the outbox columns and
// pg-boss's job column hold that format, and baggage (caller-supplied text) is never stored.
const w3c = new W3CTraceContextPropagator();

const KINDS = { internal: SpanKind.INTERNAL, server: SpanKind.SERVER, client: SpanKind.CLIENT, producer: SpanKind.PRODUCER, consumer: SpanKind.CONSUMER } as const;

const NO_SPAN: Span = { setAttributes() {}, fail() {}, headers: () => ({}) };

function carrierOf(ctx: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

export function createOtelTracing(opts: { shutdown?: () => Promise<void> } = {}): Tracing {
  const tracer = trace.getTracer('trellis');
  return {
    capture() {
      const carrier = carrierOf(context.active());
      return carrier.traceparent ? { traceParent: carrier.traceparent, traceState: carrier.tracestate ?? null } : null;
    },

    inSpan(name, options, fn) {
      const active = context.active();
      if (options.onlyInTrace && !trace.getSpan(active)) return fn(NO_SPAN);
      const parent =
        options.parent === undefined
          ? active
          : options.parent === null
            ? ROOT_CONTEXT
            : w3c.extract(ROOT_CONTEXT, { traceparent: options.parent.traceParent, tracestate: options.parent.traceState ?? undefined }, defaultTextMapGetter);
      const span = tracer.startSpan(name, { kind: KINDS[options.kind ?? 'internal'], attributes: options.attributes }, parent);
      const handle: Span = {
        setAttributes: (attributes) => span.setAttributes(attributes),
        fail: (message) => span.setStatus({ code: SpanStatusCode.ERROR, message }),
        headers: () => carrierOf(trace.setSpan(ROOT_CONTEXT, span)),
      };
      return context.with(trace.setSpan(parent, span), async () => {
        try {
          return await fn(handle);
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          span.recordException(error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          throw err;
        } finally {
          span.end();
        }
      });
    },

    detached: (fn) => context.with(ROOT_CONTEXT, fn),

    jobQueue: { enabled: true, propagateContext: true, propagator: w3c },

    shutdown: opts.shutdown ?? (async () => {}),
  };
}
