import type { CoreDeps } from '../../core/module.ts';
import type { Invalidation } from './principal-cache.ts';

/** What the auth module's services share: core services and the principal cache's invalidation. */
export interface AuthContext {
  core: CoreDeps;
  invalidation: Invalidation;
}
