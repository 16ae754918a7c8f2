CREATE SCHEMA analytics;

-- A saved question: SQL (written by hand, or generated from `question` and shown to the user),
-- its declared parameters with defaults, and whether an admin verified it (verified questions
-- ground the question generator as examples). data_source_id references data_sources by id only.
CREATE TABLE analytics.questions (
  id              uuid PRIMARY KEY,
  org_id          uuid NOT NULL,
  data_source_id  uuid NOT NULL,
  name            text NOT NULL,
  description     text NOT NULL DEFAULT '',
  question        text,
  sql             text NOT NULL,
  parameters      jsonb NOT NULL DEFAULT '[]',
  verified        boolean NOT NULL DEFAULT false,
  created_by      uuid NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX questions_org_idx ON analytics.questions (org_id, id DESC);
CREATE INDEX questions_verified_idx ON analytics.questions (org_id, data_source_id) WHERE verified;

-- Each run, per user: what ran where, how it went. No result data: the SQL and the parameter
-- values the user gave are theirs to see again (re-run); rows stay in the source.
CREATE TABLE analytics.runs (
  id              uuid PRIMARY KEY,
  org_id          uuid NOT NULL,
  user_id         uuid NOT NULL,
  data_source_id  uuid NOT NULL,
  question_id     uuid,
  sql             text NOT NULL,
  sql_hash        text NOT NULL,
  parameters      jsonb NOT NULL DEFAULT '[]',
  status          text NOT NULL CHECK (status IN ('ok', 'refused', 'failed')),
  error_code      text,
  row_count       integer,
  duration_ms     integer,
  cached          boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL
);
CREATE INDEX runs_user_idx ON analytics.runs (org_id, user_id, id DESC);
