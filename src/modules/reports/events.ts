export interface ReportsEvents {
  /** Project data left the system as a ZIP; `entries` says whose time entries it held. */
  'reports.project_exported': { projectId: string; entries: 'all' | 'own' };
  /** A report file made by a background job is ready for its requester to download. */
  'reports.export_ready': { orgId: string; userId: string; jobId: string; fileName: string };
}

declare module '../../core/events/types.ts' {
  interface EventMap extends ReportsEvents {}
}
