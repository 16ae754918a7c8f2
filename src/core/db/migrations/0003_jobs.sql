-- What the API says about a background job: who may see it, how far it got, how it ended.
-- The queue itself (claiming, retries, cron) is pg-boss's schema `pgboss`; this table
-- outlives pg-boss's retention of finished jobs so a client can still read the result.
CREATE TABLE core.jobs (
  id           uuid PRIMARY KEY,
  queue        text NOT NULL,
  owner_id     uuid,
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'active', 'completed', 'failed', 'retrying', 'cancelled')),
  progress     real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
  note         text,
  result       jsonb,
  error        text,
  attempt      int NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  completed_at timestamptz
);
CREATE INDEX jobs_owner_idx ON core.jobs (owner_id, created_at DESC) WHERE owner_id IS NOT NULL;
-- The retention purge (finished jobs are kept 30 days), and the metrics' counts of open and failed jobs.
CREATE INDEX jobs_finished_idx ON core.jobs (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX jobs_status_idx ON core.jobs (status) WHERE status IN ('queued', 'retrying', 'failed');
