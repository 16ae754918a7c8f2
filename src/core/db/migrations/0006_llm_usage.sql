-- One row per call to a language model (core/llm): who it was for, what for, which model, the
-- tokens it used and how it ended. Failed and cancelled calls are kept too, with the tokens
-- their finished steps reported, since a provider bills those. Budgets sum it per org or per
-- user over a period (llm.usage()), hence the two indexes.
CREATE TABLE core.llm_usage (
  id            uuid PRIMARY KEY,
  at            timestamptz NOT NULL,
  user_id       uuid NOT NULL,
  org_id        uuid,
  -- What the call was for, as its caller named it (`analytics.ask`, `chat.answer`).
  feature       text NOT NULL,
  provider      text NOT NULL,
  model         text NOT NULL,
  input_tokens  integer NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens integer NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  duration_ms   integer NOT NULL CHECK (duration_ms >= 0),
  outcome       text NOT NULL CHECK (outcome IN ('ok', 'error', 'cancelled')),
  -- The problem a failed call answered (`LLM.TIMEOUT`…); null otherwise.
  error_code    text
);
CREATE INDEX llm_usage_org_idx ON core.llm_usage (org_id, at) WHERE org_id IS NOT NULL;
CREATE INDEX llm_usage_user_idx ON core.llm_usage (user_id, at);
