// What the `workspace` data source shows of this module (decision 0038): its view, by name.
import type { WorkspaceRelation } from '../../core/contributions.ts';

export const organizationsWorkspaceRelations: WorkspaceRelation[] = [
  {
    name: 'members',
    view: 'organizations.workspace_members',
    description: 'The members of the organization, one row each, with their role.',
    columns: { user_id: 'The member (user id)', email: 'Their email address', role: 'owner, admin, member or viewer', joined_at: 'When they joined' },
  },
];
