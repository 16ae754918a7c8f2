// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { attachmentDisposition } from '../../core/storage/file-names.ts';
import { CodebaseProblems } from '../codebase/index.ts';
import { OrgProblems } from '../organizations/index.ts';
import { ProjectProblems } from '../projects/index.ts';
import { GendocProblems as P } from './problems.ts';
import type { Runs } from './runs.ts';
import * as S from './schemas.ts';
import type { Templates } from './templates.ts';

const tags = ['gendoc'];
const DOCS = '/orgs/:orgId/projects/:projectId/docs';
const TEMPLATES = '/orgs/:orgId/doc-templates';
// The problems each route can answer beyond core's (decision 0028).
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'gendoc:read' }, problems: [OrgProblems.notFound, ...problems] });
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'gendoc:write' }, problems: [OrgProblems.notFound, ...problems] });
const Binary = (description: string) => ({ schema: { type: 'string', format: 'binary', description } });

export function gendocRoutes(deps: { runs: Runs; templates: Templates }) {
  const { runs, templates } = deps;
  return async (app: HttpServer) => {
    app.post(DOCS, {
      config: write(ProjectProblems.notFound, CodebaseProblems.snapshotNotFound, P.templateNotFound, P.templateInvalid),
      schema: {
        tags,
        operationId: 'generateDocs',
        summary: "Generate the project's documentation from a snapshot (project contributors and managers)",
        description:
          'Starts a run (202): a job reads the snapshot as you, extracts its structure (TypeScript/JavaScript with the compiler API; Python, Go, Java, Rust with tree-sitter; OpenAPI files), ' +
          'optionally asks a model for module summaries (marked as generated, within your LLM budgets), and renders the template as the formats asked for. ' +
          'Follow it with GET …/docs/{runId} or the job (`jobId`) on the realtime stream; download each format from its `url`.',
        params: S.ProjectParams,
        body: S.GenerateBody,
        response: { 202: S.RunView },
      },
      handler: async (req, reply) => reply.status(202).send(await runs.generate(actorOf(req), req.params.orgId, req.params.projectId, req.body)),
    });

    app.get(DOCS, {
      config: read(ProjectProblems.notFound),
      schema: { tags, operationId: 'listDocRuns', summary: "The project's documentation runs, newest first (project members)", params: S.ProjectParams, querystring: S.ListQuery, response: { 200: pageOf(S.RunView) } },
      handler: async (req) => runs.list(actorOf(req), req.params.orgId, req.params.projectId, req.query),
    });

    app.get(`${DOCS}/settings`, {
      config: read(ProjectProblems.notFound),
      schema: { tags, operationId: 'getDocSettings', summary: 'Whether the project generates its documentation after each snapshot, and how', params: S.ProjectParams, response: { 200: S.ProjectSettingsView } },
      handler: async (req) => runs.getSettings(actorOf(req), req.params.orgId, req.params.projectId),
    });

    app.put(`${DOCS}/settings`, {
      config: write(ProjectProblems.notFound, P.templateNotFound, P.templateInvalid),
      schema: {
        tags,
        operationId: 'putDocSettings',
        summary: 'Generate the documentation after each new snapshot, or stop (project contributors and managers)',
        description: 'The runs it starts are yours: they read with your rights and count against your LLM budgets; they stop when you lose the right to contribute to the project.',
        params: S.ProjectParams,
        body: S.PutProjectSettingsBody,
        response: { 200: S.ProjectSettingsView },
      },
      handler: async (req) => runs.putSettings(actorOf(req), req.params.orgId, req.params.projectId, req.body),
    });

    app.get(`${DOCS}/:runId`, {
      config: read(ProjectProblems.notFound, P.runNotFound),
      schema: { tags, operationId: 'getDocRun', summary: 'A documentation run: status, figures and its files', params: S.RunParams, response: { 200: S.RunView } },
      handler: async (req) => runs.get(actorOf(req), req.params.orgId, req.params.projectId, req.params.runId),
    });

    app.get(`${DOCS}/:runId/download`, {
      config: read(ProjectProblems.notFound, P.runNotFound, P.outputNotReady),
      schema: {
        tags,
        operationId: 'downloadDocs',
        summary: 'Download a format of a finished run: a ZIP of Markdown pages, a ZIP of the HTML site, or the PDF',
        params: S.RunParams,
        querystring: S.DownloadQuery,
        response: { 200: { description: 'The file (Content-Disposition: attachment)', content: { 'application/zip': Binary('md, html'), 'application/pdf': Binary('pdf') } } },
      },
      handler: async (req, reply) => {
        const file = await runs.download(actorOf(req), req.params.orgId, req.params.projectId, req.params.runId, req.query.format);
        return reply
          .header('content-type', file.contentType)
          .header('content-length', String(file.size))
          .header('content-disposition', attachmentDisposition(file.fileName))
          .header('x-content-type-options', 'nosniff')
          .send(file.body);
      },
    });

    app.delete(`${DOCS}/:runId`, {
      config: write(ProjectProblems.notFound, P.runNotFound),
      schema: { tags, operationId: 'deleteDocRun', summary: 'Delete a run and its files (project managers, org admins)', params: S.RunParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await runs.remove(actorOf(req), req.params.orgId, req.params.projectId, req.params.runId);
        return reply.status(204).send(null);
      },
    });

    app.get(TEMPLATES, {
      config: read(),
      schema: { tags, operationId: 'listDocTemplates', summary: "Documentation templates: the built-in ones (first page), then the org's, newest first", params: S.OrgParams, querystring: S.ListQuery, response: { 200: pageOf(S.TemplateView) } },
      handler: async (req) => templates.list(actorOf(req), req.params.orgId, req.query),
    });

    app.post(TEMPLATES, {
      config: write(P.templateInvalid, P.nameTaken),
      schema: { tags, operationId: 'createDocTemplate', summary: 'Add a documentation template (members)', params: S.OrgParams, body: S.DocTemplateBody, response: { 201: S.TemplateView } },
      handler: async (req, reply) => reply.status(201).send(await templates.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get(`${TEMPLATES}/:templateId`, {
      config: read(P.templateNotFound),
      schema: { tags, operationId: 'getDocTemplate', summary: 'A documentation template (built-in or the org\'s)', params: S.TemplateParams, response: { 200: S.TemplateView } },
      handler: async (req) => templates.get(actorOf(req), req.params.orgId, req.params.templateId),
    });

    app.put(`${TEMPLATES}/:templateId`, {
      config: write(P.templateNotFound, P.templateInvalid, P.nameTaken, P.builtinTemplate),
      schema: { tags, operationId: 'replaceDocTemplate', summary: 'Replace a documentation template (its author, org admins)', description: 'Runs keep the template as it was when they started.', params: S.TemplateParams, body: S.DocTemplateBody, response: { 200: S.TemplateView } },
      handler: async (req) => templates.replace(actorOf(req), req.params.orgId, req.params.templateId, req.body),
    });

    app.delete(`${TEMPLATES}/:templateId`, {
      config: write(P.templateNotFound, P.builtinTemplate),
      schema: { tags, operationId: 'deleteDocTemplate', summary: 'Delete a documentation template (its author, org admins)', params: S.TemplateParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await templates.remove(actorOf(req), req.params.orgId, req.params.templateId);
        return reply.status(204).send(null);
      },
    });
  };
}
