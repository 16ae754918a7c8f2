// The chat use cases: who may do what, the rules, the events. Routes call these; SQL lives
// in the repository.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { ChatProblems } from './problems.ts';
import { type ItemRow, items } from './repository.ts';
import { normalizeName } from './rules.ts';
import type { ItemView } from './schemas.ts';

export type ChatItem = Static<typeof ItemView>;

/** What other modules may ask of this one (through index.ts). */
export interface ChatApi {
  getItem(orgId: string, itemId: string, exec?: Executor): Promise<ChatItem | null>;
}

export interface ChatDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
}

const toView = (r: ItemRow): ChatItem => ({ id: r.id, orgId: r.org_id, name: r.name, createdAt: r.created_at.toISOString() });

export function createChatService(deps: ChatDeps) {
  const { db, events, clock, orgs } = deps;

  async function create(actor: Actor, orgId: string, input: { name: string }): Promise<ChatItem> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    const row: ItemRow = { id: uuidv7(), org_id: orgId, name: normalizeName(input.name), created_by: actor.principal.userId, created_at: clock.now() };
    try {
      await db.transaction().execute(async (tx) => {
        await items.insert(tx, row);
        await events.publish(tx, 'chat.item_created', { orgId, itemId: row.id, name: row.name }, { actor, orgId });
      });
    } catch (err) {
      // The unique (org_id, name) index: another item has this name.
      if ((err as { code?: string }).code === '23505') throw ChatProblems.nameTaken.error('Another item of this organization has this name');
      throw err;
    }
    return toView(row);
  }

  async function get(actor: Actor, orgId: string, itemId: string): Promise<ChatItem> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const row = await items.byId(db, orgId, itemId);
    if (!row) throw ChatProblems.itemNotFound.error('Item not found');
    return toView(row);
  }

  async function list(actor: Actor, orgId: string, query: { cursor?: string; limit: number }): Promise<Page<ChatItem>> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const before = decodeCursor(query.cursor, isUuidKey);
    const rows = await items.list(db, orgId, before ? String(before[0]) : undefined, query.limit + 1);
    const page = toPage(rows, query.limit, (r) => [r.id]);
    return { data: page.data.map(toView), page: page.page };
  }

  async function remove(actor: Actor, orgId: string, itemId: string): Promise<void> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    await db.transaction().execute(async (tx) => {
      if (!(await items.delete(tx, orgId, itemId))) throw ChatProblems.itemNotFound.error('Item not found');
      await events.publish(tx, 'chat.item_deleted', { orgId, itemId }, { actor, orgId });
    });
  }

  const api: ChatApi = {
    async getItem(orgId, itemId, exec = db) {
      const row = await items.byId(exec, orgId, itemId);
      return row ? toView(row) : null;
    },
  };

  return { create, get, list, remove, api };
}

export type ChatService = ReturnType<typeof createChatService>;
