// The gendoc module's only public door: a project's documentation generated from its codebase's
// snapshots (structure extracted from the code, no LLM needed; an optional LLM pass for module
// summaries), rendered by templates as Markdown, a static HTML site and PDF (docs/gendoc.md).
import { fileURLToPath } from 'node:url';
import { memberActor } from '../../core/context/actor.ts';
import { subscriber } from '../../core/events/types.ts';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { codebaseModule } from '../codebase/index.ts';
import { llmAdminModule } from '../llm_admin/index.ts';
import { organizationsModule } from '../organizations/index.ts';
import { projectsModule } from '../projects/index.ts';
import { gendocEvents } from './events.ts';
import { createGenerateJob } from './generate.ts';
import { gendocRoutes } from './routes.ts';
import { createRuns } from './runs.ts';
import { gendocSettings } from './settings.ts';
import { createTemplates } from './templates.ts';

export type { GendocEvents } from './events.ts';
export { GendocProblems } from './problems.ts';

/** Nothing other modules need yet. */
export type GendocApi = Record<never, never>;

export const gendocModule = defineModule({
  name: 'gendoc',
  apiTags: [{ name: 'gendoc', description: "A project's documentation, generated from a codebase snapshot by templates as Markdown, an HTML site and PDF." }],
  requires: { organizations: organizationsModule, projects: projectsModule, codebase: codebaseModule, llm_admin: llmAdminModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: gendocEvents,
  settings: gendocSettings,
  // The scopes its routes check (routes.ts): an API key can hold only declared scopes (decision 0034).
  scopes: [
    { name: 'gendoc:read', description: 'Read documentation templates, and the documentation runs and files of the projects you may see.' },
    { name: 'gendoc:write', description: 'Generate documentation for the projects you contribute to; write templates.' },
  ],
  setup(core, { organizations, projects, codebase, llm_admin }): ModuleInstance<GendocApi> {
    const log = core.log.child({ module: 'gendoc' });
    const templates = createTemplates({ db: core.db, clock: core.clock, orgs: organizations });
    const runs = createRuns({ db: core.db, jobs: core.jobs, clock: core.clock, log, storage: core.storage, projects, codebase, models: llm_admin, templates });
    const generate = createGenerateJob({ db: core.db, events: core.events, clock: core.clock, log, storage: core.storage, orgs: organizations, projects, codebase, models: llm_admin, settings: core.settings });
    const memberOf = async (orgId: string, userId: string) => {
      const member = (await organizations.listMembers(orgId)).find((m) => m.userId === userId);
      return member ? memberActor(member) : null;
    };
    return {
      api: {},
      routes: gendocRoutes({ runs, templates }),
      jobs: [generate],
      subscribers: [
        subscriber('gendoc.regenerate_after_snapshot', 'codebase.snapshot_created', async (e, ctx) => {
          const { orgId, projectId, version } = e.payload;
          await runs.afterSnapshot(orgId, projectId, version, (userId) => memberOf(orgId, userId), ctx.db);
        }),
      ],
    };
  },
});
