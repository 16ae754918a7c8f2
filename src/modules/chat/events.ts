// Events the chat module publishes (decision 0036): each with its payload schema, version,
// public flag (delivered to webhook receivers) and what the audit log files it under.
import { Type } from 'typebox';
import { defineEvents, Id, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const item = { type: 'chat_item', field: 'itemId' } as const;

export const chatEvents = defineEvents({
  'chat.item_created': {
    description: 'An item was created.',
    schema: Payload({ orgId: Id(), itemId: Id(), name: Type.String() }),
    version: 1,
    public: true,
    target: item,
  },
  'chat.item_deleted': { description: 'An item was deleted.', schema: Payload({ orgId: Id(), itemId: Id() }), version: 1, public: true, target: item },
});

export type ChatEvents = PayloadsOf<typeof chatEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends ChatEvents {}
}
