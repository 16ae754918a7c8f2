CREATE SCHEMA organizations;

-- Tenants, in a hierarchy (a department under a company). Foreign keys stay inside this
-- schema; users are referenced by id only. A soft-deleted org keeps its rows so an owner
-- can restore it within ORG_RESTORE_DAYS.
CREATE TABLE organizations.orgs (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  slug        text NOT NULL,
  parent_id   uuid REFERENCES organizations.orgs(id),
  timezone    text NOT NULL DEFAULT 'UTC',
  currency    text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz,
  deleted_by  uuid,
  CHECK (parent_id IS NULL OR parent_id <> id)
);
-- Slugs are unique among live orgs: a deleted org frees its slug, and restoring it checks
-- that nobody took the slug in the meantime.
CREATE UNIQUE INDEX orgs_slug_live_uq ON organizations.orgs (slug) WHERE deleted_at IS NULL;
-- Walking down the hierarchy (children of an org, "has live children").
CREATE INDEX orgs_parent_idx ON organizations.orgs (parent_id) WHERE deleted_at IS NULL;

-- Direct memberships. Inherited roles are not stored: they are computed from the nearest
-- ancestor's membership. `email` is a copy of the account's address taken when the member
-- joined (auth has no email change; users.deleted anonymizes it), so member lists need no
-- call to auth per row.
CREATE TABLE organizations.memberships (
  org_id      uuid NOT NULL REFERENCES organizations.orgs(id),
  user_id     uuid NOT NULL,
  email       text NOT NULL,
  role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
-- "My organizations" and the users.deleted subscriber start from the user.
CREATE INDEX memberships_user_idx ON organizations.memberships (user_id);

-- Invitations. The token is never stored: only its SHA-256. The token itself is
-- HMAC(server key, id of the invitation_sent event), recomputed by the mail subscriber.
CREATE TABLE organizations.invitations (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL REFERENCES organizations.orgs(id),
  email        text NOT NULL,
  role         text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  token_hash   text NOT NULL UNIQUE,
  invited_by   uuid NOT NULL,
  inviter_email text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  accepted_at  timestamptz,
  accepted_by  uuid,
  revoked_at   timestamptz
);
-- Pending invitations of an org, keyset-paginated by id.
CREATE INDEX invitations_pending_idx ON organizations.invitations (org_id, id) WHERE accepted_at IS NULL AND revoked_at IS NULL;
