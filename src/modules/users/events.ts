// Events the users module publishes: internal (a person's profile is not an org's data).
import { Type } from 'typebox';
import { defineEvents, Id, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const user = { type: 'user', field: 'userId' } as const;

export const usersEvents = defineEvents({
  'users.profile_updated': {
    description: 'A profile changed; `fields` names what changed.',
    schema: Payload({ userId: Id(), fields: Type.Array(Type.String()) }),
    version: 1,
    public: false,
    target: user,
  },
  'users.deleted': { description: 'An account and its profile were deleted.', schema: Payload({ userId: Id() }), version: 1, public: false, target: user },
});

export type UsersEvents = PayloadsOf<typeof usersEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends UsersEvents {}
}
