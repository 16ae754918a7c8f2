// What the webhooks services share: core services, the organizations façade and the
// operator's allow list, plus who is acting.
import type { Executor } from '../../core/db/database.ts';
import type { EventMeta, EventPublisher } from '../../core/events/types.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { JobQueue } from '../../core/jobs/types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import type { AllowList } from '../../core/net/allow-list.ts';
import type { Resolver } from '../../core/net/ssrf-guard.ts';
import type { Secrets } from '../../core/security/secrets.ts';
import type { OrganizationsApi } from '../organizations/index.ts';

export interface WebhooksDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  secrets: Secrets;
  jobs: JobQueue;
  log: Logger;
  orgs: Pick<OrganizationsApi, 'assertRole'>;
  /** WEBHOOK_ALLOWED_HOSTS. */
  allow: AllowList;
  /** DNS for the URL checks (the system resolver unless a test gives one). */
  resolve?: Resolver;
  /** WEBHOOK_DISABLE_AFTER: deliveries failed for good in a row before the endpoint is disabled. */
  disableAfter: number;
}

export interface Actor {
  principal: Principal;
}

export const metaOf = (actor: Actor, orgId: string): EventMeta => ({ actorId: actor.principal.userId, orgId });

/** Millisecond precision, as keyset cursors and JSON carry times. */
export const nowOf = (clock: Clock) => new Date(clock.now().getTime());
