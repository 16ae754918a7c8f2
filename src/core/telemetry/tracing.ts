// What the rest of the code knows of tracing. It imports no OpenTelemetry package: with
// OTEL_EXPORTER_OTLP_ENDPOINT unset nothing installs a tracer, every helper here is one
// check of a variable, and no OpenTelemetry code is ever loaded (main.ts, decision 0024).
// When it is set, start.ts installs the implementation of otel.ts before the app is built.

/** A span's identity in W3C Trace Context form, stored with work that continues elsewhere (an outbox event). */
export interface TraceContext {
  /** The `traceparent` value: `00-<trace id>-<span id>-<flags>`. */
  traceParent: string;
  /** The `tracestate` value, when the trace carries one. */
  traceState: string | null;
}

export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanAttributes = Record<string, string | number | boolean>;

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: SpanAttributes;
  /**
   * Whose child the span is. Absent: the active span's (if any). A stored context: that
   * span's, though it ran in another process hours ago. `null`: none, a new trace.
   */
  parent?: TraceContext | null;
  /** Make no span (just run) when no span is active: polling queries must not start traces. */
  onlyInTrace?: boolean;
}

export interface Span {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed although nothing was thrown (an HTTP answer of 5xx). */
  fail(message: string): void;
  /** `traceparent` (and `tracestate`) naming this span, for an outgoing request. */
  headers(): Record<string, string>;
}

export interface Tracing {
  /** The active span's context, or null when none is active. */
  capture(): TraceContext | null;
  /** Runs `fn` in a new span, ended when `fn` settles; a rejection is recorded on it and rethrown. */
  inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T>;
  /** Runs `fn` with no active span: work a request only wakes must not join its trace. */
  detached<T>(fn: () => T): T;
  /** pg-boss's `openTelemetry` options: its spans, and the trace context it stores with each job. */
  readonly jobQueue: Record<string, unknown>;
  /** Exports the spans still buffered; called at shutdown. */
  shutdown(): Promise<void>;
}

let installed: Tracing | undefined;

/** Installs (or, with undefined, removes) the tracer. Called once at start-up, and by tests. */
export function installTracing(tracing: Tracing | undefined): void {
  installed = tracing;
}

/** The tracer, or undefined when tracing is off: check it before building span names or attributes. */
export function tracing(): Tracing | undefined {
  return installed;
}

/** The W3C context to store with an event or job, or null (always null with tracing off). */
export function captureTrace(): TraceContext | null {
  return installed ? installed.capture() : null;
}

/** Runs `fn` with no active trace (a no-op with tracing off). */
export function outsideTrace<T>(fn: () => T): T {
  return installed ? installed.detached(fn) : fn();
}

/** Flushes buffered spans before the process exits. */
export async function stopTracing(): Promise<void> {
  await installed?.shutdown();
}
