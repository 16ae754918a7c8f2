-- Time tracking. The schema is `time_tracking` because `time` is a type keyword.
-- References to organizations, users, projects and tasks are plain ids (no foreign keys
-- across schemas): those modules own their rows.
CREATE SCHEMA time_tracking;

-- Per-org settings; an org without a row has the defaults.
CREATE TABLE time_tracking.settings (
  org_id            uuid PRIMARY KEY,
  lock_date         date,
  hourly_rate_minor bigint CHECK (hourly_rate_minor >= 0),
  week_starts_on    text NOT NULL DEFAULT 'monday' CHECK (week_starts_on IN ('monday', 'sunday')),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- An org member's own hourly rate (more specific than the org's, less than the project's).
CREATE TABLE time_tracking.member_rates (
  org_id            uuid NOT NULL,
  user_id           uuid NOT NULL,
  hourly_rate_minor bigint NOT NULL CHECK (hourly_rate_minor >= 0),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);

-- Entries and running timers (end_at NULL). Times are whole seconds in UTC. The rate and
-- currency are copied when the entry is written, so later rate changes leave history alone.
CREATE TABLE time_tracking.entries (
  id                uuid PRIMARY KEY,
  org_id            uuid NOT NULL,
  user_id           uuid NOT NULL,
  project_id        uuid NOT NULL,
  task_id           uuid,
  start_at          timestamptz NOT NULL,
  end_at            timestamptz,
  description       text NOT NULL DEFAULT '',
  billable          boolean NOT NULL,
  tags              text[] NOT NULL DEFAULT '{}',
  hourly_rate_minor bigint,
  currency          text NOT NULL,
  created_by        uuid NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  -- Equal is allowed only for a timer stopped within its first second (an empty range).
  CONSTRAINT entries_range_ck CHECK (end_at IS NULL OR end_at >= start_at)
);
-- The entry list (one org, a month, newest first, keyset on (start_at, id): both DESC, so no
-- extra sort; the export reads it backwards) and the
-- aggregate over an org's date range without a user or project filter.
CREATE INDEX entries_org_start_idx ON time_tracking.entries (org_id, start_at DESC, id DESC);
-- The overlap check under the (org, user) lock, the user filter, timesheets and approvals.
CREATE INDEX entries_org_user_start_idx ON time_tracking.entries (org_id, user_id, start_at);
-- The project filter, the budget totals after each write, and per-project aggregates.
CREATE INDEX entries_org_project_start_idx ON time_tracking.entries (org_id, project_id, start_at);
-- At most one running timer per user and org; GET /timer reads it through this index.
CREATE UNIQUE INDEX entries_one_timer_idx ON time_tracking.entries (org_id, user_id) WHERE end_at IS NULL;

-- No two entries of one user in one org may overlap. The service enforces it on both
-- databases under a transaction-level advisory lock per (org, user) plus a range query:
-- PGlite supports btree_gist only when the extension is loaded into the PGlite instance
-- at construction, which core/db (not this module) does, and the test harness and the
-- embedded mode create PGlite without it. Where the server offers btree_gist, a GiST
-- exclusion constraint backs the same rule in SQL (a NULL end is an unbounded range, so a
-- running timer is open-ended there too). The service maps its violation to the same 409.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS btree_gist;
      ALTER TABLE time_tracking.entries ADD CONSTRAINT entries_no_overlap
        EXCLUDE USING gist (org_id WITH =, user_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'btree_gist not installable: overlaps are enforced by the service only';
    END;
  END IF;
END
$$;

-- Rounding rules; at most one per (org, scope, target). target is '' for the org rule.
CREATE TABLE time_tracking.rounding_rules (
  id         uuid PRIMARY KEY,
  org_id     uuid NOT NULL,
  scope      text NOT NULL CHECK (scope IN ('org', 'client', 'project')),
  target     text NOT NULL,
  minutes    integer NOT NULL CHECK (minutes BETWEEN 1 AND 60),
  mode       text NOT NULL CHECK (mode IN ('up', 'down', 'nearest')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT rounding_rules_target_ck CHECK ((scope = 'org') = (target = '')),
  CONSTRAINT rounding_rules_unique UNIQUE (org_id, scope, target)
);

-- A member's timesheet for one period. The period's instants are computed in the org's
-- zone at submission and kept, so a later zone change does not move an approved lock.
CREATE TABLE time_tracking.timesheets (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  user_id      uuid NOT NULL,
  period       text NOT NULL,
  period_start timestamptz NOT NULL,
  period_end   timestamptz NOT NULL,
  status       text NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
  submitted_at timestamptz NOT NULL,
  decided_at   timestamptz,
  decided_by   uuid,
  comment      text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT timesheets_period_unique UNIQUE (org_id, user_id, period)
);
-- The approved-period lock checked on every entry write of a user.
CREATE INDEX timesheets_lock_idx ON time_tracking.timesheets (org_id, user_id, period_start) WHERE status = 'approved';
-- The list, newest first.
CREATE INDEX timesheets_list_idx ON time_tracking.timesheets (org_id, id DESC);

-- Budget thresholds already announced: each (project, kind, threshold) fires once.
CREATE TABLE time_tracking.budget_alerts (
  org_id     uuid NOT NULL,
  project_id uuid NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('hours', 'money')),
  threshold  integer NOT NULL CHECK (threshold IN (80, 100)),
  spent      double precision NOT NULL,
  budget     double precision NOT NULL,
  fired_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, project_id, kind, threshold)
);
