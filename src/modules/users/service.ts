// Profiles and the user directory. Account facts (email, role, status) belong to auth:
// changes go through its API, and its events keep this module's directory copy current.
import type { Static } from 'typebox';
import { CoreProblems, invalid } from '../../core/errors.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { CoreDeps } from '../../core/module.ts';
import { decodeCursor, isUuidKey, toPage } from '../../core/http/pagination.ts';
import { isTimeZone } from '../../core/time/zones.ts';
import type { AuthApi } from '../auth/index.ts';
import { UserProblems } from './problems.ts';
import { type ProfileRow, profiles } from './repository.ts';
import type { UserView as UserSchema } from './schemas.ts';

export type UserView = Static<typeof UserSchema>;

export interface ProfilePatch {
  displayName?: string;
  bio?: string | null;
  avatarUrl?: string | null;
  timezone?: string;
  locale?: string;
}

export function toUserView(p: ProfileRow): UserView {
  return {
    id: p.user_id,
    email: p.email,
    emailVerified: p.email_verified,
    role: p.role as 'user' | 'admin',
    status: p.status as 'active' | 'disabled' | 'deleted',
    profile: { displayName: p.display_name, bio: p.bio, avatarUrl: p.avatar_url, timezone: p.timezone, locale: p.locale },
    createdAt: p.created_at.toISOString(),
  };
}

const userNotFound = () => CoreProblems.notFound.error('User not found');

export function validLocale(locale: string): boolean {
  try {
    return Intl.getCanonicalLocales(locale).length === 1;
  } catch {
    return false;
  }
}

export function createUsersService(core: CoreDeps, auth: AuthApi) {
  const { db, events } = core;

  async function me(principal: Principal): Promise<UserView> {
    const row = await profiles.meById(core.database, principal.userId);
    if (row) {
      // The account facts come from the principal (auth's own, current copy).
      return {
        id: principal.userId,
        email: principal.email,
        emailVerified: principal.emailVerified,
        role: principal.role,
        status: 'active',
        profile: { displayName: row.display_name, bio: row.bio, avatarUrl: row.avatar_url, timezone: row.timezone, locale: row.locale },
        createdAt: row.created_at,
      };
    }
    // Registration's profile is created by an event subscriber; in the moment before it
    // runs, answer from the account with default profile fields.
    const account = await auth.getAccount(principal.userId);
    // Not for a signed-in caller (an account is never removed, only marked deleted): /users/me declares no 404.
    if (!account) throw userNotFound();
    return {
      id: account.id,
      email: account.email,
      emailVerified: account.emailVerified,
      role: account.role,
      status: account.status,
      profile: { displayName: account.email.split('@')[0], bio: null, avatarUrl: null, timezone: 'UTC', locale: 'en' },
      createdAt: account.createdAt,
    };
  }

  async function updateMe(principal: Principal, patch: ProfilePatch): Promise<UserView> {
    if (patch.timezone !== undefined && !isTimeZone(patch.timezone)) throw invalid('body.timezone', 'is not an IANA time zone');
    if (patch.locale !== undefined && !validLocale(patch.locale)) throw invalid('body.locale', 'is not a BCP 47 locale');
    const fields = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);
    if (fields.length === 0) return me(principal);
    await db.transaction().execute(async (tx) => {
      const row = await profiles.update(tx, principal.userId, {
        display_name: patch.displayName?.trim(),
        bio: patch.bio,
        avatar_url: patch.avatarUrl,
        timezone: patch.timezone,
        locale: patch.locale,
      });
      if (!row) throw UserProblems.profileNotReady.error('The profile is being created; try again in a moment', { retryAfter: 1 });
      await events.publish(tx, 'users.profile_updated', { userId: principal.userId, fields }, { actorId: principal.userId });
    });
    return me(principal);
  }

  /** Removes personal data from the profile once; emits users.deleted the first time. */
  async function anonymize(tx: Executor, userId: string, actorId: string) {
    const row = await profiles.byId(tx, userId);
    if (!row || row.deleted_at) return;
    await profiles.update(tx, userId, {
      email: `deleted+${userId}@invalid`,
      display_name: 'Deleted user',
      bio: null,
      avatar_url: null,
      status: 'deleted',
      deleted_at: new Date(),
    });
    await events.publish(tx, 'users.deleted', { userId }, { actorId });
  }

  async function deleteMe(principal: Principal, password: string) {
    await auth.deleteAccount(principal.userId, password);
    await db.transaction().execute((tx) => anonymize(tx, principal.userId, principal.userId));
  }

  async function list(filter: { q?: string; role?: string; status?: string; cursor?: string; limit: number }) {
    const after = decodeCursor(filter.cursor, isUuidKey);
    const rows = await profiles.list(db, { ...filter, after: after ? String(after[0]) : undefined });
    const page = toPage(rows, filter.limit, (r) => [r.user_id]);
    return { data: page.data.map(toUserView), page: page.page };
  }

  async function get(userId: string, exec: Executor = db) {
    const row = await profiles.byId(exec, userId);
    if (!row) throw userNotFound();
    return toUserView(row);
  }

  async function adminUpdate(actor: Principal, userId: string, patch: { role?: 'user' | 'admin'; status?: 'active' | 'disabled' }) {
    await get(userId);
    if (patch.role) {
      const a = await auth.setRole(actor.userId, userId, patch.role);
      await profiles.update(db, userId, { role: a.role });
    }
    if (patch.status) {
      const a = await auth.setStatus(actor.userId, userId, patch.status);
      await profiles.update(db, userId, { status: a.status });
    }
    return get(userId);
  }

  async function unlock(actor: Principal, userId: string) {
    await get(userId);
    await auth.unlock(actor.userId, userId);
  }

  return { me, updateMe, deleteMe, list, get, adminUpdate, unlock, anonymize };
}

export type UsersService = ReturnType<typeof createUsersService>;
