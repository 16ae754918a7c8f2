-- Transactional outbox: an event row is written in the same transaction as the state change.
CREATE TABLE core.outbox (
  id              uuid PRIMARY KEY,
  type            text NOT NULL,
  version         int NOT NULL DEFAULT 1,
  payload         jsonb NOT NULL,
  actor_id        uuid,
  org_id          uuid,
  request_id      text,
  occurred_at     timestamptz NOT NULL DEFAULT now(),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts        int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz,
  last_error      text,
  delivered_at    timestamptz
);
-- The dispatcher's claim query: due pending events in id (= time) order.
CREATE INDEX outbox_due_idx ON core.outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_dead_idx ON core.outbox (id) WHERE status = 'dead';

-- One row per (event, subscriber) whose handler committed: the inbox that makes delivery idempotent.
CREATE TABLE core.deliveries (
  event_id     uuid NOT NULL,
  subscriber   text NOT NULL,
  delivered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, subscriber)
);
