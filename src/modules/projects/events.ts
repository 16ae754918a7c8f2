// Events the projects module publishes. Payloads carry ids and the facts that changed;
// orgId is repeated in the payload (it is also on the envelope) so subscribers that only
// look at payloads need no lookup.
export type ProjectRoleName = 'manager' | 'contributor' | 'viewer';

export interface ProjectsEvents {
  'projects.project_created': { orgId: string; projectId: string; key: string; name: string; templateId: string | null };
  'projects.project_updated': { orgId: string; projectId: string; fields: string[] };
  'projects.project_archived': { orgId: string; projectId: string };
  'projects.project_unarchived': { orgId: string; projectId: string };
  'projects.project_deleted': { orgId: string; projectId: string };
  'projects.project_restored': { orgId: string; projectId: string };
  'projects.member_added': { orgId: string; projectId: string; userId: string; role: ProjectRoleName };
  /** A member's role or own rate changed. */
  'projects.member_updated': { orgId: string; projectId: string; userId: string; role: ProjectRoleName; fields: string[] };
  /** reason `org_member_removed`: the user left the organization (organizations.member_removed). */
  'projects.member_removed': { orgId: string; projectId: string; userId: string; reason: 'removed' | 'org_member_removed' };
  'projects.task_created': { orgId: string; projectId: string; taskId: string };
  'projects.task_updated': { orgId: string; projectId: string; taskId: string; fields: string[] };
  'projects.task_deleted': { orgId: string; projectId: string; taskId: string };
  'projects.template_created': { orgId: string; templateId: string; sourceProjectId: string };
  'projects.template_deleted': { orgId: string; templateId: string };
}

declare module '../../core/events/types.ts' {
  interface EventMap extends ProjectsEvents {}
}
