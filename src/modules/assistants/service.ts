// The assistants use cases: who may do what, the rules, the events. Routes call these; SQL lives
// in the repository, the checks of what an assistant refers to in references.ts. Members create;
// a private assistant is its creator's alone (404 to everyone else, admins included); one
// shared with the org is read and used by every member and changed by its creator or an admin.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { AssistantsProblems } from './problems.ts';
import { distinct, type References } from './references.ts';
import { type AssistantRow, type AssistantsTable, assistants, type Knowledge } from './repository.ts';
import { mayChange, normalizeName, type Visibility, visibleTo } from './rules.ts';
import type { AssistantView } from './schemas.ts';

export type Assistant = Static<typeof AssistantView>;

export interface AssistantsDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  refs: References;
}

export interface CreateAssistantInput {
  name: string;
  description?: string | null;
  instructions: string;
  modelId?: string | null;
  temperature?: number | null;
  tools: string[];
  knowledge: Knowledge;
  visibility: Visibility;
}

export interface UpdateAssistantInput {
  name?: string;
  description?: string | null;
  instructions?: string;
  modelId?: string | null;
  temperature?: number | null;
  tools?: string[];
  knowledge?: Partial<Knowledge>;
  visibility?: Visibility;
}

export const toAssistant = (r: AssistantRow): Assistant => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  description: r.description,
  instructions: r.instructions,
  modelId: r.model_id,
  temperature: r.temperature,
  tools: r.tools,
  knowledge: { projectIds: r.knowledge.projectIds, fileIds: r.knowledge.fileIds },
  visibility: r.visibility,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** The columns a change may touch, and the field each is called in the API and the event. */
const FIELDS = [
  ['name', 'name'],
  ['description', 'description'],
  ['instructions', 'instructions'],
  ['model_id', 'modelId'],
  ['temperature', 'temperature'],
  ['tools', 'tools'],
  ['knowledge', 'knowledge'],
  ['visibility', 'visibility'],
] as const;

// Callers of the façade may hand over ids they got from clients: a malformed one matches nothing.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the actor has a role in the org: the façade answers null, not the refusal, to anyone else. */
export async function isMember(orgs: OrganizationsApi, actor: Actor, orgId: string, exec?: Executor): Promise<boolean> {
  try {
    await orgs.assertRole(actor.principal, orgId, 'viewer', exec);
    return true;
  } catch (err) {
    if (err instanceof AppError && (err.kind === 'not_found' || err.kind === 'forbidden')) return false;
    throw err;
  }
}

const cleanKnowledge = (k: Knowledge): Knowledge => ({ projectIds: distinct(k.projectIds), fileIds: distinct(k.fileIds) });

/** A value to compare by: jsonb keeps an object's keys in an order of its own. */
const canonical = (column: string, value: unknown) => JSON.stringify(column === 'knowledge' ? cleanKnowledge(value as Knowledge) : value);

export function createAssistantsService(deps: AssistantsDeps) {
  const { db, events, clock, orgs, refs } = deps;

  async function create(actor: Actor, orgId: string, input: CreateAssistantInput): Promise<Assistant> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    const tools = distinct(input.tools);
    refs.checkTools(tools);
    await refs.checkModel(actor, orgId, input.modelId ?? null, { withTools: tools.length > 0, allowed: true });
    const knowledge = cleanKnowledge(input.knowledge);
    await refs.checkKnowledge(actor, orgId, knowledge);
    const now = clock.now();
    const row: AssistantsTable = {
      id: uuidv7(),
      org_id: orgId,
      name: normalizeName(input.name),
      description: input.description ?? null,
      instructions: input.instructions,
      model_id: input.modelId ?? null,
      temperature: input.temperature ?? null,
      tools,
      knowledge,
      visibility: input.visibility,
      created_by: actor.principal.userId,
      created_at: now,
      updated_at: now,
    };
    await db.transaction().execute(async (tx) => {
      await assistants.insert(tx, row);
      await events.publish(tx, 'assistants.created', { orgId, assistantId: row.id, visibility: row.visibility }, { actor, orgId });
    });
    return toAssistant(row);
  }

  /** The row if `userId` sees it; 404 otherwise, whether it is absent, another org's or private to someone else. */
  async function visible(exec: Executor, orgId: string, assistantId: string, userId: string, lock = false): Promise<AssistantRow> {
    const row = await (lock ? assistants.lock : assistants.byId)(exec, orgId, assistantId);
    if (!row || !visibleTo(row, userId)) throw AssistantsProblems.notFound.error('Assistant not found');
    return row;
  }

  async function get(actor: Actor, orgId: string, assistantId: string): Promise<Assistant> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    return toAssistant(await visible(db, orgId, assistantId, actor.principal.userId));
  }

  async function list(actor: Actor, orgId: string, query: { cursor?: string; limit: number; q?: string; visibility?: Visibility }): Promise<Page<Assistant>> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const before = decodeCursor(query.cursor, isUuidKey);
    const rows = await assistants.list(db, orgId, { viewerId: actor.principal.userId, q: query.q, visibility: query.visibility, beforeId: before ? String(before[0]) : undefined, limit: query.limit + 1 });
    const page = toPage(rows, query.limit, (r) => [r.id]);
    return { data: page.data.map(toAssistant), page: page.page };
  }

  function assertMayChange(row: AssistantRow, actor: Actor, isAdmin: boolean): void {
    if (!mayChange(row, actor.principal.userId, isAdmin)) throw AssistantsProblems.notYours.error('Only its creator or an org admin may change this assistant');
  }

  async function update(actor: Actor, orgId: string, assistantId: string, input: UpdateAssistantInput): Promise<Assistant> {
    const role = await orgs.assertRole(actor.principal, orgId, 'member');
    const isAdmin = orgs.roleAtLeast(role, 'admin');
    // Read and checked first on the pool (the references' peers take no executor), then locked,
    // checked again and written in one transaction.
    const current = await visible(db, orgId, assistantId, actor.principal.userId);
    assertMayChange(current, actor, isAdmin);
    const next: Partial<AssistantsTable> = {};
    if (input.name !== undefined) next.name = normalizeName(input.name);
    if (input.description !== undefined) next.description = input.description;
    if (input.instructions !== undefined) next.instructions = input.instructions;
    if (input.modelId !== undefined) next.model_id = input.modelId;
    if (input.temperature !== undefined) next.temperature = input.temperature;
    if (input.visibility !== undefined) next.visibility = input.visibility;
    if (input.tools !== undefined) {
      next.tools = distinct(input.tools);
      refs.checkTools(next.tools);
    }
    if (input.modelId !== undefined || input.tools !== undefined) {
      const tools = next.tools ?? current.tools;
      // A new model must be open to whoever sets it; new tools only need the model to take tools.
      await refs.checkModel(actor, orgId, next.model_id === undefined ? current.model_id : next.model_id, { withTools: tools.length > 0, allowed: input.modelId !== undefined });
    }
    if (input.knowledge !== undefined) {
      next.knowledge = cleanKnowledge({ ...current.knowledge, ...input.knowledge });
      await refs.checkKnowledge(actor, orgId, next.knowledge);
    }
    const changed = FIELDS.filter(([column]) => column in next && canonical(column, next[column]) !== canonical(column, current[column]));
    if (!changed.length) return toAssistant(current);

    return db.transaction().execute(async (tx) => {
      assertMayChange(await visible(tx, orgId, assistantId, actor.principal.userId, true), actor, isAdmin);
      const row = await assistants.update(tx, orgId, assistantId, { ...next, updated_at: clock.now() });
      await events.publish(tx, 'assistants.updated', { orgId, assistantId, visibility: row.visibility, fields: changed.map(([, field]) => field) }, { actor, orgId });
      return toAssistant(row);
    });
  }

  async function remove(actor: Actor, orgId: string, assistantId: string): Promise<void> {
    const role = await orgs.assertRole(actor.principal, orgId, 'member');
    await db.transaction().execute(async (tx) => {
      assertMayChange(await visible(tx, orgId, assistantId, actor.principal.userId, true), actor, orgs.roleAtLeast(role, 'admin'));
      await assistants.delete(tx, orgId, assistantId);
      await events.publish(tx, 'assistants.deleted', { orgId, assistantId }, { actor, orgId });
    });
  }

  /**
   * For the façade: the assistant if `actor` may use it (a member of the org who sees it), with
   * its knowledge narrowed to what they may read now; null otherwise, never a refusal.
   */
  async function usable(actor: Actor, orgId: string, assistantId: string, exec: Executor = db): Promise<Assistant | null> {
    if (!UUID.test(orgId) || !UUID.test(assistantId) || !(await isMember(orgs, actor, orgId, exec))) return null;
    const row = await assistants.byId(exec, orgId, assistantId);
    if (!row || !visibleTo(row, actor.principal.userId)) return null;
    return { ...toAssistant(row), knowledge: await refs.narrowKnowledge(actor, orgId, row.knowledge, exec) };
  }

  return { create, get, list, update, remove, usable };
}

export type AssistantsService = ReturnType<typeof createAssistantsService>;
