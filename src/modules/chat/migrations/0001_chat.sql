CREATE SCHEMA chat;

-- An item of an organization. org_id references organizations by id only (no foreign keys
-- across schemas).
CREATE TABLE chat.items (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  name        text NOT NULL,
  created_by  uuid NOT NULL,
  created_at  timestamptz NOT NULL
);

CREATE UNIQUE INDEX items_org_name ON chat.items (org_id, name);
CREATE INDEX items_org_id ON chat.items (org_id, id DESC);
