// SQL of chat: conversations, their messages (a tree) and each answer's chunks. Conversations
// are read by org and owner together: another user's, or another org's, is simply not found.
import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { DocumentKind } from './documents.ts';
import type { ChunkKind, MessageStatus, RecordedToolCall, StoredChunk } from './transcript.ts';

export interface ConversationsTable {
  id: string;
  org_id: string;
  owner_id: string;
  title: string | null;
  model_id: string | null;
  assistant_id: string | null;
  /** The project it is about (decision 0048); null: none. */
  project_id: string | null;
  system: string | null;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
export type ConversationRow = Selectable<ConversationsTable>;

export interface MessagesTable {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  model_id: string | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  /** jsonb: `pg` returns it parsed; written as JSON text. */
  tool_calls: RecordedToolCall[];
  error_code: string | null;
  error_message: string | null;
  stop_requested_at: Date | null;
  /** The attachments a question came with (uuid[]: `pg` returns it as an array). */
  attachment_ids: string[];
  created_at: Date;
  updated_at: Date;
}
export type MessageRow = Selectable<MessagesTable>;
/** A message to insert: only a question has attachments. */
export type NewMessage = Omit<MessageRow, 'attachment_ids'> & { attachment_ids?: string[] };

interface ChunksTable {
  message_id: string;
  seq: number;
  kind: ChunkKind;
  data: unknown;
}

export interface AttachmentsTable {
  id: string;
  conversation_id: string;
  storage_key: string;
  file_name: string;
  kind: DocumentKind;
  size: string | number;
  text: string;
  truncated: boolean;
  pages: number | null;
  created_by: string;
  created_at: Date;
}
export type AttachmentRow = Selectable<AttachmentsTable>;

export interface SharesTable {
  id: string;
  org_id: string;
  conversation_id: string;
  created_by: string;
  expires_at: Date;
  revoked_at: Date | null;
  created_at: Date;
}
export type ShareRow = Selectable<SharesTable>;

interface Tables {
  'chat.shares': SharesTable;
  'chat.conversations': ConversationsTable;
  'chat.messages': MessagesTable;
  'chat.message_chunks': ChunksTable;
  'chat.attachments': AttachmentsTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;
const json = (v: unknown) => JSON.stringify(v) as never;

/** Every column but the generated search vector. */
const CONVERSATION_COLUMNS = ['id', 'org_id', 'owner_id', 'title', 'model_id', 'assistant_id', 'project_id', 'system', 'archived_at', 'created_at', 'updated_at'] as const;
const MESSAGE_COLUMNS = [
  'id',
  'conversation_id',
  'parent_id',
  'role',
  'content',
  'status',
  'model_id',
  'model',
  'input_tokens',
  'output_tokens',
  'tool_calls',
  'error_code',
  'error_message',
  'stop_requested_at',
  'attachment_ids',
  'created_at',
  'updated_at',
] as const;
/** An attachment without its text: what lists show. */
const ATTACHMENT_COLUMNS = ['id', 'conversation_id', 'storage_key', 'file_name', 'kind', 'size', 'truncated', 'pages', 'created_by', 'created_at'] as const;
export type AttachmentInfo = Pick<AttachmentRow, (typeof ATTACHMENT_COLUMNS)[number]> & { chars: number };

export interface ConversationListFilter {
  orgId: string;
  ownerId: string;
  archived: boolean;
  /** A tsquery (words as prefixes, all required), matched on the title and on every message. */
  tsquery: string | null;
  after: { updatedAt: Date; id: string } | null;
  limit: number;
}

export const conversations = {
  insert: (db: Executor, row: ConversationRow) => q(db).insertInto('chat.conversations').values(row).execute(),

  /** The owner's conversation, or undefined (another user's, another org's, or none). */
  mine: (db: Executor, orgId: string, ownerId: string, id: string) =>
    q(db).selectFrom('chat.conversations').select(CONVERSATION_COLUMNS).where('org_id', '=', orgId).where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst(),

  /**
   * One keyset page, most recently active first. With a query: the title's vector or any
   * message's (GIN indexes on both), the messages reached through the conversation's own.
   */
  list: (db: Executor, f: ConversationListFilter) => {
    let query = q(db)
      .selectFrom('chat.conversations as c')
      .select(CONVERSATION_COLUMNS.map((c) => `c.${c}` as const))
      .where('c.org_id', '=', f.orgId)
      .where('c.owner_id', '=', f.ownerId)
      .where('c.archived_at', f.archived ? 'is not' : 'is', null);
    if (f.tsquery) {
      const tsq = sql`to_tsquery('simple', ${f.tsquery})`;
      query = query.where(
        sql<boolean>`(c.search @@ ${tsq} OR EXISTS (SELECT 1 FROM chat.messages m WHERE m.conversation_id = c.id AND m.search @@ ${tsq}))`,
      );
    }
    if (f.after) query = query.where(sql<boolean>`(c.updated_at, c.id) < (${f.after.updatedAt}::timestamptz, ${f.after.id}::uuid)`);
    return query.orderBy('c.updated_at', 'desc').orderBy('c.id', 'desc').limit(f.limit + 1).execute();
  },

  update: (db: Executor, orgId: string, ownerId: string, id: string, set: Partial<Pick<ConversationRow, 'title' | 'model_id' | 'project_id' | 'system' | 'archived_at' | 'updated_at'>>) =>
    q(db)
      .updateTable('chat.conversations')
      .set(set)
      .where('org_id', '=', orgId)
      .where('owner_id', '=', ownerId)
      .where('id', '=', id)
      .returning(CONVERSATION_COLUMNS)
      .executeTakeFirst(),

  /** `title` in place of `was`, only if the title is still `was` (a title the user gave meanwhile stays). */
  replaceTitle: (db: Executor, id: string, was: string, title: string) => q(db).updateTable('chat.conversations').set({ title }).where('id', '=', id).where('title', '=', was).execute(),

  /** Deletes it with its messages and chunks (ON DELETE CASCADE); answers the ids of its answers still streaming. */
  delete: async (db: Executor, orgId: string, ownerId: string, id: string): Promise<{ deleted: boolean; streaming: string[] }> => {
    const streaming = await q(db)
      .selectFrom('chat.messages as m')
      .innerJoin('chat.conversations as c', 'c.id', 'm.conversation_id')
      .select('m.id')
      .where('c.org_id', '=', orgId)
      .where('c.owner_id', '=', ownerId)
      .where('c.id', '=', id)
      .where('m.status', '=', 'streaming')
      .execute();
    const r = await q(db).deleteFrom('chat.conversations').where('org_id', '=', orgId).where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
    return { deleted: Number(r.numDeletedRows) > 0, streaming: streaming.map((s) => s.id) };
  },
};

export const messages = {
  insert: (db: Executor, row: NewMessage) => q(db).insertInto('chat.messages').values({ ...row, attachment_ids: row.attachment_ids ?? [], tool_calls: json(row.tool_calls) }).execute(),

  byId: (db: Executor, conversationId: string, id: string) =>
    q(db).selectFrom('chat.messages').select(MESSAGE_COLUMNS).where('conversation_id', '=', conversationId).where('id', '=', id).executeTakeFirst(),

  /** Every message of the conversation, every branch, oldest first (UUIDv7 ids break ties in creation order). */
  all: (db: Executor, conversationId: string) =>
    q(db).selectFrom('chat.messages').select(MESSAGE_COLUMNS).where('conversation_id', '=', conversationId).orderBy('created_at').orderBy('id').execute(),

  count: async (db: Executor, conversationId: string) =>
    (await q(db).selectFrom('chat.messages').select(sql<number>`count(*)::int`.as('n')).where('conversation_id', '=', conversationId).executeTakeFirstOrThrow()).n,

  /** Answers still streaming whose heartbeat is older than `before` (their generation is gone), in one conversation or one message. */
  stale: (db: Executor, where: { conversationId: string } | { messageId: string }, before: Date) => {
    let query = q(db).selectFrom('chat.messages').select('id').where('status', '=', 'streaming').where('updated_at', '<', before);
    query = 'messageId' in where ? query.where('id', '=', where.messageId) : query.where('conversation_id', '=', where.conversationId);
    return query.execute();
  },

  /** Locks a streaming answer whose heartbeat is older than `before`; undefined when it beat since or ended. */
  lockStale: (db: Executor, id: string, before: Date) =>
    q(db).selectFrom('chat.messages').select(['id', 'conversation_id']).where('id', '=', id).where('status', '=', 'streaming').where('updated_at', '<', before).forUpdate().executeTakeFirst(),

  /** Marks the stop request of a streaming answer; undefined when it is not streaming. */
  requestStop: (db: Executor, conversationId: string, id: string, at: Date) =>
    q(db)
      .updateTable('chat.messages')
      .set({ stop_requested_at: sql`coalesce(stop_requested_at, ${at}::timestamptz)` as never })
      .where('conversation_id', '=', conversationId)
      .where('id', '=', id)
      .where('status', '=', 'streaming')
      .returning('id')
      .executeTakeFirst(),

  /**
   * An answer starts, in one statement (one round trip, atomic without a transaction): the
   * question it follows when it is new, the answer streaming with its first chunk, and the
   * conversation's activity, with its title when it has none. An answer already streaming in
   * the conversation fails it with 23505 (messages_one_streaming_idx).
   */
  start: async (db: Executor, s: StartRows): Promise<void> => {
    const { question: qn, answer, first, at } = s;
    await sql`
      WITH question AS (
        INSERT INTO chat.messages (id, conversation_id, parent_id, role, content, status, attachment_ids, created_at, updated_at)
        SELECT ${qn?.id ?? null}::uuid, ${answer.conversationId}::uuid, ${qn?.parentId ?? null}::uuid, 'user', ${qn?.content ?? null}::text, 'done',
               ${qn?.attachmentIds ?? []}::uuid[], ${at}::timestamptz, ${at}::timestamptz
        WHERE ${qn !== null}::boolean
      ), answer AS (
        INSERT INTO chat.messages (id, conversation_id, parent_id, role, content, status, model_id, created_at, updated_at)
        VALUES (${answer.id}::uuid, ${answer.conversationId}::uuid, ${answer.parentId}::uuid, 'assistant', '', 'streaming', ${answer.modelId}::uuid, ${at}::timestamptz, ${at}::timestamptz)
        RETURNING id
      ), first AS (
        INSERT INTO chat.message_chunks (message_id, seq, kind, data) SELECT id, ${first.seq}::integer, ${first.kind}::text, ${json(first.data)}::jsonb FROM answer
      )
      UPDATE chat.conversations SET updated_at = greatest(updated_at, ${at}::timestamptz), title = coalesce(title, ${s.title}::text)
      WHERE id = ${answer.conversationId}::uuid`.execute(db);
  },

  /**
   * Writes an answer's end, if it is still streaming (a reader may have given it up), in one
   * statement: the message, its last chunks (those not stored yet, then `done`; one already
   * stored is left as it is), the conversation's activity, and the event `event` writes from the
   * CTE it is given (core's `inserting`). Answers the row as it ends, or null when it was not
   * streaming (given up, or gone: nothing is written).
   */
  finish: async (
    db: Executor,
    id: string,
    set: Pick<MessageRow, 'status' | 'content' | 'tool_calls' | 'model' | 'input_tokens' | 'output_tokens' | 'error_code' | 'error_message' | 'updated_at'>,
    last: readonly StoredChunk[],
    event?: (source: string) => RawBuilder<unknown>,
  ): Promise<MessageRow | null> => {
    const columns = sql.join(MESSAGE_COLUMNS.map((c) => sql.ref(c)));
    const rows = JSON.stringify(last.map((c) => ({ seq: c.seq, kind: c.kind, data: c.data })));
    const r = await sql<MessageRow>`
      WITH m AS (
        UPDATE chat.messages SET status = ${set.status}, content = ${set.content}, tool_calls = ${json(set.tool_calls)}::jsonb, model = ${set.model},
          input_tokens = ${set.input_tokens}::integer, output_tokens = ${set.output_tokens}::integer, error_code = ${set.error_code}, error_message = ${set.error_message},
          updated_at = ${set.updated_at}::timestamptz
        WHERE id = ${id} AND status = 'streaming'
        RETURNING ${columns}
      ), last AS (
        INSERT INTO chat.message_chunks (message_id, seq, kind, data)
        SELECT m.id, c.seq, c.kind, c.data FROM m, jsonb_to_recordset(${rows}::jsonb) AS c(seq integer, kind text, data jsonb)
        ON CONFLICT (message_id, seq) DO NOTHING
      ), touched AS (
        UPDATE chat.conversations SET updated_at = greatest(updated_at, ${set.updated_at}::timestamptz) WHERE id = (SELECT conversation_id FROM m)
      )${event ? sql`, event AS (${event('m')})` : sql``}
      SELECT ${columns} FROM m`.execute(db);
    return r.rows[0] ?? null;
  },
};

/** What `messages.start` writes. */
export interface StartRows {
  /** A new question the answer follows; null: it answers a stored one again. */
  question: { id: string; parentId: string | null; content: string; attachmentIds: readonly string[] } | null;
  answer: { id: string; conversationId: string; parentId: string; modelId: string | null };
  first: StoredChunk;
  /** The conversation's title, if it has none yet. */
  title: string | null;
  at: Date;
}

/** What a write of a streaming answer learns: whether it is still streaming (else: given up or deleted), and whether a stop was asked. */
export type Pulse = { streaming: false } | { streaming: true; stopRequested: boolean };

export const chunks = {
  /**
   * Appends the chunks of several streaming answers and beats their hearts, in one statement
   * (chunk-writer.ts gathers the answers of an instance that write at the same time): each
   * answer's pulse, by id; an answer that is no longer streaming gets nothing written and is
   * absent. Rows are locked in id order, so two such statements never wait on each other in a cycle.
   */
  appendMany: async (db: Executor, items: readonly { messageId: string; batch: readonly StoredChunk[] }[], at: Date): Promise<Map<string, Pulse>> => {
    const req = items.map((i) => ({ message_id: i.messageId, chunks: i.batch.map((c) => ({ seq: c.seq, kind: c.kind, data: c.data })) }));
    const r = await sql<{ id: string; stop_requested_at: Date | null }>`
      WITH req AS (
        SELECT r.message_id, r.chunks FROM jsonb_to_recordset(${JSON.stringify(req)}::jsonb) AS r(message_id uuid, chunks jsonb)
      ), locked AS (
        SELECT id FROM chat.messages WHERE id IN (SELECT message_id FROM req) AND status = 'streaming' ORDER BY id FOR UPDATE
      ), m AS (
        UPDATE chat.messages SET updated_at = ${at}::timestamptz WHERE id IN (SELECT id FROM locked) RETURNING id, stop_requested_at
      ), ins AS (
        INSERT INTO chat.message_chunks (message_id, seq, kind, data)
        SELECT m.id, c.seq, c.kind, c.data FROM m JOIN req ON req.message_id = m.id, jsonb_to_recordset(req.chunks) AS c(seq integer, kind text, data jsonb)
        ON CONFLICT (message_id, seq) DO NOTHING
        RETURNING 1
      )
      SELECT m.id, m.stop_requested_at FROM m`.execute(db);
    return new Map(r.rows.map((row) => [row.id, { streaming: true, stopRequested: row.stop_requested_at !== null }]));
  },

  /** In order, after `seq`, at most `limit`. */
  after: async (db: Executor, messageId: string, seq: number, limit: number): Promise<StoredChunk[]> => {
    const rows = await q(db)
      .selectFrom('chat.message_chunks')
      .select(['seq', 'kind', 'data'])
      .where('message_id', '=', messageId)
      .where('seq', '>', seq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows as StoredChunk[];
  },

  all: async (db: Executor, messageId: string): Promise<StoredChunk[]> =>
    (await q(db).selectFrom('chat.message_chunks').select(['seq', 'kind', 'data']).where('message_id', '=', messageId).orderBy('seq').execute()) as StoredChunk[],
};

export const attachments = {
  insert: (db: Executor, row: AttachmentRow) => q(db).insertInto('chat.attachments').values(row).execute(),

  count: async (db: Executor, conversationId: string) =>
    (await q(db).selectFrom('chat.attachments').select(sql<number>`count(*)::int`.as('n')).where('conversation_id', '=', conversationId).executeTakeFirstOrThrow()).n,

  /** A conversation's attachments without their text, oldest first. */
  list: (db: Executor, conversationId: string): Promise<AttachmentInfo[]> =>
    q(db)
      .selectFrom('chat.attachments')
      .select([...ATTACHMENT_COLUMNS, sql<number>`length(text)`.as('chars')])
      .where('conversation_id', '=', conversationId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),

  /** One, with its text. */
  byId: (db: Executor, conversationId: string, id: string) =>
    q(db).selectFrom('chat.attachments').selectAll().where('conversation_id', '=', conversationId).where('id', '=', id).executeTakeFirst(),

  /** Those of `ids` in the conversation, with their text (the ones a path of questions names). */
  byIds: (db: Executor, conversationId: string, ids: readonly string[]) =>
    ids.length ? q(db).selectFrom('chat.attachments').selectAll().where('conversation_id', '=', conversationId).where('id', 'in', ids).execute() : Promise.resolve([]),

  /** By id in any conversation of the org, with its text: a file of an assistant's knowledge that is an attachment. */
  textOf: (db: Executor, orgId: string, id: string) =>
    q(db)
      .selectFrom('chat.attachments as a')
      .innerJoin('chat.conversations as c', 'c.id', 'a.conversation_id')
      .select(['a.text', 'a.truncated'])
      .where('c.org_id', '=', orgId)
      .where('a.id', '=', id)
      .executeTakeFirst(),

  delete: async (db: Executor, conversationId: string, id: string) =>
    (await q(db).deleteFrom('chat.attachments').where('conversation_id', '=', conversationId).where('id', '=', id).returning('storage_key').executeTakeFirst())?.storage_key ?? null,

  /** The storage keys of a conversation's attachments (to remove the files once it is deleted). */
  keysOf: async (db: Executor, conversationId: string) =>
    (await q(db).selectFrom('chat.attachments').select('storage_key').where('conversation_id', '=', conversationId).execute()).map((r) => r.storage_key),
};

export const shares = {
  insert: (db: Executor, row: ShareRow) => q(db).insertInto('chat.shares').values(row).execute(),
  /** A conversation's links, newest first (each is made by hand: few). */
  list: (db: Executor, orgId: string, conversationId: string) =>
    q(db).selectFrom('chat.shares').selectAll().where('org_id', '=', orgId).where('conversation_id', '=', conversationId).orderBy('id', 'desc').limit(500).execute(),
  /** By the id a verified token names: the one query without an org (the anonymous viewer's way in). */
  byId: (db: Executor, id: string) => q(db).selectFrom('chat.shares').selectAll().where('id', '=', id).executeTakeFirst(),
  revoke: async (db: Executor, orgId: string, conversationId: string, id: string, at: Date) => {
    const r = await q(db)
      .updateTable('chat.shares')
      .set({ revoked_at: at })
      .where('org_id', '=', orgId)
      .where('conversation_id', '=', conversationId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
};
