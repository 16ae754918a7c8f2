-- Every event subscriber any instance with a dispatcher has run (decision 0031). An event is
-- delivered only once each subscriber here that takes its type has a row in core.deliveries, so
-- an instance never completes an event for a subscriber that only another version runs. Instances
-- report their subscribers at start and then regularly (last_seen_at); a row leaves only when an
-- admin retires the subscriber.
CREATE TABLE core.event_subscribers (
  name          text NOT NULL,
  -- An event type, or '*' for every type.
  event         text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  -- The instance that reported it last (host/pid): where an admin looks for it.
  instance      text NOT NULL,
  PRIMARY KEY (name, event)
);

-- The subscribers an event still waits for once every subscriber of the instance that took it
-- has handled it. Such an event stays pending with next_attempt_at = 'infinity', so the due claim
-- (outbox_due_idx, which stops at now()) never takes it again; an instance that runs one of them
-- claims it through this index. fastupdate off: with a pending list, every claim (each pass of
-- every instance) would scan it whole, up to 4 MB (16 ms measured after 50,000 waiting events, against
-- 0.02 ms without); rows enter this index only when an event starts waiting.
ALTER TABLE core.outbox ADD COLUMN waiting_for text[];
CREATE INDEX outbox_waiting_idx ON core.outbox USING gin (waiting_for) WITH (fastupdate = off) WHERE status = 'pending' AND waiting_for IS NOT NULL;
