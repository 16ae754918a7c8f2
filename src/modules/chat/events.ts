// Events the chat module publishes (decision 0036). A conversation is its owner's personal data:
// payloads carry ids, the model and the usage, never a title, a question or an answer (the audit
// log keeps payloads whole but for secrets). None is public: an organization's webhooks would
// tell its admins about conversations they may not read.
import { Type } from 'typebox';
import { defineEvents, Id, Nullable, OneOf, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const conversation = { type: 'chat_conversation', field: 'conversationId' } as const;

export const chatEvents = defineEvents({
  'chat.conversation_created': {
    description: 'A user started a conversation (with the catalog model it asks, null: the default).',
    schema: Payload({ orgId: Id(), conversationId: Id(), modelId: Nullable(Id()) }),
    version: 1,
    public: false,
    target: conversation,
  },
  'chat.conversation_deleted': {
    description: 'A user deleted a conversation, with its messages.',
    schema: Payload({ orgId: Id(), conversationId: Id() }),
    version: 1,
    public: false,
    target: conversation,
  },
  'chat.message_completed': {
    description: 'An answer ended: done, stopped or failed (`errorCode`), with the model that answered, its tokens and how many tools it called; never its text.',
    schema: Payload({
      orgId: Id(),
      conversationId: Id(),
      messageId: Id(),
      status: OneOf(['done', 'stopped', 'failed'] as const),
      model: Nullable(Type.String()),
      inputTokens: Type.Integer(),
      outputTokens: Type.Integer(),
      toolCalls: Type.Integer(),
      errorCode: Nullable(Type.String()),
    }),
    version: 1,
    public: false,
    target: conversation,
  },
  'chat.conversation_shared': {
    description: 'A user made a read-only share link of a conversation of theirs (never its token).',
    schema: Payload({ orgId: Id(), conversationId: Id(), shareId: Id(), expiresAt: Type.String() }),
    version: 1,
    public: false,
    target: conversation,
  },
  'chat.share_revoked': {
    description: 'A user revoked a share link of a conversation of theirs.',
    schema: Payload({ orgId: Id(), conversationId: Id(), shareId: Id() }),
    version: 1,
    public: false,
    target: conversation,
  },
});

export type ChatEvents = PayloadsOf<typeof chatEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends ChatEvents {}
}
