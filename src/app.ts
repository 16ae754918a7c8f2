// The composition root: core first, then each module in dependency order, then routes.
// Tests build the same app with overrides (in-memory mail, a given database, a clock).
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCache } from './core/cache/index.ts';
import { createRegistries, type Registries } from './core/contributions.ts';
import { type Config, coreSettings, loadConfig } from './core/config.ts';
import type { Database } from './core/db/database.ts';
import { type Migration, migrate, readMigrations } from './core/db/migrator.ts';
import { createWaitReporter } from './core/db/lock-waits.ts';
import { type OpenedDatabase, openConfiguredDatabase } from './core/db/open.ts';
import { createDispatcher, type Dispatcher } from './core/events/dispatcher.ts';
import { createEventCatalog } from './core/events/declarations.ts';
import { type EventGraphRow, eventGraph, undeclaredSubscriptions } from './core/events/graph.ts';
import { createOutbox } from './core/events/outbox.ts';
import type { Subscriber } from './core/events/types.ts';
import { adminEventRoutes, EVENT_SCOPES } from './core/http/admin-events.ts';
import { healthRoutes, metricsRoutes } from './core/http/health.ts';
import { JOB_SCOPES, jobRoutes } from './core/http/jobs-routes.ts';
import { EVENTS_TAG, webhooksDocument } from './core/http/openapi-webhooks.ts';
import { createMetricsServer } from './core/http/metrics-server.ts';
import { createScopeRegistry, type ScopeRegistry } from './core/http/scopes.ts';
import { createJobQueue, type JobQueue } from './core/jobs/index.ts';
import { createLlm, type Llm } from './core/llm/index.ts';
import { createPromptTemplateRegistry, type PromptTemplateRegistry } from './core/llm/prompt-templates.ts';
import { API_PREFIX, createHttpServer, type HttpServer } from './core/http/server.ts';
import { createLogger, type Logger } from './core/log/logger.ts';
import { createMailer, type Mailer } from './core/mail/index.ts';
import { createMetrics } from './core/metrics/metrics.ts';
import { createNotificationKinds } from './core/notifications/kinds.ts';
import { createCachedFigures } from './core/metrics/cached-figures.ts';
import { type AnyModule, type ApisOf, type Clock, type CoreDeps, ModuleGraphError, orderModules, requiredNames, systemClock, watchedPeers } from './core/module.ts';
import { loadModulePackages } from './module-packages.ts';
import { createRealtimeBroker } from './core/realtime/index.ts';
import { createPasswordHasher, type PasswordHasher } from './core/security/passwords.ts';
import { createSecrets } from './core/security/secrets.ts';
import { createAccessTokenService } from './core/security/tokens.ts';
import { createFileStore, createStorage, type Storage } from './core/storage/index.ts';
import { fileRoutes } from './core/http/files-routes.ts';
import type { SettingsOwner } from './core/settings.ts';
import { auditModule } from './modules/audit/index.ts';
import { type AuthApi, authModule } from './modules/auth/index.ts';
import { notificationsModule } from './modules/notifications/index.ts';
import { organizationsModule } from './modules/organizations/index.ts';
import { projectsModule } from './modules/projects/index.ts';
import { reportsModule } from './modules/reports/index.ts';
import { timeModule } from './modules/time/index.ts';
import { usersModule } from './modules/users/index.ts';
import { webhooksModule } from './modules/webhooks/index.ts';
import { dataSourcesModule } from './modules/data_sources/index.ts';
import { analyticsModule } from './modules/analytics/index.ts';
import { visualizationsModule } from './modules/visualizations/index.ts';
import { dashboardsModule } from './modules/dashboards/index.ts';
import { webToolsModule } from './modules/web_tools/index.ts';
import { llmAdminModule } from './modules/llm_admin/index.ts';
import { assistantsModule } from './modules/assistants/index.ts';
import { chatModule } from './modules/chat/index.ts';
import { codebaseModule } from './modules/codebase/index.ts';
import { gendocModule } from './modules/gendoc/index.ts';

/** Every module of the monolith. Order here does not matter: `requires` decides. */
export const MODULES = [authModule, usersModule, organizationsModule, projectsModule, timeModule, reportsModule, auditModule, webhooksModule, notificationsModule, dataSourcesModule, analyticsModule, visualizationsModule, dashboardsModule, webToolsModule, llmAdminModule, assistantsModule, chatModule, codebaseModule, gendocModule] as const;

/** The public API of every module, under its name, typed from the definitions. */
export type Apis = ApisOf<typeof MODULES>;

type Figure = 'backlog' | 'lag' | 'dead' | 'waiting' | 'subscribers_gone' | 'jobs_waiting' | 'jobs_failed';

export const CORE_MIGRATIONS = { module: 'core', dir: fileURLToPath(new URL('./core/db/migrations', import.meta.url)) };

/** Every module: those of src/modules and those of the packages MODULE_PACKAGES names. */
export async function loadModules(packages: readonly string[]): Promise<AnyModule[]> {
  return [...MODULES, ...(await loadModulePackages(packages))];
}

export function allMigrations(modules: readonly AnyModule[] = MODULES): Migration[] {
  const ordered = orderModules(modules);
  return readMigrations([CORE_MIGRATIONS, ...ordered.filter((m) => m.migrationsDir).map((m) => ({ module: m.name, dir: m.migrationsDir! }))]);
}

/** Every module's slice of the configuration, in the order of MODULES (README's table follows it). */
export function settingsOwners(modules: readonly AnyModule[] = MODULES): SettingsOwner[] {
  return modules.flatMap((m) => (m.settings ? [{ owner: m.name, slice: m.settings }] : []));
}

/** Core's settings, then every module's slice: README's settings table (`npm run settings`). */
export function allSettings(): SettingsOwner[] {
  return [{ owner: 'core', slice: coreSettings }, ...settingsOwners()];
}

/** Core's settings and every module's slice, parsed from `env` (decision 0034). Throws ConfigError naming each bad variable. */
export function loadAppConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(env, settingsOwners());
}

/** The API key scopes core's routes and each module's check: the only ones keys can hold (decision 0034). */
export function scopeRegistry(modules: readonly AnyModule[] = MODULES): ScopeRegistry {
  return createScopeRegistry([{ owner: 'core', scopes: [...JOB_SCOPES, ...EVENT_SCOPES] }, ...modules.map((m) => ({ owner: m.name, scopes: m.scopes ?? [] }))]);
}

/** The prompt templates each module ships, known before any setup as its scopes are (decision 0048). */
export function promptTemplateRegistry(modules: readonly AnyModule[] = MODULES): PromptTemplateRegistry {
  return createPromptTemplateRegistry(modules.map((m) => ({ owner: m.name, templates: m.promptTemplates ?? [] })));
}

export interface AppOverrides {
  /** The built web console to serve at `/` (the server process passes web/dist; tests, none). */
  consoleDir?: string;
  database?: Database;
  mailer?: Mailer;
  clock?: Clock;
  log?: Logger;
  passwords?: PasswordHasher;
  /** Dispatcher tuning for tests (fast retries). */
  dispatcher?: { pollIntervalMs?: number; backoffBaseMs?: number };
  /** Key prefix of rate-limit counters in Redis. */
  rateLimitNamespace?: string;
  /** Key prefix of cache entries in Redis (instances that share a cache share it). */
  cacheNamespace?: string;
  /** Start the background dispatcher (default true). Tests may drive delivery with drain(). */
  startDispatcher?: boolean;
  /** Start job workers, maintenance and cron (default: JOBS_ENABLED). Tests run jobs with jobs.drain(). */
  startJobs?: boolean;
  /** Job queue tuning for tests. */
  jobs?: { pollIntervalSeconds?: number };
  /** Modules besides MODULES: a test's instance of a version with subscribers this one lacks. */
  extraModules?: readonly AnyModule[];
}

export interface App {
  http: HttpServer;
  config: Config;
  database: Database;
  dispatcher: Dispatcher;
  jobs: JobQueue;
  mailer: Mailer;
  log: Logger;
  /** The file storage modules get as `core.storage` (tests and the CLI reach it here). */
  storage: Storage;
  apis: Apis;
  /** The language model service modules get as `core.llm`. */
  llm: Llm;
  /** Every module's contributions (LLM tools, connectors, widgets…), as modules read them in `core.registries`. */
  registries: Registries;
  /** Every declared event with its producer and consumers (`npm run cli -- events`). */
  eventGraph(): EventGraphRow[];
  /**
   * Binds the API to HOST:PORT and, when METRICS_PORT is set, the metrics listener to
   * METRICS_HOST:METRICS_PORT. Resolves with the ports they got (a 0 asks for any free one).
   */
  listen(): Promise<{ port: number; metricsPort: number | undefined }>;
  /**
   * Closes the servers (in-flight requests are answered first), stops the dispatcher and the
   * jobs, closes the pools and the mailer, and last stops the embedded PostgreSQL.
   */
  close(): Promise<void>;
}

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.log ?? createLogger(config.logLevel);
  const opened = overrides.database ? null : await openConfiguredDatabase(config, log);
  try {
    return await assembleApp(config, overrides, log, overrides.database ?? opened!.database, opened);
  } catch (err) {
    // An embedded server started here must not outlive a failed start (a migration error,
    // a module that refuses its settings). Stopping it ends the pool's sessions too.
    await opened?.embedded?.stop();
    throw err;
  }
}

async function assembleApp(config: Config, overrides: AppOverrides, log: Logger, database: Database, opened: OpenedDatabase | null): Promise<App> {
  const metrics = createMetrics({ defaultMetrics: true });
  const modules = orderModules([...(await loadModules(config.modulePackages)), ...(overrides.extraModules ?? [])]);
  const eventCatalog = createEventCatalog(modules);
  const registries = createRegistries();
  const scopes = scopeRegistry(modules);
  const promptTemplates = promptTemplateRegistry(modules);

  const migrations = allMigrations(modules);
  if (config.migrateOnStart ?? config.embedded) {
    const applied = await migrate(database, migrations);
    if (applied.length) log.info({ applied }, 'migrations applied');
  }

  const mailer =
    overrides.mailer ??
    createMailer(
      config.smtpUrl
        ? { transport: 'smtp', smtpUrl: config.smtpUrl, from: config.mailFrom }
        : { transport: 'file', dir: join(config.dataDir, 'mail'), from: config.mailFrom },
    );
  // Redis is optional and never critical: while it is away, cache and rate limits run locally.
  // ioredis is loaded only where Redis is configured: start-up without it does not pay for it.
  const redis = config.redisUrl
    ? (await import('./core/redis/index.ts')).createRedis({ url: config.redisUrl, log: log.child({ component: 'redis' }), metrics })
    : undefined;
  const cache = createCache({ redis, log: log.child({ component: 'cache' }), namespace: overrides.cacheNamespace ?? 'trellis:cache:' });

  const realtime = createRealtimeBroker({ database, redis, log: log.child({ component: 'realtime' }) });
  await realtime.start();

  const startJobs = overrides.startJobs ?? config.jobsEnabled;
  const jobs = createJobQueue({
    database,
    realtime,
    log: log.child({ component: 'jobs' }),
    background: startJobs,
    concurrency: config.jobsConcurrency,
    ...overrides.jobs,
  });

  // A request refused with DB.TIMEOUT: at most every 30 s, one warning names the relations the
  // app's sessions wait on and who holds them, read within 1 s outside the pool (lock-waits.ts).
  const waits = createWaitReporter({ read: () => database.readWaits(1000), log: log.child({ component: 'database' }) });
  const { app: http, setPrincipalResolver, declareTags, declareWebhooks } = await createHttpServer({
    config,
    log,
    metrics,
    redis,
    rateLimitNamespace: overrides.rateLimitNamespace,
    onDatabaseTimeout: waits.timedOut,
    scopes,
    consoleDir: overrides.consoleDir,
  });
  // Declared with the modules, so known before any setup; each module's setup binds its own.
  const notificationKinds = createNotificationKinds(modules.map((m) => ({ module: m.name, kinds: m.notifications?.kinds ?? [] })));
  const clock = overrides.clock ?? systemClock;
  // Loads no SDK until a first call, and none at all without LLM_PROVIDER.
  const llm = createLlm({ config: config.llm, db: database.db, log: log.child({ component: 'llm' }), metrics, clock });
  const secrets = createSecrets(config.jwt, config.sealingPreviousKeys);
  const storageLog = log.child({ component: 'storage' });
  const limits = { maxUploadBytes: config.storageMaxUploadBytes, orgQuotaBytes: config.storageOrgQuotaBytes };
  const storage = createStorage({ store: await createFileStore(config, storageLog), db: database.db, secrets, clock, log: storageLog, limits });
  const core: CoreDeps = {
    config,
    log,
    database,
    db: database.db,
    events: createOutbox(eventCatalog, { checkPayloads: config.nodeEnv !== 'production' }),
    eventCatalog,
    mailer,
    clock,
    passwords: overrides.passwords ?? createPasswordHasher(),
    accessTokens: createAccessTokenService({ keys: config.jwt, issuer: config.jwtIssuer, audience: config.jwtAudience, ttlSeconds: config.accessTokenTtl }),
    secrets,
    metrics,
    jobs,
    cache,
    realtime,
    registries,
    notificationKinds,
    scopes,
    promptTemplates,
    llm,
    storage,
  };

  const apis: Record<string, unknown> = {};
  const subscribers: Subscriber<any>[] = [];
  const stops: (() => Promise<void>)[] = [];
  const routePlugins: ((app: HttpServer) => Promise<void>)[] = [];
  for (const def of modules) {
    const { peers, unused } = watchedPeers(Object.fromEntries(requiredNames(def).map((name) => [name, apis[name]])));
    if (def.settings && !(def.name in config.moduleSettings)) throw new Error(`the settings of module "${def.name}" were not parsed: load the configuration with loadAppConfig()`);
    const moduleCore = { ...core, log: log.child({ module: def.name }), settings: config.moduleSettings[def.name] };
    const instance = await (def as AnyModule).setup(moduleCore, peers);
    notificationKinds.bind(def.name, (def as AnyModule).notifications?.setup(moduleCore, peers) ?? []);
    if (unused().length) throw new ModuleGraphError(`module "${def.name}" requires ${unused().map((n) => `"${n}"`).join(', ')} but its setup never uses it: remove it from requires`);
    apis[def.name] = instance.api;
    subscribers.push(...(instance.subscribers ?? []));
    registries.collect(def.name, instance);
    jobs.register(instance.jobs ?? []);
    if (instance.routes) routePlugins.push(instance.routes);
    declareTags(def.apiTags ?? []);
    if (instance.stop) stops.push(instance.stop);
  }
  // A subscriber waiting for an event nobody declares would wait forever, silently.
  const undeclared = undeclaredSubscriptions(eventCatalog, subscribers);
  if (undeclared.length) throw new ModuleGraphError(`subscribers wait for events no module declares: ${undeclared.join(', ')}`);
  // Public events, as the requests receivers get (decision 0036).
  declareTags([EVENTS_TAG]);
  declareWebhooks(webhooksDocument(eventCatalog.all()));
  notificationKinds.seal();
  const authApi = apis.auth as AuthApi;
  setPrincipalResolver(authApi.resolvePrincipal);

  const dispatcher = createDispatcher({
    database,
    subscribers,
    log: log.child({ component: 'dispatcher' }),
    maxAttempts: config.eventMaxAttempts,
    subscriberTimeoutMs: config.eventSubscriberTimeout,
    ...overrides.dispatcher,
  });

  await http.register(healthRoutes({ database, dispatcher, dispatcherEnabled: config.dispatcherEnabled, migrations, redis }));
  // /metrics is for the operator's scraper, not for whoever can reach the API (decision 0022):
  // on the API port only behind METRICS_TOKEN; otherwise on a listener of its own, or nowhere.
  if (config.metricsToken) await http.register(metricsRoutes({ metrics, token: config.metricsToken }));
  const metricsServer =
    config.metricsPort === undefined ? undefined : await createMetricsServer({ metrics, token: config.metricsToken, log: log.child({ component: 'metrics' }) });
  await http.register(
    async (api) => {
      await api.register(adminEventRoutes({ db: database.db, subscriberTimeoutMs: config.eventSubscriberTimeout }));
      await api.register(jobRoutes({ jobs }));
      await api.register(fileRoutes({ storage }));
      for (const plugin of routePlugins) await api.register(plugin);
    },
    { prefix: API_PREFIX },
  );
  http.get('/openapi.json', { schema: { hide: true } }, async () => http.swagger());

  // One query for every figure, read at most every 5 s and never while a scrape waits
  // (core/metrics/cached-figures.ts): a scrape answers whatever the database does.
  // Waiting events are the pending ones never due again (next_attempt_at 'infinity', decision
  // 0031), counted on outbox_due_idx; the gone subscribers are few rows, each looked up in
  // outbox_waiting_idx.
  const figures = createCachedFigures(
    async () => {
      const { rows } = await database.runSql(
        `SELECT
          (SELECT count(*) FROM core.outbox WHERE status = 'pending') AS backlog,
          (SELECT coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float8 FROM core.outbox WHERE status = 'pending') AS lag,
          (SELECT count(*) FROM core.outbox WHERE status = 'dead') AS dead,
          (SELECT count(*) FROM core.outbox WHERE status = 'pending' AND next_attempt_at = 'infinity') AS waiting,
          (SELECT count(*) FROM core.event_subscribers s WHERE s.last_seen_at < now() - $1::interval
            AND EXISTS (SELECT 1 FROM core.outbox o WHERE o.status = 'pending' AND o.waiting_for IS NOT NULL AND o.waiting_for @> ARRAY[s.name]
                        AND (s.event = '*' OR o.type = s.event))) AS subscribers_gone,
          (SELECT count(*) FROM core.jobs WHERE status IN ('queued', 'retrying')) AS jobs_waiting,
          (SELECT count(*) FROM core.jobs WHERE status = 'failed') AS jobs_failed`,
        [`${config.eventSubscriberTimeout} milliseconds`],
      );
      return rows[0] as Record<Figure, number>;
    },
    { onError: (err) => log.debug({ err: err.message }, 'metrics figures not refreshed') },
  );
  const figure = (name: Figure) => async () => Number((await figures.get())?.[name] ?? 0);
  metrics.gauge('outbox_backlog', 'Events waiting for delivery (read at most every 5 s)', figure('backlog'));
  metrics.gauge('outbox_lag_seconds', 'Age of the oldest undelivered event (read at most every 5 s)', figure('lag'));
  metrics.gauge('outbox_dead', 'Dead-lettered events (read at most every 5 s)', figure('dead'));
  metrics.gauge('outbox_waiting', 'Events that wait for a subscriber only another instance runs, or none (read at most every 5 s)', figure('waiting'));
  metrics.gauge(
    'event_subscribers_gone',
    'Event subscribers that events wait for and that no instance reported within EVENT_SUBSCRIBER_TIMEOUT (read at most every 5 s)',
    figure('subscribers_gone'),
  );
  metrics.gauge('jobs_waiting', 'Background jobs queued or waiting for a retry (read at most every 5 s)', figure('jobs_waiting'));
  metrics.gauge('jobs_failed', 'Background jobs that failed for good, kept for inspection (read at most every 5 s)', figure('jobs_failed'));
  metrics.gauge('db_pool_total', 'Database connections open', () => database.poolStats().total);
  metrics.gauge('db_pool_idle', 'Database connections idle', () => database.poolStats().idle);
  metrics.gauge('db_pool_waiting', 'Requests and background work waiting for a connection (or for their share of the pool)', () => database.poolStats().waiting);

  // The connection began when Redis was created; serving starts once its first attempt has
  // settled (up or not, at most 2 s), so early requests are not counted locally by mistake.
  await redis?.firstAttempt(2000);
  await http.ready();
  if (config.adminEmail && config.adminPassword) {
    const { created } = await authApi.ensureAdmin(config.adminEmail, config.adminPassword);
    if (created) log.info({ email: config.adminEmail }, 'bootstrap admin created');
  }
  if ((overrides.startDispatcher ?? config.dispatcherEnabled) !== false) await dispatcher.start();
  // pg-boss opens, and workers and cron schedules start, in the background: serving does not
  // wait for them (an enqueue meanwhile waits for the queue to open).
  const jobsStarting = (async () => {
    await jobs.prepare();
    if (startJobs) await jobs.start();
  })().catch((err) => log.error({ err: (err as Error).message }, 'job queue failed to start'));

  let closed = false;
  return {
    http,
    config,
    database,
    dispatcher,
    jobs,
    mailer,
    log,
    storage,
    apis: apis as App['apis'],
    llm,
    registries,
    eventGraph: () => eventGraph(eventCatalog, subscribers),
    async listen() {
      await http.listen({ port: config.port, host: config.host });
      const port = (http.server.address() as AddressInfo).port;
      const metricsPort = metricsServer ? await metricsServer.listen(config.metricsPort!, config.metricsHost) : undefined;
      return { port, metricsPort };
    },
    async close() {
      if (closed) return;
      closed = true;
      await http.close();
      await metricsServer?.close();
      await dispatcher.stop();
      await jobsStarting;
      await jobs.stop();
      for (const stop of stops.reverse()) await stop();
      await realtime.stop();
      await mailer.close();
      await cache.close();
      storage.close();
      await redis?.close();
      // Last: the pool, then the embedded server, once nothing of this process uses them.
      await opened?.close();
    },
  };
}
