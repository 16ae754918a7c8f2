CREATE SCHEMA users;

-- Profiles, plus a directory copy of the account facts (email, role, status) kept current
-- by auth's events, so admin search and filters run on one table of this module.
CREATE TABLE users.profiles (
  user_id        uuid PRIMARY KEY,
  email          text NOT NULL,
  display_name   text NOT NULL,
  bio            text,
  avatar_url     text,
  timezone       text NOT NULL DEFAULT 'UTC',
  locale         text NOT NULL DEFAULT 'en',
  role           text NOT NULL DEFAULT 'user',
  status         text NOT NULL DEFAULT 'active',
  email_verified boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  deleted_at     timestamptz
);
-- Admin list: newest first with keyset pagination, filtered by role/status.
CREATE INDEX profiles_list_idx ON users.profiles (user_id DESC);
CREATE INDEX profiles_role_status_idx ON users.profiles (role, status);
