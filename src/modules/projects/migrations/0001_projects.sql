CREATE SCHEMA projects;

-- to_tsvector over an array needs array_to_string, which PostgreSQL marks STABLE; a generated
-- column needs IMMUTABLE expressions. Joining text with a fixed separator does not depend on
-- any setting, so this wrapper may honestly say IMMUTABLE.
CREATE FUNCTION projects.tags_text(text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_to_string($1, ' ') $$;

-- org_id references organizations by id only (no foreign keys across schemas).
-- Timestamps are written by the service from its clock, at millisecond precision, so the
-- keyset cursors (which carry them as JS dates) compare exactly.
CREATE TABLE projects.projects (
  id                uuid PRIMARY KEY,
  org_id            uuid NOT NULL,
  name              text NOT NULL,
  key               text NOT NULL CHECK (key ~ '^[A-Z][A-Z0-9]{1,9}$'),
  description       text,
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  client            text,
  tags              text[] NOT NULL DEFAULT '{}',
  color             text CHECK (color ~ '^#[0-9a-f]{6}$'),
  budget_hours      double precision CHECK (budget_hours >= 0),
  budget_minor      bigint CHECK (budget_minor >= 0),
  currency          char(3),
  billable_default  boolean NOT NULL DEFAULT true,
  hourly_rate_minor bigint CHECK (hourly_rate_minor >= 0),
  template_id       uuid,
  created_by        uuid NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  -- The latest of the project's own update and its tasks' changes; bumped in the same
  -- transaction as either, so sort=activity needs no join.
  last_activity_at  timestamptz NOT NULL,
  archived_at       timestamptz,
  deleted_at        timestamptz,
  search            tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', name), 'A') ||
    setweight(to_tsvector('simple', key), 'A') ||
    setweight(to_tsvector('simple', coalesce(client, '')), 'B') ||
    setweight(to_tsvector('simple', projects.tags_text(tags)), 'B') ||
    setweight(to_tsvector('simple', coalesce(description, '')), 'C')
  ) STORED
);
-- A key names one live project per org; a deleted project frees its key (restore re-checks).
CREATE UNIQUE INDEX projects_org_key_live_idx ON projects.projects (org_id, key) WHERE deleted_at IS NULL;
-- Full-text search (q) and tag filters.
CREATE INDEX projects_search_idx ON projects.projects USING gin (search);
CREATE INDEX projects_tags_idx ON projects.projects USING gin (tags);
-- Keyset pagination, one index per sort: (org_id, sort value, id).
CREATE INDEX projects_sort_name_idx ON projects.projects (org_id, lower(name), id);
CREATE INDEX projects_sort_created_idx ON projects.projects (org_id, created_at, id);
CREATE INDEX projects_sort_updated_idx ON projects.projects (org_id, updated_at, id);
CREATE INDEX projects_sort_activity_idx ON projects.projects (org_id, last_activity_at, id);

CREATE TABLE projects.members (
  project_id        uuid NOT NULL REFERENCES projects.projects (id),
  org_id            uuid NOT NULL,
  user_id           uuid NOT NULL,
  role              text NOT NULL CHECK (role IN ('manager', 'contributor', 'viewer')),
  hourly_rate_minor bigint CHECK (hourly_rate_minor >= 0),
  added_at          timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  PRIMARY KEY (project_id, user_id)
);
-- "Projects I am a member of" (visibility, member filter) and org-wide removal.
CREATE INDEX members_org_user_idx ON projects.members (org_id, user_id);

-- Tasks are soft-deleted: time entries keep referring to them by id, and reports still
-- resolve their names.
CREATE TABLE projects.tasks (
  id               uuid PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects.projects (id),
  org_id           uuid NOT NULL,
  name             text NOT NULL,
  status           text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'done')),
  estimate_minutes integer CHECK (estimate_minutes >= 0),
  assignee_id      uuid,
  created_by       uuid NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  deleted_at       timestamptz
);
CREATE INDEX tasks_project_idx ON projects.tasks (project_id, id);
CREATE INDEX tasks_org_assignee_idx ON projects.tasks (org_id, assignee_id) WHERE assignee_id IS NOT NULL;

-- A template is a copy, not a link: editing or deleting the source project later does not
-- change it. settings and tasks are small JSON documents read and written whole.
CREATE TABLE projects.templates (
  id                uuid PRIMARY KEY,
  org_id            uuid NOT NULL,
  name              text NOT NULL,
  source_project_id uuid,
  tags              text[] NOT NULL DEFAULT '{}',
  settings          jsonb NOT NULL,
  tasks             jsonb NOT NULL,
  created_by        uuid NOT NULL,
  created_at        timestamptz NOT NULL
);
CREATE INDEX templates_org_idx ON projects.templates (org_id, id);
