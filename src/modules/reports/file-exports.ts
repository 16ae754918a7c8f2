// Report files made in the background: the request is checked and answered 202 with a job
// id at once; the job aggregates, renders, stores the file in the database (any instance
// can serve it) and publishes `reports.export_ready`, which notifies the user.
import { sql } from 'kysely';
import type { EventPublisher } from '../../core/events/types.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { JobDefinition, JobQueue } from '../../core/jobs/types.ts';
import type { Executor } from '../../core/db/database.ts';
import { safeFilename, type TimeReport } from './model.ts';
import { ReportProblems } from './problems.ts';
import { renderTimeReportCsv } from './render-csv.ts';
import { FilePurgeResult, REPORT_MEDIA_TYPES, ReportFile } from './schemas.ts';
import type { ReportsService, TimeReportQuery } from './service.ts';

export type FileFormat = keyof typeof REPORT_MEDIA_TYPES;
const KEEP_HOURS = 24;
export const EXPORT_JOB = 'reports.time_report_file';

interface ExportJobData {
  orgId: string;
  /** The requester as they were when they asked; their org rights are checked again when the job runs. */
  principal: Principal;
  query: TimeReportQuery;
  format: FileFormat;
}

/**
 * A report as a file. exceljs and pdfkit take about a second and 50 MB to load: only a server
 * that renders such a file pays for them, on its first one, not every start.
 */
export const renderReportFile = async (report: TimeReport, format: FileFormat): Promise<Buffer> => {
  if (format === 'csv') return renderTimeReportCsv(report);
  if (format === 'xlsx') return (await import('./render-xlsx.ts')).renderTimeReportXlsx(report);
  return (await import('./render-pdf.ts')).renderTimeReportPdf(report);
};

export const downloadLink = (orgId: string, jobId: string) => `/api/v1/orgs/${orgId}/reports/files/${jobId}`;

export function createFileExports(deps: { db: Executor; events: EventPublisher; jobs: JobQueue; reports: ReportsService }) {
  const { db, events, jobs, reports } = deps;

  async function request(principal: Principal, orgId: string, query: TimeReportQuery, format: FileFormat): Promise<{ jobId: string }> {
    await reports.checkTimeReport(principal, orgId, query);
    const data: ExportJobData = { orgId, principal, query, format };
    return { jobId: await jobs.enqueue(EXPORT_JOB, data, { ownerId: principal.userId }) };
  }

  const job: JobDefinition<ExportJobData, typeof ReportFile> = {
    name: EXPORT_JOB,
    result: ReportFile,
    retryLimit: 2,
    retryDelaySeconds: 10,
    timeoutSeconds: 600,
    async handler(ctx) {
      const { orgId, principal, query, format } = ctx.data;
      await ctx.progress(0.1, 'aggregating');
      const report = await reports.timeReport(principal, orgId, query);
      await ctx.progress(0.6, 'rendering');
      const content = await renderReportFile(report, format);
      const fileName = `${safeFilename('time-report', report.groupBy, report.period.fromDate, report.period.toDate)}.${format}`;
      await ctx.progress(0.9, 'storing');
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('reports.export_files')
          .values({
            job_id: ctx.id,
            org_id: orgId,
            user_id: principal.userId,
            file_name: fileName,
            content_type: REPORT_MEDIA_TYPES[format],
            content,
            expires_at: sql`now() + ${`${KEEP_HOURS} hours`}::interval`,
          })
          // A retry after a crash between commit and completion finds its file already stored.
          .onConflict((oc) => oc.column('job_id').doNothing())
          .execute();
        await events.publish(tx, 'reports.export_ready', { orgId, userId: principal.userId, jobId: ctx.id, fileName }, { actorId: principal.userId, orgId });
      });
      return { link: downloadLink(orgId, ctx.id), fileName, contentType: REPORT_MEDIA_TYPES[format], bytes: content.length };
    },
  };

  const purge: JobDefinition<unknown, typeof FilePurgeResult> = {
    name: 'reports.purge_files',
    result: FilePurgeResult,
    cron: '23 * * * *',
    exclusive: true,
    async handler() {
      const result = await db.deleteFrom('reports.export_files').where('expires_at', '<', sql<Date>`now()`).executeTakeFirst();
      return { deleted: Number(result.numDeletedRows) };
    },
  };

  /** The stored file, for the user who asked for it, in that org only; gone after a day. */
  async function download(principal: Principal, orgId: string, jobId: string) {
    const file = await db
      .selectFrom('reports.export_files')
      .select(['file_name', 'content_type', 'content'])
      .where('job_id', '=', jobId)
      .where('org_id', '=', orgId)
      .where('user_id', '=', principal.userId)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    if (!file) throw ReportProblems.fileNotFound.error('Report file not found');
    return { fileName: file.file_name as string, contentType: file.content_type as string, content: Buffer.from(file.content as Uint8Array) };
  }

  return { request, download, jobs: [job, purge] };
}

export type FileExports = ReturnType<typeof createFileExports>;
