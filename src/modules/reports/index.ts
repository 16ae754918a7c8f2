// The reports module's only public door. Its one table holds report files made by jobs;
// reports themselves are rendered from the time module's SQL aggregation, names come from the projects and organizations façades,
// and the project export lives here because only this module may ask both projects and time.
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { timeModule } from '../time/index.ts';
import { projectsModule } from '../projects/index.ts';
import { organizationsModule } from '../organizations/index.ts';
import { fileURLToPath } from 'node:url';
import { createExportService } from './export.ts';
import { createFileExports } from './file-exports.ts';
import { reportsNotifications } from './notifications.ts';
import { reportsRoutes } from './routes.ts';
import { createReportsService } from './service.ts';
import { reportsEvents } from './events.ts';
import { reportsTools } from './tools.ts';

export type { ReportsEvents } from './events.ts';
export type { TimeReport } from './model.ts';

/** Nothing yet needs reports from another module; the façade stays empty until one does. */
export type ReportsApi = Record<string, never>;

export const reportsModule = defineModule({
  name: 'reports',
  apiTags: [{ name: 'reports', description: 'Time and budget reports (JSON, CSV, XLSX, PDF), report files made in the background, project exports.' }],
  requires: { organizations: organizationsModule, projects: projectsModule, time: timeModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: reportsEvents,
  notifications: reportsNotifications,
  scopes: [
    { name: 'reports:read', description: 'Read time and budget reports, export projects and make report files.' },
  ],
  setup(core, { organizations, projects, time }): ModuleInstance<ReportsApi> {
    const reports = createReportsService({ clock: core.clock, organizations, projects, time });
    const exports = createExportService({ db: core.db, events: core.events, clock: core.clock, log: core.log, organizations, projects, time });
    const files = createFileExports({ db: core.db, events: core.events, jobs: core.jobs, reports });
    return { api: {}, routes: reportsRoutes(reports, exports, files), jobs: files.jobs, llmTools: reportsTools({ orgs: organizations, reports }) };
  },
});
