// Project templates: a copy of a project's settings, tags and tasks, from which new projects
// start (POST /projects with templateId, in service.ts).
import { uuidv7 } from 'uuidv7';
import { CoreProblems } from '../../core/errors.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { Access, ProjectsDeps } from './service.ts';
import { ProjectProblems } from './problems.ts';
import { isOrgAdmin, nowOf, templateOf } from './rules.ts';
import { tasks, templates } from './task-repository.ts';
import { settingsOf, type TemplateView, toTemplateView } from './views.ts';

export const templateNotFound = () => ProjectProblems.templateNotFound.error('Template not found');

export function createTemplatesService(deps: ProjectsDeps, access: Access) {
  const { db, events, clock, orgs } = deps;

  async function saveAsTemplate(actor: Actor, orgId: string, projectId: string, input: { name: string }): Promise<TemplateView> {
    const { project } = await access.resolve(actor.principal, orgId, projectId, 'manage');
    const row = await db.transaction().execute(async (tx) => {
      const content = templateOf(settingsOf(project), await tasks.ofProject(tx, orgId, projectId).then((ts) => ts.map((t) => ({ name: t.name, estimateMinutes: t.estimate_minutes }))));
      const row = await templates.insert(tx, {
        id: uuidv7(),
        org_id: orgId,
        name: input.name.trim(),
        source_project_id: projectId,
        tags: content.tags,
        settings: content.settings,
        tasks: content.tasks,
        created_by: actor.principal.userId,
        created_at: nowOf(clock),
      });
      await events.publish(tx, 'projects.template_created', { orgId, templateId: row.id, sourceProjectId: projectId }, { actor, orgId });
      return row;
    });
    return toTemplateView(row);
  }

  async function list(actor: Actor, orgId: string, f: { cursor?: string; limit: number }): Promise<Page<TemplateView>> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const after = decodeCursor(f.cursor, isUuidKey);
    const rows = await templates.list(db, orgId, after ? String(after[0]) : undefined, f.limit);
    const page = toPage(rows, f.limit, (r) => [r.id]);
    return { data: page.data.map(toTemplateView), page: page.page };
  }

  /** Org admins delete any template; members only their own. */
  async function remove(actor: Actor, orgId: string, templateId: string): Promise<void> {
    const role = await orgs.assertRole(actor.principal, orgId, 'member');
    const row = await templates.byId(db, orgId, templateId);
    if (!row) throw templateNotFound();
    if (!isOrgAdmin(role) && row.created_by !== actor.principal.userId) throw CoreProblems.forbidden.error('Only its author or an organization admin may delete a template');
    await db.transaction().execute(async (tx) => {
      if (!(await templates.remove(tx, orgId, templateId))) throw templateNotFound();
      await events.publish(tx, 'projects.template_deleted', { orgId, templateId }, { actor, orgId });
    });
  }

  return { saveAsTemplate, list, remove };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;
