// Reactions to other modules' events.
import { subscriber } from '../../core/events/types.ts';
import type { MembersService } from './members.ts';

export function projectsSubscribers(members: MembersService) {
  return [subscriber('projects.release_org_member', 'organizations.member_removed', (event, { db }) => members.onOrgMemberRemoved(db, event))];
}
