export interface ReportsEvents {
  /** Project data left the system as a ZIP; `entries` says whose time entries it held. */
  'reports.project_exported': { projectId: string; entries: 'all' | 'own' };
}

declare module '../../core/events/types.ts' {
  interface EventMap extends ReportsEvents {}
}
