-- Dashboard subscriptions: a dashboard mailed to members on a cron schedule in the org's time
-- zone. Each mail is computed as its recipient (their rights at send time); a recipient who can
-- no longer see the dashboard gets nothing and the subscription's owner is told.
CREATE TABLE dashboards.subscriptions (
  id            uuid PRIMARY KEY,
  org_id        uuid NOT NULL,
  dashboard_id  uuid NOT NULL REFERENCES dashboards.dashboards (id) ON DELETE CASCADE,
  recipients    jsonb NOT NULL,
  schedule      text NOT NULL,
  skip_empty    boolean NOT NULL DEFAULT true,
  owner_id      uuid NOT NULL,
  next_run_at   timestamptz NOT NULL,
  last_run_at   timestamptz,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX subscriptions_org_idx ON dashboards.subscriptions (org_id, id DESC);
CREATE INDEX subscriptions_due_idx ON dashboards.subscriptions (next_run_at);
