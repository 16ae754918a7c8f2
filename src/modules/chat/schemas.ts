// The chat API contract (TypeBox): conversations, their messages (a tree), the answer streams
// and agent/act.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { AnyJson, Line, Opaque, named, Nullable, Text, Timestamp, Uuid } from '../../core/http/schema-types.ts';

export const OrgParams = Type.Object({ orgId: Uuid() });
export const ConversationParams = Type.Object({ orgId: Uuid(), conversationId: Uuid() });
export const MessageParams = Type.Object({ orgId: Uuid(), conversationId: Uuid(), messageId: Uuid() });
export const AttachmentParams = Type.Object({ orgId: Uuid(), conversationId: Uuid(), attachmentId: Uuid() });

const Title = Line(200);
const PROJECT =
  "The project it is about: tools that work on a project (codebase.search_code, read_file, list_tree) use it and refuse any other, and the model cites code as path:line (docs/chat.md). Null: none";
const System = Text(20_000, { description: "The conversation's instructions to the model (its system prompt)" });
const ModelId = Uuid('A model of the organization\'s catalog (GET /orgs/{orgId}/llm/models); null or left out: its default model');
/** A question: as long as a long document pasted in, no longer. */
export const MAX_QUESTION_CHARS = 100_000;
const Question = Text(MAX_QUESTION_CHARS, { description: 'What the user writes; empty or only spaces only when the question comes with `attachmentIds`' });
/** Attachments one question may name. */
export const MAX_ATTACHMENTS_PER_QUESTION = 10;

export const ConversationView = named(
  'Conversation',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    title: Nullable(Type.String({ description: 'Given, or the first words of the first question; null before it' })),
    modelId: Nullable(Uuid()),
    assistantId: Nullable(Uuid('The assistant it is with: its instructions, model, temperature and tools apply to each answer')),
    projectId: Nullable(Uuid(PROJECT)),
    system: Nullable(Type.String()),
    archivedAt: Nullable(Timestamp()),
    createdAt: Timestamp(),
    updatedAt: Timestamp({ description: 'The latest change, question or answer' }),
  }),
);

export const CreateConversationBody = Type.Object({
  title: Type.Optional(Title),
  assistantId: Type.Optional(Nullable(Uuid('An assistant you may use: its instructions, model (unless modelId), temperature and tools'))),
  modelId: Type.Optional(Nullable(ModelId)),
  projectId: Type.Optional(Nullable(Uuid(`${PROJECT}. A project of this organization you may read`))),
  system: Type.Optional(Nullable(System)),
});

export const UpdateConversationBody = Type.Object({
  title: Type.Optional(Title),
  modelId: Type.Optional(Nullable(ModelId)),
  projectId: Type.Optional(Nullable(Uuid('Bind it to another project you may read (the next answers are about that one), or null to unbind it'))),
  system: Type.Optional(Nullable(System)),
});

export const ListConversationsQuery = Type.Object({
  q: Type.Optional(Line(200, { blank: true, description: 'Words to find in the title or in any message (each word a prefix, all required)' })),
  archived: Type.Boolean({ default: false, description: 'true: the archived conversations instead' }),
  ...PageQuery,
});

const Status = Type.Union([Type.Literal('streaming'), Type.Literal('done'), Type.Literal('stopped'), Type.Literal('failed')], {
  description: 'streaming: being written; done; stopped (a stop was asked: the text so far); failed (`error` says why: the text so far)',
});
const ErrorInfo = named('ChatError', Type.Object({ code: Type.String(), message: Type.String() }));
const Usage = named('ChatUsage', Type.Object({ inputTokens: Type.Integer(), outputTokens: Type.Integer() }));

export const ToolCallView = named(
  'ChatToolCall',
  Type.Object({
    id: Type.String(),
    tool: Type.String({ description: '`<module>.<tool>`, e.g. projects.find_projects (the model\'s own name for a tool that was not offered)' }),
    step: Type.Integer({ description: 'The model call that asked for it, 0 first' }),
    input: AnyJson('The input the model gave'),
    output: Type.Optional(AnyJson("The tool's output (absent when it refused, failed or never ran)")),
    error: Type.Optional(ErrorInfo),
  }),
);

export const MessageView = named(
  'ChatMessage',
  Type.Object({
    id: Uuid(),
    conversationId: Uuid(),
    parentId: Nullable(Uuid()),
    role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String(),
    status: Status,
    modelId: Nullable(Uuid()),
    model: Nullable(Type.String({ description: '`provider/model` that answered' })),
    usage: Nullable(Usage),
    toolCalls: Type.Array(ToolCallView),
    attachmentIds: Type.Array(Uuid(), { description: "A question's attachments (GET …/attachments); [] for an answer" }),
    error: Nullable(ErrorInfo),
    stopRequested: Type.Boolean(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  }),
);

export const MessageTree = named(
  'ChatMessageTree',
  Type.Object({
    data: Type.Array(MessageView, { description: 'Every message of every branch, oldest first; each names its parent' }),
    activePath: Type.Array(Uuid(), { description: 'The ids from the first message to the newest one: the branch to show by default' }),
  }),
);

export const SendMessageBody = Type.Object({
  content: Question,
  attachmentIds: Type.Optional(
    Type.Array(Uuid(), {
      maxItems: MAX_ATTACHMENTS_PER_QUESTION,
      description: 'Attachments of this conversation (POST …/attachments) the question comes with: the model reads their text before the question, as data',
    }),
  ),
  parentId: Type.Optional(
    Nullable(
      Uuid(
        'The answer this question follows; left out: the newest message. To edit a question, send the new text with the edited question\'s parentId (null for the first question): both branches are kept.',
      ),
    ),
  ),
});

export const StreamQuery = Type.Object({
  lastEventId: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Resume after this event id (same as the Last-Event-ID header)' })),
});

export const EventStream = {
  description: 'text/event-stream: `start`, `text`, `tool-call`, `tool-result`, `usage`, then `done`, each with `id:` its place in the answer (docs/chat.md)',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

export const AgentActBody = Type.Object({
  instruction: Text(MAX_QUESTION_CHARS, { minLength: 1, blank: false, description: 'What the agent is to do' }),
  assistantId: Type.Optional(Uuid('An assistant you may use: its instructions, model (unless modelId), temperature and tools')),
  modelId: Type.Optional(ModelId),
  conversationId: Type.Optional(Uuid('Go on in this conversation of yours (after its newest message); left out: a new one')),
  projectId: Type.Optional(
    Uuid("A new conversation's project, one you may read (the codebase tools work on it; docs/chat.md). With conversationId: only that conversation's own project, if any"),
  ),
});

export const AgentAnswer = named(
  'AgentAnswer',
  Type.Object({
    conversationId: Uuid(),
    message: Type.Object({
      id: Uuid(),
      status: Status,
      content: Type.String(),
      toolTrace: Type.Array(
        Type.Object({
          tool: Type.String(),
          input: AnyJson('The input the model gave'),
          output: Type.Optional(AnyJson("The tool's output")),
          error: Type.Optional(ErrorInfo),
        }),
      ),
      usage: Usage,
      model: Nullable(Type.String()),
      error: Nullable(ErrorInfo),
    }),
  }),
);

export const ExportQuery = Type.Object({
  format: Type.Union([Type.Literal('md'), Type.Literal('json'), Type.Literal('pdf')], { default: 'md', description: 'md: Markdown; json: the ConversationExport shape; pdf: A4, text wrapped and paged' }),
  messageId: Type.Optional(Uuid('The last message of the branch to export; left out: the branch shown by default (activePath)')),
});

const ExportedToolCall = Type.Object({
  tool: Type.String({ description: '`<module>.<tool>`' }),
  input: AnyJson('The input the model gave the tool'),
  result: Nullable(Type.String({ description: 'The output as JSON, cut to 2,000 characters; null when it failed or never ran' })),
  truncated: Type.Boolean(),
  error: Nullable(ErrorInfo),
});

export const ConversationExport = named(
  'ConversationExport',
  Type.Object(
    {
      version: Type.Literal(1),
      id: Uuid(),
      title: Nullable(Type.String()),
      modelId: Nullable(Uuid()),
      createdAt: Timestamp(),
      updatedAt: Timestamp(),
      exportedAt: Timestamp(),
      messages: Type.Array(
        Type.Object({
          id: Uuid(),
          role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
          content: Type.String(),
          status: Type.Union([Type.Literal('streaming'), Type.Literal('done'), Type.Literal('stopped'), Type.Literal('failed')], { description: '`streaming`: still being written when exported, as it stood' }),
          model: Nullable(Type.String({ description: '`provider/model` that answered' })),
          createdAt: Timestamp(),
          toolCalls: Type.Array(ExportedToolCall),
        }),
      ),
    },
    { description: 'A branch of a conversation, first message first: a stable shape (version 1). Never the owner.' },
  ),
);

export const ShareParams = Type.Object({ orgId: Uuid(), conversationId: Uuid(), shareId: Uuid() });
export const TokenParams = Type.Object({ token: Opaque(100, { description: 'The signed token of the share link' }) });
export const CreateShareBody = Type.Object({
  expiresInHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 90, description: 'Default 7 days, at most 90' })),
});
export const ConversationShare = named(
  'ConversationShare',
  Type.Object({
    id: Uuid(),
    conversationId: Uuid(),
    token: Type.String(),
    url: Type.String({ description: 'The public path that opens it, without credentials' }),
    expiresAt: Timestamp(),
    revokedAt: Nullable(Timestamp()),
    createdAt: Timestamp(),
  }),
);
export const ConversationShareList = named('ConversationShareList', Type.Object({ data: Type.Array(ConversationShare) }));

const Kind = Type.Union([Type.Literal('text'), Type.Literal('markdown'), Type.Literal('csv'), Type.Literal('pdf')], {
  description: 'text (.txt), markdown (.md), csv (.csv) or pdf (.pdf): how its text is read',
});

export const UploadAttachmentQuery = Type.Object({
  name: Line(255, { description: "The file's name, shown and used to download it: its extension gives the kind unless `kind` does" }),
  kind: Type.Optional(Kind),
});

const attachmentFields = {
  id: Uuid('Also the id of its stored file: an assistant\'s knowledge can name it (knowledge.fileIds)'),
  conversationId: Uuid(),
  fileName: Type.String(),
  kind: Kind,
  size: Type.Integer({ description: 'Bytes' }),
  chars: Type.Integer({ description: 'Characters of text read from it (what a model reads)' }),
  truncated: Type.Boolean({ description: 'Whether its text was cut at CHAT_ATTACHMENT_MAX_CHARS (a PDF: or at 500 pages)' }),
  pages: Nullable(Type.Integer({ description: 'Pages of a PDF; null for the other kinds' })),
  downloadUrl: Type.String({ description: 'A link that downloads the file for 15 minutes, without credentials' }),
  createdAt: Timestamp(),
};

export const AttachmentView = named('ChatAttachment', Type.Object(attachmentFields));
export const AttachmentWithText = named('ChatAttachmentWithText', Type.Object({ ...attachmentFields, text: Type.String({ description: 'The text a model reads' }) }));
export const AttachmentList = named('ChatAttachmentList', Type.Object({ data: Type.Array(AttachmentView, { description: 'Oldest first' }) }));
