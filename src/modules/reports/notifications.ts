// The notification reports' events raise (decision 0035): a report file made in the background
// is ready. In-app only by default: its requester asked for it moments ago, in the app.
import { Type } from 'typebox';
import { Nullable, Uuid } from '../../core/http/schema-types.ts';
import type { NotificationContribution } from '../../core/module.ts';
import { notificationKind } from '../../core/notifications/kinds.ts';

const exportReady = notificationKind({
  type: 'export_ready',
  description: 'An export you asked for is ready to download.',
  defaults: ['in_app'],
  event: 'reports.export_ready',
  data: {
    name: 'ExportReadyData',
    properties: {
      orgId: Nullable(Uuid()),
      jobId: Uuid(),
      fileName: Type.String(),
      job: Type.String({ description: 'The job to read for the download link: /api/v1/jobs/{jobId}' }),
    },
  },
});

export const reportsNotifications: NotificationContribution = {
  kinds: [exportReady],
  setup: () => [
    exportReady.handle({
      trigger: (e) => {
        const p = e.payload;
        return { orgId: p.orgId, userId: p.userId, jobId: p.jobId, fileName: p.fileName };
      },
      compose: async (f) => ({
        recipients: [f.userId],
        orgId: f.orgId,
        title: 'Your export is ready',
        body: `${f.fileName} is ready to download.`,
        data: { orgId: f.orgId, jobId: f.jobId, fileName: f.fileName, job: `/api/v1/jobs/${f.jobId}` },
      }),
    }),
  ],
};
