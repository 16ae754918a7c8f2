// Dashboard exports made in the background: the request is checked (the caller may view the
// dashboard, the filters fit) and answered 202 with a job id at once; the job computes every
// widget as the requester, exactly as `/data` does, draws a PDF or a PNG (on the drawing thread,
// drawing.ts), keeps it through
// core.storage and answers a signed link valid for a day. Progress reaches the requester's
// realtime stream as `job.progress` events.
import type { Actor } from '../../core/context/actor.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { JobDefinition, JobQueue } from '../../core/jobs/types.ts';
import type { Clock } from '../../core/module.ts';
import type { Storage } from '../../core/storage/index.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { drawDashboardFile } from './drawing.ts';
import { EXPORT_CONTENT_TYPES as CONTENT_TYPES, type ExportFormat, fileStem } from './export-files.ts';
import { ExportFile, type FilterValue } from './schemas.ts';
import type { DashboardsService } from './service.ts';

export const EXPORT_JOB = 'dashboards.export';
const LINK_SECONDS = 86_400;

interface ExportJobData {
  orgId: string;
  dashboardId: string;
  /** The requester as they were when they asked; their rights are checked again when the job runs. */
  principal: Principal;
  format: ExportFormat;
  filters: Record<string, FilterValue>;
}

export function createDashboardExports(deps: { jobs: JobQueue; storage: Storage; orgs: Pick<OrganizationsApi, 'getOrganization'>; clock: Clock; service: DashboardsService }) {
  const { jobs, storage, orgs, clock, service } = deps;

  async function request(actor: Actor, orgId: string, dashboardId: string, input: { format: ExportFormat; filters?: Record<string, FilterValue> }): Promise<{ jobId: string }> {
    const filters = input.filters ?? {};
    await service.checkSnapshot(actor, orgId, dashboardId, filters);
    const data: ExportJobData = { orgId, dashboardId, principal: actor.principal, format: input.format, filters };
    return { jobId: await jobs.enqueue(EXPORT_JOB, data, { ownerId: actor.principal.userId }) };
  }

  const job: JobDefinition<ExportJobData, typeof ExportFile> = {
    name: EXPORT_JOB,
    result: ExportFile,
    retryLimit: 1,
    retryDelaySeconds: 10,
    timeoutSeconds: 600,
    async handler(ctx) {
      const { orgId, dashboardId, principal, format, filters } = ctx.data;
      const actor: Actor = { principal, requestId: null, ip: null, userAgent: null };
      await ctx.progress(0.1, 'computing widgets');
      const { dashboard, data } = await service.snapshot(actor, orgId, dashboardId, filters);
      const org = await orgs.getOrganization(orgId);
      const now = clock.now();
      await ctx.progress(0.5, 'rendering');
      const content = await drawDashboardFile(format, { dashboard, data }, org, now);
      await ctx.progress(0.9, 'storing');
      const fileName = `${fileStem(dashboard.name)}-${now.toISOString().slice(0, 10)}.${format}`;
      const saved = await storage.save({ orgId, scope: 'dashboards/exports', fileName, contentType: CONTENT_TYPES[format], body: content, userId: principal.userId });
      return {
        link: storage.signedUrl(saved.key, { expiresInSeconds: LINK_SECONDS }),
        fileName,
        contentType: CONTENT_TYPES[format],
        bytes: content.length,
        expiresAt: new Date(now.getTime() + LINK_SECONDS * 1000).toISOString(),
      };
    },
  };

  return { request, jobs: [job] };
}

export type DashboardExports = ReturnType<typeof createDashboardExports>;
