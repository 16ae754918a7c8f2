// Events the organizations module publishes. Payloads carry ids and the facts that
// changed; the org is also in each event's meta (`orgId`). Membership events are about
// direct memberships: a change in a parent changes inherited roles below it without an
// event per child, so consumers that need effective access ask `roleOf`.
import type { OrgRole } from './rules.ts';

export interface OrganizationsEvents {
  'organizations.created': { orgId: string; name: string; slug: string; parentId: string | null; ownerId: string };
  'organizations.updated': {
    orgId: string;
    changes: { name?: string; slug?: string; timezone?: string; currency?: string; parentId?: string | null };
  };
  'organizations.deleted': { orgId: string };
  'organizations.restored': { orgId: string };
  'organizations.member_added': { orgId: string; userId: string; role: OrgRole; via: 'creation' | 'invitation' | 'override' };
  'organizations.member_role_changed': { orgId: string; userId: string; role: OrgRole; previousRole: OrgRole };
  'organizations.member_removed': { orgId: string; userId: string; role: OrgRole; reason: 'removed' | 'left' | 'user_deleted' };
  'organizations.invitation_sent': { invitationId: string; orgId: string; email: string; role: OrgRole; invitedBy: string };
  'organizations.invitation_accepted': { invitationId: string; orgId: string; userId: string; role: OrgRole };
  'organizations.invitation_revoked': { invitationId: string; orgId: string };
}

declare module '../../core/events/types.ts' {
  interface EventMap extends OrganizationsEvents {}
}
