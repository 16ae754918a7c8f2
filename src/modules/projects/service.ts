// Projects: create (from scratch or a template), list with search and keyset pages, read,
// update, archive, soft delete and restore; and the access check every project use case (and
// the façade) goes through. Rules live in rules.ts, SQL in the repositories.
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, encodeCursor, type Page } from '../../core/http/pagination.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { Clock } from '../../core/module.ts';
import { ProjectProblems } from './problems.ts';
import { members, type ProjectListFilter, type ProjectRow, type ProjectSort, projects } from './repository.ts';
import {
  archived,
  checkCurrency,
  isOrgAdmin,
  keyTaken,
  type Need,
  type NewProjectInput,
  normalizeColor,
  normalizeTags,
  nowOf,
  type OrgPort,
  type OrgRole,
  type ProjectRights,
  type ProjectRole,
  projectNotFound,
  projectRights,
  requireRight,
  resolveNewProject,
} from './rules.ts';
import { tasks, templates } from './task-repository.ts';
import { type ProjectView, templateContentOf, toProjectView } from './views.ts';

export interface CreateProjectInput extends NewProjectInput {
  templateId?: string;
}

export type UpdateProjectInput = Partial<NewProjectInput>;

export interface ListProjectsInput {
  q?: string;
  status?: 'active' | 'archived';
  tag?: string;
  member?: string;
  client?: string;
  sort: ProjectSort;
  order?: 'asc' | 'desc';
  includeDeleted: boolean;
  cursor?: string;
  limit: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the projects services share: core services and the organizations façade. */
export interface ProjectsDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrgPort;
}

export interface ProjectAccess {
  project: ProjectRow;
  orgRole: OrgRole;
  projectRole: ProjectRole | null;
  rights: ProjectRights;
}

/**
 * Loads a project together with the caller's rights on it. Every project route goes through
 * here, so the order of answers is the same everywhere: not an org member → 404 ORG.NOT_FOUND
 * (from the organizations façade), a project the caller cannot see → 404 PROJECTS.NOT_FOUND, a
 * right the caller lacks → 403 FORBIDDEN.
 */
export function createAccess(deps: ProjectsDeps) {
  const { db, orgs } = deps;

  /** Rights of a user on a loaded project, given the user's effective org role. */
  async function rightsOn(orgRole: OrgRole, project: ProjectRow, userId: string, exec: Executor = db) {
    const member = await members.get(exec, project.org_id, project.id, userId);
    const projectRole = (member?.role ?? null) as ProjectRole | null;
    return { projectRole, rights: projectRights(orgRole, projectRole) };
  }

  /** `exec`: the caller's transaction, when the façade is asked inside one. */
  async function resolve(principal: Principal, orgId: string, projectId: string, need: Need, opts: { includeDeleted?: boolean; exec?: Executor } = {}): Promise<ProjectAccess> {
    const exec = opts.exec ?? db;
    const orgRole = await orgs.assertRole(principal, orgId, 'viewer', exec);
    // Façade callers may pass a client's id unchecked: a malformed one is simply not found.
    if (!UUID.test(projectId)) throw projectNotFound();
    const project = await projects.byId(exec, orgId, projectId, { includeDeleted: opts.includeDeleted });
    if (!project) throw projectNotFound();
    const { projectRole, rights } = await rightsOn(orgRole, project, principal.userId, exec);
    requireRight(rights, need);
    return { project, orgRole, projectRole, rights };
  }

  return { resolve, rightsOn };
}

export type Access = ReturnType<typeof createAccess>;

/** Maps each patch field to its column, to compare and write only what changed. */
const COLUMNS: Record<keyof NewProjectInput, keyof ProjectRow> = {
  name: 'name',
  key: 'key',
  description: 'description',
  client: 'client',
  tags: 'tags',
  color: 'color',
  budgetHours: 'budget_hours',
  budgetMinor: 'budget_minor',
  currency: 'currency',
  billableDefault: 'billable_default',
  hourlyRateMinor: 'hourly_rate_minor',
};

const same = (a: unknown, b: unknown) =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b || (a != null && b != null && String(a) === String(b));

/** A unique violation on the live-key index is the same answer as the pre-check: someone won a race. */
async function guardKey<T>(key: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err: any) {
    if (String(err?.code) === '23505') throw keyTaken(key);
    throw err;
  }
}

export function createProjectsService(deps: ProjectsDeps, access: Access) {
  const { db, events, clock, orgs } = deps;

  async function create(actor: Actor, orgId: string, input: CreateProjectInput): Promise<ProjectView> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    checkCurrency(input.currency);
    const template = input.templateId ? await templates.byId(db, orgId, input.templateId) : undefined;
    if (input.templateId && !template) throw ProjectProblems.templateNotFound.error('Template not found');
    const content = template ? templateContentOf(template) : undefined;
    const p = resolveNewProject(input, content);
    const now = nowOf(clock);
    const id = uuidv7();
    const userId = actor.principal.userId;
    const row = await db.transaction().execute(async (tx) => {
      if (await projects.keyTaken(tx, orgId, p.key)) throw keyTaken(p.key);
      const row = await guardKey(p.key, () =>
        projects.insert(tx, {
          id,
          org_id: orgId,
          name: p.name,
          key: p.key,
          description: p.description,
          status: 'active',
          client: p.client,
          tags: p.tags,
          color: p.color,
          budget_hours: p.budgetHours,
          budget_minor: p.budgetMinor,
          currency: p.currency,
          billable_default: p.billableDefault,
          hourly_rate_minor: p.hourlyRateMinor,
          template_id: template?.id ?? null,
          created_by: userId,
          created_at: now,
          updated_at: now,
          last_activity_at: now,
          archived_at: null,
          deleted_at: null,
        }),
      );
      // The creator manages the project, whatever their org role.
      await members.insert(tx, { project_id: id, org_id: orgId, user_id: userId, role: 'manager', hourly_rate_minor: null, added_at: now, updated_at: now });
      const created = await tasks.insert(
        tx,
        (content?.tasks ?? []).map((t) => ({
          id: uuidv7(),
          project_id: id,
          org_id: orgId,
          name: t.name,
          status: 'todo' as const,
          estimate_minutes: t.estimateMinutes,
          assignee_id: null,
          created_by: userId,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })),
      );
      const meta = { actor, orgId };
      await events.publish(tx, 'projects.project_created', { orgId, projectId: id, key: p.key, name: p.name, templateId: template?.id ?? null }, meta);
      await events.publish(tx, 'projects.member_added', { orgId, projectId: id, userId, role: 'manager' }, meta);
      for (const t of created) await events.publish(tx, 'projects.task_created', { orgId, projectId: id, taskId: t.id }, meta);
      return row;
    });
    return toProjectView(row);
  }

  function decodeListCursor(cursor: string | undefined, sort: ProjectSort, order: 'asc' | 'desc') {
    // The cursor names its sort and order: reusing it with another sort is a client error,
    // not a silently wrong page.
    const key = decodeCursor(
      cursor,
      (k) =>
        k.length === 4 &&
        k[0] === sort &&
        k[1] === order &&
        typeof k[2] === 'string' &&
        (sort === 'name' || !Number.isNaN(Date.parse(k[2]))) &&
        typeof k[3] === 'string' &&
        UUID.test(k[3]),
    );
    return key ? { value: sort === 'name' ? String(key[2]) : new Date(String(key[2])), id: String(key[3]) } : undefined;
  }

  async function list(actor: Actor, orgId: string, input: ListProjectsInput): Promise<Page<ProjectView>> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    const admin = isOrgAdmin(role);
    if (input.includeDeleted && !admin) throw CoreProblems.forbidden.error('Only organization admins may list deleted projects');
    const order = input.order ?? (input.sort === 'name' ? 'asc' : 'desc');
    const filter: ProjectListFilter = {
      orgId,
      visibleTo: admin ? undefined : actor.principal.userId,
      includeDeleted: input.includeDeleted,
      q: input.q,
      status: input.status,
      tag: input.tag?.trim(),
      member: input.member,
      client: input.client?.trim(),
      sort: input.sort,
      order,
      after: decodeListCursor(input.cursor, input.sort, order),
      limit: input.limit,
    };
    const rows = await projects.list(db, filter);
    const more = rows.length > input.limit;
    const data = rows.slice(0, input.limit);
    const last = data[data.length - 1];
    const value = last && (last.sort_value instanceof Date ? last.sort_value.toISOString() : String(last.sort_value));
    return {
      data: data.map(toProjectView),
      page: { nextCursor: more ? encodeCursor([input.sort, order, value, last.id]) : null, limit: input.limit },
    };
  }

  async function get(actor: Actor, orgId: string, projectId: string): Promise<ProjectView> {
    const { project } = await access.resolve(actor.principal, orgId, projectId, 'read');
    return toProjectView(project);
  }

  /** Locks the live project for a change; it may have been deleted since the access check. */
  async function lockLive(tx: Executor, orgId: string, projectId: string) {
    const row = await projects.byId(tx, orgId, projectId, { forUpdate: true });
    if (!row) throw projectNotFound();
    return row;
  }

  async function update(actor: Actor, orgId: string, projectId: string, input: UpdateProjectInput): Promise<ProjectView> {
    await access.resolve(actor.principal, orgId, projectId, 'manage');
    checkCurrency(input.currency);
    const patch: UpdateProjectInput = {
      ...input,
      ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      ...(input.client != null ? { client: input.client.trim() } : {}),
      ...(input.tags !== undefined ? { tags: normalizeTags(input.tags) } : {}),
      ...(input.color !== undefined ? { color: normalizeColor(input.color) } : {}),
    };
    const row = await db.transaction().execute(async (tx) => {
      const current = await lockLive(tx, orgId, projectId);
      if (current.status === 'archived') throw archived();
      const changed = (Object.keys(patch) as (keyof NewProjectInput)[]).filter((f) => patch[f] !== undefined && !same(patch[f], current[COLUMNS[f]]));
      if (changed.length === 0) return current;
      if (patch.key !== undefined && changed.includes('key') && (await projects.keyTaken(tx, orgId, patch.key, projectId))) throw keyTaken(patch.key);
      const now = nowOf(clock);
      const set: Record<string, unknown> = { updated_at: now, last_activity_at: now };
      for (const f of changed) set[COLUMNS[f]] = patch[f];
      const row = await guardKey(patch.key ?? current.key, () => projects.update(tx, orgId, projectId, set));
      await events.publish(tx, 'projects.project_updated', { orgId, projectId, fields: changed }, { actor, orgId });
      return row;
    });
    return toProjectView(row);
  }

  /** Archive and unarchive are idempotent: a project already in the state is returned as is. */
  async function setArchived(actor: Actor, orgId: string, projectId: string, archive: boolean): Promise<ProjectView> {
    await access.resolve(actor.principal, orgId, projectId, 'manage');
    const row = await db.transaction().execute(async (tx) => {
      const current = await lockLive(tx, orgId, projectId);
      if ((current.status === 'archived') === archive) return current;
      const now = nowOf(clock);
      const row = await projects.update(tx, orgId, projectId, {
        status: archive ? 'archived' : 'active',
        archived_at: archive ? now : null,
        updated_at: now,
        last_activity_at: now,
      });
      await events.publish(tx, archive ? 'projects.project_archived' : 'projects.project_unarchived', { orgId, projectId }, { actor, orgId });
      return row;
    });
    return toProjectView(row);
  }

  async function remove(actor: Actor, orgId: string, projectId: string): Promise<void> {
    await access.resolve(actor.principal, orgId, projectId, 'manage');
    await db.transaction().execute(async (tx) => {
      await lockLive(tx, orgId, projectId);
      const now = nowOf(clock);
      await projects.update(tx, orgId, projectId, { deleted_at: now, updated_at: now });
      await events.publish(tx, 'projects.project_deleted', { orgId, projectId }, { actor, orgId });
    });
  }

  /** Undoes a soft delete; the key must still be free (another project may have taken it). */
  async function restore(actor: Actor, orgId: string, projectId: string): Promise<ProjectView> {
    await access.resolve(actor.principal, orgId, projectId, 'manage', { includeDeleted: true });
    const row = await db.transaction().execute(async (tx) => {
      const current = await projects.byId(tx, orgId, projectId, { includeDeleted: true, forUpdate: true });
      if (!current) throw projectNotFound();
      if (!current.deleted_at) return current;
      if (await projects.keyTaken(tx, orgId, current.key, projectId)) throw keyTaken(current.key);
      const now = nowOf(clock);
      const row = await guardKey(current.key, () => projects.update(tx, orgId, projectId, { deleted_at: null, updated_at: now, last_activity_at: now }));
      await events.publish(tx, 'projects.project_restored', { orgId, projectId }, { actor, orgId });
      return row;
    });
    return toProjectView(row);
  }

  return {
    create,
    list,
    get,
    update,
    archive: (actor: Actor, orgId: string, projectId: string) => setArchived(actor, orgId, projectId, true),
    unarchive: (actor: Actor, orgId: string, projectId: string) => setArchived(actor, orgId, projectId, false),
    remove,
    restore,
  };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
