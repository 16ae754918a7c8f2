// Rows as the API shows them.
import type { Static } from 'typebox';
import type { ConversationRow, MessageRow } from './repository.ts';
import type { ConversationView, MessageView, ToolCallView } from './schemas.ts';
import type { RecordedToolCall } from './transcript.ts';

export type Conversation = Static<typeof ConversationView>;
export type ChatMessage = Static<typeof MessageView>;

export const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  orgId: r.org_id,
  title: r.title,
  modelId: r.model_id,
  assistantId: r.assistant_id,
  projectId: r.project_id,
  system: r.system,
  archivedAt: r.archived_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export const toToolCall = (c: RecordedToolCall): Static<typeof ToolCallView> => ({
  id: c.id,
  tool: c.tool,
  step: c.step,
  input: c.input ?? null,
  ...('output' in c ? { output: c.output } : {}),
  ...(c.error ? { error: c.error } : {}),
});

export const toMessage = (r: MessageRow): ChatMessage => ({
  id: r.id,
  conversationId: r.conversation_id,
  parentId: r.parent_id,
  role: r.role,
  content: r.content,
  status: r.status,
  modelId: r.model_id,
  model: r.model,
  usage: r.input_tokens === null || r.output_tokens === null ? null : { inputTokens: r.input_tokens, outputTokens: r.output_tokens },
  toolCalls: r.tool_calls.map(toToolCall),
  attachmentIds: r.attachment_ids,
  error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
  stopRequested: r.stop_requested_at !== null,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});
