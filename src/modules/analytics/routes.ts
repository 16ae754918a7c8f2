// HTTP only: schema in, service call, schema out.
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import { LLM_CALL_PROBLEMS } from '../../core/llm/index.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { DataSourcesProblems as D } from '../data_sources/index.ts';
import { OrgProblems } from '../organizations/index.ts';
import type { Ask } from './ask.ts';
import type { DownloadFile, Downloads } from './download.ts';
import { AnalyticsProblems as P } from './problems.ts';
import type { Profiles } from './profiles.ts';
import type { Questions } from './questions.ts';
import * as S from './schemas.ts';
import type { AnalyticsApi } from './service.ts';

const tags = ['analytics'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** What any run can answer: the guard's refusal, a bad parameter, the source down or refusing. */
const RUN_PROBLEMS = [P.sourceNotFound, D.queryRefused, D.parameterInvalid, D.queryFailed, D.queryTimeout, D.unreachable];
// The problems each route can answer beyond core's (decision 0028).
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'analytics:read' }, problems: [OrgProblems.notFound, ...problems] });
const query = (...problems: ProblemType[]) => ({ auth: { scope: 'analytics:query' }, problems: [OrgProblems.notFound, ...problems] });
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'analytics:write' }, problems: [OrgProblems.notFound, ...problems] });

const Binary = (description: string) => ({ schema: { type: 'string', format: 'binary', description } });
const FileResponse = {
  description: 'The whole result (up to ANALYTICS_DOWNLOAD_MAX_ROWS rows), streamed as it is read',
  content: { 'text/csv': Binary('format=csv: a header row, then one row per result row (UTF-8 with BOM)'), [XLSX]: Binary('format=xlsx: an Excel workbook of one sheet') },
};

/** A private download: `attachment; filename="…"` with a name that needs no escaping (safeFileStem). */
const sendFile = (reply: FastifyReply, file: DownloadFile) =>
  reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.fileName}"`).header('cache-control', 'private, no-store').send(file.body);

export function analyticsRoutes(deps: { sql: Pick<AnalyticsApi, 'runSql' | 'assertMayQuery'>; questions: Questions; ask: Ask; profiles: Profiles; downloads: Downloads }) {
  const { sql, questions, ask, profiles, downloads } = deps;
  return async (app: HttpServer) => {
    app.post('/orgs/:orgId/questions/ask', {
      config: query(...RUN_PROBLEMS, D.notSynced, P.notAnswerable, ...LLM_CALL_PROBLEMS),
      schema: {
        tags,
        operationId: 'askQuestion',
        summary: 'Ask a question in plain language: the model writes the SQL, which is guarded, run and shown (members)',
        description:
          'Grounded in the source\'s synced schema, descriptions, glossary and the org\'s verified questions most like this one. The SQL passes the same guard as typed SQL; a refusal goes back to the model once for a repair. Without a configured model: 503 `LLM.NOT_CONFIGURED`.',
        params: S.OrgParams,
        body: S.AskBody,
        response: { 200: S.AskView },
      },
      handler: async (req) => ask.ask(actorOf(req), req.params.orgId, req.body),
    });

    app.post('/orgs/:orgId/queries/profile', {
      config: query(P.profileTarget, P.questionNotFound, D.unknownTable, ...RUN_PROBLEMS),
      schema: {
        tags,
        operationId: 'profileData',
        summary: 'Profile a table, an SQL result or a saved question\'s result: per-column statistics and correlations',
        description: 'Counts, nulls, distinct values, min, max, mean, standard deviation, quantiles, histogram bins and top values per column, and Pearson correlations between numeric columns, computed by DuckDB over up to ANALYTICS_PROFILE_MAX_ROWS rows.',
        params: S.OrgParams,
        body: S.ProfileBody,
        response: { 200: S.ProfileView },
      },
      handler: async (req) => profiles.profile(actorOf(req), req.params.orgId, req.body),
    });

    app.post('/orgs/:orgId/queries/download', {
      config: query(...RUN_PROBLEMS),
      schema: { tags, operationId: 'downloadQueryResult', summary: 'Run SQL and download the whole result as CSV or XLSX (members)', params: S.OrgParams, body: S.DownloadBody, response: { 200: FileResponse } },
      handler: async (req, reply) => {
        const b = req.body;
        await sql.assertMayQuery(actorOf(req), req.params.orgId);
        return sendFile(reply, await downloads.download(actorOf(req), req.params.orgId, { sourceId: b.dataSourceId, sql: b.sql, parameters: b.parameters, format: b.format, title: 'query-result' }));
      },
    });

    app.get('/orgs/:orgId/questions/:questionId/download', {
      config: read(P.questionNotFound, ...RUN_PROBLEMS),
      schema: { tags, operationId: 'downloadQuestionResult', summary: 'Download a saved question\'s whole result as CSV or XLSX (viewers too)', params: S.QuestionParams, querystring: S.DownloadQuery, response: { 200: FileResponse } },
      handler: async (req, reply) => {
        const q = await questions.get(actorOf(req), req.params.orgId, req.params.questionId);
        const parameters = q.parameters.map((p) => ({ name: p.name, type: p.type, value: p.default ?? null }));
        return sendFile(reply, await downloads.download(actorOf(req), req.params.orgId, { sourceId: q.dataSourceId, sql: q.sql, parameters, questionId: q.id, format: req.query.format, title: q.name }));
      },
    });

    app.post('/orgs/:orgId/queries', {
      config: query(...RUN_PROBLEMS),
      schema: {
        tags,
        operationId: 'runQuery',
        summary: 'Run one read-only SQL query on a data source (members)',
        description:
          'The SQL passes the source\'s guard (one SELECT, no side-effecting, file or network function), then runs in a read-only transaction under a statement timeout and row and size caps. `:name` marks a parameter, bound by the driver. A fresh cached result is served unless `fresh`.',
        params: S.OrgParams,
        body: S.RunQueryBody,
        response: { 200: S.QueryResultView },
      },
      handler: async (req) => sql.runSql(actorOf(req), req.params.orgId, req.body),
    });

    app.get('/orgs/:orgId/queries/history', {
      config: read(),
      schema: { tags, operationId: 'listQueryRuns', summary: 'Your own query history in the organization, newest first', params: S.OrgParams, querystring: S.ListRunsQuery, response: { 200: pageOf(S.RunView) } },
      handler: async (req) => questions.history(actorOf(req), req.params.orgId, req.query),
    });

    app.post('/orgs/:orgId/queries/history/:runId/run', {
      config: read(P.runNotFound, P.questionNotFound, ...RUN_PROBLEMS),
      schema: { tags, operationId: 'rerunQuery', summary: 'Run one of your past queries again, skipping the cache', params: S.RunParams, response: { 200: S.QueryResultView } },
      handler: async (req) => questions.rerun(actorOf(req), req.params.orgId, req.params.runId),
    });

    app.post('/orgs/:orgId/questions', {
      config: write(P.verifyNeedsAdmin, ...RUN_PROBLEMS),
      schema: { tags, operationId: 'createQuestion', summary: 'Save a question (members); its SQL must pass the guard', params: S.OrgParams, body: S.CreateQuestionBody, response: { 201: S.QuestionView } },
      handler: async (req, reply) => reply.status(201).send(await questions.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/questions', {
      config: read(),
      schema: { tags, operationId: 'listQuestions', summary: 'The organization\'s saved questions, newest first', params: S.OrgParams, querystring: S.ListQuestionsQuery, response: { 200: pageOf(S.QuestionView) } },
      handler: async (req) => questions.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get('/orgs/:orgId/questions/:questionId', {
      config: read(P.questionNotFound),
      schema: { tags, operationId: 'getQuestion', summary: 'Get a saved question', params: S.QuestionParams, response: { 200: S.QuestionView } },
      handler: async (req) => questions.get(actorOf(req), req.params.orgId, req.params.questionId),
    });

    app.patch('/orgs/:orgId/questions/:questionId', {
      config: write(P.questionNotFound, P.notYourQuestion, P.verifyNeedsAdmin, ...RUN_PROBLEMS),
      schema: { tags, operationId: 'updateQuestion', summary: 'Change a saved question (its author or an admin)', params: S.QuestionParams, body: S.UpdateQuestionBody, response: { 200: S.QuestionView } },
      handler: async (req) => questions.update(actorOf(req), req.params.orgId, req.params.questionId, req.body),
    });

    app.delete('/orgs/:orgId/questions/:questionId', {
      config: write(P.questionNotFound, P.notYourQuestion),
      schema: { tags, operationId: 'deleteQuestion', summary: 'Delete a saved question (its author or an admin)', params: S.QuestionParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await questions.remove(actorOf(req), req.params.orgId, req.params.questionId);
        return reply.status(204).send(null);
      },
    });

    app.post('/orgs/:orgId/questions/:questionId/run', {
      config: read(P.questionNotFound, ...RUN_PROBLEMS),
      schema: { tags, operationId: 'runQuestion', summary: 'Run a saved question (viewers too)', params: S.QuestionParams, body: S.RunQuestionBody, response: { 200: S.QueryResultView } },
      handler: async (req) => questions.run(actorOf(req), req.params.orgId, req.params.questionId, req.body ?? {}),
    });
  };
}
