// Conversations: start, list (search, keyset pages), read, change, archive, delete. A
// conversation is its owner's alone: anyone else, an org admin included, is told it does not exist.
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, encodeCursor, type Page } from '../../core/http/pagination.ts';
import { LlmProblems } from '../../core/llm/index.ts';
import type { RealtimeBroker } from '../../core/realtime/types.ts';
import type { Clock } from '../../core/module.ts';
import type { Assistant, AssistantsApi } from '../assistants/index.ts';
import type { LlmAdminApi } from '../llm_admin/index.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { prefixQuery } from './history.ts';
import { publishStop } from './live.ts';
import { ChatProblems } from './problems.ts';
import type { ProjectScope } from './project-scope.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Storage } from '../../core/storage/index.ts';
import { attachments, type ConversationRow, conversations } from './repository.ts';
import { type Conversation, toConversation } from './views.ts';

export interface ConversationsDeps {
  db: Executor;
  events: EventPublisher;
  realtime: RealtimeBroker;
  clock: Clock;
  orgs: OrganizationsApi;
  models: LlmAdminApi;
  assistants: AssistantsApi;
  /** Whether the caller may bind a project (project-scope.ts). */
  projectScope: Pick<ProjectScope, 'check'>;
  /** Where attachments' files are: removed with their conversation. */
  storage: Pick<Storage, 'remove'>;
  log: Logger;
}

export interface ConversationInput {
  title?: string;
  assistantId?: string | null;
  modelId?: string | null;
  /** The project it is about; null or absent: none (decision 0048). */
  projectId?: string | null;
  system?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isListKey = (key: unknown[]) => key.length === 2 && typeof key[0] === 'string' && !Number.isNaN(Date.parse(key[0])) && typeof key[1] === 'string' && UUID.test(key[1]);

export function createConversations(deps: ConversationsDeps) {
  const { db, events, realtime, clock, orgs, models, assistants } = deps;

  /** The caller's conversation in the org, or 404 (not a member: ORG.NOT_FOUND; not theirs: CHAT.CONVERSATION_NOT_FOUND). */
  async function mine(actor: Actor, orgId: string, conversationId: string, exec: Executor = db): Promise<ConversationRow> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const row = await conversations.mine(exec, orgId, actor.principal.userId, conversationId);
    if (!row) throw ChatProblems.conversationNotFound.error('Conversation not found');
    return row;
  }

  /** A model the caller may use in this org, or its refusal (the catalog's own problems). */
  async function checkModel(actor: Actor, orgId: string, modelId: string | null | undefined) {
    if (!modelId) return;
    const model = (await models.listModels(actor, orgId)).find((m) => m.id === modelId);
    if (!model) throw LlmProblems.modelNotFound.error("Model not found in this organization's catalog");
    if (!model.allowed) throw LlmProblems.modelNotAllowed.error(`The model ${model.provider}/${model.model} is not open to you in this organization`);
  }

  /** The assistant as the caller may use it now, or 404: a private one of someone else does not exist for them. */
  async function assistantFor(actor: Actor, orgId: string, assistantId: string): Promise<Assistant> {
    const assistant = await assistants.getAssistant(actor, orgId, assistantId);
    if (!assistant) throw ChatProblems.assistantNotFound.error('Assistant not found', { errors: [{ field: 'body.assistantId', message: 'is not an assistant of this organization that you may use' }] });
    return assistant;
  }

  /** A new conversation's row (stored by the caller, with its event: see `insert`). */
  function newRow(actor: Actor, orgId: string, input: ConversationInput, at: Date): ConversationRow {
    return {
      id: uuidv7(),
      org_id: orgId,
      owner_id: actor.principal.userId,
      title: input.title?.trim() || null,
      model_id: input.modelId ?? null,
      assistant_id: input.assistantId ?? null,
      project_id: input.projectId ?? null,
      system: input.system || null,
      archived_at: null,
      created_at: at,
      updated_at: at,
    };
  }

  async function insert(tx: Executor, actor: Actor, row: ConversationRow) {
    await conversations.insert(tx, row);
    await events.publish(tx, 'chat.conversation_created', { orgId: row.org_id, conversationId: row.id, modelId: row.model_id }, { actor, orgId: row.org_id });
  }

  async function create(actor: Actor, orgId: string, input: ConversationInput): Promise<Conversation> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    if (input.assistantId) await assistantFor(actor, orgId, input.assistantId);
    if (input.projectId) await deps.projectScope.check(actor, orgId, input.projectId);
    await checkModel(actor, orgId, input.modelId);
    const row = newRow(actor, orgId, input, clock.now());
    await db.transaction().execute((tx) => insert(tx, actor, row));
    return toConversation(row);
  }

  async function list(actor: Actor, orgId: string, query: { q?: string; archived: boolean; cursor?: string; limit: number }): Promise<Page<Conversation>> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const key = decodeCursor(query.cursor, isListKey);
    const tsquery = query.q ? prefixQuery(query.q) : null;
    // A search of punctuation alone finds nothing rather than everything.
    if (query.q?.trim() && !tsquery) return { data: [], page: { nextCursor: null, limit: query.limit } };
    const rows = await conversations.list(db, {
      orgId,
      ownerId: actor.principal.userId,
      archived: query.archived,
      tsquery,
      after: key ? { updatedAt: new Date(String(key[0])), id: String(key[1]) } : null,
      limit: query.limit,
    });
    const data = rows.slice(0, query.limit);
    const last = data.at(-1);
    return { data: data.map(toConversation), page: { nextCursor: rows.length > query.limit && last ? encodeCursor([last.updated_at.toISOString(), last.id]) : null, limit: query.limit } };
  }

  async function get(actor: Actor, orgId: string, conversationId: string): Promise<Conversation> {
    return toConversation(await mine(actor, orgId, conversationId));
  }

  async function update(actor: Actor, orgId: string, conversationId: string, input: ConversationInput): Promise<Conversation> {
    await mine(actor, orgId, conversationId);
    await checkModel(actor, orgId, input.modelId);
    if (input.projectId) await deps.projectScope.check(actor, orgId, input.projectId);
    const set = {
      ...(input.title !== undefined ? { title: input.title.trim() } : {}),
      ...(input.modelId !== undefined ? { model_id: input.modelId } : {}),
      ...(input.projectId !== undefined ? { project_id: input.projectId } : {}),
      ...(input.system !== undefined ? { system: input.system || null } : {}),
      updated_at: clock.now(),
    };
    const row = await conversations.update(db, orgId, actor.principal.userId, conversationId, set);
    if (!row) throw ChatProblems.conversationNotFound.error('Conversation not found');
    return toConversation(row);
  }

  async function setArchived(actor: Actor, orgId: string, conversationId: string, archived: boolean): Promise<Conversation> {
    const current = await mine(actor, orgId, conversationId);
    // Archiving keeps its place in time: it is not activity.
    const archivedAt = archived ? (current.archived_at ?? clock.now()) : null;
    const row = await conversations.update(db, orgId, actor.principal.userId, conversationId, { archived_at: archivedAt });
    if (!row) throw ChatProblems.conversationNotFound.error('Conversation not found');
    return toConversation(row);
  }

  /**
   * Deletes it, messages, attachments and all; an answer still being written is stopped wherever
   * it runs. The attachments' files are removed once the rows are gone (as data sources remove
   * theirs): a failure there is logged and leaves a file counted against the quota, never a
   * conversation half deleted.
   */
  async function remove(actor: Actor, orgId: string, conversationId: string): Promise<void> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const { streaming, keys } = await db.transaction().execute(async (tx) => {
      const keys = await attachments.keysOf(tx, conversationId);
      const r = await conversations.delete(tx, orgId, actor.principal.userId, conversationId);
      if (!r.deleted) throw ChatProblems.conversationNotFound.error('Conversation not found');
      await events.publish(tx, 'chat.conversation_deleted', { orgId, conversationId }, { actor, orgId });
      return { streaming: r.streaming, keys };
    });
    // Its generation would find the row gone at its next write anyway; this saves the provider's tokens.
    await Promise.all(streaming.map((id) => publishStop(realtime, id)));
    for (const key of keys) {
      await deps.storage.remove(key).catch((err: Error) => deps.log.warn({ key, err: err.message }, "chat: an attachment's file was not removed; it still counts against the quota"));
    }
  }

  return { mine, checkModel, assistantFor, checkProject: deps.projectScope.check, newRow, insert, create, list, get, update, setArchived, remove };
}

export type Conversations = ReturnType<typeof createConversations>;
