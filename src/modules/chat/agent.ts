// POST /orgs/{orgId}/agent/act: an instruction carried out to the end by the same tool loop as
// chat (messages.begin → generation → runAnswer), bounded by CHAT_MAX_STEPS model calls and
// CHAT_AGENT_TIMEOUT, in a conversation of the caller's (a new one, or one given), so the run
// and its tool trace stay readable afterwards like any chat.
import type { Static } from 'typebox';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { invalid } from '../../core/errors.ts';
import type { Conversations } from './conversations.ts';
import type { Messages } from './messages.ts';
import type { ConversationRow } from './repository.ts';
import type { AgentAnswer } from './schemas.ts';
import { toToolCall } from './views.ts';

export interface AgentInput {
  instruction: string;
  assistantId?: string;
  modelId?: string;
  conversationId?: string;
  /** A new conversation's project (decision 0048); with `conversationId`, only that conversation's own. */
  projectId?: string;
}

export function createAgent(deps: { conversations: Conversations; messages: Messages; clock: { now(): Date }; timeoutMs: number }) {
  const { conversations, messages } = deps;

  async function act(actor: Actor, orgId: string, input: AgentInput): Promise<Static<typeof AgentAnswer>> {
    let conv: ConversationRow;
    let create: ((tx: Executor) => Promise<void>) | undefined;
    if (input.conversationId) {
      conv = await conversations.mine(actor, orgId, input.conversationId);
      // Silently running on the conversation's project when another was asked would mislead: its binding changes through PATCH.
      if (input.projectId !== undefined && input.projectId.toLowerCase() !== conv.project_id) {
        throw invalid('body.projectId', "is not this conversation's project: change it with PATCH …/conversations/{id}, or leave it out");
      }
      await conversations.checkModel(actor, orgId, input.modelId);
    } else {
      if (input.assistantId) await conversations.assistantFor(actor, orgId, input.assistantId);
      if (input.projectId) await conversations.checkProject(actor, orgId, input.projectId);
      await conversations.checkModel(actor, orgId, input.modelId);
      // Stored with the instruction and the answer, once the model call is accepted: a refusal leaves nothing behind.
      conv = conversations.newRow(actor, orgId, { modelId: input.modelId ?? null, assistantId: input.assistantId ?? null, projectId: input.projectId ?? null }, deps.clock.now());
      const row = conv;
      create = (tx) => conversations.insert(tx, actor, row);
    }
    const answer = await messages.begin(actor, orgId, conv, {
      question: input.instruction,
      parentId: undefined,
      create,
      modelId: input.modelId,
      feature: 'chat.agent',
      timeoutMs: deps.timeoutMs,
    });
    await answer.accepted;
    await answer.finished;
    // Read back as stored: the same message whether this instance wrote its end or a reader closed it.
    const row = await messages.one(conv.id, answer.messageId);
    return {
      conversationId: conv.id,
      message: {
        id: row.id,
        status: row.status,
        content: row.content,
        toolTrace: row.tool_calls.map((c) => {
          const { id: _id, step: _step, ...trace } = toToolCall(c);
          return trace;
        }),
        usage: { inputTokens: row.input_tokens ?? 0, outputTokens: row.output_tokens ?? 0 },
        model: row.model,
        error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
      },
    };
  }

  return { act };
}

export type Agent = ReturnType<typeof createAgent>;
