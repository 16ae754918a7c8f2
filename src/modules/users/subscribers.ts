// Keeps profiles and the directory copy of account facts in step with auth's events.
import { subscriber } from '../../core/events/types.ts';
import { profiles } from './repository.ts';
import type { UsersService } from './service.ts';

export function usersSubscribers(users: UsersService) {
  return [
    subscriber('users.create_profile', 'auth.user_registered', async (e, { db }) => {
      await profiles.create(db, { user_id: e.payload.userId, email: e.payload.email, display_name: e.payload.displayName });
    }),
    subscriber('users.mark_email_verified', 'auth.email_verified', async (e, { db }) => {
      await profiles.update(db, e.payload.userId, { email_verified: true });
    }),
    subscriber('users.sync_role', 'auth.role_changed', async (e, { db }) => {
      await profiles.update(db, e.payload.userId, { role: e.payload.role });
    }),
    subscriber('users.sync_status', 'auth.status_changed', async (e, { db }) => {
      if (e.payload.status === 'deleted') await users.anonymize(db, e.payload.userId, e.actorId ?? e.payload.userId);
      else await profiles.update(db, e.payload.userId, { status: e.payload.status });
    }),
  ];
}
