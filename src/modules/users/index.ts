// The users module's only public door.
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/module.ts';
import type { AuthApi } from '../auth/index.ts';
import { usersRoutes } from './routes.ts';
import { createUsersService } from './service.ts';
import { usersSubscribers } from './subscribers.ts';

export type { UsersEvents } from './events.ts';
export type { UserView } from './service.ts';

export const usersModule = defineModule<{ getUser: (id: string) => Promise<unknown> }, { auth: AuthApi }>({
  name: 'users',
  apiTags: [{ name: 'users', description: 'My account and profile; user administration for administrators.' }],
  requires: ['auth'],
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  setup(core, { auth }) {
    const users = createUsersService(core, auth);
    return {
      api: { getUser: users.get },
      routes: usersRoutes(users),
      subscribers: usersSubscribers(users),
    };
  },
});
