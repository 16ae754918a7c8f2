// SQL of direct memberships and invitations. Every query names the org it works in
// (defence in depth: the façade's membership check is not the only tenant boundary).
import { sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import { q } from './repository.ts';
import type { OrgRole } from './rules.ts';

export const memberships = {
  get: (db: Executor, orgId: string, userId: string) =>
    q(db).selectFrom('organizations.memberships').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst(),

  byEmail: (db: Executor, orgId: string, email: string) =>
    q(db).selectFrom('organizations.memberships').selectAll().where('org_id', '=', orgId).where('email', '=', email).executeTakeFirst(),

  /** Idempotent on (org, user): returns undefined when the user already had a direct membership. */
  insert: (db: Executor, row: { org_id: string; user_id: string; email: string; role: OrgRole }) =>
    q(db)
      .insertInto('organizations.memberships')
      .values(row)
      .onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing())
      .returningAll()
      .executeTakeFirst(),

  setRole: (db: Executor, orgId: string, userId: string, role: OrgRole) =>
    q(db)
      .updateTable('organizations.memberships')
      .set({ role, updated_at: sql<Date>`now()` })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst(),

  remove: (db: Executor, orgId: string, userId: string) =>
    q(db).deleteFrom('organizations.memberships').where('org_id', '=', orgId).where('user_id', '=', userId).returningAll().executeTakeFirst(),

  /** A user's direct memberships in every org, deleted ones included (users.deleted). */
  ofUser: (db: Executor, userId: string) => q(db).selectFrom('organizations.memberships').selectAll().where('user_id', '=', userId).orderBy('org_id').execute(),

  setEmail: (db: Executor, orgId: string, userId: string, email: string) =>
    q(db).updateTable('organizations.memberships').set({ email }).where('org_id', '=', orgId).where('user_id', '=', userId).execute(),
};

export const invitations = {
  insert: (
    db: Executor,
    row: { id: string; org_id: string; email: string; role: OrgRole; token_hash: string; invited_by: string; inviter_email: string; expires_at: Date },
  ) => q(db).insertInto('organizations.invitations').values(row).returningAll().executeTakeFirstOrThrow(),

  byId: (db: Executor, orgId: string, id: string) =>
    q(db).selectFrom('organizations.invitations').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),

  /** Locks the row: two accepts of one token must not both succeed. */
  lockByTokenHash: (db: Executor, tokenHash: string) =>
    q(db).selectFrom('organizations.invitations').selectAll().where('token_hash', '=', tokenHash).forUpdate().executeTakeFirst(),

  /** Pending: neither accepted nor revoked, and not expired at `now`. Keyset by id. */
  listPending: (db: Executor, orgId: string, now: Date, page: { after?: string; limit: number }) => {
    let query = q(db)
      .selectFrom('organizations.invitations')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after) query = query.where('id', '>', page.after);
    return query.execute();
  },

  revoke: (db: Executor, orgId: string, id: string, now: Date) =>
    q(db)
      .updateTable('organizations.invitations')
      .set({ revoked_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst(),

  /** A new invitation supersedes the pending ones for the same address in the same org. */
  revokePendingFor: (db: Executor, orgId: string, email: string, now: Date) =>
    q(db)
      .updateTable('organizations.invitations')
      .set({ revoked_at: now })
      .where('org_id', '=', orgId)
      .where('email', '=', email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute(),

  markAccepted: (db: Executor, orgId: string, id: string, userId: string, now: Date) =>
    q(db).updateTable('organizations.invitations').set({ accepted_at: now, accepted_by: userId }).where('org_id', '=', orgId).where('id', '=', id).execute(),
};
