-- Snapshots imported from a Git URL: where from and which commit (null for uploads).
ALTER TABLE codebase.snapshots DROP CONSTRAINT snapshots_source_check;
ALTER TABLE codebase.snapshots ADD CONSTRAINT snapshots_source_check CHECK (source IN ('upload', 'git'));
ALTER TABLE codebase.snapshots ADD COLUMN git_url text, ADD COLUMN git_ref text, ADD COLUMN git_commit text;

-- A project's Git source, kept by its last import for the next one (re-import): the URL, the
-- branch or tag asked for (null: the remote's default), and the access token sealed with core's
-- secrets (never returned; null: none).
CREATE TABLE codebase.git_sources (
  project_id   uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  url          text NOT NULL,
  ref          text,
  token_sealed text,
  updated_by   uuid NOT NULL,
  updated_at   timestamptz NOT NULL
);
