// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import { pageOf, PageQuery } from '../../core/http/pagination.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { LlmProblems } from '../../core/llm/index.ts';
import { OrgProblems } from '../organizations/index.ts';
import { AssistantsProblems as P } from './problems.ts';
import * as S from './schemas.ts';
import type { AssistantsService } from './service.ts';
import type { TemplatesService } from './templates.ts';

const tags = ['assistants'];
// The problems each route can answer beyond core's (decision 0028).
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'assistants:read' }, problems: [OrgProblems.notFound, ...problems] });
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'assistants:write' }, problems: [OrgProblems.notFound, ...problems] });
/** What setting an assistant's references can answer (references.ts). */
const REFERENCES = [P.modelNotFound, LlmProblems.modelNotAllowed, LlmProblems.toolsUnsupported, P.unknownTool, P.knowledgeNotFound];

export function assistantsRoutes(services: { assistants: AssistantsService; templates: TemplatesService }) {
  const { assistants, templates } = services;
  return async (app: HttpServer) => {
    app.post('/orgs/:orgId/assistants', {
      config: write(...REFERENCES),
      schema: { tags, operationId: 'createAssistant', summary: 'Create an assistant (members)', params: S.OrgParams, body: S.CreateAssistantBody, response: { 201: S.AssistantView } },
      handler: async (req, reply) => reply.status(201).send(await assistants.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/assistants', {
      config: read(),
      schema: {
        tags,
        operationId: 'listAssistants',
        summary: "List the assistants you see (yours and the org's), newest first",
        params: S.OrgParams,
        querystring: S.ListAssistantsQuery,
        response: { 200: pageOf(S.AssistantView) },
      },
      handler: async (req) => assistants.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get('/orgs/:orgId/assistants/:assistantId', {
      config: read(P.notFound),
      schema: { tags, operationId: 'getAssistant', summary: 'Get an assistant', params: S.AssistantParams, response: { 200: S.AssistantView } },
      handler: async (req) => assistants.get(actorOf(req), req.params.orgId, req.params.assistantId),
    });

    app.patch('/orgs/:orgId/assistants/:assistantId', {
      config: write(P.notFound, P.notYours, ...REFERENCES),
      schema: {
        tags,
        operationId: 'updateAssistant',
        summary: 'Change an assistant (its creator, or an admin for one shared with the org)',
        params: S.AssistantParams,
        body: S.UpdateAssistantBody,
        response: { 200: S.AssistantView },
      },
      handler: async (req) => assistants.update(actorOf(req), req.params.orgId, req.params.assistantId, req.body),
    });

    app.delete('/orgs/:orgId/assistants/:assistantId', {
      config: write(P.notFound, P.notYours),
      schema: { tags, operationId: 'deleteAssistant', summary: 'Delete an assistant (its creator, or an admin for one shared with the org)', params: S.AssistantParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await assistants.remove(actorOf(req), req.params.orgId, req.params.assistantId);
        return reply.status(204).send(null);
      },
    });

    app.post('/orgs/:orgId/prompt-templates', {
      config: write(P.variablesMismatch),
      schema: { tags, operationId: 'createPromptTemplate', summary: 'Create a prompt template (members): its version 1', params: S.OrgParams, body: S.CreateTemplateBody, response: { 201: S.TemplateView } },
      handler: async (req, reply) => reply.status(201).send(await templates.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/prompt-templates', {
      config: read(),
      schema: {
        tags,
        operationId: 'listPromptTemplates',
        summary: "List the prompt templates you see: the built-in ones first, then yours and the org's, newest first",
        params: S.OrgParams,
        querystring: S.ListTemplatesQuery,
        response: { 200: pageOf(S.TemplateView) },
      },
      handler: async (req) => templates.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get('/orgs/:orgId/prompt-templates/:templateId', {
      config: read(P.templateNotFound),
      schema: { tags, operationId: 'getPromptTemplate', summary: 'Get a prompt template at its current version', params: S.TemplateParams, response: { 200: S.TemplateView } },
      handler: async (req) => templates.get(actorOf(req), req.params.orgId, req.params.templateId),
    });

    app.patch('/orgs/:orgId/prompt-templates/:templateId', {
      config: write(P.templateNotFound, P.templateNotYours, P.templateBuiltIn, P.variablesMismatch),
      schema: {
        tags,
        operationId: 'updatePromptTemplate',
        summary: 'Change a prompt template: a change of its content writes a new version',
        params: S.TemplateParams,
        body: S.UpdateTemplateBody,
        response: { 200: S.TemplateView },
      },
      handler: async (req) => templates.update(actorOf(req), req.params.orgId, req.params.templateId, req.body),
    });

    app.delete('/orgs/:orgId/prompt-templates/:templateId', {
      config: write(P.templateNotFound, P.templateNotYours, P.templateBuiltIn),
      schema: { tags, operationId: 'deletePromptTemplate', summary: 'Delete a prompt template and its versions', params: S.TemplateParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await templates.remove(actorOf(req), req.params.orgId, req.params.templateId);
        return reply.status(204).send(null);
      },
    });

    app.get('/orgs/:orgId/prompt-templates/:templateId/versions', {
      config: read(P.templateNotFound),
      schema: {
        tags,
        operationId: 'listPromptTemplateVersions',
        summary: 'List the versions of a prompt template, newest first',
        params: S.TemplateParams,
        querystring: Type.Object(PageQuery),
        response: { 200: pageOf(S.TemplateVersionView) },
      },
      handler: async (req) => templates.listVersions(actorOf(req), req.params.orgId, req.params.templateId, req.query),
    });

    app.get('/orgs/:orgId/prompt-templates/:templateId/versions/:version', {
      config: read(P.templateNotFound, P.templateVersionNotFound),
      schema: { tags, operationId: 'getPromptTemplateVersion', summary: 'Get one version of a prompt template', params: S.TemplateVersionParams, response: { 200: S.TemplateVersionView } },
      handler: async (req) => templates.getVersion(actorOf(req), req.params.orgId, req.params.templateId, req.params.version),
    });

    app.post('/orgs/:orgId/prompt-templates/:templateId/render', {
      config: read(P.templateNotFound, P.templateVersionNotFound, P.valuesInvalid),
      schema: {
        tags,
        operationId: 'renderPromptTemplate',
        summary: 'The text of a version (default the current) with the values substituted',
        params: S.TemplateParams,
        body: S.RenderTemplateBody,
        response: { 200: S.RenderedTemplateView },
      },
      handler: async (req) => templates.render(actorOf(req), req.params.orgId, req.params.templateId, req.body),
    });
  };
}
