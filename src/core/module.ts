// The module contract. A module declares its name, the modules it requires (their
// definitions, so their APIs are typed by inference) and its migrations; `setup` receives core
// services plus the public APIs of what it requires, and returns its own API, routes and event
// subscribers. Only the modules named in `requires` are passed in, so two modules cannot
// depend on each other.
import type { Cache } from './cache/types.ts';
import type { Config } from './config.ts';
import type { Contributions, Registries } from './contributions.ts';
import type { Database, Executor } from './db/database.ts';
import type { EventCatalog, EventDeclarations } from './events/declarations.ts';
import type { EventPublisher, Subscriber } from './events/types.ts';
import type { JobDefinition, JobQueue } from './jobs/types.ts';
import type { BuiltinPromptTemplate, PromptTemplateRegistry } from './llm/prompt-templates.ts';
import type { Llm } from './llm/types.ts';
import type { ApiScope, ScopeRegistry } from './http/scopes.ts';
import type { ApiTag, HttpServer } from './http/server.ts';
import type { Logger } from './log/logger.ts';
import type { Mailer } from './mail/index.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { NotificationHandler, NotificationKind, NotificationKinds } from './notifications/kinds.ts';
import type { RealtimeBroker } from './realtime/types.ts';
import type { PasswordHasher } from './security/passwords.ts';
import type { Secrets } from './security/secrets.ts';
import type { AccessTokenService } from './security/tokens.ts';
import type { SettingsSlice } from './settings.ts';
import type { Storage } from './storage/index.ts';

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
  /** Every module's event declarations (schema, version, public flag, audit target): decision 0036. */
  eventCatalog: EventCatalog;
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
  /** Every module's LLM tools, data connectors, widget kinds and document templates; read them when serving, not in setup. */
  registries: Registries;
  /** Every module's notification kinds (decision 0035): what the notifications module sends. */
  notificationKinds: NotificationKinds;
  /** Every API key scope core and the modules declared: the only ones a key can hold (decision 0034). */
  scopes: ScopeRegistry;
  /** Every module's built-in prompt templates (decision 0048): the assistants module serves them beside each org's own. */
  promptTemplates: PromptTemplateRegistry;
  /** The language model (LLM_* settings); without one, each call throws 503 LLM.NOT_CONFIGURED (docs/llm.md). */
  llm: Llm;
  /** Files of an organization: saved under keys core makes, within quotas, downloaded through signed links (docs/storage.md). */
  storage: Storage;
}

/** What `setup` receives: core's services, and its module's settings parsed from its slice. */
export type ModuleCore<Settings = undefined> = CoreDeps & { readonly settings: Settings };

/**
 * The notification kinds a module's events raise (decision 0035). `kinds` are declared with the
 * module, so the catalog, the API's shapes and the preferences need no setup; `setup` binds them
 * to the module's runtime and is called by app.ts right after the module's own `setup`, with the
 * same core and peers. It returns `kind.handle({ trigger, compose })` for each kind.
 */
export interface NotificationContribution<Peers = any> {
  readonly kinds: readonly NotificationKind[];
  setup(core: CoreDeps, peers: Peers): readonly NotificationHandler[];
}

/** What `setup` returns: its API, routes, subscribers and jobs, and its contributions (core/contributions.ts). */
export interface ModuleInstance<Api> extends Contributions {
  api: Api;
  /** Registered under /api/v1. */
  routes?: (app: HttpServer) => Promise<void>;
  subscribers?: Subscriber<any>[];
  /** Job handlers (and cron schedules) this module runs. */
  jobs?: JobDefinition[];
  /** Releases what setup acquired (listeners, timers); called on shutdown. */
  stop?: () => Promise<void>;
}

/** Any module definition, whatever its name, API, requirements and settings. */
export type AnyModule = ModuleDefinition<string, any, any, any>;

/** What a module requires: its peers' definitions, each under its own name (`{ organizations }`). */
export type Requirements = Record<string, AnyModule>;

/** The API a module definition gives its peers. */
export type ApiOf<M> = M extends ModuleDefinition<string, infer Api, Requirements, any> ? Api : never;

/** What `setup` receives: each required module's API, under its name. */
export type PeersOf<R extends Requirements> = { readonly [K in keyof R]: ApiOf<R[K]> };

/** The APIs of a list of modules, each under its name: the app's `apis`. */
export type ApisOf<Ms extends readonly AnyModule[]> = { readonly [M in Ms[number] as M['name']]: ApiOf<M> };

export interface ModuleDefinition<Name extends string = string, Api = unknown, Requires extends Requirements = Requirements, Settings = undefined> {
  name: Name;
  /**
   * The modules whose APIs `setup` receives, as their definitions under their names
   * (`requires: { organizations: organizationsModule }`): their façades are typed by inference,
   * and the app orders modules by them (decision 0030).
   */
  requires: Requires;
  /** Folder of this module's NNNN_*.sql migrations. */
  migrationsDir?: string;
  /** The OpenAPI tags its routes use, each with a description (decision 0028). */
  apiTags?: readonly ApiTag[];
  /** The events it publishes, declared with `defineEvents` (decision 0036); it may publish no other. */
  events?: EventDeclarations;
  /** The notification kinds of this module's events (a `notifications.ts` beside `index.ts`). */
  notifications?: NotificationContribution<PeersOf<Requires>>;
  // Contribution points (decision 0034).
  /** Its slice of the configuration (`defineSettings`), parsed with core's at start-up; `setup` gets the result as `core.settings`. */
  settings?: SettingsSlice<Settings>;
  /** The API key scopes its routes check (`config.auth.scope`): only declared scopes can be checked or granted. */
  scopes?: readonly ApiScope[];
  /** Prompt templates it ships (`<module>.<template>`), listed and rendered read-only beside each organization's own (decision 0048). */
  promptTemplates?: readonly BuiltinPromptTemplate[];
  setup(core: ModuleCore<Settings>, peers: PeersOf<Requires>): ModuleInstance<Api> | Promise<ModuleInstance<Api>>;
}

/** Types a module from what it is: its name, its API (setup's `api`), its requirements and its settings. */
export function defineModule<const Name extends string, Api, const Requires extends Requirements = Record<never, AnyModule>, Settings = undefined>(
  def: ModuleDefinition<Name, Api, Requires, Settings>,
): ModuleDefinition<Name, Api, Requires, Settings> {
  return def;
}

export class ModuleGraphError extends Error {}

/** The names a module requires, checked against the keys it gives them under. */
export function requiredNames(d: { name: string; requires: Readonly<Record<string, { name: string }>> }): string[] {
  return Object.entries(d.requires).map(([key, dep]) => {
    if (key !== dep.name) throw new ModuleGraphError(`module "${d.name}" requires "${dep.name}" under the key "${key}": use its name`);
    return dep.name;
  });
}

/**
 * The peers `setup` receives, watched: after setup, `unused()` names the required modules whose
 * façade setup never read. A requirement nobody uses orders modules for nothing and hides the real
 * graph; start-up refuses it (decision 0030).
 */
export function watchedPeers(peers: Record<string, unknown>): { peers: Record<string, unknown>; unused(): string[] } {
  const read = new Set<string>();
  const watched = new Proxy(peers, {
    get(target, key, receiver) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
  return { peers: watched, unused: () => Object.keys(peers).filter((name) => !read.has(name)) };
}

/** Orders modules so each comes after what it requires; fails on a cycle or a missing module. */
export function orderModules<T extends { name: string; requires: Readonly<Record<string, { name: string }>> }>(defs: readonly T[]): T[] {
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
    for (const r of requiredNames(d)) {
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
