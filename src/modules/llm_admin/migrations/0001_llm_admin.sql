CREATE SCHEMA llm_admin;

-- An organization's own language model provider. Its key is sealed (core/security/secrets.ts)
-- and never shown again: views say only whether there is one and its last four characters.
-- org_id references organizations by id only (no foreign keys across schemas).
CREATE TABLE llm_admin.providers (
  id                uuid PRIMARY KEY,
  org_id            uuid NOT NULL,
  name              text NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('openai', 'azure', 'anthropic', 'openai-compatible')),
  base_url          text,
  azure_resource    text,
  azure_api_version text,
  key_sealed        text,
  key_last4         text,
  -- The sealing key's id (Secrets.keyId): which rows to re-seal after the master key rotates.
  key_id            text,
  created_by        uuid NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX providers_org_name ON llm_admin.providers (org_id, name);

-- The model catalog. An organization's models (org_id and provider_id set: a model of one of its
-- providers, every value its admins'), and the instance admins' changes to an instance model of
-- the settings (org_id and provider_id null, provider_name naming the instance provider, id
-- derived from `provider/model`: a null value there means "as the settings say").
CREATE TABLE llm_admin.models (
  id             uuid PRIMARY KEY,
  org_id         uuid,
  provider_id    uuid REFERENCES llm_admin.providers (id) ON DELETE CASCADE,
  provider_name  text,
  model          text NOT NULL,
  deployment     text,
  context_window integer CHECK (context_window >= 0),
  -- Minor units of LLM_CURRENCY per million tokens.
  input_price    numeric(14, 4) CHECK (input_price >= 0),
  output_price   numeric(14, 4) CHECK (output_price >= 0),
  supports_tools boolean,
  enabled        boolean,
  minimum_role   text CHECK (minimum_role IN ('viewer', 'member', 'admin', 'owner')),
  -- Model ids tried in turn when this model's provider is down (an org model's; the settings say an instance model's).
  fallback       uuid[] NOT NULL DEFAULT '{}',
  updated_by     uuid NOT NULL,
  updated_at     timestamptz NOT NULL,
  CHECK ((org_id IS NULL) = (provider_id IS NULL) AND (org_id IS NULL) = (provider_name IS NOT NULL)),
  CHECK (org_id IS NULL OR (supports_tools IS NOT NULL AND enabled IS NOT NULL AND minimum_role IS NOT NULL))
);
CREATE UNIQUE INDEX models_org_provider_model ON llm_admin.models (provider_id, model) WHERE org_id IS NOT NULL;
CREATE INDEX models_org ON llm_admin.models (org_id, id) WHERE org_id IS NOT NULL;

-- An organization's own rules for an instance model: whether its members may use it, from which role.
CREATE TABLE llm_admin.model_rules (
  org_id       uuid NOT NULL,
  model_id     uuid NOT NULL,
  enabled      boolean NOT NULL,
  minimum_role text NOT NULL CHECK (minimum_role IN ('viewer', 'member', 'admin', 'owner')),
  updated_by   uuid NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (org_id, model_id)
);

-- Monthly limits, in tokens (in and out together) and/or money (minor units of LLM_CURRENCY):
-- the organization's as a whole, every member's by default (each_user), and one member's own
-- (user, overriding each_user). A month is a calendar month in the organization's time zone.
CREATE TABLE llm_admin.budgets (
  org_id         uuid NOT NULL,
  scope          text NOT NULL CHECK (scope IN ('org', 'each_user', 'user')),
  -- The member of a `user` budget; the nil UUID for the other scopes (part of the key).
  user_id        uuid NOT NULL,
  monthly_tokens bigint CHECK (monthly_tokens >= 0),
  monthly_cost   bigint CHECK (monthly_cost >= 0),
  updated_by     uuid NOT NULL,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (org_id, scope, user_id),
  CHECK ((scope = 'user') = (user_id <> '00000000-0000-0000-0000-000000000000'))
);

-- What calls in flight may still cost, reserved before each call under the organization's lock
-- and removed when it ends (its usage row is written by then): two calls cannot both pass a
-- budget that only one fits. A reservation whose process died lapses at expires_at.
CREATE TABLE llm_admin.reservations (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  user_id     uuid NOT NULL,
  tokens      bigint NOT NULL CHECK (tokens >= 0),
  cost_micros bigint NOT NULL CHECK (cost_micros >= 0),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX reservations_org ON llm_admin.reservations (org_id, expires_at);
