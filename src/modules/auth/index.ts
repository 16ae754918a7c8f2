// The auth module's only public door.
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/module.ts';
import { createAccountAdmin } from './account-admin.ts';
import { createApiKeyService } from './api-keys.ts';
import type { AuthContext } from './context.ts';
import { createLoginThrottle } from './login-throttle.ts';
import { createMailSubscribers } from './mail-subscribers.ts';
import { createMfa } from './mfa.ts';
import { authNotifications } from './notifications.ts';
import { createPrincipalCache } from './principal-cache.ts';
import { createPrincipalResolver } from './principals.ts';
import { authRoutes } from './routes.ts';
import { authSettings } from './settings.ts';
import { createAccountService } from './service.ts';
import { createSessionService } from './sessions.ts';
import { authEvents } from './events.ts';

export type { AuthEvents, LoginMethod } from './events.ts';
export { AuthProblems } from './problems.ts';
export type { AccountView } from './views.ts';

export const authModule = defineModule({
  name: 'auth',
  apiTags: [{ name: 'auth', description: 'Accounts and sign-in: registration, email verification, passwords, tokens, sessions, one-time codes, TOTP, trusted devices and API keys.' }],
  requires: {},
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: authEvents,
  notifications: authNotifications,
  settings: authSettings,
  async setup(core) {
    const cache = createPrincipalCache(core.database);
    await cache.start();
    const ctx: AuthContext = { core, invalidation: cache };
    const sessions = createSessionService(ctx);
    const mfa = createMfa(ctx, { sessions });
    const throttle = createLoginThrottle(ctx);
    const accounts = createAccountService(ctx, {
      sessions,
      mfa: { isTrusted: mfa.devices.isTrusted, createChallenge: mfa.createChallenge, revokeDevices: mfa.revokeDevices },
      throttle,
    });
    const apiKeys = createApiKeyService(ctx);
    const admin = createAccountAdmin(ctx, { sessions });
    const routes = authRoutes({ accounts, apiKeys, authRateLimit: core.settings.authRateLimit, refreshTokenTtl: core.settings.refreshTokenTtl });
    return {
      api: {
        resolvePrincipal: createPrincipalResolver(ctx, cache, apiKeys),
        ...admin,
      },
      routes: async (app) => {
        await routes(app);
        await mfa.routes(app);
      },
      subscribers: [...createMailSubscribers(ctx), ...mfa.subscribers],
      jobs: [throttle.purgeJob],
      stop: () => cache.stop(),
    };
  },
});

export type AuthApi = Awaited<ReturnType<(typeof authModule)['setup']>>['api'];
