-- Files a user gave a conversation for the model to read: text, Markdown, CSV or PDF. The bytes
-- are a stored file of the organization (core.stored_files, under orgs/<org>/chat/<conversation>/),
-- whose id is the attachment's id, so an assistant's knowledge can name it too; the text read
-- from them, cut at CHAT_ATTACHMENT_MAX_CHARS, is kept here so each answer reads it without
-- opening the file again. A question names the attachments it comes with (attachment_ids);
-- an attachment removed since is told to the model as removed.
CREATE TABLE chat.attachments (
  id              uuid PRIMARY KEY,
  conversation_id uuid NOT NULL REFERENCES chat.conversations (id) ON DELETE CASCADE,
  storage_key     text NOT NULL,
  file_name       text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('text', 'markdown', 'csv', 'pdf')),
  size            bigint NOT NULL,
  text            text NOT NULL,
  truncated       boolean NOT NULL,
  pages           integer,
  created_by      uuid NOT NULL,
  created_at      timestamptz NOT NULL
);
CREATE INDEX attachments_conversation_idx ON chat.attachments (conversation_id, created_at, id);

ALTER TABLE chat.messages ADD COLUMN attachment_ids uuid[] NOT NULL DEFAULT '{}';
