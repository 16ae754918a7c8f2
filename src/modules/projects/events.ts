// Events the projects module publishes. Payloads carry ids and the facts that changed;
// orgId is repeated in the payload (it is also on the envelope) so subscribers that only
// look at payloads need no lookup. All are public: an org's systems may follow its projects.
import { Type } from 'typebox';
import { defineEvents, Id, Nullable, OneOf, type PayloadsOf, publicEvent } from '../../core/events/declarations.ts';

export type ProjectRoleName = 'manager' | 'contributor' | 'viewer';

const Role = () => OneOf(['manager', 'contributor', 'viewer']);
const Fields = () => Type.Array(Type.String(), { description: 'What changed.' });
const project = { type: 'project', field: 'projectId' } as const;
const task = { type: 'task', field: 'taskId' } as const;
const template = { type: 'project_template', field: 'templateId' } as const;
const event = publicEvent;
const ids = { orgId: Id(), projectId: Id() };

export const projectsEvents = defineEvents({
  'projects.project_created': event(
    'A project was created, from a template when `templateId` is set.',
    { ...ids, key: Type.String(), name: Type.String(), templateId: Nullable(Id()) },
    project,
  ),
  'projects.project_updated': event('A project changed.', { ...ids, fields: Fields() }, project),
  'projects.project_archived': event('A project was archived.', ids, project),
  'projects.project_unarchived': event('An archived project is active again.', ids, project),
  'projects.project_deleted': event('A project was deleted (it can be restored for a while).', ids, project),
  'projects.project_restored': event('A deleted project was restored.', ids, project),
  'projects.member_added': event('Someone joined a project.', { ...ids, userId: Id(), role: Role() }, project),
  'projects.member_updated': event("A member's role or own rate changed.", { ...ids, userId: Id(), role: Role(), fields: Fields() }, project),
  'projects.member_removed': event(
    'Someone left a project; reason `org_member_removed`: they left the organization.',
    { ...ids, userId: Id(), reason: OneOf(['removed', 'org_member_removed']) },
    project,
  ),
  'projects.task_created': event('A task was created.', { ...ids, taskId: Id() }, task),
  'projects.task_updated': event('A task changed.', { ...ids, taskId: Id(), fields: Fields() }, task),
  'projects.task_deleted': event('A task was deleted.', { ...ids, taskId: Id() }, task),
  'projects.template_created': event('A project was saved as a template.', { orgId: Id(), templateId: Id(), sourceProjectId: Id() }, template),
  'projects.template_deleted': event('A template was deleted.', { orgId: Id(), templateId: Id() }, template),
});

export type ProjectsEvents = PayloadsOf<typeof projectsEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends ProjectsEvents {}
}
