CREATE SCHEMA chat;

-- A conversation of one user in one organization: private to its owner (no one else reads it,
-- admins included). org_id and owner_id reference other schemas by id only. model_id is a model
-- of the organization's catalog (null: its default model at each answer). Timestamps are
-- written by the service from its clock, at millisecond precision, so keyset cursors compare
-- exactly.
CREATE TABLE chat.conversations (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  owner_id    uuid NOT NULL,
  title       text,
  model_id    uuid,
  system      text,
  archived_at timestamptz,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  search      tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, ''))) STORED
);
-- The owner's list, most recently active first (keyset on updated_at, id).
CREATE INDEX conversations_owner_idx ON chat.conversations (org_id, owner_id, updated_at DESC, id DESC);
CREATE INDEX conversations_search_idx ON chat.conversations USING gin (search);

-- A message of the tree: parent_id is the message it follows (null: a first message), so an
-- edited question is a sibling of the original and a regenerated answer a sibling of the
-- previous answer; every branch stays. An answer is one message with its tool calls and their
-- results in tool_calls (step, tool, input, output or error), written whole when it ends;
-- while it streams, message_chunks holds what it has written so far.
CREATE TABLE chat.messages (
  id                uuid PRIMARY KEY,
  conversation_id   uuid NOT NULL REFERENCES chat.conversations (id) ON DELETE CASCADE,
  parent_id         uuid REFERENCES chat.messages (id) ON DELETE CASCADE,
  role              text NOT NULL CHECK (role IN ('user', 'assistant')),
  content           text NOT NULL,
  status            text NOT NULL CHECK (status IN ('streaming', 'done', 'stopped', 'failed')),
  -- The catalog model asked for (null: the default), and `provider/model` that answered.
  model_id          uuid,
  model             text,
  input_tokens      integer,
  output_tokens     integer,
  tool_calls        jsonb NOT NULL DEFAULT '[]',
  error_code        text,
  error_message     text,
  stop_requested_at timestamptz,
  created_at        timestamptz NOT NULL,
  -- A streaming answer's heartbeat: its generation bumps it; one too old has lost its instance.
  updated_at        timestamptz NOT NULL,
  search            tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED
);
CREATE INDEX messages_conversation_idx ON chat.messages (conversation_id, created_at, id);
CREATE INDEX messages_parent_idx ON chat.messages (parent_id);
CREATE INDEX messages_search_idx ON chat.messages USING gin (search);
-- One answer at a time per conversation.
CREATE UNIQUE INDEX messages_one_streaming_idx ON chat.messages (conversation_id) WHERE status = 'streaming';

-- What an answer has written, in order: the SSE events (`id:` is seq) replayed to a client that
-- resumes, from any instance. Small text deltas are batched into one chunk.
CREATE TABLE chat.message_chunks (
  message_id uuid NOT NULL REFERENCES chat.messages (id) ON DELETE CASCADE,
  seq        integer NOT NULL CHECK (seq > 0),
  kind       text NOT NULL CHECK (kind IN ('start', 'text', 'tool-call', 'tool-result', 'usage', 'done')),
  data       jsonb NOT NULL,
  PRIMARY KEY (message_id, seq)
);
