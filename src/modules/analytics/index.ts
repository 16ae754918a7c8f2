// The analytics module's only public door: questions over an org's data sources, in SQL or in
// plain language, their history, downloads and profiles. Other modules reach it through
// `AnalyticsApi`, never through its files.
import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { dataSourcesModule } from '../data_sources/index.ts';
import { llmAdminModule } from '../llm_admin/index.ts';
import { organizationsModule } from '../organizations/index.ts';
import { createAlerts } from './alerts.ts';
import { alertsRoutes } from './alerts-routes.ts';
import { createAsk } from './ask.ts';
import { createDownloads } from './download.ts';
import { analyticsEvents } from './events.ts';
import { analyticsNotifications } from './notifications.ts';
import { createProfiles } from './profiles.ts';
import { createQuestions } from './questions.ts';
import { analyticsRoutes } from './routes.ts';
import { createRunner } from './runner.ts';
import { type AnalyticsApi, createSqlService } from './service.ts';
import { analyticsSettings } from './settings.ts';
import { analyticsTools } from './tools.ts';

export type { AnalyticsEvents } from './events.ts';
export type { AnalyticsApi, QuestionRunInput, QuestionRuns } from './service.ts';
export { AnalyticsProblems } from './problems.ts';

export const analyticsModule = defineModule({
  name: 'analytics',
  apiTags: [{ name: 'analytics', description: 'Queries over data sources: SQL, saved questions, questions in plain language, history, downloads and profiles.' }],
  requires: { organizations: organizationsModule, data_sources: dataSourcesModule, llm_admin: llmAdminModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: analyticsEvents,
  settings: analyticsSettings,
  notifications: analyticsNotifications,
  // The scopes its routes check (routes.ts): an API key can hold only declared scopes (decision 0034).
  scopes: [
    { name: 'analytics:read', description: 'List and run saved questions; read and re-run your query history; read and check your alerts.' },
    { name: 'analytics:query', description: 'Run SQL, ask questions in plain language, profile tables and results, download results.' },
    { name: 'analytics:write', description: 'Save, change and delete questions and alerts.' },
  ],
  setup(core, { organizations, data_sources: dataSources, llm_admin: models }): ModuleInstance<AnalyticsApi> {
    const runner = createRunner({ db: core.db, events: core.events, clock: core.clock, cache: core.cache, dataSources, settings: core.settings });
    const sql = createSqlService({ orgs: organizations, runner });
    const questions = createQuestions({ db: core.db, events: core.events, clock: core.clock, orgs: organizations, dataSources, runner });
    const ask = createAsk({ db: core.db, llm: core.llm, models, orgs: organizations, dataSources, runner });
    const profiles = createProfiles({ orgs: organizations, dataSources, runner, questions, settings: core.settings });
    const alerts = createAlerts({ db: core.db, events: core.events, clock: core.clock, orgs: organizations, questions, publicUrl: core.config.publicUrl });
    const downloads = createDownloads({ dataSources, runner, settings: core.settings });
    const api: AnalyticsApi = {
      ...sql,
      getQuestion: (orgId, questionId) => questions.find(orgId, questionId),
      runQuestion: (actor, orgId, questionId, input) => questions.run(actor, orgId, questionId, input),
      questionRuns: (actor, orgId) => questions.runTogether(actor, orgId),
    };
    const routes = analyticsRoutes({ sql, questions, ask, profiles, downloads });
    const alertRoutes = alertsRoutes(alerts);
    return {
      api,
      routes: async (app) => {
        await routes(app);
        await alertRoutes(app);
      },
      jobs: alerts.jobs,
      llmTools: analyticsTools({ orgs: organizations, sql, questions }),
    };
  },
});
