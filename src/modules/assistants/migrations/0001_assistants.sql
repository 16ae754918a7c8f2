CREATE SCHEMA assistants;

-- A named configuration of a model for a conversation: its system prompt, model, temperature,
-- the tools it may offer and the knowledge it may cite. org_id, model_id, the tools' names and
-- the knowledge's project and file ids reference other modules by id only (no foreign keys
-- across schemas): each is checked when it is set, and whoever uses the assistant gets only what
-- they may use themselves (AssistantsApi.getAssistant, the tools' own checks).
CREATE TABLE assistants.assistants (
  id            uuid PRIMARY KEY,
  org_id        uuid NOT NULL,
  name          text NOT NULL,
  description   text,
  instructions  text NOT NULL,
  -- null: the organization's default model when it is used.
  model_id      uuid,
  -- null: the model's own default.
  temperature   double precision CHECK (temperature BETWEEN 0 AND 2),
  tools         jsonb NOT NULL,
  knowledge     jsonb NOT NULL,
  visibility    text NOT NULL CHECK (visibility IN ('private', 'org')),
  created_by    uuid NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);

CREATE INDEX assistants_org_id ON assistants.assistants (org_id, id DESC);

-- A prompt template: its current content (the newest of its versions) and who may see it.
CREATE TABLE assistants.prompt_templates (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  name         text NOT NULL,
  description  text,
  body         text NOT NULL,
  variables    jsonb NOT NULL,
  visibility   text NOT NULL CHECK (visibility IN ('private', 'org')),
  version      integer NOT NULL,
  created_by   uuid NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);

CREATE INDEX prompt_templates_org_id ON assistants.prompt_templates (org_id, id DESC);

-- Every content of a template, numbered from 1; never changed once written, gone with the template.
CREATE TABLE assistants.prompt_template_versions (
  template_id  uuid NOT NULL REFERENCES assistants.prompt_templates (id) ON DELETE CASCADE,
  version      integer NOT NULL CHECK (version >= 1),
  org_id       uuid NOT NULL,
  name         text NOT NULL,
  description  text,
  body         text NOT NULL,
  variables    jsonb NOT NULL,
  created_by   uuid NOT NULL,
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (template_id, version)
);
