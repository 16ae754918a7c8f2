// SQL of users.profiles.
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

interface ProfilesTable {
  user_id: string;
  email: string;
  display_name: string;
  bio: string | null;
  avatar_url: string | null;
  timezone: string;
  locale: string;
  role: string;
  status: string;
  email_verified: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}
interface UsersTables {
  'users.profiles': ProfilesTable;
}
export type ProfileRow = Selectable<ProfilesTable>;

const q = (db: Executor) => db as unknown as Kysely<UsersTables>;

export interface ListFilter {
  q?: string;
  role?: string;
  status?: string;
  after?: string;
  limit: number;
}

export const profiles = {
  /** Idempotent: a redelivered registration leaves the first row alone. */
  create: (db: Executor, row: { user_id: string; email: string; display_name: string }) =>
    q(db).insertInto('users.profiles').values(row as any).onConflict((oc) => oc.column('user_id').doNothing()).execute(),

  byId: (db: Executor, userId: string) => q(db).selectFrom('users.profiles').selectAll().where('user_id', '=', userId).executeTakeFirst(),

  update: (db: Executor, userId: string, patch: Updateable<ProfilesTable>) =>
    q(db)
      .updateTable('users.profiles')
      .set({ ...patch, updated_at: sql<Date>`now()` } as any)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst(),

  list: (db: Executor, f: ListFilter) => {
    let query = q(db).selectFrom('users.profiles').selectAll().orderBy('user_id', 'desc').limit(f.limit + 1);
    if (f.after) query = query.where('user_id', '<', f.after);
    if (f.role) query = query.where('role', '=', f.role);
    if (f.status) query = query.where('status', '=', f.status);
    if (f.q) {
      const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) => eb.or([eb('email', 'ilike', like), eb('display_name', 'ilike', like)]));
    }
    return query.execute();
  },
};
