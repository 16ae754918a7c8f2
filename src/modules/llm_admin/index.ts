// The llm_admin module's only public door: how an organization uses language models. Its own
// providers (keys sealed), the model catalog (the instance's and its own, with prices and the
// roles that may use each), monthly budgets, usage reports, and the calls made in an
// organization under all of these. Named llm_admin, not llm: core's service is `core.llm` and
// its suite test/llm.test.ts. Other modules (chat, assistants, analytics) call models through
// `LlmAdminApi`, never through its files.
import { fileURLToPath } from 'node:url';
import type { Static, TSchema } from 'typebox';
import type { Actor } from '../../core/context/actor.ts';
import type { LlmObjectResult, LlmStream, LlmTextResult } from '../../core/llm/index.ts';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { organizationsModule } from '../organizations/index.ts';
import { createBudgets } from './budgets.ts';
import { createCatalog, type LlmModelView } from './catalog.ts';
import { llmAdminEvents } from './events.ts';
import { createOrgCache } from './org-cache.ts';
import { createGateway, type OrgLlmObjectRequest, type OrgLlmRequest } from './gateway.ts';
import { createProviders } from './providers.ts';
import { llmAdminRoutes } from './routes.ts';
import { llmAdminSettings } from './settings.ts';
import { createUsageReports } from './usage.ts';

export type { LlmModelView } from './catalog.ts';
export type { LlmAdminEvents } from './events.ts';
export type { OrgLlmObjectRequest, OrgLlmRequest } from './gateway.ts';
export { LlmAdminProblems } from './problems.ts';

/**
 * Calls to a model in an organization, for chat, assistants and any feature that asks a model.
 * Each checks, before anything is sent, that the model is in the org's catalog (LLM.MODEL_NOT_FOUND),
 * enabled and open to the caller's role (LLM.MODEL_NOT_ALLOWED), that it supports tools when
 * tools are offered (LLM.TOOLS_UNSUPPORTED), and that the call's worst case fits the org's and
 * the caller's monthly budgets (LLM.BUDGET_EXCEEDED); then calls it through core/llm with its
 * usable fallbacks and the catalog's prices. Routes list LLM_CALL_PROBLEMS.
 */
export interface LlmAdminApi {
  /** The org's catalog as the caller sees it: `allowed` says which models they may use. */
  listModels(actor: Actor, orgId: string): Promise<LlmModelView[]>;
  generateText(actor: Actor, orgId: string, req: OrgLlmRequest): Promise<LlmTextResult>;
  generateObject<S extends TSchema>(actor: Actor, orgId: string, req: OrgLlmObjectRequest<S>): Promise<LlmObjectResult<Static<S>>>;
  /** Rejects with the refusals above before any request; then the stream is core's (parts, `result`). */
  streamText(actor: Actor, orgId: string, req: OrgLlmRequest): Promise<LlmStream>;
}

export const llmAdminModule = defineModule({
  name: 'llm_admin',
  apiTags: [{ name: 'llm_admin', description: "Language models of an organization: its own providers and keys, the model catalog and who may use each model, monthly budgets and usage reports; the instance's catalog for instance administrators." }],
  requires: { organizations: organizationsModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: llmAdminEvents,
  settings: llmAdminSettings,
  // The scopes its routes check (routes.ts): an API key can hold only declared scopes (decision 0034).
  scopes: [
    { name: 'llm:read', description: 'Read the model catalog of an organization; for its admins, its providers, budgets and usage reports.' },
    { name: 'llm:write', description: "Add, change and delete an organization's providers and models, and set its budgets (admins)." },
  ],
  async setup(core, { organizations }): Promise<ModuleInstance<LlmAdminApi>> {
    // The catalog and budgets a call reads, per org, evicted on every instance by each change.
    const cache = createOrgCache(core.database, { now: () => core.clock.now().getTime() });
    await cache.start();
    const base = { db: core.db, events: core.events, clock: core.clock, orgs: organizations, llm: core.llm, cache };
    const providers = createProviders({ ...base, secrets: core.secrets, settings: core.settings });
    const catalog = createCatalog(base);
    const budgets = createBudgets(base);
    const usage = createUsageReports(base);
    const gateway = createGateway({ llm: core.llm, orgs: organizations, catalog, providers, budgets, maxOutputTokens: core.settings.maxOutputTokens, log: core.log });
    return {
      api: { listModels: catalog.list, ...gateway },
      routes: llmAdminRoutes({ providers, catalog, budgets, usage }),
      stop: () => cache.stop(),
    };
  },
});
