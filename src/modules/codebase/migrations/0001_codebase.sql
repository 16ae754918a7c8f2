CREATE SCHEMA codebase;

-- One row per project that has a codebase: the last version given out, so a deleted snapshot's
-- number is never given again. org_id and project_id reference other schemas by id only.
CREATE TABLE codebase.codebases (
  project_id    uuid PRIMARY KEY,
  org_id        uuid NOT NULL,
  last_version  integer NOT NULL
);

-- A stored content of an organization, once per SHA-256 (content-addressed): every file with
-- these bytes, in any snapshot of any project of the org, points here. storage_key is the
-- core/storage object holding them. kind and content_type are decided by the bytes, not a name.
CREATE TABLE codebase.blobs (
  org_id        uuid NOT NULL,
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size          bigint NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('text', 'binary')),
  content_type  text NOT NULL,
  storage_key   text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (org_id, sha256)
);

-- An immutable snapshot: written whole, in one transaction, when an upload has been read to
-- its end; the highest version of a project is its current one.
CREATE TABLE codebase.snapshots (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  project_id  uuid NOT NULL,
  version     integer NOT NULL CHECK (version > 0),
  source      text NOT NULL CHECK (source IN ('upload')),
  name        text NOT NULL,
  file_count  integer NOT NULL,
  total_bytes bigint NOT NULL,
  created_by  uuid NOT NULL,
  created_at  timestamptz NOT NULL,
  UNIQUE (project_id, version)
);
CREATE INDEX snapshots_org_project ON codebase.snapshots (org_id, project_id, version DESC);

-- A file of a snapshot. path is NFC, `/`-separated, relative, checked (paths.ts); COLLATE "C"
-- so a folder's files are an index range (`path LIKE 'src/%'`). The foreign key to blobs keeps
-- a blob from being removed while any file still points at it.
CREATE TABLE codebase.files (
  snapshot_id  uuid NOT NULL REFERENCES codebase.snapshots (id) ON DELETE CASCADE,
  org_id       uuid NOT NULL,
  path         text COLLATE "C" NOT NULL,
  size         bigint NOT NULL,
  sha256       text NOT NULL,
  language     text,
  kind         text NOT NULL CHECK (kind IN ('text', 'binary')),
  PRIMARY KEY (snapshot_id, path),
  FOREIGN KEY (org_id, sha256) REFERENCES codebase.blobs (org_id, sha256)
);
-- Which files still use a blob (snapshot deletion frees only blobs no file uses).
CREATE INDEX files_blob ON codebase.files (org_id, sha256);
