// What the `workspace` data source shows of this module (decision 0038): its views, by name.
import type { WorkspaceRelation } from '../../core/contributions.ts';

export const projectsWorkspaceRelations: WorkspaceRelation[] = [
  {
    name: 'projects',
    view: 'projects.workspace_projects',
    description: 'The live (not deleted) projects of the organization.',
    columns: {
      id: 'Project id',
      name: 'Project name',
      key: 'Short upper-case key',
      status: 'active or archived',
      client: 'The client the project is for (free text; see clients)',
      tags: 'Tags (text array)',
      budget_hours: 'Budget in hours',
      budget_amount: 'Budget in money, major units',
      currency: 'ISO currency of the budget and rate',
      billable_default: 'Whether new time entries are billable by default',
      hourly_rate: 'The project hourly rate, major units',
      created_at: 'When it was created',
      archived_at: 'When it was archived',
    },
  },
  {
    name: 'tasks',
    view: 'projects.workspace_tasks',
    description: 'The live tasks of the projects.',
    columns: { id: 'Task id', project_id: 'Its project (projects.id)', name: 'Task name', status: 'todo, in_progress or done', estimate_minutes: 'Estimate in minutes', assignee_id: 'Assigned member (members.user_id)', created_at: 'When it was created' },
  },
  {
    name: 'clients',
    view: 'projects.workspace_clients',
    description: 'Each client named by a project, once, with the number of its projects.',
    columns: { name: 'The client name (projects.client)', projects: 'How many live projects name it' },
  },
];
