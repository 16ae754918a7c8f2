-- Who caused an event and from where, stamped from the request context at publish time:
-- the audit log and webhooks read it from the event instead of every module passing it on.
ALTER TABLE core.outbox
  ADD COLUMN api_key_id uuid,
  ADD COLUMN ip text,
  ADD COLUMN user_agent text;
