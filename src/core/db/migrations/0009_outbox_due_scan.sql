-- The dispatcher's claim of due events (core/events/dispatcher.ts), with its plan pinned to the
-- ordered scan of outbox_due_idx. An event that is delivered leaves the index only when vacuum
-- removes its old row version; until then its entry stays. A bitmap scan, which the planner
-- picks when its statistics say few events are pending, visits the table page of every such
-- entry on every claim and never marks one dead: after 12,000 events delivered since the last
-- vacuum, a claim of 24 read 1,100 pages (2.6 ms), and with a week's retention (a large table,
-- so a rare autovacuum) the entries can number millions. The ordered scan marks the entries of
-- dead rows as it passes them (the next scans skip them) and stops after one batch. A function,
-- because a planner setting cannot be given to one statement, and SET LOCAL would need a
-- transaction (three more round trips) around a claim that is a statement of its own; the
-- waiting claim beside it (outbox_waiting_idx, GIN) is bitmap-only and keeps the planner's
-- choice. ROWS: a claim usually takes a few events; the default estimate (1,000) could make the
-- UPDATE around it read the whole table instead of looking each id up.
CREATE FUNCTION core.outbox_due(batch integer) RETURNS SETOF uuid
LANGUAGE sql VOLATILE ROWS 20
SET enable_bitmapscan = off
AS $$
  SELECT id FROM core.outbox
  WHERE status = 'pending' AND next_attempt_at <= now()
    AND (locked_until IS NULL OR locked_until < now())
  ORDER BY next_attempt_at, id
  LIMIT batch
  FOR UPDATE SKIP LOCKED
$$;
