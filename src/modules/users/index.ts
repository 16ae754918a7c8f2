// The users module's only public door.
import { fileURLToPath } from 'node:url';
import type { Executor } from '../../core/db/database.ts';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { authModule } from '../auth/index.ts';
import { usersRoutes } from './routes.ts';
import { createUsersService } from './service.ts';
import { usersSubscribers } from './subscribers.ts';
import { usersEvents } from './events.ts';

export type { UsersEvents } from './events.ts';
export type { UserView } from './service.ts';

export const usersModule = defineModule({
  name: 'users',
  apiTags: [{ name: 'users', description: 'My account and profile; user administration for administrators.' }],
  requires: { auth: authModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: usersEvents,
  scopes: [
    { name: 'profile:read', description: "Read the key owner's account and profile." },
    { name: 'profile:write', description: "Change the key owner's profile." },
    { name: 'users:read', description: 'List and read users (the key owner must be an administrator).' },
    { name: 'users:write', description: 'Change the role and status of users and unlock them (the key owner must be an administrator).' },
  ],
  // `exec`: the caller's transaction to read in (default: the pool).
  setup(core, { auth }): ModuleInstance<{ getUser: (id: string, exec?: Executor) => Promise<unknown> }> {
    const users = createUsersService(core, auth);
    return {
      api: { getUser: users.get },
      routes: usersRoutes(users),
      subscribers: usersSubscribers(users),
    };
  },
});
