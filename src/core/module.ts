// The module contract. A module declares its name, the modules it requires and its
// migrations; `setup` receives core services plus the public APIs of what it requires,
// and returns its own API, routes and event subscribers. Only the modules named in
// `requires` are passed in, so two modules cannot depend on each other.
import type { Cache } from './cache/types.ts';
import type { Config } from './config.ts';
import type { Database, Executor } from './db/database.ts';
import type { EventPublisher, Subscriber } from './events/types.ts';
import type { JobDefinition, JobQueue } from './jobs/types.ts';
import type { ApiTag, HttpServer } from './http/server.ts';
import type { Logger } from './log/logger.ts';
import type { Mailer } from './mail/index.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { RealtimeBroker } from './realtime/types.ts';
import type { PasswordHasher } from './security/passwords.ts';
import type { Secrets } from './security/secrets.ts';
import type { AccessTokenService } from './security/tokens.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Core services every module may use. */
export interface CoreDeps {
  config: Config;
  log: Logger;
  database: Database;
  /** The pool: services open transactions on it and pass them to repositories. */
  db: Executor;
  events: EventPublisher;
  mailer: Mailer;
  clock: Clock;
  passwords: PasswordHasher;
  accessTokens: AccessTokenService;
  secrets: Secrets;
  metrics: Metrics;
  /** Background jobs; enqueue with `{ db: tx }` to tie a job to the state change that needs it. */
  jobs: JobQueue;
  /** Key-value cache: shared through Redis when configured, else in process. See core/cache/types.ts. */
  cache: Cache;
  /** Pushes small messages to a user's open streams on any instance (Redis pub/sub, else NOTIFY). */
  realtime: RealtimeBroker;
}

export interface ModuleInstance<Api> {
  api: Api;
  /** Registered under /api/v1. */
  routes?: (app: HttpServer) => Promise<void>;
  subscribers?: Subscriber<any>[];
  /** Job handlers (and cron schedules) this module runs. */
  jobs?: JobDefinition[];
  /** Releases what setup acquired (listeners, timers); called on shutdown. */
  stop?: () => Promise<void>;
}

export interface ModuleDefinition<Api = unknown, Peers = any> {
  name: string;
  requires: readonly string[];
  /** Folder of this module's NNNN_*.sql migrations. */
  migrationsDir?: string;
  /** The OpenAPI tags its routes use, each with a description (decision 0028). */
  apiTags?: readonly ApiTag[];
  setup(core: CoreDeps, peers: Peers): ModuleInstance<Api> | Promise<ModuleInstance<Api>>;
}

export function defineModule<Api, Peers = Record<string, never>>(def: ModuleDefinition<Api, Peers>): ModuleDefinition<Api, Peers> {
  return def;
}

export class ModuleGraphError extends Error {}

/** Orders modules so each comes after what it requires; fails on a cycle or a missing module. */
export function orderModules<T extends { name: string; requires: readonly string[] }>(defs: readonly T[]): T[] {
  const byName = new Map(defs.map((d) => [d.name, d]));
  if (byName.size !== defs.length) {
    const dup = defs.find((d, i) => defs.findIndex((o) => o.name === d.name) !== i)!;
    throw new ModuleGraphError(`two modules share the name "${dup.name}"`);
  }
  const ordered: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (d: T, path: string[]) => {
    if (state.get(d.name) === 'done') return;
    if (state.get(d.name) === 'visiting') {
      throw new ModuleGraphError(`module dependency cycle: ${[...path.slice(path.indexOf(d.name)), d.name].join(' -> ')}`);
    }
    state.set(d.name, 'visiting');
    for (const r of d.requires) {
      const dep = byName.get(r);
      if (!dep) throw new ModuleGraphError(`module "${d.name}" requires "${r}", which is not registered`);
      visit(dep, [...path, d.name]);
    }
    state.set(d.name, 'done');
    ordered.push(d);
  };
  for (const d of defs) visit(d, []);
  return ordered;
}
