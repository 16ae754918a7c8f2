CREATE SCHEMA auth;

-- Accounts: credentials, role and status. Profiles live in the users module.
CREATE TABLE auth.accounts (
  id                uuid PRIMARY KEY,
  email             text NOT NULL,
  password_hash     text,
  role              text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'deleted')),
  email_verified_at timestamptz,
  totp_secret       text,          -- sealed (AES-GCM), never plain
  totp_enabled_at   timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
-- Emails are stored lowercased; uniqueness holds for accounts not deleted.
CREATE UNIQUE INDEX accounts_email_uq ON auth.accounts (email) WHERE status <> 'deleted';

-- One row per sign-in: the refresh token family. Revoking it ends every token of the family.
CREATE TABLE auth.sessions (
  id            uuid PRIMARY KEY,
  account_id    uuid NOT NULL REFERENCES auth.accounts(id),
  method        text NOT NULL,
  ip            text,
  user_agent    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  revoke_reason text
);
CREATE INDEX sessions_account_idx ON auth.sessions (account_id) WHERE revoked_at IS NULL;

-- Refresh tokens, stored as SHA-256 hashes. A rotated token keeps its successor sealed
-- for the reuse leeway so a concurrent retry can be answered with the same new pair.
CREATE TABLE auth.refresh_tokens (
  id              uuid PRIMARY KEY,
  session_id      uuid NOT NULL REFERENCES auth.sessions(id),
  token_hash      text NOT NULL UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  rotated_at      timestamptz,
  successor_id    uuid,
  successor_token text           -- sealed; cleared once the leeway is over
);
CREATE INDEX refresh_tokens_session_idx ON auth.refresh_tokens (session_id);

-- Single-use tokens sent by mail or handed out mid-login (email verification, password reset, MFA challenge).
CREATE TABLE auth.action_tokens (
  id         uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES auth.accounts(id),
  purpose    text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset', 'mfa_challenge')),
  token_hash text NOT NULL UNIQUE,
  attempts   int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX action_tokens_account_idx ON auth.action_tokens (account_id, purpose);

-- Failed-login throttle per email, kept whether or not the email has an account, so a
-- lock answers the same for both and reveals nothing.
CREATE TABLE auth.login_throttle (
  email          text PRIMARY KEY,
  failures       int NOT NULL DEFAULT 0,
  lock_count     int NOT NULL DEFAULT 0,
  locked_until   timestamptz,
  last_failed_at timestamptz NOT NULL DEFAULT now()
);

-- One-time sign-in codes by email: 6 digits, hashed, limited attempts.
CREATE TABLE auth.otp_codes (
  id         uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES auth.accounts(id),
  code_hash  text NOT NULL,
  attempts   int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX otp_codes_account_idx ON auth.otp_codes (account_id, created_at DESC);

CREATE TABLE auth.recovery_codes (
  id         uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES auth.accounts(id),
  code_hash  text NOT NULL,
  used_at    timestamptz
);
CREATE INDEX recovery_codes_account_idx ON auth.recovery_codes (account_id);

-- Devices that passed the second factor and asked to be trusted for a while.
CREATE TABLE auth.trusted_devices (
  id           uuid PRIMARY KEY,
  account_id   uuid NOT NULL REFERENCES auth.accounts(id),
  token_hash   text NOT NULL UNIQUE,
  label        text,
  ip           text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz
);
CREATE INDEX trusted_devices_account_idx ON auth.trusted_devices (account_id);

CREATE TABLE auth.api_keys (
  id           uuid PRIMARY KEY,
  account_id   uuid NOT NULL REFERENCES auth.accounts(id),
  name         text NOT NULL,
  prefix       text NOT NULL,
  key_hash     text NOT NULL UNIQUE,
  scopes       jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_account_idx ON auth.api_keys (account_id);
