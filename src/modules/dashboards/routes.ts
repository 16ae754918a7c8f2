// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf, callerOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { OrgProblems } from '../organizations/index.ts';
import { DashboardsProblems as P } from './problems.ts';
import * as S from './schemas.ts';
import type { DashboardsService } from './service.ts';
import type { DashboardExports } from './export-job.ts';

const tags = ['dashboards'];
// The problems each route can answer beyond core's (decision 0028).
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'dashboards:read' }, problems: [OrgProblems.notFound, ...problems] });
// Share links need no credentials and run queries as their creator: a tighter limit per address
// than the API's, so a leaked link cannot be used to hammer the org's sources.
const shared = { rateLimit: { max: 120, timeWindow: 60_000 }, problems: [P.shareNotFound] };
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'dashboards:write' }, problems: [OrgProblems.notFound, ...problems] });

export function dashboardsRoutes(service: DashboardsService, exports: DashboardExports) {
  return async (app: HttpServer) => {
    // --- Dashboards ---
    app.post('/orgs/:orgId/dashboards', {
      config: write(P.collectionNotFound),
      schema: { tags, operationId: 'createDashboard', summary: 'Create a dashboard', description: 'Widgets sit on a 12-column grid and may not overlap; `errors` names each widget that does not fit.', params: S.OrgParams, body: S.CreateDashboardBody, response: { 201: S.DashboardView } },
      handler: async (req, reply) => reply.status(201).send(await service.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/dashboards', {
      config: read(P.collectionNotFound),
      schema: { tags, operationId: 'listDashboards', summary: 'List the dashboards the caller may see, newest first', params: S.OrgParams, querystring: S.ListDashboardsQuery, response: { 200: pageOf(S.DashboardView) } },
      handler: async (req) => service.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get('/orgs/:orgId/dashboards/:dashboardId', {
      config: read(P.notFound),
      schema: { tags, operationId: 'getDashboard', summary: 'Get a dashboard', params: S.DashboardParams, response: { 200: S.DashboardView } },
      handler: async (req) => service.get(actorOf(req), req.params.orgId, req.params.dashboardId),
    });

    app.patch('/orgs/:orgId/dashboards/:dashboardId', {
      config: write(P.notFound, P.collectionNotFound),
      schema: { tags, operationId: 'updateDashboard', summary: 'Change a dashboard (editors)', params: S.DashboardParams, body: S.UpdateDashboardBody, response: { 200: S.DashboardView } },
      handler: async (req) => service.update(actorOf(req), req.params.orgId, req.params.dashboardId, req.body),
    });

    app.delete('/orgs/:orgId/dashboards/:dashboardId', {
      config: write(P.notFound),
      schema: { tags, operationId: 'deleteDashboard', summary: 'Delete a dashboard (editors)', params: S.DashboardParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await service.remove(actorOf(req), req.params.orgId, req.params.dashboardId);
        return reply.status(204).send(null);
      },
    });

    app.post('/orgs/:orgId/dashboards/:dashboardId/duplicate', {
      config: write(P.notFound, P.collectionNotFound),
      schema: { tags, operationId: 'duplicateDashboard', summary: 'Copy a dashboard into the same collection', params: S.DashboardParams, body: S.DuplicateBody, response: { 201: S.DashboardView } },
      handler: async (req, reply) => reply.status(201).send(await service.duplicate(actorOf(req), req.params.orgId, req.params.dashboardId, req.body ?? {})),
    });

    app.get('/orgs/:orgId/dashboards/:dashboardId/data', {
      config: read(P.notFound),
      schema: {
        tags,
        operationId: 'getDashboardData',
        summary: 'Compute every widget of a dashboard',
        description: 'Each widget runs as the caller, in parallel, under its own deadline (DASHBOARD_WIDGET_TIMEOUT), and answers a status of its own: `ok`, `error` (the problem\'s code and detail) or `timed_out`.',
        params: S.DashboardParams,
        querystring: S.DataQuery,
        response: { 200: S.DashboardDataView },
      },
      handler: async (req) => service.data(actorOf(req), req.params.orgId, req.params.dashboardId, req.query.filters),
    });

    app.post('/orgs/:orgId/dashboards/:dashboardId/exports', {
      config: read(P.notFound),
      schema: {
        tags,
        operationId: 'exportDashboard',
        summary: 'Export a dashboard as a PDF or a PNG (in the background)',
        description:
          'Anyone who may view the dashboard. Answers 202 with the job at once; the job computes every widget as the caller (as GET …/data does), draws the file and keeps it. ' +
          'Follow GET /api/v1/jobs/{jobId} (or the `job.progress` events of /api/v1/stream): when completed, its result has a signed `link` to download, valid for a day.',
        params: S.DashboardParams,
        body: S.ExportBody,
        response: { 202: { ...S.ExportAccepted, headers: { Location: Type.String({ description: 'The job to follow: /api/v1/jobs/{jobId}' }) } } },
      },
      handler: async (req, reply) => {
        const { jobId } = await exports.request(actorOf(req), req.params.orgId, req.params.dashboardId, req.body);
        return reply.status(202).header('location', `/api/v1/jobs/${jobId}`).send({ jobId, statusUrl: `/api/v1/jobs/${jobId}` });
      },
    });

    // --- Share links ---
    app.post('/orgs/:orgId/dashboards/:dashboardId/shares', {
      config: write(P.notFound),
      schema: { tags, operationId: 'shareDashboard', summary: 'Make a read-only share link (editors)', params: S.DashboardParams, body: S.CreateShareBody, response: { 201: S.ShareView } },
      handler: async (req, reply) => reply.status(201).send(await service.createShare(actorOf(req), req.params.orgId, req.params.dashboardId, req.body ?? {})),
    });

    app.get('/orgs/:orgId/dashboards/:dashboardId/shares', {
      config: read(P.notFound),
      schema: { tags, operationId: 'listDashboardShares', summary: "A dashboard's share links, revoked and expired ones too (editors)", params: S.DashboardParams, response: { 200: S.ShareList } },
      handler: async (req) => service.listShares(actorOf(req), req.params.orgId, req.params.dashboardId),
    });

    app.delete('/orgs/:orgId/dashboards/:dashboardId/shares/:shareId', {
      config: write(P.notFound, P.shareNotFound),
      schema: { tags, operationId: 'revokeDashboardShare', summary: 'Revoke a share link (editors)', params: S.ShareParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await service.revokeShare(actorOf(req), req.params.orgId, req.params.dashboardId, req.params.shareId);
        return reply.status(204).send(null);
      },
    });

    app.get('/shared-dashboards/:token', {
      config: shared,
      schema: {
        tags,
        operationId: 'getSharedDashboard',
        summary: 'A dashboard through a share link (no credentials)',
        description: 'Works until the link expires or is revoked, or its creator loses access to the dashboard or a question on it: then 404.',
        params: S.TokenParams,
        response: { 200: S.SharedDashboardView },
      },
      handler: async (req) => service.sharedView(callerOf(req), req.params.token),
    });

    app.get('/shared-dashboards/:token/data', {
      config: shared,
      schema: {
        tags,
        operationId: 'getSharedDashboardData',
        summary: 'Compute a shared dashboard (no credentials)',
        description: 'Runs with the rights of the link\'s creator, checked at every view. A value for a locked filter is refused (400).',
        params: S.TokenParams,
        querystring: S.DataQuery,
        response: { 200: S.DashboardDataView },
      },
      handler: async (req) => service.sharedData(callerOf(req), req.params.token, req.query.filters),
    });

    // --- Collections ---
    app.post('/orgs/:orgId/dashboard-collections', {
      config: write(P.collectionNameTaken),
      schema: { tags, operationId: 'createDashboardCollection', summary: 'Create a collection (admins)', params: S.OrgParams, body: S.CreateCollectionBody, response: { 201: S.CollectionView } },
      handler: async (req, reply) => reply.status(201).send(await service.createCollection(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/dashboard-collections', {
      config: read(),
      schema: { tags, operationId: 'listDashboardCollections', summary: 'List the collections the caller may see', params: S.OrgParams, response: { 200: S.CollectionList } },
      handler: async (req) => service.listCollections(actorOf(req), req.params.orgId),
    });

    app.get('/orgs/:orgId/dashboard-collections/:collectionId', {
      config: read(P.collectionNotFound),
      schema: { tags, operationId: 'getDashboardCollection', summary: 'Get a collection', params: S.CollectionParams, response: { 200: S.CollectionView } },
      handler: async (req) => service.getCollection(actorOf(req), req.params.orgId, req.params.collectionId),
    });

    app.patch('/orgs/:orgId/dashboard-collections/:collectionId', {
      config: write(P.collectionNotFound, P.collectionNameTaken),
      schema: { tags, operationId: 'updateDashboardCollection', summary: 'Rename a collection or change its grants (admins)', params: S.CollectionParams, body: S.UpdateCollectionBody, response: { 200: S.CollectionView } },
      handler: async (req) => service.updateCollection(actorOf(req), req.params.orgId, req.params.collectionId, req.body),
    });

    app.delete('/orgs/:orgId/dashboard-collections/:collectionId', {
      config: write(P.collectionNotFound, P.collectionNotEmpty),
      schema: { tags, operationId: 'deleteDashboardCollection', summary: 'Delete an empty collection (admins)', params: S.CollectionParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await service.removeCollection(actorOf(req), req.params.orgId, req.params.collectionId);
        return reply.status(204).send(null);
      },
    });
  };
}
