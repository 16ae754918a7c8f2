-- Alerts on saved questions: a condition on the question's value, checked on a cron schedule in
-- the org's time zone, as the alert's owner. `firing` is whether the condition held at the last
-- check: an alert fires only when it turns true, so a value that stays over its line notifies
-- once. `owner_email` completes the owner's principal for the checks that run without a request.
CREATE TABLE analytics.alerts (
  id               uuid PRIMARY KEY,
  org_id           uuid NOT NULL,
  question_id      uuid NOT NULL REFERENCES analytics.questions (id) ON DELETE CASCADE,
  name             text NOT NULL,
  condition        jsonb NOT NULL,
  schedule         text NOT NULL,
  channels         jsonb NOT NULL,
  owner_id         uuid NOT NULL,
  owner_email      text NOT NULL,
  status           text NOT NULL CHECK (status IN ('active', 'paused')),
  firing           boolean NOT NULL DEFAULT false,
  last_value       double precision,
  last_checked_at  timestamptz,
  last_fired_at    timestamptz,
  last_error       text,
  next_check_at    timestamptz NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX alerts_org_idx ON analytics.alerts (org_id, id DESC);
CREATE INDEX alerts_due_idx ON analytics.alerts (next_check_at) WHERE status = 'active';
