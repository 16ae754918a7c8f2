-- The usage ledger of several providers (docs/llm.md): which named provider answered (the
-- instance's `default`, one of LLM_PROVIDERS, or an organization's own), which were tried
-- before it and failed, the conversation and message a call belongs to, its cost from the
-- catalog's prices, and how long the first token took. Rows written before this migration all
-- came from the one provider of LLM_PROVIDER, named `default` since.
ALTER TABLE core.llm_usage
  ADD COLUMN provider_name  text NOT NULL DEFAULT 'default',
  -- `provider/model` of each target tried first, that failed before answering; null when the first answered.
  ADD COLUMN fallback_from  text[],
  ADD COLUMN conversation_id uuid,
  ADD COLUMN message_id     uuid,
  -- Millionths of a minor unit of LLM_CURRENCY (a call of a few tokens costs a fraction of a cent): exact sums.
  ADD COLUMN cost_micros    bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
  -- A stream's wait for its first part; null for a call that is not streamed, or that answered nothing.
  ADD COLUMN first_token_ms integer CHECK (first_token_ms >= 0);
ALTER TABLE core.llm_usage ALTER COLUMN provider_name DROP DEFAULT;
-- `provider` keeps the kind of provider (openai, anthropic…): the metrics label it already was.
COMMENT ON COLUMN core.llm_usage.provider IS 'kind of provider: openai, azure, anthropic, openai-compatible';
