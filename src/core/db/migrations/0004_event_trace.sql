-- The trace an event was published in (W3C `traceparent` / `tracestate`), stored only when
-- tracing is on and a span was active: the dispatcher delivers the event in a span under it,
-- so what subscribers do (their SQL, the jobs and mails they cause) joins that trace.
ALTER TABLE core.outbox
  ADD COLUMN trace_parent text,
  ADD COLUMN trace_state text;
