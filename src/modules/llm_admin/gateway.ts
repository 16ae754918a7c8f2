// Calls to a model made in an organization: the model from its catalog (the instance's default
// when none is named), the caller's role checked against it, its fallbacks that the caller may
// use too, the budgets checked with the call's worst case and reserved until it ends, and the
// call made through core/llm with the catalog's prices, so its usage row has its cost.
import type { Static, TSchema } from 'typebox';
import type { Actor } from '../../core/context/actor.ts';
import {
  costMicrosOf,
  estimateInputTokens,
  type Llm,
  type LlmObjectRequest,
  type LlmObjectResult,
  LlmProblems,
  type LlmRequest,
  type LlmStream,
  type LlmTarget,
  type LlmTextResult,
} from '../../core/llm/index.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { OrganizationsApi, OrgRole } from '../organizations/index.ts';
import type { Budgets } from './budgets.ts';
import type { Catalog, CatalogEntry } from './catalog.ts';
import type { Providers } from './providers.ts';

/** A call in an organization: core's request, with a model of the catalog instead of targets; the actor and org are given apart. */
export type OrgLlmRequest = Omit<LlmRequest, 'actor' | 'targets'> & {
  /** A model of the organization's catalog (GET /orgs/{orgId}/llm/models); default: the instance's default model. */
  modelId?: string;
};
export type OrgLlmObjectRequest<S extends TSchema> = Omit<LlmObjectRequest<S>, 'actor' | 'targets'> & { modelId?: string };

export interface GatewayDeps {
  llm: Llm;
  orgs: OrganizationsApi;
  catalog: Catalog;
  providers: Providers;
  budgets: Budgets;
  /** Output tokens of a call that does not say (LLM_MAX_OUTPUT_TOKENS). */
  maxOutputTokens: number;
  log: Logger;
}

export function createGateway(deps: GatewayDeps) {
  const { llm, orgs, catalog, providers, budgets, log } = deps;

  const usable = (e: CatalogEntry, role: OrgRole, tools: boolean) => e.enabled && orgs.roleAtLeast(role, e.minimumRole) && (!tools || e.supportsTools);

  const targetOf = (e: CatalogEntry): LlmTarget => ({
    provider: e.providerRow ? providers.configOf(e.providerRow) : e.provider,
    model: e.model,
    ...(e.deployment ? { deployment: e.deployment } : {}),
    price: e.price,
  });

  /**
   * The model and its usable fallbacks as targets, and the budgets' reservation of the worst
   * case; throws LLM.MODEL_NOT_FOUND, LLM.MODEL_NOT_ALLOWED, LLM.TOOLS_UNSUPPORTED or
   * LLM.BUDGET_EXCEEDED before anything is sent.
   */
  async function prepare(actor: Actor, orgId: string, req: OrgLlmRequest | OrgLlmObjectRequest<any>) {
    llm.require();
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    const entries = await catalog.forCalls(orgId);
    const entry = req.modelId ? entries.find((e) => e.id === req.modelId) : entries.find((e) => e.isDefault);
    if (!entry) throw LlmProblems.modelNotFound.error(req.modelId ? 'Model not found in this organization\'s catalog' : 'No default model is configured');
    const tools = 'tools' in req && !!req.tools && Object.keys(req.tools).length > 0;
    if (!entry.enabled) throw LlmProblems.modelNotAllowed.error(`The model ${entry.provider}/${entry.model} is disabled in this organization`);
    if (!orgs.roleAtLeast(role, entry.minimumRole)) throw LlmProblems.modelNotAllowed.error(`The model ${entry.provider}/${entry.model} is for the role ${entry.minimumRole} and above; yours is ${role}`);
    if (tools && !entry.supportsTools) throw LlmProblems.toolsUnsupported.error(`The model ${entry.provider}/${entry.model} does not support tools`);
    const chain = [entry, ...entry.fallback.flatMap((id) => entries.filter((e) => e.id === id && usable(e, role, tools)))];

    // The worst case: each step sends the prompt and every earlier step's output, and writes all it may.
    const maxOutputTokens = req.maxOutputTokens ?? deps.maxOutputTokens;
    const steps = ('maxSteps' in req && req.maxSteps) || 1;
    const inputTokens = steps * estimateInputTokens(req) + (maxOutputTokens * steps * (steps - 1)) / 2;
    const outputTokens = steps * maxOutputTokens;
    const costMicros = Math.max(...chain.map((e) => costMicrosOf(e.price, { inputTokens, outputTokens })));
    const reservation = await budgets.reserve(orgId, actor.principal.userId, { tokens: inputTokens + outputTokens, costMicros });
    return { targets: chain.map(targetOf), maxOutputTokens, reservation };
  }

  const release = (reservation: string | null) =>
    budgets.release(reservation).catch((err: Error) => {
      // It lapses on its own within the hour; until then it holds budget that was not spent.
      log.error({ reservation, err: err.message }, 'LLM budget reservation not released');
    });

  async function generateText(actor: Actor, orgId: string, req: OrgLlmRequest): Promise<LlmTextResult> {
    const { modelId: _m, ...rest } = req;
    const { targets, maxOutputTokens, reservation } = await prepare(actor, orgId, req);
    try {
      return await llm.generateText({ ...rest, actor: { userId: actor.principal.userId, orgId }, targets, maxOutputTokens });
    } finally {
      await release(reservation);
    }
  }

  async function generateObject<S extends TSchema>(actor: Actor, orgId: string, req: OrgLlmObjectRequest<S>): Promise<LlmObjectResult<Static<S>>> {
    const { modelId: _m, ...rest } = req;
    const { targets, maxOutputTokens, reservation } = await prepare(actor, orgId, req);
    try {
      return await llm.generateObject({ ...rest, actor: { userId: actor.principal.userId, orgId }, targets, maxOutputTokens } as LlmObjectRequest<S>);
    } finally {
      await release(reservation);
    }
  }

  /** Refusals reject the promise (before any request); once it resolves, the stream is as core's. */
  async function streamText(actor: Actor, orgId: string, req: OrgLlmRequest): Promise<LlmStream> {
    const { modelId: _m, ...rest } = req;
    const { targets, maxOutputTokens, reservation } = await prepare(actor, orgId, req);
    let stream: LlmStream;
    try {
      stream = llm.streamText({ ...rest, actor: { userId: actor.principal.userId, orgId }, targets, maxOutputTokens });
    } catch (err) {
      await release(reservation);
      throw err;
    }
    // The result settles after the usage row is written: then the reservation goes.
    stream.result.then(
      () => release(reservation),
      () => release(reservation),
    );
    return stream;
  }

  return { generateText, generateObject, streamText };
}

export type Gateway = ReturnType<typeof createGateway>;
