// Events the organizations module publishes. Payloads carry ids and the facts that
// changed; the org is also in each event's meta (`orgId`). Membership events are about
// direct memberships: a change in a parent changes inherited roles below it without an
// event per child, so consumers that need effective access ask `roleOf`. All are public:
// an org's systems may follow its membership by webhook.
import { Type } from 'typebox';
import { defineEvents, Id, Nullable, OneOf, type PayloadsOf, publicEvent } from '../../core/events/declarations.ts';

const Role = () => OneOf(['owner', 'admin', 'member', 'viewer']);
const org = { type: 'organization', field: 'orgId' } as const;
const member = { type: 'user', field: 'userId' } as const;
const invitation = { type: 'invitation', field: 'invitationId' } as const;
const event = publicEvent;

export const organizationsEvents = defineEvents({
  'organizations.created': event(
    'An organization was created; its creator is its first owner.',
    { orgId: Id(), name: Type.String(), slug: Type.String(), parentId: Nullable(Id()), ownerId: Id() },
    org,
  ),
  'organizations.updated': event(
    'An organization changed; `changes` holds the new values of what changed.',
    {
      orgId: Id(),
      changes: Type.Object(
        {
          name: Type.Optional(Type.String()),
          slug: Type.Optional(Type.String()),
          timezone: Type.Optional(Type.String()),
          currency: Type.Optional(Type.String()),
          parentId: Type.Optional(Nullable(Id())),
        },
        { additionalProperties: false },
      ),
    },
    org,
  ),
  'organizations.deleted': event('An organization was deleted (it can be restored for a while).', { orgId: Id() }, org),
  'organizations.restored': event('A deleted organization was restored.', { orgId: Id() }, org),
  'organizations.member_added': event(
    'Someone became a direct member.',
    { orgId: Id(), userId: Id(), role: Role(), via: OneOf(['creation', 'invitation', 'override']) },
    member,
  ),
  'organizations.member_role_changed': event("A member's direct role changed.", { orgId: Id(), userId: Id(), role: Role(), previousRole: Role() }, member),
  'organizations.member_removed': event(
    'A direct membership ended.',
    { orgId: Id(), userId: Id(), role: Role(), reason: OneOf(['removed', 'left', 'user_deleted']) },
    member,
  ),
  'organizations.invitation_sent': event(
    'An invitation was mailed.',
    { invitationId: Id(), orgId: Id(), email: Type.String(), role: Role(), invitedBy: Id() },
    invitation,
  ),
  'organizations.invitation_accepted': event('An invitation was accepted.', { invitationId: Id(), orgId: Id(), userId: Id(), role: Role() }, invitation),
  'organizations.invitation_revoked': event('An invitation was revoked.', { invitationId: Id(), orgId: Id() }, invitation),
});

export type OrganizationsEvents = PayloadsOf<typeof organizationsEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends OrganizationsEvents {}
}
