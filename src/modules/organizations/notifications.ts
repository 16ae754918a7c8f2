// The notifications organizations' events raise (decision 0035). In-app only by default: the
// invitation already comes by mail (invitations.ts), and being added follows an invitation the
// user accepted or an admin's decision they will see in the app.
import { Type } from 'typebox';
import { Uuid } from '../../core/http/schema-types.ts';
import type { NotificationContribution } from '../../core/module.ts';
import { notificationKind } from '../../core/notifications/kinds.ts';
import { invitations } from './membership-repository.ts';
import { orgs } from './repository.ts';

const OrgName = Type.String({ description: 'The organization name when the notification was made' });
const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

const invitationReceived = notificationKind({
  type: 'invitation_received',
  description: 'Someone invited you to an organization.',
  defaults: ['in_app'],
  event: 'organizations.invitation_sent',
  data: {
    name: 'InvitationReceivedData',
    properties: { orgId: Uuid(), orgName: OrgName, invitationId: Uuid(), role: Type.String(), invitedBy: Uuid('The inviter') },
  },
});

const memberAdded = notificationKind({
  type: 'member_added',
  description: 'You were added to an organization (by an invitation you accepted or by an admin).',
  defaults: ['in_app'],
  event: 'organizations.member_added',
  data: {
    name: 'MemberAddedData',
    properties: { orgId: Uuid(), orgName: OrgName, role: Type.String(), via: Type.String({ description: '`creation`, `invitation` or `override`' }) },
  },
});

export const organizationsNotifications: NotificationContribution = {
  kinds: [invitationReceived, memberAdded],
  setup: ({ db }) => {
    /** Null once the org is deleted: nobody is told about it any more. */
    const orgName = async (orgId: string) => (await orgs.live(db, orgId))?.name ?? null;

    return [
      invitationReceived.handle({
        trigger: (e) => {
          const p = e.payload;
          return { orgId: p.orgId, invitationId: p.invitationId, email: p.email, role: p.role, invitedBy: p.invitedBy };
        },
        async compose(f) {
          const name = await orgName(f.orgId);
          if (!name) return null;
          // As the invitation mail names the inviter: by the address they had when inviting.
          const inviter = (await invitations.byId(db, f.orgId, f.invitationId))?.inviter_email ?? 'Someone';
          return {
            // The invited address is not yet a member: whoever holds its account, if anyone.
            recipients: [{ email: f.email }],
            orgId: f.orgId,
            title: `You were invited to ${name}`,
            body: `${inviter} invited you to join ${name} as ${article(f.role)} ${f.role}. Accept it with the link in the invitation email.`,
            data: { orgId: f.orgId, orgName: name, invitationId: f.invitationId, role: f.role, invitedBy: f.invitedBy },
          };
        },
      }),

      memberAdded.handle({
        // An org's creator is its first owner: telling them they joined what they just created is noise.
        trigger: (e) => {
          const p = e.payload;
          return p.via === 'creation' ? null : { orgId: p.orgId, userId: p.userId, role: p.role, via: p.via };
        },
        async compose(f) {
          const name = await orgName(f.orgId);
          if (!name) return null;
          return {
            recipients: [f.userId],
            orgId: f.orgId,
            title: `You were added to ${name}`,
            body: `You are now ${article(f.role)} ${f.role} of ${name}.`,
            data: { orgId: f.orgId, orgName: name, role: f.role, via: f.via },
          };
        },
      }),
    ];
  },
};
