import type { ModuleCore } from '../../core/module.ts';
import type { Invalidation } from './principal-cache.ts';
import type { AuthSettings } from './settings.ts';

/** What the auth module's services share: core services, its settings and the principal cache's invalidation. */
export interface AuthContext {
  core: ModuleCore<AuthSettings>;
  invalidation: Invalidation;
}
