// Events the notifications module publishes. The phone number itself never travels in an
// event: only that it changed.
import { Type } from 'typebox';
import { defineEvents, Id, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

export const notificationsEvents = defineEvents({
  'notifications.preferences_updated': {
    description: "A user changed which notifications reach them where; `types` names the kinds changed.",
    schema: Payload({ userId: Id(), types: Type.Array(Type.String()), phoneNumberChanged: Type.Boolean() }),
    version: 1,
    public: false,
    target: { type: 'user', field: 'userId' },
  },
});

export type NotificationsEvents = PayloadsOf<typeof notificationsEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends NotificationsEvents {}
}
