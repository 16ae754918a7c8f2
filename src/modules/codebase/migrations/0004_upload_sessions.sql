-- Resumable uploads (docs/codebase.md, "Resumable uploads"; decision 0044): an upload sent in
-- parts, each stored in core/storage as it arrives (so it counts against the org's quota while
-- held) and replaceable until the session is completed, when the parts are read back in order
-- through the plain upload's pipeline. A session is its creator's. org_id, project_id and
-- created_by reference other schemas by id only.
CREATE TABLE codebase.upload_sessions (
  id                uuid PRIMARY KEY,
  org_id            uuid NOT NULL,
  project_id        uuid NOT NULL,
  created_by        uuid NOT NULL,
  -- As the plain upload takes them: `?name=` (the snapshot's name) and `?path=` (one file).
  file_name         text NOT NULL,
  path              text,
  -- The size the client announced (null: none); completion checks the parts add up to it.
  total_bytes       bigint CHECK (total_bytes >= 0),
  status            text NOT NULL CHECK (status IN ('open', 'completing', 'completed', 'failed', 'aborted')),
  -- The snapshot a completed session made, and the problem a failed one met (code, detail, details).
  snapshot_version  integer,
  failure           jsonb,
  -- An open session past it is swept with its parts; a closed one is forgotten then.
  expires_at        timestamptz NOT NULL,
  created_at        timestamptz NOT NULL
);
CREATE INDEX upload_sessions_scope ON codebase.upload_sessions (org_id, project_id, created_by);
-- The sweep's scan.
CREATE INDEX upload_sessions_expiry ON codebase.upload_sessions (expires_at);

-- A part received: one object in core/storage, replaced whole when the part is sent again. No
-- cascade: a session's row goes only after its parts' objects and rows are gone, never leaving
-- an object that no row names (it would count against the quota for ever).
CREATE TABLE codebase.upload_parts (
  session_id   uuid NOT NULL REFERENCES codebase.upload_sessions (id),
  part_number  integer NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
  size         bigint NOT NULL CHECK (size >= 0),
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key  text NOT NULL UNIQUE,
  PRIMARY KEY (session_id, part_number)
);
