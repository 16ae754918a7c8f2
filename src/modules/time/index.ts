// The time module's only public door: entries, timers, rates, rounding, timesheets and
// budget alerts. Reports read time through `TimeApi`, never through these tables.
import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { projectsModule } from '../projects/index.ts';
import { organizationsModule } from '../organizations/index.ts';
import type { TimeApi } from './api.ts';
import { timeNotifications } from './notifications.ts';
import { timeRoutes } from './routes.ts';
import { createTimeService } from './service.ts';
import { timeEvents } from './events.ts';
import { timeWorkspaceRelations } from './workspace.ts';

export type { TimeAggregateQuery, TimeAggregateRow, TimeApi, TimeGroupBy, TimeTotals } from './api.ts';
export type { TimeEvents } from './events.ts';
export { ENTRY_YEARS } from './schemas.ts';
export type { TimeEntryView } from './views.ts';

export const timeModule = defineModule({
  name: 'time',
  apiTags: [{ name: 'time', description: 'Time entries, the timer, time settings, hourly rates, rounding rules and timesheets.' }],
  requires: { organizations: organizationsModule, projects: projectsModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: timeEvents,
  notifications: timeNotifications,
  scopes: [
    { name: 'time:read', description: 'Read time entries, the running timer, time settings, member rates, rounding rules and timesheets.' },
    { name: 'time:write', description: 'Record, change and delete time entries; start and stop the timer; change time settings, member rates and rounding rules; submit, approve and reject timesheets.' },
  ],
  setup(core, { organizations, projects }): ModuleInstance<TimeApi> {
    const time = createTimeService({ db: core.db, events: core.events, clock: core.clock, orgs: organizations, projects });
    // No subscribers: entries outlive their project (projects.project_deleted leaves them as history).
    return { api: time.api, routes: timeRoutes(time), workspaceRelations: timeWorkspaceRelations };
  },
});
