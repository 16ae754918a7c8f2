// Prompt templates: a text with `{{variable}}` placeholders and its declared variables, seen and
// changed like assistants (rules.ts). Every change of its content (name, description, body,
// variables) writes a new version, numbered from 1 and never changed afterwards; a change of
// visibility alone is who sees it, not what it says, and writes none. A render substitutes
// values into a version, current or given (placeholders.ts). The built-in templates the
// server's modules ship are listed first and read and rendered like the others, never changed
// (builtins.ts, decision 0048).
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { DeclaredPromptTemplate, PromptTemplateRegistry } from '../../core/llm/prompt-templates.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { builtinsListed, builtinVersion, builtinView, isBuiltinId } from './builtins.ts';
import { checkVariables, renderBody, type TemplateVariable } from './placeholders.ts';
import { AssistantsProblems } from './problems.ts';
import { type TemplateRow, type TemplatesTable, type TemplateVersionRow, type TemplateVersionsTable, templates, templateVersions } from './repository.ts';
import { mayChange, normalizeName, type Visibility, visibleTo } from './rules.ts';
import type { RenderedTemplateView, TemplateVersionView, TemplateView } from './schemas.ts';

export type PromptTemplate = Static<typeof TemplateView>;
export type PromptTemplateVersion = Static<typeof TemplateVersionView>;
export type RenderedTemplate = Static<typeof RenderedTemplateView>;

export interface TemplatesDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  /** The modules' built-in templates (core.promptTemplates). */
  builtins: PromptTemplateRegistry;
}

export interface CreateTemplateInput {
  name: string;
  description?: string | null;
  body: string;
  variables: TemplateVariable[];
  visibility: Visibility;
}
export type UpdateTemplateInput = Partial<CreateTemplateInput>;

/** Only the keys a variable has: an absent default stays absent (the variable is required). */
const cleanVariable = (v: TemplateVariable): TemplateVariable => ({
  name: v.name,
  ...(v.description !== undefined ? { description: v.description } : {}),
  ...(v.default !== undefined ? { default: v.default } : {}),
});

const toTemplate = (r: TemplateRow): PromptTemplate => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  description: r.description,
  body: r.body,
  variables: r.variables.map(cleanVariable),
  version: r.version,
  visibility: r.visibility,
  builtin: false,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const toVersion = (r: TemplateVersionRow): PromptTemplateVersion => ({
  templateId: r.template_id,
  version: r.version,
  name: r.name,
  description: r.description,
  body: r.body,
  variables: r.variables.map(cleanVariable),
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
});

/** The version a template's content is written as, by whoever wrote it. */
const versionOf = (row: TemplatesTable, author: string, at: Date): TemplateVersionsTable => ({
  template_id: row.id,
  version: row.version,
  org_id: row.org_id,
  name: row.name,
  description: row.description,
  body: row.body,
  variables: row.variables,
  created_by: author,
  created_at: at,
});

const isVersionKey = (key: unknown[]) => key.length === 1 && Number.isInteger(key[0]) && (key[0] as number) > 0;
/** A list's cursor: the last template shown, an organization's (a UUID) or a built-in one. */
const isListKey = (key: unknown[]) => isUuidKey(key) || (key.length === 1 && typeof key[0] === 'string' && isBuiltinId(key[0]));

function assertVariablesMatch(body: string, variables: readonly TemplateVariable[]): void {
  const errors = checkVariables(body, variables);
  if (errors.length) throw AssistantsProblems.variablesMismatch.error("The body's placeholders and the declared variables differ", { errors });
}

export function createTemplatesService(deps: TemplatesDeps) {
  const { db, events, clock, orgs, builtins } = deps;

  function builtin(templateId: string): DeclaredPromptTemplate {
    const found = builtins.get(templateId);
    if (!found) throw AssistantsProblems.templateNotFound.error('Prompt template not found');
    return found;
  }

  /** Refuses to change a built-in template (one that exists: else 404, as for any id). */
  function refuseBuiltin(templateId: string, what: string): never {
    builtin(templateId);
    throw AssistantsProblems.templateBuiltIn.error(`${templateId} is a built-in prompt template: it cannot be ${what}`);
  }

  async function create(actor: Actor, orgId: string, input: CreateTemplateInput): Promise<PromptTemplate> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    const variables = input.variables.map(cleanVariable);
    assertVariablesMatch(input.body, variables);
    const now = clock.now();
    const row: TemplatesTable = {
      id: uuidv7(),
      org_id: orgId,
      name: normalizeName(input.name),
      description: input.description ?? null,
      body: input.body,
      variables,
      visibility: input.visibility,
      version: 1,
      created_by: actor.principal.userId,
      created_at: now,
      updated_at: now,
    };
    await db.transaction().execute(async (tx) => {
      await templates.insert(tx, row);
      await templateVersions.insert(tx, versionOf(row, actor.principal.userId, now));
      await events.publish(tx, 'assistants.template_changed', { orgId, templateId: row.id, change: 'created', version: 1, visibility: row.visibility }, { actor, orgId });
    });
    return toTemplate(row);
  }

  async function visible(exec: Executor, orgId: string, templateId: string, userId: string, lock = false): Promise<TemplateRow> {
    const row = await (lock ? templates.lock : templates.byId)(exec, orgId, templateId);
    if (!row || !visibleTo(row, userId)) throw AssistantsProblems.templateNotFound.error('Prompt template not found');
    return row;
  }

  async function get(actor: Actor, orgId: string, templateId: string): Promise<PromptTemplate> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    if (isBuiltinId(templateId)) return builtinView(builtin(templateId), orgId);
    return toTemplate(await visible(db, orgId, templateId, actor.principal.userId));
  }

  /**
   * The built-in templates first (by id), then the organization's newest first: one keyset over
   * both, the cursor naming the last one shown. A page that ends among the built-ins goes on with
   * the rest of them, then the org's from its newest.
   */
  async function list(actor: Actor, orgId: string, query: { cursor?: string; limit: number; q?: string; visibility?: Visibility; builtin?: boolean }): Promise<Page<PromptTemplate>> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const key = decodeCursor(query.cursor, isListKey);
    const after = key ? String(key[0]) : undefined;
    const amongBuiltins = after === undefined || isBuiltinId(after);
    const shown = query.builtin === false || !amongBuiltins ? [] : builtinsListed(builtins, query, after).map((t) => builtinView(t, orgId));
    let own: PromptTemplate[] = [];
    if (query.builtin !== true && shown.length <= query.limit) {
      const beforeId = amongBuiltins ? undefined : after;
      const rows = await templates.list(db, orgId, { viewerId: actor.principal.userId, q: query.q, visibility: query.visibility, beforeId, limit: query.limit - shown.length + 1 });
      own = rows.map(toTemplate);
    }
    return toPage([...shown, ...own], query.limit, (t) => [t.id]);
  }

  async function update(actor: Actor, orgId: string, templateId: string, input: UpdateTemplateInput): Promise<PromptTemplate> {
    const role = await orgs.assertRole(actor.principal, orgId, 'member');
    if (isBuiltinId(templateId)) refuseBuiltin(templateId, 'changed');
    const isAdmin = orgs.roleAtLeast(role, 'admin');
    return db.transaction().execute(async (tx) => {
      const current = await visible(tx, orgId, templateId, actor.principal.userId, true);
      if (!mayChange(current, actor.principal.userId, isAdmin)) throw AssistantsProblems.templateNotYours.error('Only its creator or an org admin may change this prompt template');
      const content = {
        name: input.name !== undefined ? normalizeName(input.name) : current.name,
        description: input.description !== undefined ? input.description : current.description,
        body: input.body ?? current.body,
        variables: (input.variables ?? current.variables).map(cleanVariable),
      };
      if (input.body !== undefined || input.variables !== undefined) assertVariablesMatch(content.body, content.variables);
      // Variables compared key by key in one order: jsonb keeps an object's keys in an order of its own.
      const contentChanged =
        content.name !== current.name ||
        content.description !== current.description ||
        content.body !== current.body ||
        JSON.stringify(content.variables) !== JSON.stringify(current.variables.map(cleanVariable));
      const visibility = input.visibility ?? current.visibility;
      if (!contentChanged && visibility === current.visibility) return toTemplate(current);

      const now = clock.now();
      const version = contentChanged ? current.version + 1 : current.version;
      const row = await templates.update(tx, orgId, templateId, { ...content, visibility, version, updated_at: now });
      if (contentChanged) await templateVersions.insert(tx, versionOf(row, actor.principal.userId, now));
      await events.publish(tx, 'assistants.template_changed', { orgId, templateId, change: 'updated', version, visibility }, { actor, orgId });
      return toTemplate(row);
    });
  }

  async function remove(actor: Actor, orgId: string, templateId: string): Promise<void> {
    const role = await orgs.assertRole(actor.principal, orgId, 'member');
    if (isBuiltinId(templateId)) refuseBuiltin(templateId, 'deleted');
    await db.transaction().execute(async (tx) => {
      const current = await visible(tx, orgId, templateId, actor.principal.userId, true);
      if (!mayChange(current, actor.principal.userId, orgs.roleAtLeast(role, 'admin'))) {
        throw AssistantsProblems.templateNotYours.error('Only its creator or an org admin may delete this prompt template');
      }
      await templates.delete(tx, orgId, templateId);
      await events.publish(tx, 'assistants.template_changed', { orgId, templateId, change: 'deleted', version: current.version, visibility: current.visibility }, { actor, orgId });
    });
  }

  async function listVersions(actor: Actor, orgId: string, templateId: string, query: { cursor?: string; limit: number }): Promise<Page<PromptTemplateVersion>> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    if (isBuiltinId(templateId)) {
      const t = builtin(templateId);
      const before = decodeCursor(query.cursor, isVersionKey);
      return { data: before && Number(before[0]) <= t.version ? [] : [builtinVersion(t)], page: { nextCursor: null, limit: query.limit } };
    }
    await visible(db, orgId, templateId, actor.principal.userId);
    const before = decodeCursor(query.cursor, isVersionKey);
    const rows = await templateVersions.list(db, orgId, templateId, before ? Number(before[0]) : undefined, query.limit + 1);
    const page = toPage(rows, query.limit, (r) => [r.version]);
    return { data: page.data.map(toVersion), page: page.page };
  }

  async function mustVersion(orgId: string, templateId: string, version: number, exec: Executor = db): Promise<TemplateVersionRow> {
    const row = await templateVersions.get(exec, orgId, templateId, version);
    if (!row) throw AssistantsProblems.templateVersionNotFound.error(`The prompt template has no version ${version}`);
    return row;
  }

  async function getVersion(actor: Actor, orgId: string, templateId: string, version: number): Promise<PromptTemplateVersion> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    if (isBuiltinId(templateId)) {
      const t = builtin(templateId);
      if (version !== t.version) throw AssistantsProblems.templateVersionNotFound.error(`The prompt template has no version ${version}`);
      return builtinVersion(t);
    }
    await visible(db, orgId, templateId, actor.principal.userId);
    return toVersion(await mustVersion(orgId, templateId, version));
  }

  /** The text of a version (default the current) with `values` substituted, for anyone who sees the template. */
  async function render(actor: Actor, orgId: string, templateId: string, input: { version?: number; values: Record<string, string> }, exec: Executor = db): Promise<RenderedTemplate> {
    await orgs.assertRole(actor.principal, orgId, 'viewer', exec);
    if (isBuiltinId(templateId)) {
      const t = builtin(templateId);
      if (input.version !== undefined && input.version !== t.version) throw AssistantsProblems.templateVersionNotFound.error(`The prompt template has no version ${input.version}`);
      return renderedOrRefused(templateId, t.version, t.body, t.variables, input.values);
    }
    const current = await visible(exec, orgId, templateId, actor.principal.userId);
    const source = input.version === undefined || input.version === current.version ? current : await mustVersion(orgId, templateId, input.version, exec);
    return renderedOrRefused(templateId, source.version, source.body, source.variables, input.values);
  }

  function renderedOrRefused(templateId: string, version: number, body: string, variables: readonly TemplateVariable[], values: Record<string, string>): RenderedTemplate {
    const rendered = renderBody(body, variables, values);
    if ('problems' in rendered) throw AssistantsProblems.valuesInvalid.error('The values do not fit the variables of this version', { errors: rendered.problems });
    return { templateId, version, text: rendered.text };
  }

  return { create, get, list, update, remove, listVersions, getVersion, render };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;
