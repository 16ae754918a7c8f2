-- Report files rendered by background jobs, kept in the database (not on one instance's
-- disk) so any instance can serve the download. They expire after a day.
CREATE SCHEMA IF NOT EXISTS reports;

CREATE TABLE reports.export_files (
  job_id       uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  user_id      uuid NOT NULL,
  file_name    text NOT NULL,
  content_type text NOT NULL,
  content      bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX export_files_expiry_idx ON reports.export_files (expires_at);
