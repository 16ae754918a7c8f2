// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import { invalid, type ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { AnalyticsProblems as A } from '../analytics/index.ts';
import { DataSourcesProblems as D } from '../data_sources/index.ts';
import { OrgProblems } from '../organizations/index.ts';
import { VisualizationsProblems as P } from './problems.ts';
import * as S from './schemas.ts';
import type { VisualizationsService } from './service.ts';

const tags = ['visualizations'];
/** What running the chart's question can answer: the analytics and source problems pass through. */
const RUN_PROBLEMS = [A.questionNotFound, A.sourceNotFound, D.queryRefused, D.parameterInvalid, D.queryFailed, D.queryTimeout, D.unreachable];
const DRAW_PROBLEMS = [P.chartNotFound, P.unknownColumn, P.columnNotNumeric, P.encodingRequired, ...RUN_PROBLEMS];
// The problems each route can answer beyond core's (decision 0028).
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'visualizations:read' }, problems: [OrgProblems.notFound, ...problems] });
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'visualizations:write' }, problems: [OrgProblems.notFound, ...problems] });

const Binary = (description: string) => ({ schema: { type: 'string', format: 'binary', description } });
const RenderResponse = {
  description: 'The chart drawn as SVG or PNG, or (format=json) its Vega-Lite spec with the data inline',
  content: { 'image/svg+xml': Binary('format=svg'), 'image/png': Binary('format=png'), 'application/json': { schema: S.ChartDataView } },
};

export function visualizationsRoutes(service: VisualizationsService) {
  return async (app: HttpServer) => {
    app.post('/orgs/:orgId/charts', {
      config: write(P.questionNotFound, P.encodingRequired),
      schema: { tags, operationId: 'createChart', summary: 'Create a chart over a saved question (members)', params: S.OrgParams, body: S.CreateChartBody, response: { 201: S.ChartView } },
      handler: async (req, reply) => reply.status(201).send(await service.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/charts', {
      config: read(),
      schema: { tags, operationId: 'listCharts', summary: 'List charts, newest first', params: S.OrgParams, querystring: S.ListChartsQuery, response: { 200: pageOf(S.ChartView) } },
      handler: async (req) => service.list(actorOf(req), req.params.orgId, req.query),
    });

    app.post('/orgs/:orgId/charts/suggest', {
      config: read(...RUN_PROBLEMS),
      schema: {
        tags,
        operationId: 'suggestCharts',
        summary: "Propose charts for a saved question's result (run as you)",
        params: S.OrgParams,
        body: S.SuggestBody,
        response: { 200: S.SuggestionsView },
      },
      handler: async (req) => service.suggest(actorOf(req), req.params.orgId, req.body.questionId),
    });

    app.get('/orgs/:orgId/charts/:chartId', {
      config: read(P.chartNotFound),
      schema: { tags, operationId: 'getChart', summary: 'Get a chart', params: S.ChartParams, response: { 200: S.ChartView } },
      handler: async (req) => service.get(actorOf(req), req.params.orgId, req.params.chartId),
    });

    app.patch('/orgs/:orgId/charts/:chartId', {
      config: write(P.chartNotFound, P.notYourChart, P.questionNotFound, P.encodingRequired),
      schema: { tags, operationId: 'updateChart', summary: 'Change a chart (its author or an admin)', params: S.ChartParams, body: S.UpdateChartBody, response: { 200: S.ChartView } },
      handler: async (req) => service.update(actorOf(req), req.params.orgId, req.params.chartId, req.body),
    });

    app.delete('/orgs/:orgId/charts/:chartId', {
      config: write(P.chartNotFound, P.notYourChart),
      schema: { tags, operationId: 'deleteChart', summary: 'Delete a chart (its author or an admin)', params: S.ChartParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await service.remove(actorOf(req), req.params.orgId, req.params.chartId);
        return reply.status(204).send(null);
      },
    });

    app.get('/orgs/:orgId/charts/:chartId/render', {
      config: read(...DRAW_PROBLEMS),
      schema: {
        tags,
        operationId: 'renderChart',
        summary: "Draw a chart with its question's result, run as you",
        params: S.ChartParams,
        querystring: S.RenderQuery,
        response: { 200: RenderResponse },
      },
      handler: async (req, reply) => {
        const { orgId, chartId } = req.params;
        const { format, width, height, theme, fresh } = req.query;
        const parameters = parseParameters(req.query.parameters);
        reply.header('cache-control', 'private, no-store');
        if (format === 'json') {
          const { spec, result } = await service.chartData(actorOf(req), orgId, chartId, { fresh, parameters });
          return reply.type('application/json').send({ spec, result });
        }
        const drawn = await service.render(actorOf(req), orgId, chartId, { format, width, height, theme, fresh, parameters });
        return reply.type(drawn.contentType).send(drawn.body);
      },
    });
  };
}

type ParameterValue = string | number | boolean | null;
const isParameterValue = (v: unknown): v is ParameterValue => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** `?parameters={"from":"2026-07-01"}` → the question's parameters by name; anything else is a 400 naming the field. */
function parseParameters(raw: string | undefined): { name: string; value: ParameterValue }[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const refuse = () => invalid('querystring.parameters', 'must be a JSON object of parameter name → string, number, boolean or null');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw refuse();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse();
  const entries = Object.entries(value);
  if (!entries.every(([, v]) => isParameterValue(v))) throw refuse();
  return entries.map(([name, v]) => ({ name, value: v as ParameterValue }));
}
