import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { ProblemType } from '../../core/errors.ts';
import { actorOf } from '../../core/context/actor.ts';
import { principalOf } from '../../core/http/principal.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { OrgProblems } from '../organizations/index.ts';
import { ProjectProblems } from '../projects/index.ts';
import type { ExportService } from './export.ts';
import { type FileExports, renderReportFile } from './file-exports.ts';
import { safeFilename } from './model.ts';
import { ReportProblems } from './problems.ts';
import * as S from './schemas.ts';
import type { ReportsService } from './service.ts';

const tags = ['reports'];
const auth = { auth: { scope: 'reports:read' } };
// The problems each route can answer beyond core's (decision 0028).
const P = ReportProblems;
const withAuth = (...problems: ProblemType[]) => ({ ...auth, problems });
/** The org must be visible to the caller, and the project when one is named (path or `projectId`): 404 otherwise. */
const inProject = [OrgProblems.notFound, ProjectProblems.notFound];

/** A private download: `attachment; filename="…"` with a name that needs no escaping (see safeFilename). */
const download = (reply: FastifyReply, contentType: string, filename: string, body: unknown) =>
  reply.type(contentType).header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'private, no-store').send(body);

export function reportsRoutes(reports: ReportsService, exports: ExportService, files: FileExports) {
  return async (app: HttpServer) => {
    app.get('/orgs/:orgId/reports/time', {
      config: withAuth(...inProject, P.rangeTooLong),
      schema: {
        tags,
        operationId: 'getTimeReport',
        summary: 'Time report: totals and grouped rows, as JSON, CSV, XLSX or PDF',
        description:
          'Org admins see all time; a project manager sees the project given by projectId; anyone else sees only their own time. ' +
          'The period is at most 366 days (400 REPORTS.RANGE_TOO_LONG).',
        params: S.OrgParams,
        querystring: S.TimeReportQuery,
        response: { 200: S.TimeReportResponse },
      },
      handler: async (req, reply) => {
        const { format, ...query } = req.query;
        const report = await reports.timeReport(principalOf(req), req.params.orgId, query);
        if (format === 'json') return report;
        const name = safeFilename('time-report', report.groupBy, report.period.fromDate, report.period.toDate);
        return download(reply, S.REPORT_MEDIA_TYPES[format], `${name}.${format}`, await renderReportFile(report, format));
      },
    });

    app.post('/orgs/:orgId/reports/time/files', {
      config: withAuth(...inProject, P.rangeTooLong),
      schema: {
        tags,
        operationId: 'createTimeReportFile',
        summary: 'Make a time report file (CSV, XLSX or PDF) in the background',
        description:
          'Same rules and query as GET /reports/time; checked now (errors answer at once), rendered by a job. ' +
          'Follow GET /api/v1/jobs/{jobId} (or the `job.progress` events of /api/v1/stream): when completed, its result has the `link` to download. ' +
          'You also get a `report ready` notification. Files are kept for a day.',
        params: S.OrgParams,
        body: S.TimeReportFileRequest,
        // `headers` is read by the document only (the serializer ignores the keyword).
        response: { 202: { ...S.JobAccepted, headers: { Location: Type.String({ description: 'The job to follow: /api/v1/jobs/{jobId}' }) } } },
      },
      handler: async (req, reply) => {
        const { format, ...query } = req.body;
        const { jobId } = await files.request(principalOf(req), req.params.orgId, query, format);
        return reply.status(202).header('location', `/api/v1/jobs/${jobId}`).send({ jobId, statusUrl: `/api/v1/jobs/${jobId}` });
      },
    });

    app.get('/orgs/:orgId/reports/files/:jobId', {
      config: withAuth(P.fileNotFound),
      schema: {
        tags,
        operationId: 'downloadReportFile',
        summary: 'Download a report file made by a background job (its requester only)',
        params: S.FileParams,
        response: { 200: S.FileResponse },
      },
      handler: async (req, reply) => {
        const file = await files.download(principalOf(req), req.params.orgId, req.params.jobId);
        return download(reply, file.contentType, file.fileName, file.content);
      },
    });

    app.get('/orgs/:orgId/reports/projects/:projectId/budget', {
      config: withAuth(...inProject),
      schema: {
        tags,
        operationId: 'getProjectBudget',
        summary: "A project's budget: spent against budget in hours and money, and the weekly burn",
        description: 'Needs read access to the project. Hours count every entry after rounding; money counts billable amounts in the budget currency.',
        params: S.ProjectParams,
        response: { 200: S.BudgetView },
      },
      handler: async (req) => reports.projectBudget(principalOf(req), req.params.orgId, req.params.projectId),
    });

    app.get('/orgs/:orgId/projects/:projectId/export', {
      config: withAuth(...inProject),
      schema: {
        tags,
        operationId: 'exportProject',
        summary: 'Export a project as a ZIP (project.json, tasks.csv, time-entries.csv)',
        description:
          'Streamed while it is written. Needs read access to the project; time entries are everyone’s for project managers and org admins, the caller’s own otherwise.',
        params: S.ProjectParams,
        response: { 200: S.ExportResponse },
      },
      handler: async (req, reply) => {
        const { filename, stream } = await exports.exportProject(actorOf(req), req.params.orgId, req.params.projectId);
        return download(reply, 'application/zip', filename, stream);
      },
    });
  };
}
