// The visualizations module's only public door: charts over saved questions, compiled to
// Vega-Lite and drawn on the server. Other modules reach it through `VisualizationsApi`, never
// through its files.
import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { analyticsModule } from '../analytics/index.ts';
import { organizationsModule } from '../organizations/index.ts';
import { visualizationsEvents } from './events.ts';
import { visualizationsRoutes } from './routes.ts';
import { createVisualizationsService, type VisualizationsApi } from './service.ts';
import { chartWidgets } from './widgets.ts';

export type { ChartOptions, ChartType, Encoding } from './chart-model.ts';
export type { VisualizationsEvents } from './events.ts';
export { VisualizationsProblems } from './problems.ts';
export { renderChart, type RenderOptions } from './render.ts';
export type { ChartView, ResultView, VisualizationsApi } from './service.ts';

/**
 * The module that holds `renderChart`, for a worker thread that draws charts to import by URL:
 * it loads vega, vega-lite and resvg and nothing else, where this index would load the whole app
 * (a second copy of every module on the thread: a second more to start, 130 MB more).
 */
export const chartRendererUrl = new URL('./render.ts', import.meta.url).href;

export const visualizationsModule = defineModule({
  name: 'visualizations',
  apiTags: [{ name: 'visualizations', description: "Charts over saved questions: Vega-Lite specs with their data, SVG and PNG drawn on the server, suggestions from a result's columns." }],
  requires: { organizations: organizationsModule, analytics: analyticsModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: visualizationsEvents,
  // The scopes its routes check (routes.ts): an API key can hold only declared scopes (decision 0034).
  scopes: [
    { name: 'visualizations:read', description: 'List, read, draw and get suggestions for charts (drawn with your own rights).' },
    { name: 'visualizations:write', description: 'Create, change and delete charts.' },
  ],
  setup(core, { organizations, analytics }): ModuleInstance<VisualizationsApi> {
    const service = createVisualizationsService({ db: core.db, events: core.events, clock: core.clock, orgs: organizations, analytics, registries: core.registries });
    return { api: service.api, routes: visualizationsRoutes(service), widgets: chartWidgets };
  },
});
