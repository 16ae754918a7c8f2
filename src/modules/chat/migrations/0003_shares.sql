-- A read-only share link of a conversation, made by its owner. The token is not stored: it is
-- the share's id and expiry signed (share-links.ts), signed again to show it; this row is what
-- revokes a link before it expires. Deleting the conversation deletes its links.
CREATE TABLE chat.shares (
  id              uuid PRIMARY KEY,
  org_id          uuid NOT NULL,
  conversation_id uuid NOT NULL REFERENCES chat.conversations (id) ON DELETE CASCADE,
  created_by      uuid NOT NULL,
  expires_at      timestamptz NOT NULL,
  revoked_at      timestamptz,
  created_at      timestamptz NOT NULL
);
CREATE INDEX shares_conversation_idx ON chat.shares (conversation_id, id DESC);
