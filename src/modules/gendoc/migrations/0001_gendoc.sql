CREATE SCHEMA gendoc;

-- Documentation templates an organization writes (docs/gendoc.md). The built-in ones live in the
-- code (render/template.ts) and are not rows. `body` is the template as render/template.ts
-- validates it (pages, Markdown with placeholders, variables); every change checks it again.
-- org_id and created_by reference other modules by id only (no foreign keys across schemas).
CREATE TABLE gendoc.templates (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  name         text NOT NULL,
  description  text,
  body         jsonb NOT NULL,
  created_by   uuid NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX templates_org_name ON gendoc.templates (org_id, lower(name));

-- One generation of a project's documentation: what was asked (snapshot, template as it was
-- then, values, formats), by whom, its state and its outputs (files in core/storage). The
-- template is copied in, so editing or deleting it later never changes what a run made.
CREATE TABLE gendoc.runs (
  id                uuid PRIMARY KEY,
  org_id            uuid NOT NULL,
  project_id        uuid NOT NULL,
  snapshot_version  integer NOT NULL,
  template_ref      text NOT NULL,
  template          jsonb NOT NULL,
  "values"          jsonb NOT NULL DEFAULT '{}',
  formats           text[] NOT NULL,
  summary_model_id  uuid,
  trigger           text NOT NULL CHECK (trigger IN ('request', 'snapshot')),
  status            text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  job_id            text,
  -- Figures of a finished run: files read, symbols, pages, summaries written, seconds.
  stats             jsonb,
  -- [{format, fileName, contentType, size, pages, storageKey}]
  outputs           jsonb NOT NULL DEFAULT '[]',
  error             text,
  created_by        uuid NOT NULL,
  created_at        timestamptz NOT NULL,
  finished_at       timestamptz
);
CREATE INDEX runs_project ON gendoc.runs (org_id, project_id, id DESC);

-- A project's standing order: generate again with these choices whenever a new snapshot arrives,
-- as the member who asked (their rights checked at each run).
CREATE TABLE gendoc.project_settings (
  project_id        uuid PRIMARY KEY,
  org_id            uuid NOT NULL,
  regenerate        boolean NOT NULL,
  template_ref      text NOT NULL,
  "values"          jsonb NOT NULL DEFAULT '{}',
  formats           text[] NOT NULL,
  summary_model_id  uuid,
  updated_by        uuid NOT NULL,
  updated_at        timestamptz NOT NULL
);
