// SQL of chat.items. Every query filters by org_id (defence in depth).
import type { Kysely, Selectable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export interface ItemsTable {
  id: string;
  org_id: string;
  name: string;
  created_by: string;
  created_at: Date;
}
export type ItemRow = Selectable<ItemsTable>;

interface Tables {
  'chat.items': ItemsTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;

export const items = {
  insert: (db: Executor, row: ItemsTable) => q(db).insertInto('chat.items').values(row).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('chat.items').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  /** Newest first, keyset on id (UUIDv7 ids sort by creation). */
  list: (db: Executor, orgId: string, beforeId: string | undefined, limit: number) => {
    let query = q(db).selectFrom('chat.items').selectAll().where('org_id', '=', orgId);
    if (beforeId) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
  delete: async (db: Executor, orgId: string, id: string) => {
    const r = await q(db).deleteFrom('chat.items').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
