CREATE SCHEMA webhooks;

-- An org's webhook endpoint. org_id references organizations by id only (no foreign keys
-- across schemas). The signing secret must stay usable for HMAC, so it is sealed
-- (AES-256-GCM with a key derived from the server secret), never hashed.
CREATE TABLE webhooks.endpoints (
  id                          uuid PRIMARY KEY,
  org_id                      uuid NOT NULL,
  url                         text NOT NULL,
  description                 text,
  -- Event type patterns: exact types, `<module>.*` or `*` (JSON array of strings).
  events                      jsonb NOT NULL,
  enabled                     boolean NOT NULL DEFAULT true,
  secret_sealed               text NOT NULL,
  -- After a rotation the previous secret signs too (a second signature) until it expires.
  previous_secret_sealed      text,
  previous_secret_expires_at  timestamptz,
  secret_rotated_at           timestamptz,
  -- Deliveries that failed for good in a row (each after its whole retry schedule); reset by a success.
  consecutive_failures        int NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  disabled_reason             text CHECK (disabled_reason IN ('gone', 'failing')),
  disabled_at                 timestamptz,
  created_by                  uuid NOT NULL,
  created_at                  timestamptz NOT NULL,
  updated_at                  timestamptz NOT NULL
);
-- The fan-out's lookup (an org's enabled endpoints) and the list route's keyset (org_id, id).
CREATE INDEX endpoints_org_idx ON webhooks.endpoints (org_id, id);

-- One delivery per (endpoint, event): the unique key makes a redelivered event create nothing new.
-- The body is built once, so every attempt (and a manual redelivery) sends the same bytes.
CREATE TABLE webhooks.deliveries (
  id            uuid PRIMARY KEY,
  org_id        uuid NOT NULL,
  endpoint_id   uuid NOT NULL REFERENCES webhooks.endpoints (id) ON DELETE CASCADE,
  -- The `webhook-id` header: the outbox event id (a fresh id for test sends).
  event_id      uuid NOT NULL,
  event_type    text NOT NULL,
  body          text NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts      int NOT NULL DEFAULT 0,
  last_status   int,
  last_error    text,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  delivered_at  timestamptz,
  UNIQUE (endpoint_id, event_id)
);
-- The delivery log of an endpoint, newest first (keyset on id).
CREATE INDEX deliveries_endpoint_idx ON webhooks.deliveries (endpoint_id, id);
-- Pruning of old, finished deliveries.
CREATE INDEX deliveries_prune_idx ON webhooks.deliveries (created_at) WHERE status <> 'pending';

-- Each HTTP request made for a delivery, as sent (headers; the body is the delivery's) and as answered.
CREATE TABLE webhooks.attempts (
  id               uuid PRIMARY KEY,
  delivery_id      uuid NOT NULL REFERENCES webhooks.deliveries (id) ON DELETE CASCADE,
  org_id           uuid NOT NULL,
  attempt          int NOT NULL,
  request_headers  jsonb NOT NULL,
  response_status  int,
  response_body    text,
  latency_ms       int NOT NULL,
  error            text,
  created_at       timestamptz NOT NULL,
  UNIQUE (delivery_id, attempt)
);
