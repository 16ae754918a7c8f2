// The projects module's only public door: projects, their members, tasks and templates.
import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { organizationsModule } from '../organizations/index.ts';
import { createProjectsApi, type ProjectsApi } from './api.ts';
import { createMembersService } from './members.ts';
import { projectsRoutes } from './routes.ts';
import { createAccess, createProjectsService, type ProjectsDeps } from './service.ts';
import { projectsSubscribers } from './subscribers.ts';
import { createTasksService } from './tasks.ts';
import { createTemplatesService } from './templates.ts';
import { projectsTools } from './tools.ts';
import { projectsEvents } from './events.ts';
import { projectsWorkspaceRelations } from './workspace.ts';

export type { ProjectsApi } from './api.ts';
export type { ProjectsEvents } from './events.ts';
export { ProjectProblems } from './problems.ts';
export type { ProjectRole } from './rules.ts';
export type { ProjectSummary, TaskSummary } from './views.ts';

export const projectsModule = defineModule({
  name: 'projects',
  apiTags: [{ name: 'projects', description: 'Projects of an organization: members, tasks, archiving and templates.' }],
  requires: { organizations: organizationsModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: projectsEvents,
  scopes: [
    { name: 'projects:read', description: 'Read projects, their members and tasks, and project templates.' },
    { name: 'projects:write', description: 'Create, change, archive, delete and restore projects; manage their members and tasks; save and delete templates.' },
  ],
  setup(core, { organizations }): ModuleInstance<ProjectsApi> {
    const deps: ProjectsDeps = { db: core.db, events: core.events, clock: core.clock, orgs: organizations };
    const access = createAccess(deps);
    const members = createMembersService(deps, access);
    const projects = createProjectsService(deps, access);
    return {
      api: createProjectsApi(deps, access),
      routes: projectsRoutes({
        projects,
        members,
        tasks: createTasksService(deps, access),
        templates: createTemplatesService(deps, access),
      }),
      subscribers: projectsSubscribers(members),
      workspaceRelations: projectsWorkspaceRelations,
      llmTools: projectsTools({ orgs: organizations, projects }),
    };
  },
});
