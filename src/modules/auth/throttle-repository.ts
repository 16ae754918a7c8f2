// SQL of the sign-in throttle: failures per (email, client) and per email. Every function takes
// the executor first; times come from the app clock, never the database's now(), so the rules
// are measured against one clock.
import { type Kysely, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { AuthTables } from './tables.ts';

const q = (db: Executor) => db as unknown as Kysely<AuthTables>;

export const pairFailures = {
  get: (db: Executor, email: string, client: string) =>
    q(db).selectFrom('auth.login_pair_failures').selectAll().where('email', '=', email).where('client', '=', client).executeTakeFirst(),

  /** Counts a failure; returns the row after the update (locked for the rest of the transaction). */
  fail: (db: Executor, email: string, client: string, now: Date) =>
    q(db)
      .insertInto('auth.login_pair_failures')
      .values({ email, client, failures: 1, last_failed_at: now })
      .onConflict((oc) =>
        oc.columns(['email', 'client']).doUpdateSet({ failures: sql<number>`auth.login_pair_failures.failures + 1`, last_failed_at: now }),
      )
      .returningAll()
      .executeTakeFirstOrThrow(),

  lock: (db: Executor, email: string, client: string, until: Date) =>
    q(db)
      .updateTable('auth.login_pair_failures')
      .set({ locked_until: until, failures: 0, lock_count: sql<number>`lock_count + 1` })
      .where('email', '=', email)
      .where('client', '=', client)
      .execute(),

  clear: (db: Executor, email: string, client: string) =>
    q(db).deleteFrom('auth.login_pair_failures').where('email', '=', email).where('client', '=', client).execute(),

  /** Deletes pairs whose last failure and lock both ended before `before` (login_pair_failures_quiet_idx). */
  purge: async (db: Executor, before: Date) => {
    const r = await q(db).deleteFrom('auth.login_pair_failures').where(sql<Date>`greatest(last_failed_at, locked_until)`, '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};

export const accountFailures = {
  get: (db: Executor, email: string) => q(db).selectFrom('auth.login_account_failures').selectAll().where('email', '=', email).executeTakeFirst(),

  /**
   * Counts a failure, from 1 again when the last one is older than `restartBefore` (the spacing
   * of that older run is over too); returns the row after the update.
   */
  fail: (db: Executor, email: string, now: Date, restartBefore: Date) =>
    q(db)
      .insertInto('auth.login_account_failures')
      .values({ email, failures: 1, last_failed_at: now })
      .onConflict((oc) =>
        oc.column('email').doUpdateSet({
          failures: sql<number>`CASE WHEN auth.login_account_failures.last_failed_at <= ${restartBefore} THEN 1 ELSE auth.login_account_failures.failures + 1 END`,
          next_attempt_at: sql<Date | null>`CASE WHEN auth.login_account_failures.last_failed_at <= ${restartBefore} THEN NULL ELSE auth.login_account_failures.next_attempt_at END`,
          last_failed_at: now,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow(),

  /** No attempt before `until` (a slot already taken for later stays). */
  spaceUntil: (db: Executor, email: string, until: Date) =>
    q(db)
      .updateTable('auth.login_account_failures')
      .set({ next_attempt_at: sql<Date>`greatest(next_attempt_at, ${until})` })
      .where('email', '=', email)
      .execute(),

  /**
   * Takes the account's next attempt if it is due at `now`, and moves the next one to `until`.
   * False when a concurrent attempt took it first: the row lock makes exactly one of them win.
   */
  takeSlot: async (db: Executor, email: string, now: Date, until: Date) => {
    const row = await q(db)
      .updateTable('auth.login_account_failures')
      .set({ next_attempt_at: until })
      .where('email', '=', email)
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
      .returning('email')
      .executeTakeFirst();
    return row !== undefined;
  },

  purge: async (db: Executor, before: Date) => {
    const r = await q(db).deleteFrom('auth.login_account_failures').where('last_failed_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};

/** Forgets every failure of an email: its locked clients and its ceiling. */
export async function clearFailures(db: Executor, email: string) {
  await q(db).deleteFrom('auth.login_pair_failures').where('email', '=', email).execute();
  await q(db).deleteFrom('auth.login_account_failures').where('email', '=', email).execute();
}
