-- Files kept through core/storage (docs/storage.md): one row per stored object, for the quota of
-- each organization and for downloads (name, type, hash). The object itself is in the driver
-- (DATA_DIR/files or the S3 bucket) under `key`. No foreign key to organizations: core knows no
-- module; the module that stored a file removes it.
CREATE TABLE core.stored_files (
  -- The key's last segment (a UUIDv7): what a download link names, so links stay short.
  id           uuid PRIMARY KEY,
  key          text NOT NULL UNIQUE,
  org_id       uuid NOT NULL,
  size         bigint NOT NULL CHECK (size >= 0),
  sha256       text NOT NULL,
  content_type text NOT NULL,
  -- The name the uploader gave, cleaned: only ever shown (Content-Disposition), never a path.
  file_name    text NOT NULL,
  created_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- An org's usage is summed under its lock at every upload: an index-only scan of this index.
CREATE INDEX stored_files_org_idx ON core.stored_files (org_id) INCLUDE (size);
