// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { LlmProblems } from '../../core/llm/index.ts';
import { OrgProblems } from '../organizations/index.ts';
import type { Budgets } from './budgets.ts';
import type { Catalog } from './catalog.ts';
import { LlmAdminProblems as P } from './problems.ts';
import type { Providers } from './providers.ts';
import * as S from './schemas.ts';
import { type createUsageReports, usageCsv } from './usage.ts';

const tags = ['llm_admin'];
const PROVIDERS = '/orgs/:orgId/llm/providers';
const MODELS = '/orgs/:orgId/llm/models';
const BUDGETS = '/orgs/:orgId/llm/budgets';
// The problems each route can answer beyond core's (decision 0028).
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'llm:read' }, problems: [OrgProblems.notFound, ...problems] });
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'llm:write' }, problems: [OrgProblems.notFound, ...problems] });
const instanceAdmins = (scope: string, ...problems: ProblemType[]) => ({ auth: { role: 'admin' as const, scope }, problems });

export interface LlmAdminRouteDeps {
  providers: Providers;
  catalog: Catalog;
  budgets: Budgets;
  usage: ReturnType<typeof createUsageReports>;
}

export function llmAdminRoutes({ providers, catalog, budgets, usage }: LlmAdminRouteDeps) {
  return async (app: HttpServer) => {
    const providerWrite = [P.providerInvalid, P.providerNameTaken, P.urlNotAllowed];

    app.get(PROVIDERS, {
      config: read(),
      schema: { tags, operationId: 'listLlmProviders', summary: "The organization's own language model providers (admin)", params: S.OrgParams, response: { 200: S.ProviderList } },
      handler: async (req) => ({ data: await providers.list(actorOf(req), req.params.orgId) }),
    });

    app.post(PROVIDERS, {
      config: write(...providerWrite),
      schema: {
        tags,
        operationId: 'createLlmProvider',
        summary: 'Add a language model provider with its key (admin)',
        description: 'The key is sealed at rest and never returned. The base URL must reach a public address (or one the operator allows in LLM_ORG_ALLOWED_HOSTS).',
        params: S.OrgParams,
        body: S.CreateProviderBody,
        response: { 201: S.ProviderView },
      },
      handler: async (req, reply) => reply.status(201).send(await providers.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get(`${PROVIDERS}/:providerId`, {
      config: read(P.providerNotFound),
      schema: { tags, operationId: 'getLlmProvider', summary: 'A language model provider of the organization (admin)', params: S.ProviderParams, response: { 200: S.ProviderView } },
      handler: async (req) => providers.get(actorOf(req), req.params.orgId, req.params.providerId),
    });

    app.patch(`${PROVIDERS}/:providerId`, {
      config: write(P.providerNotFound, ...providerWrite),
      schema: { tags, operationId: 'updateLlmProvider', summary: 'Change a provider: its name, address or key (admin)', params: S.ProviderParams, body: S.UpdateProviderBody, response: { 200: S.ProviderView } },
      handler: async (req) => providers.update(actorOf(req), req.params.orgId, req.params.providerId, req.body),
    });

    app.delete(`${PROVIDERS}/:providerId`, {
      config: write(P.providerNotFound),
      schema: { tags, operationId: 'deleteLlmProvider', summary: 'Delete a provider and its models (admin)', params: S.ProviderParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await providers.remove(actorOf(req), req.params.orgId, req.params.providerId);
        return reply.status(204).send(null);
      },
    });

    app.get(MODELS, {
      config: read(),
      schema: {
        tags,
        operationId: 'listLlmModels',
        summary: "The models the organization's members may be offered",
        description: "The instance's models (under the organization's rules) and the organization's own, each with its prices, context window, tool support, minimum role, and whether the caller may use it (`allowed`).",
        params: S.OrgParams,
        response: { 200: S.ModelList },
      },
      handler: async (req) => ({ data: await catalog.list(actorOf(req), req.params.orgId) }),
    });

    app.post(MODELS, {
      config: write(P.providerNotFound, P.modelTaken, P.modelInvalid),
      schema: { tags, operationId: 'createLlmModel', summary: "Add a model of one of the organization's providers to its catalog (admin)", params: S.OrgParams, body: S.CreateModelBody, response: { 201: S.ModelView } },
      handler: async (req, reply) => reply.status(201).send(await catalog.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.patch(`${MODELS}/:modelId`, {
      config: write(LlmProblems.modelNotFound, P.modelInvalid),
      schema: {
        tags,
        operationId: 'updateLlmModel',
        summary: 'Change a model of the catalog (admin)',
        description: "An organization's own model: any field. An instance model: only `enabled` and `minimumRole`, for this organization.",
        params: S.OrgModelParams,
        body: S.UpdateModelBody,
        response: { 200: S.ModelView },
      },
      handler: async (req) => catalog.update(actorOf(req), req.params.orgId, req.params.modelId, req.body),
    });

    app.delete(`${MODELS}/:modelId`, {
      config: write(LlmProblems.modelNotFound, P.instanceModel),
      schema: { tags, operationId: 'deleteLlmModel', summary: "Delete one of the organization's own models (admin)", params: S.OrgModelParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await catalog.remove(actorOf(req), req.params.orgId, req.params.modelId);
        return reply.status(204).send(null);
      },
    });

    app.get(BUDGETS, {
      config: read(),
      schema: { tags, operationId: 'getLlmBudgets', summary: "The organization's monthly budgets and what is spent of them (admin)", params: S.OrgParams, response: { 200: S.BudgetsView } },
      handler: async (req) => budgets.list(actorOf(req), req.params.orgId),
    });

    const budgetDescription = 'In tokens (in and out together) and/or money (minor units of the currency); both null removes the budget. Checked before each call with its worst case.';
    app.put(`${BUDGETS}/org`, {
      config: write(),
      schema: { tags, operationId: 'setLlmOrgBudget', summary: "Set the organization's monthly budget (admin)", description: budgetDescription, params: S.OrgParams, body: S.BudgetBody, response: { 200: S.BudgetsView } },
      handler: async (req) => budgets.set(actorOf(req), req.params.orgId, 'org', null, req.body),
    });

    app.put(`${BUDGETS}/each-user`, {
      config: write(),
      schema: { tags, operationId: 'setLlmEachUserBudget', summary: "Set every member's monthly budget, unless they have their own (admin)", description: budgetDescription, params: S.OrgParams, body: S.BudgetBody, response: { 200: S.BudgetsView } },
      handler: async (req) => budgets.set(actorOf(req), req.params.orgId, 'each_user', null, req.body),
    });

    app.put(`${BUDGETS}/users/:userId`, {
      config: write(OrgProblems.memberNotFound),
      schema: { tags, operationId: 'setLlmUserBudget', summary: "Set one member's own monthly budget (admin)", description: budgetDescription, params: S.UserBudgetParams, body: S.BudgetBody, response: { 200: S.BudgetsView } },
      handler: async (req) => budgets.set(actorOf(req), req.params.orgId, 'user', req.params.userId, req.body),
    });

    app.get('/orgs/:orgId/llm/usage', {
      config: read(),
      schema: {
        tags,
        operationId: 'getLlmUsage',
        summary: "The organization's language model usage per day, member, model or feature, as JSON or CSV (admin)",
        description: 'Every call, failed and cancelled ones included (with the tokens they used), over days in the organization\'s time zone; at most 366 days.',
        params: S.OrgParams,
        querystring: S.UsageQuery,
        response: { 200: S.UsageResponse },
      },
      handler: async (req, reply) => {
        const { format, ...query } = req.query;
        const report = await usage.report(actorOf(req), req.params.orgId, query);
        if (format === 'json') return report;
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="llm-usage-${report.from}-${report.to}.csv"`)
          .header('cache-control', 'private, no-store')
          .send(usageCsv(report));
      },
    });

    app.get('/llm/models', {
      config: instanceAdmins('llm:read'),
      schema: { tags, operationId: 'listInstanceLlmModels', summary: "The instance's models, as its settings declare them with the administrators' changes (instance admin)", response: { 200: S.ModelList } },
      handler: async () => ({ data: await catalog.listInstance() }),
    });

    app.patch('/llm/models/:modelId', {
      config: instanceAdmins('llm:write', LlmProblems.modelNotFound, P.modelInvalid),
      schema: {
        tags,
        operationId: 'updateInstanceLlmModel',
        summary: 'Change an instance model for every organization (instance admin)',
        description: 'Prices, context window, tool support, whether it is enabled and its default minimum role; null goes back to the value of the settings.',
        params: S.ModelParams,
        body: S.UpdateInstanceModelBody,
        response: { 200: S.ModelView },
      },
      handler: async (req) => catalog.updateInstance(actorOf(req), req.params.modelId, req.body),
    });
  };
}
