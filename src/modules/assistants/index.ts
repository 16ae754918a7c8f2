// The assistants module's only public door: named configurations of a model for conversations
// (system prompt, model, temperature, tools, knowledge, visibility) and prompt templates with
// variables and immutable versions. Chat reaches them through `AssistantsApi`, never through
// its files.
import { fileURLToPath } from 'node:url';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { llmAdminModule } from '../llm_admin/index.ts';
import { organizationsModule } from '../organizations/index.ts';
import { projectsModule } from '../projects/index.ts';
import { assertBuiltinsValid } from './builtins.ts';
import { assistantsEvents } from './events.ts';
import { createReferences } from './references.ts';
import { assistantsRoutes } from './routes.ts';
import { type Assistant, createAssistantsService } from './service.ts';
import { createTemplatesService, type RenderedTemplate } from './templates.ts';

export type { AssistantsEvents } from './events.ts';
export { AssistantsProblems } from './problems.ts';
export type { Assistant } from './service.ts';
export type { RenderedTemplate } from './templates.ts';

/**
 * What chat (or any module that holds a conversation) asks of assistants. Both read on the
 * caller's executor when given (its transaction: decision 0033), else on the pool.
 */
export interface AssistantsApi {
  /**
   * The assistant if `actor` may use it: a member of the org (any role) and either its creator
   * or it is shared with the org. Its `knowledge` is narrowed to the projects `actor` may read
   * and the files still stored in the org. null otherwise (absent, another org's, private to
   * someone else, not a member, a malformed id): never a refusal. `modelId` null means the
   * org's default model; `tools` are names to hand to `toolsFor(registry, as, tools)`, which
   * offers only those the user may use; `temperature` null means the model's default.
   */
  getAssistant(actor: Actor, orgId: string, assistantId: string, exec?: Executor): Promise<Assistant | null>;
  /**
   * A prompt template's version (default the current) with `values` substituted, as
   * `POST /prompt-templates/{id}/render` (a built-in one's id too: `codebase.explain`), refusing as it does: 404 ORG.NOT_FOUND,
   * ASSISTANTS.TEMPLATE_NOT_FOUND (also private to someone else),
   * ASSISTANTS.TEMPLATE_VERSION_NOT_FOUND, 400 ASSISTANTS.TEMPLATE_VALUES_INVALID.
   */
  renderTemplate(actor: Actor, orgId: string, templateId: string, values: Record<string, string>, version?: number, exec?: Executor): Promise<RenderedTemplate>;
}

export const assistantsModule = defineModule({
  name: 'assistants',
  apiTags: [
    {
      name: 'assistants',
      description: 'Assistants of an organization (a system prompt, a model, a temperature, the tools it may offer, the projects and files it may cite) and prompt templates with variables and versions.',
    },
  ],
  requires: { organizations: organizationsModule, projects: projectsModule, llm_admin: llmAdminModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: assistantsEvents,
  // The scopes its routes check (routes.ts): an API key can hold only declared scopes (decision 0034).
  scopes: [
    { name: 'assistants:read', description: 'List and read the assistants and prompt templates you see; render templates.' },
    { name: 'assistants:write', description: 'Create, change and delete assistants and prompt templates.' },
  ],
  setup(core, { organizations, projects, llm_admin }): ModuleInstance<AssistantsApi> {
    const base = { db: core.db, events: core.events, clock: core.clock, orgs: organizations };
    const refs = createReferences({ llm: llm_admin, projects, orgs: organizations, storage: core.storage, tools: core.registries.llmTools });
    const assistants = createAssistantsService({ ...base, refs });
    // A module's template whose placeholders and variables differ stops start-up here, naming it.
    assertBuiltinsValid(core.promptTemplates);
    const templates = createTemplatesService({ ...base, builtins: core.promptTemplates });
    return {
      api: {
        getAssistant: assistants.usable,
        renderTemplate: (actor, orgId, templateId, values, version, exec) => templates.render(actor, orgId, templateId, { values, version }, exec),
      },
      routes: assistantsRoutes({ assistants, templates }),
    };
  },
});
