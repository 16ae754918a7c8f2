-- Full-text search (docs/codebase.md, "Search"). Contents are indexed once per organization and
-- SHA-256, like their bytes: a new snapshot that shares most of its contents with the last one
-- indexes only the new ones. One row per line with words, so a match is a line with its number
-- and its text for the snippet, and tsvector positions stay small (PostgreSQL caps them at 16,383).
-- Plain tsvector and GIN: no extension, so any PostgreSQL the project supports will do.
CREATE TABLE codebase.blob_lines (
  org_id  uuid NOT NULL,
  sha256  text NOT NULL,
  line    integer NOT NULL CHECK (line > 0),
  text    text NOT NULL,
  -- The line's words as search-terms.ts splits them (identifiers and their parts), `simple` style:
  -- lower-cased, no stemming, no stop words (code is not prose).
  terms   tsvector NOT NULL,
  PRIMARY KEY (org_id, sha256, line),
  -- A freed content takes its lines with it (snapshot deletion deletes unused blob rows).
  FOREIGN KEY (org_id, sha256) REFERENCES codebase.blobs (org_id, sha256) ON DELETE CASCADE
);
CREATE INDEX blob_lines_terms ON codebase.blob_lines USING gin (terms);

-- When a content's lines were written (null: not yet, or a binary, which is never indexed).
ALTER TABLE codebase.blobs ADD COLUMN indexed_at timestamptz;

-- A file's path as words (null until its snapshot is indexed): `src/userService.ts` is found by
-- `user` or `service`. The GIN index serves a snapshot with many files; a small one is read by
-- its primary key range.
ALTER TABLE codebase.files ADD COLUMN path_terms tsvector;
CREATE INDEX files_path_terms ON codebase.files USING gin (path_terms);

-- When a snapshot became searchable: every text content of it indexed, every path (null: not yet).
ALTER TABLE codebase.snapshots ADD COLUMN indexed_at timestamptz;
