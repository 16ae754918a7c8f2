CREATE SCHEMA dashboards;

-- A folder of dashboards with its own grants: [{ "role": "member", "access": "view" },
-- { "userId": "…", "access": "edit" }]. org_id references organizations by id only (no foreign
-- keys across schemas).
CREATE TABLE dashboards.collections (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  name        text NOT NULL,
  grants      jsonb NOT NULL DEFAULT '[]',
  created_by  uuid NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX collections_org_name ON dashboards.collections (org_id, lower(name));

-- A dashboard: its widgets on a 12-column grid and its filters, as validated JSON (rules.ts).
CREATE TABLE dashboards.dashboards (
  id             uuid PRIMARY KEY,
  org_id         uuid NOT NULL,
  collection_id  uuid REFERENCES dashboards.collections (id) ON DELETE RESTRICT,
  name           text NOT NULL,
  description    text NOT NULL DEFAULT '',
  widgets        jsonb NOT NULL DEFAULT '[]',
  filters        jsonb NOT NULL DEFAULT '[]',
  created_by     uuid NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX dashboards_org_id ON dashboards.dashboards (org_id, id DESC);
CREATE INDEX dashboards_collection ON dashboards.dashboards (collection_id);

-- A read-only link to a dashboard. The token is signed (share-links.ts) and names the row; the
-- row is what revokes it. Views run with the creator's rights, checked live.
CREATE TABLE dashboards.shares (
  id             uuid PRIMARY KEY,
  org_id         uuid NOT NULL,
  dashboard_id   uuid NOT NULL REFERENCES dashboards.dashboards (id) ON DELETE CASCADE,
  created_by     uuid NOT NULL,
  creator_email  text NOT NULL,
  expires_at     timestamptz NOT NULL,
  revoked_at     timestamptz,
  created_at     timestamptz NOT NULL
);
CREATE INDEX shares_dashboard ON dashboards.shares (dashboard_id, id DESC);
