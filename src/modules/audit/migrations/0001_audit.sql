CREATE SCHEMA audit;

-- One row per domain event, written by the `audit.record` subscriber. The event's id is the
-- key, so a redelivered event inserts nothing. `occurred_at` is the event's time (millisecond
-- precision, as the dispatcher hands it over), which keeps the (occurred_at, id) cursors exact.
-- Actor, API key and org are ids of other modules' rows: no foreign keys across schemas, and a
-- record outlives what it describes.
CREATE TABLE audit.events (
  id           uuid PRIMARY KEY,
  type         text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  actor_id     uuid,
  api_key_id   uuid,
  org_id       uuid,
  target_type  text,
  target_id    text,
  ip           text,
  user_agent   text,
  request_id   text,
  payload      jsonb NOT NULL
);

-- Newest first, keyset on (occurred_at, id):
-- the org's log (GET /orgs/{orgId}/audit),
CREATE INDEX events_org_time_idx ON audit.events (org_id, occurred_at DESC, id DESC);
-- everything (GET /admin/audit) and the retention purge (oldest rows, read backwards),
CREATE INDEX events_time_idx ON audit.events (occurred_at DESC, id DESC);
-- one actor's actions and one target's history (the `actor` and `target` filters),
CREATE INDEX events_actor_time_idx ON audit.events (actor_id, occurred_at DESC, id DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX events_target_time_idx ON audit.events (target_id, occurred_at DESC, id DESC) WHERE target_id IS NOT NULL;
-- one type, or a prefix (`projects.*` is LIKE 'projects.%': text_pattern_ops serves both).
CREATE INDEX events_type_time_idx ON audit.events (type text_pattern_ops, occurred_at DESC, id DESC);

-- Append-only. Rows are never updated; they are deleted only by the retention purge, which
-- turns `trellis.audit_purge` on for its own transaction (SET LOCAL / set_config(..., true)),
-- so the permission ends with that transaction. This guards against the application and its
-- operators' mistakes; a database superuser can still disable triggers, as they can anything.
CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND coalesce(current_setting('trellis.audit_purge', true), '') = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit.events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON audit.events
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON audit.events
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- Roles other than the owner get no way to change rows either.
REVOKE UPDATE, DELETE, TRUNCATE ON audit.events FROM PUBLIC;
