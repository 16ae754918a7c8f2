// SQL of the notifications schema. Every query of a user's rows names the user: a
// notification id alone never reaches another user's row.
import { type Generated, type Kysely, type Selectable, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export type ChannelState = 'off' | 'pending' | 'sent' | 'skipped' | 'failed';

interface NotificationsTable {
  id: string;
  user_id: string;
  event_id: string;
  type: string;
  org_id: string | null;
  title: string;
  body: string;
  data: Record<string, unknown>;
  in_app: boolean;
  email_state: ChannelState;
  sms_state: ChannelState;
  read_at: Date | null;
  created_at: Generated<Date>;
}
interface PreferencesTable {
  user_id: string;
  switches: unknown;
  phone_number: string | null;
  updated_at: Generated<Date>;
}
interface StreamTicketsTable {
  token_hash: string;
  user_id: string;
  session_id: string | null;
  api_key_id: string | null;
  expires_at: Date;
  used_at: Date | null;
}
interface NotificationsTables {
  'notifications.notifications': NotificationsTable;
  'notifications.preferences': PreferencesTable;
  'notifications.stream_tickets': StreamTicketsTable;
}
export type NotificationRow = Selectable<NotificationsTable>;
export type NewNotification = Omit<NotificationRow, 'created_at' | 'read_at'>;
export type PreferencesRow = Selectable<PreferencesTable>;
export type StreamTicketRow = Selectable<StreamTicketsTable>;

const q = (db: Executor) => db as unknown as Kysely<NotificationsTables>;
const T = 'notifications.notifications' as const;

/** The sort key of the list: unread first, then newest. */
export type ListKey = [unread: boolean, id: string];

export const notifications = {
  /** Idempotent on (event, user): undefined when this event already notified this user. */
  insert: (db: Executor, row: NewNotification) =>
    q(db)
      .insertInto(T)
      .values({ ...row, data: JSON.stringify(row.data) as never })
      .onConflict((oc) => oc.columns(['event_id', 'user_id']).doNothing())
      .returningAll()
      .executeTakeFirst(),

  byEvent: (db: Executor, eventId: string, userId: string) =>
    q(db).selectFrom(T).selectAll().where('event_id', '=', eventId).where('user_id', '=', userId).executeTakeFirst(),

  setChannelState: (db: Executor, id: string, channel: 'email' | 'sms', state: ChannelState) =>
    q(db)
      .updateTable(T)
      .set(channel === 'email' ? { email_state: state } : { sms_state: state })
      .where('id', '=', id)
      .execute(),

  /** Uses notifications_list_idx: (user_id, read_at IS NULL, id) scanned backwards. */
  list: (db: Executor, userId: string, opts: { unreadOnly: boolean; after?: ListKey; limit: number }) => {
    let query = q(db).selectFrom(T).selectAll().where('user_id', '=', userId).where('in_app', '=', true);
    if (opts.unreadOnly) query = query.where('read_at', 'is', null);
    if (opts.after) {
      const [unread, id] = opts.after;
      query = query.where(sql<boolean>`((read_at IS NULL), id) < (${unread}, ${id}::uuid)`);
    }
    return query
      .orderBy(sql`(read_at IS NULL)`, 'desc')
      .orderBy('id', 'desc')
      .limit(opts.limit + 1)
      .execute();
  },

  unreadCount: async (db: Executor, userId: string) => {
    const r = await q(db)
      .selectFrom(T)
      .select(sql<number>`count(*)::int`.as('n'))
      .where('user_id', '=', userId)
      .where('in_app', '=', true)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return r.n;
  },

  /** Marks one as read; undefined when it is not this user's (or not an in-app notification). */
  markRead: (db: Executor, userId: string, id: string, at: Date) =>
    q(db)
      .updateTable(T)
      .set({ read_at: sql<Date>`coalesce(read_at, ${at})` })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('in_app', '=', true)
      .returning(['id'])
      .executeTakeFirst(),

  markAllRead: async (db: Executor, userId: string, at: Date) => {
    const r = await q(db).updateTable(T).set({ read_at: at }).where('user_id', '=', userId).where('in_app', '=', true).where('read_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  /** In-app notifications created after `afterId` (UUIDv7 ids sort by time), oldest first. */
  since: (db: Executor, userId: string, afterId: string, limit: number) =>
    q(db)
      .selectFrom(T)
      .selectAll()
      .where('user_id', '=', userId)
      .where('in_app', '=', true)
      .where('id', '>', afterId)
      .orderBy('id', 'asc')
      .limit(limit + 1)
      .execute(),
};

export const preferences = {
  get: (db: Executor, userId: string) => q(db).selectFrom('notifications.preferences').selectAll().where('user_id', '=', userId).executeTakeFirst(),

  /** Row-locks the user's preferences (or nothing, when none are stored yet). */
  lock: (db: Executor, userId: string) => q(db).selectFrom('notifications.preferences').selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst(),

  upsert: (db: Executor, row: { user_id: string; switches: unknown; phone_number: string | null }) =>
    q(db)
      .insertInto('notifications.preferences')
      .values({ ...row, switches: JSON.stringify(row.switches) })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({ switches: JSON.stringify(row.switches), phone_number: row.phone_number, updated_at: sql<Date>`now()` }),
      )
      .returningAll()
      .executeTakeFirstOrThrow(),
};

export const streamTickets = {
  insert: (db: Executor, row: Omit<StreamTicketRow, 'used_at'>) => q(db).insertInto('notifications.stream_tickets').values(row).execute(),

  /** Spends a ticket: only one caller ever gets the row back, and only before it expires. */
  redeem: (db: Executor, tokenHash: string, now: Date) =>
    q(db)
      .updateTable('notifications.stream_tickets')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst(),

  deleteExpired: (db: Executor, before: Date) => q(db).deleteFrom('notifications.stream_tickets').where('expires_at', '<', before).execute(),
};

/** A deleted account: nothing personal stays behind (the phone number, the inbox). */
export async function forgetUser(db: Executor, userId: string): Promise<void> {
  await q(db).deleteFrom('notifications.notifications').where('user_id', '=', userId).execute();
  await q(db).deleteFrom('notifications.preferences').where('user_id', '=', userId).execute();
  await q(db).deleteFrom('notifications.stream_tickets').where('user_id', '=', userId).execute();
}
