// The dashboards module's only public door: dashboards of saved questions, text and charts on a
// grid, their collections, filters, data and share links. Other modules reach it
// through `DashboardsApi`, never through its files.
import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { analyticsModule } from '../analytics/index.ts';
import { organizationsModule } from '../organizations/index.ts';
import { visualizationsModule } from '../visualizations/index.ts';
import { dashboardsEvents } from './events.ts';
import { createDashboardExports } from './export-job.ts';
import { dashboardsNotifications } from './notifications.ts';
import { dashboardsRoutes } from './routes.ts';
import { createDashboardsService, type DashboardsApi } from './service.ts';
import { dashboardsSettings } from './settings.ts';
import { createShareLinks } from '../../core/security/share-links.ts';
import { createSubscriptions } from './subscriptions.ts';
import { subscriptionsRoutes } from './subscriptions-routes.ts';

export type { DashboardsEvents } from './events.ts';
export type { DashboardsApi } from './service.ts';
export type { ChartData } from './widgets.ts';

export const dashboardsModule = defineModule({
  name: 'dashboards',
  apiTags: [{ name: 'dashboards', description: 'Dashboards of saved questions, charts and text on a grid, their collections, filters, data, share links and PDF/PNG exports.' }],
  requires: { organizations: organizationsModule, analytics: analyticsModule, visualizations: visualizationsModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: dashboardsEvents,
  settings: dashboardsSettings,
  notifications: dashboardsNotifications,
  // The scopes its routes check (routes.ts): an API key can hold only declared scopes (decision 0034).
  scopes: [
    { name: 'dashboards:read', description: 'See dashboards and collections, and compute their data.' },
    { name: 'dashboards:write', description: 'Create, change, duplicate, share and delete dashboards and collections.' },
  ],
  setup(core, { organizations, analytics, visualizations }): ModuleInstance<DashboardsApi> {
    const service = createDashboardsService({
      db: core.db,
      events: core.events,
      clock: core.clock,
      orgs: organizations,
      analytics,
      settings: core.settings,
      links: createShareLinks(core.secrets, 'dashboards.share-link'),
      // The charts port (widgets.ts `ChartData`): each chart widget runs as the viewer.
      chartData: (actor, orgId, chartId, input) => visualizations.chartData(actor, orgId, chartId, input),
    });
    const exports = createDashboardExports({ jobs: core.jobs, storage: core.storage, orgs: organizations, clock: core.clock, service });
    const subscriptions = createSubscriptions({ ...core, orgs: organizations, dashboards: service.api, publicUrl: core.config.publicUrl, snapshot: (actor, orgId, id) => service.snapshot(actor, orgId, id, {}) });
    const routes = [dashboardsRoutes(service, exports), subscriptionsRoutes(subscriptions)];
    return {
      api: service.api,
      routes: async (app) => {
        for (const r of routes) await r(app);
      },
      jobs: [...exports.jobs, ...subscriptions.jobs],
    };
  },
});
