// What the `workspace` data source shows of this module (decision 0038): its view, by name.
import type { WorkspaceRelation } from '../../core/contributions.ts';

export const timeWorkspaceRelations: WorkspaceRelation[] = [
  {
    name: 'time_entries',
    view: 'time_tracking.workspace_time_entries',
    description: 'Finished time entries (running timers are left out), with durations, rates and amounts.',
    columns: {
      id: 'Entry id',
      user_id: 'Who worked (members.user_id)',
      project_id: 'The project (projects.id)',
      task_id: 'The task, if any (tasks.id)',
      start_at: 'Start (timestamp with time zone)',
      end_at: 'End',
      duration_seconds: 'Duration in seconds',
      hours: 'Duration in hours',
      billable: 'Whether it is billable',
      hourly_rate: 'The hourly rate when it was recorded, major units',
      amount: 'What it earns: hours × rate when billable, else 0 (major units)',
      currency: 'ISO currency of rate and amount',
      description: 'What was done',
      tags: 'Tags (text array)',
    },
  },
];
