// Liveness, readiness and Prometheus metrics.
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Database } from '../db/database.ts';
import { type Migration, pendingMigrations } from '../db/migrator.ts';
import type { Dispatcher } from '../events/dispatcher.ts';
import { CoreProblems } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { safeEqual } from '../security/random.ts';
import { named } from './schema-types.ts';
import type { HttpServer } from './server.ts';

const Live = named('Liveness', Type.Object({ status: Type.Literal('ok') }));
const Check = named('ReadinessCheck', Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('fail')]), detail: Type.Optional(Type.String()) }));
const Ready = named(
  'Readiness',
  Type.Object({
    // `degraded`: ready, but an optional dependency (Redis) is away and its work runs locally.
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('fail')], {
      description: '`degraded`: ready, but an optional dependency (Redis) is away and its work runs locally',
    }),
    checks: Type.Object({ database: Check, migrations: Check, dispatcher: Check, redis: Type.Optional(Check) }),
  }),
);

/**
 * Each readiness check answers within this, whatever the database does (a lock, a frozen
 * server, no free connection): the probe answers within ~2 s with the check that timed out,
 * instead of hanging until the prober gives up (decision 0029). The checks run at once.
 */
const CHECK_DEADLINE_MS = 1500;

class CheckTimeout extends Error {}

function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${ms} ms`)), ms);
  });
  // The late answer (or failure) of a check that timed out is dropped.
  work.catch(() => {});
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

// Probes and scrapes are never throttled: a limit would turn load into a failed probe.
const unlimited = { rateLimit: false as const };
const LIVE = { status: 'ok' as const };

const REDIS_DOWN = 'unreachable: cache and rate limits are local to this instance until it returns';

export function healthRoutes(deps: {
  database: Database;
  dispatcher: Dispatcher;
  dispatcherEnabled: boolean;
  migrations: Migration[];
  /** Reported when configured; never makes the instance unready. */
  redis?: { isUp(): boolean };
}) {
  // Migrations cannot un-apply: once all are seen applied, the check needs no query again.
  let migrationsApplied = false;

  /**
   * A failing query answers a fixed `unreachable`: the driver's message names hosts, ports and
   * users, and /health/ready is often open to more people than the logs are. The log has it.
   */
  /** Checks whose query is failing: logged when they start failing, not on every probe. */
  const failing = new Set<string>();
  async function check(fn: () => Promise<string | null>, log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void }, name: string) {
    try {
      const problem = await withinDeadline(fn(), CHECK_DEADLINE_MS);
      if (failing.delete(name)) log.info({ check: name }, 'readiness check passes again');
      return problem ? { status: 'fail' as const, detail: problem } : { status: 'ok' as const };
    } catch (err) {
      const timedOut = err instanceof CheckTimeout;
      if (!failing.has(name)) log.warn({ check: name, err: (err as Error).message.slice(0, 500) }, 'readiness check failed');
      failing.add(name);
      return { status: 'fail' as const, detail: timedOut ? `timed out after ${CHECK_DEADLINE_MS} ms` : 'unreachable' };
    }
  }

  return async (app: HttpServer) => {
    app.get('/health/live', {
      config: unlimited,
      schema: {
        tags: ['health'],
        operationId: 'getLiveness',
        summary: 'The process is up',
        description: 'Answers from memory, without the database: a liveness probe.',
        response: { 200: Live } },
      // Synchronous: a liveness probe has nothing to wait for, so it needs no promise either.
      handler: () => LIVE,
    });

    app.get('/health/ready', {
      config: unlimited,
      schema: {
        tags: ['health'],
        operationId: 'getReadiness',
        summary: 'Database reachable, migrations applied, dispatcher running',
        description: 'With Redis configured its state is reported too; while it is away the instance stays ready (status `degraded`).',
        response: { 200: Ready, 503: Ready },
      },
      handler: async (req, reply) => {
        const [database, migrations, dispatcher] = await Promise.all([
          check(
            async () => {
              await sql`SELECT 1`.execute(deps.database.db);
              return null;
            },
            req.log,
            'database',
          ),
          check(
            async () => {
              if (migrationsApplied) return null;
              const pending = await pendingMigrations(deps.database, deps.migrations);
              migrationsApplied = pending.length === 0;
              return pending.length ? `pending: ${pending.join(', ')}` : null;
            },
            req.log,
            'migrations',
          ),
          // An API-only instance (DISPATCHER_ENABLED=false) is ready without one.
          check(async () => (deps.dispatcher.running || !deps.dispatcherEnabled ? null : 'not running'), req.log, 'dispatcher'),
        ]);
        const ok = [database, migrations, dispatcher].every((c) => c.status === 'ok');
        if (!deps.redis) return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'fail', checks: { database, migrations, dispatcher } });
        // Redis going away degrades the service (local cache and limits); it does not stop it.
        const redisUp = deps.redis.isUp();
        const redis = redisUp ? { status: 'ok' as const } : { status: 'fail' as const, detail: REDIS_DOWN };
        const status = !ok ? 'fail' : redisUp ? 'ok' : 'degraded';
        return reply.status(ok ? 200 : 503).send({ status, checks: { database, migrations, dispatcher, redis } });
      },
    });
  };
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * GET /metrics in the Prometheus text format. With a token, only a request that presents it as
 * `Authorization: Bearer <token>` is answered (401 otherwise); the comparison hashes both sides
 * first, so it takes the same time whatever the length or the first differing character.
 * Registered on the API port only when METRICS_TOKEN is set, and on the METRICS_PORT listener.
 */
export function metricsRoutes(deps: { metrics: Metrics; token?: string }) {
  const { token } = deps;
  return async (app: HttpServer) => {
    app.get('/metrics', {
      config: unlimited,
      schema: { tags: ['health'], summary: 'Prometheus metrics', hide: true },
      onRequest: (request, reply, done) => {
        if (!token) return done();
        const given = BEARER.exec(request.headers.authorization ?? '')?.[1];
        if (given !== undefined && safeEqual(given, token)) return done();
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        done(CoreProblems.unauthenticated.error('The metrics token is missing or wrong'));
      },
      handler: async (_req, reply) => {
        reply.type(deps.metrics.registry.contentType);
        return deps.metrics.registry.metrics();
      },
    });
  };
}
