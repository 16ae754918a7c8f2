CREATE SCHEMA data_sources;

-- A source an org queries. `connection` holds the settings a user may read back (host, port,
-- database, user, TLS mode, timeouts, pool size); the secret ones (password, CA, client key) are
-- sealed together in `secrets_sealed` and never leave the server. `key_id` names the key that
-- sealed them, so a rotated master key re-seals the rows the old one sealed.
CREATE TABLE data_sources.sources (
  id                uuid PRIMARY KEY,
  org_id            uuid NOT NULL,
  name              text NOT NULL,
  kind              text NOT NULL,
  description       text NOT NULL DEFAULT '',
  connection        jsonb NOT NULL DEFAULT '{}',
  secrets_sealed    text,
  key_id            text,
  cache_ttl_seconds integer NOT NULL DEFAULT 300 CHECK (cache_ttl_seconds BETWEEN 0 AND 86400),
  -- Bumped by each sync and each file change: cached results of an older schema are stale.
  schema_version    integer NOT NULL DEFAULT 0,
  sync_status       text NOT NULL DEFAULT 'never' CHECK (sync_status IN ('never', 'syncing', 'ok', 'failed')),
  sync_error        text,
  synced_at         timestamptz,
  -- For `files` sources: the DuckDB database built from its files, in core/storage.
  database_key      text,
  created_by        uuid NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX sources_org_name_idx ON data_sources.sources (org_id, lower(name));
CREATE INDEX sources_org_idx ON data_sources.sources (org_id, id DESC);

-- The last synced schema, whole: read whole (GET …/schema, the question generator).
CREATE TABLE data_sources.schemas (
  source_id  uuid PRIMARY KEY REFERENCES data_sources.sources (id) ON DELETE CASCADE,
  org_id     uuid NOT NULL,
  schema     jsonb NOT NULL,
  synced_at  timestamptz NOT NULL
);

-- Descriptions people write, kept apart from the synced schema so a sync never loses them.
-- `column_name` '' describes the table itself.
CREATE TABLE data_sources.descriptions (
  source_id    uuid NOT NULL REFERENCES data_sources.sources (id) ON DELETE CASCADE,
  org_id       uuid NOT NULL,
  schema_name  text NOT NULL,
  table_name   text NOT NULL,
  column_name  text NOT NULL DEFAULT '',
  description  text NOT NULL,
  updated_by   uuid NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (source_id, schema_name, table_name, column_name)
);

-- The source's vocabulary: what the org means by its words ("active customer", "quarter").
CREATE TABLE data_sources.glossary (
  id          uuid PRIMARY KEY,
  source_id   uuid NOT NULL REFERENCES data_sources.sources (id) ON DELETE CASCADE,
  org_id      uuid NOT NULL,
  term        text NOT NULL,
  definition  text NOT NULL,
  created_by  uuid NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX glossary_source_term_idx ON data_sources.glossary (source_id, lower(term));

-- The files of a `files` source: each is one table of its database (a workbook, one per sheet).
CREATE TABLE data_sources.files (
  id           uuid PRIMARY KEY,
  source_id    uuid NOT NULL REFERENCES data_sources.sources (id) ON DELETE CASCADE,
  org_id       uuid NOT NULL,
  file_name    text NOT NULL,
  format       text NOT NULL,
  storage_key  text NOT NULL,
  size_bytes   bigint NOT NULL,
  tables       jsonb NOT NULL DEFAULT '[]',
  row_count    bigint NOT NULL,
  created_by   uuid NOT NULL,
  created_at   timestamptz NOT NULL
);
CREATE INDEX files_source_idx ON data_sources.files (source_id, id);
