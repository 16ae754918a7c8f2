// Documentation templates: the built-in ones (from the code, read-only) and the org's own, which
// any member writes and the author or an admin changes. Every write is checked by the renderer's
// rules (render/template.ts), so a run never meets a template it cannot render.
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { GendocProblems } from './problems.ts';
import { API_ONLY_TEMPLATE, checkTemplate, DEFAULT_TEMPLATE, type DocTemplate } from './render/index.ts';
import { type TemplateRow, templates } from './repository.ts';

/** The built-in templates under their stable ids (`template: 'default'` in a run). */
export const BUILTIN_TEMPLATES = [
  { id: 'default', template: DEFAULT_TEMPLATE },
  { id: 'api-reference', template: API_ONLY_TEMPLATE },
] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TemplateEntry {
  id: string;
  orgId: string | null;
  builtin: boolean;
  name: string;
  description: string | null;
  template: DocTemplate;
  createdBy: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

const builtinEntry = (b: (typeof BUILTIN_TEMPLATES)[number]): TemplateEntry => ({
  id: b.id,
  orgId: null,
  builtin: true,
  name: b.template.name,
  description: b.template.description ?? null,
  template: b.template,
  createdBy: null,
  createdAt: null,
  updatedAt: null,
});

const toEntry = (r: TemplateRow): TemplateEntry => ({
  id: r.id,
  orgId: r.org_id,
  builtin: false,
  name: r.name,
  description: r.description,
  template: r.body as DocTemplate,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** The template (its shape checked by the route's schema) if the renderer can use it, else 422 TEMPLATE_INVALID listing every fault. */
function checked(template: DocTemplate): DocTemplate {
  const errors = checkTemplate(template);
  if (errors.length) throw GendocProblems.templateInvalid.error('The template is not valid', { errors });
  return template;
}

const nameTaken = (err: unknown) => (err as { code?: string }).code === '23505';

export function createTemplates(deps: { db: Executor; clock: Clock; orgs: OrganizationsApi }) {
  const { db, clock, orgs } = deps;

  /** A template by reference (a built-in name or an org template's id), for a member of the org. */
  async function resolve(orgId: string, ref: string, exec: Executor = db): Promise<TemplateEntry> {
    const builtin = BUILTIN_TEMPLATES.find((b) => b.id === ref);
    if (builtin) return builtinEntry(builtin);
    const row = UUID.test(ref) ? await templates.byId(exec, orgId, ref) : undefined;
    if (!row) throw GendocProblems.templateNotFound.error(`The organization has no documentation template ${ref}`);
    return toEntry(row);
  }

  async function get(actor: Actor, orgId: string, ref: string) {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    return resolve(orgId, ref);
  }

  /** The built-in templates first (on the first page), then the org's, newest first. */
  async function list(actor: Actor, orgId: string, query: { cursor?: string; limit: number }): Promise<Page<TemplateEntry>> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const before = decodeCursor(query.cursor, isUuidKey);
    const rows = await templates.list(db, orgId, before ? String(before[0]) : undefined, query.limit + 1);
    const page = toPage(rows, query.limit, (r) => [r.id]);
    return { data: [...(before ? [] : BUILTIN_TEMPLATES.map(builtinEntry)), ...page.data.map(toEntry)], page: page.page };
  }

  async function create(actor: Actor, orgId: string, template: DocTemplate) {
    await orgs.assertRole(actor.principal, orgId, 'member');
    const body = checked({ ...template, name: template.name.trim() });
    const now = clock.now();
    const row = { id: uuidv7(), org_id: orgId, name: body.name, description: body.description ?? null, body, created_by: actor.principal.userId, created_at: now, updated_at: now };
    if (BUILTIN_TEMPLATES.some((b) => b.template.name.toLowerCase() === row.name.toLowerCase())) throw GendocProblems.nameTaken.error('A built-in template has this name');
    try {
      await templates.insert(db, row);
    } catch (err) {
      if (nameTaken(err)) throw GendocProblems.nameTaken.error('Another template of this organization has this name');
      throw err;
    }
    return toEntry(row);
  }

  /** The author or an org admin; built-in templates never. */
  async function mine(actor: Actor, orgId: string, ref: string): Promise<TemplateRow> {
    const role = await orgs.assertRole(actor.principal, orgId, 'member');
    if (BUILTIN_TEMPLATES.some((b) => b.id === ref)) throw GendocProblems.builtinTemplate.error('Built-in templates cannot be changed: create one of your own from it');
    const row = UUID.test(ref) ? await templates.byId(db, orgId, ref) : undefined;
    if (!row) throw GendocProblems.templateNotFound.error(`The organization has no documentation template ${ref}`);
    if (row.created_by !== actor.principal.userId && !orgs.roleAtLeast(role, 'admin')) throw CoreProblems.forbidden.error('Only its author or an organization admin may change this template');
    return row;
  }

  /** Replaces the template's content; runs already made keep the content they started with. */
  async function replace(actor: Actor, orgId: string, ref: string, template: DocTemplate) {
    const row = await mine(actor, orgId, ref);
    const body = checked({ ...template, name: template.name.trim() });
    if (BUILTIN_TEMPLATES.some((b) => b.template.name.toLowerCase() === body.name.toLowerCase())) throw GendocProblems.nameTaken.error('A built-in template has this name');
    try {
      const updated = await templates.update(db, orgId, row.id, { name: body.name, description: body.description ?? null, body, updated_at: clock.now() });
      if (!updated) throw GendocProblems.templateNotFound.error('The template was deleted meanwhile');
      return toEntry(updated);
    } catch (err) {
      if (nameTaken(err)) throw GendocProblems.nameTaken.error('Another template of this organization has this name');
      throw err;
    }
  }

  async function remove(actor: Actor, orgId: string, ref: string) {
    const row = await mine(actor, orgId, ref);
    await templates.delete(db, orgId, row.id);
  }

  return { resolve, get, list, create, replace, remove };
}

export type Templates = ReturnType<typeof createTemplates>;
