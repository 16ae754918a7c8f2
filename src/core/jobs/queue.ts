// The job queue over pg-boss. pg-boss claims jobs with SKIP LOCKED, retries with backoff,
// keeps failed jobs, and runs cron schedules once across instances; this wrapper adds what
// the API needs on top: an owner who may read the job, progress, and a status row that
// outlives pg-boss's retention (core.jobs), pushed to the owner's realtime stream.
import { randomUUID } from 'node:crypto';
import type { Job, JobWithMetadata, PgBoss } from 'pg-boss';
import { Type } from 'typebox';
import type { Database } from '../db/database.ts';
import { named } from '../http/schema-types.ts';
import { createFailureLog } from '../log/failure-log.ts';
import type { Logger } from '../log/logger.ts';
import type { RealtimeBroker } from '../realtime/types.ts';
import { tracing } from '../telemetry/tracing.ts';
import { JobStatusRepository } from './status-repository.ts';
import { pgBossDatabase, pgBossTransaction } from './pg-boss-database.ts';
import type { EnqueueOptions, JobContext, JobDefinition, JobQueue, JobStatus, JobView } from './types.ts';

const NAME = /^[a-z][a-z0-9_.-]{0,99}$/;
export const JOB_SCHEMA = 'pgboss';
/** Finished jobs (and their results) can be read for 30 days. */
const FINISHED_KEPT_MS = 30 * 86_400_000;
const PURGE_JOB = { name: 'core.purge_jobs', cron: '41 4 * * *', exclusive: true } as const;
const PurgeResult = named(
  'JobPurgeResult',
  Type.Object({ deleted: Type.Integer({ minimum: 0, description: 'Status rows of finished jobs deleted' }) }, { description: 'The result of a `core.purge_jobs` job' }),
);

export interface JobQueueOptions {
  database: Database;
  log: Logger;
  realtime?: RealtimeBroker;
  /** How often idle workers look for due jobs when no NOTIFY woke them (seconds, ≥ 0.5). */
  pollIntervalSeconds?: number;
  /** Jobs of one queue run at most this many at a time in this process. */
  concurrency?: number;
  /** Run pg-boss maintenance and cron (default true; tests drive jobs with drain()). */
  background?: boolean;
}

/** Creates pg-boss's schema (or upgrades it) without starting workers: migrations and test templates. */
export async function installJobSchema(database: Database): Promise<void> {
  const boss = await newBoss(database, { supervise: false, schedule: false });
  await boss.start();
  await boss.stop({ graceful: false });
}

async function newBoss(database: Database, extra: Record<string, unknown>): Promise<PgBoss> {
  // Loaded on first use (~200 ms of module compilation), which comes after start-up.
  const { PgBoss } = await import('pg-boss');
  return new PgBoss({
    db: pgBossDatabase(database),
    schema: JOB_SCHEMA,
    // With tracing on, pg-boss stores the trace context with each job it inserts (in the
    // enqueuing transaction) and runs the job in a span under it (decision 0024).
    openTelemetry: tracing()?.jobQueue ?? { enabled: false },
    ...extra,
  } as never);
}

export function createJobQueue(opts: JobQueueOptions): JobQueue & { prepare(): Promise<void> } {
  const { database, log } = opts;
  const definitions = new Map<string, JobDefinition>();
  const results: JobDefinition['result'][] = [];
  const ensured = new Set<string>();
  const status = new JobStatusRepository(database.db);
  // The queue's own upkeep: status rows of finished jobs are kept for a while, then purged.
  const purge: JobDefinition<unknown, typeof PurgeResult> = {
    ...PURGE_JOB,
    result: PurgeResult,
    handler: async () => ({ deleted: await status.purgeFinishedBefore(new Date(Date.now() - FINISHED_KEPT_MS)) }),
  };
  definitions.set(PURGE_JOB.name, purge);
  results.push(purge.result);
  let boss: PgBoss | undefined;
  let booting: Promise<PgBoss> | undefined;
  let running = false;
  const inFlight = new Set<Promise<unknown>>();
  const stopping = new AbortController();

  /** pg-boss is opened on first use: enqueue and read work without start(). */
  function open(): Promise<PgBoss> {
    booting ??= (async () => {
      // Maintenance (expiry, retention) and cron ticks run only where work is done in the
      // background; a test app or a CLI that only enqueues leaves them to the servers.
      const background = opts.background ?? true;
      // Supervision and monitoring also find attempts that outlived their timeout (a killed
      // worker's job) and retry them; every 15 s (pg-boss: 60) keeps that delay short at the
      // cost of a few cheap queries.
      const b = await newBoss(database, { supervise: background, schedule: background, superviseIntervalSeconds: 15, monitorIntervalSeconds: 15 });
      // Each worker's poll fails while the database is away: one line, then a summary every
      // 30 s, and one when 20 s pass without an error (pg-boss tells only of failures).
      const errors = createFailureLog(log, 'job queue', { recoverAfterMs: 20_000 });
      b.on('error', (err: Error) => errors.failed(err));
      await b.start();
      boss = b;
      return b;
    })();
    return booting.then(async (b) => {
      // Queues are created on first use, so handlers registered after start() work too.
      const missing = [...definitions.values()].filter((def) => !ensured.has(def.name));
      if (missing.length) await ensureQueues(b, missing);
      return b;
    });
  }

  /** Creates missing queues and updates changed ones, reading the existing ones in one query. */
  async function ensureQueues(b: PgBoss, defs: JobDefinition[]) {
    const existing = new Map((await b.getQueues(defs.map((def) => def.name))).map((q) => [q.name, q]));
    for (const def of defs) {
      // The options updateQueue can change; the policy is fixed when a queue is created.
      const tunable = {
        retryLimit: def.retryLimit ?? 3,
        retryDelay: def.retryDelaySeconds ?? 5,
        retryBackoff: def.retryBackoff ?? true,
        expireInSeconds: def.timeoutSeconds ?? 900,
      };
      const current = existing.get(def.name);
      if (!current) await b.createQueue(def.name, { policy: def.exclusive ? 'singleton' : 'standard', ...tunable });
      // createQueue keeps an existing queue's options; a changed definition must win.
      else if (Object.entries(tunable).some(([key, value]) => current[key as keyof typeof tunable] !== value)) await b.updateQueue(def.name, tunable);
      ensured.add(def.name);
    }
  }

  function definition(name: string): JobDefinition {
    const def = definitions.get(name);
    if (!def) throw new Error(`no job handler is registered for "${name}"`);
    return def;
  }

  async function publishStatus(ownerId: string | null, view: Partial<JobView> & { id: string; name: string }) {
    if (!ownerId || !opts.realtime) return;
    await opts.realtime
      .publish(ownerId, { event: 'job.progress', data: { jobId: view.id, name: view.name, status: view.status, progress: view.progress, note: view.note ?? null } })
      .catch((err) => log.warn({ err: (err as Error).message }, 'job progress push failed'));
  }

  /** One attempt of one job; returns its result or throws its error (pg-boss decides what follows). */
  async function run(job: Job<any> | JobWithMetadata<any>): Promise<unknown> {
    const def = definition(job.name);
    const attempt = job.retryCount + 1;
    const retryLimit = 'retryLimit' in job ? job.retryLimit : (def.retryLimit ?? 3);
    const row = await status.markActive(job.id, job.name, attempt);
    const ownerId = row.owner_id;
    const signal = AbortSignal.any([job.signal, stopping.signal].filter(Boolean) as AbortSignal[]);
    const context: JobContext<any> = {
      id: job.id,
      name: job.name,
      data: job.data,
      attempt,
      signal,
      async progress(fraction, note) {
        const progress = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
        await status.setProgress(job.id, progress, note ?? null);
        await publishStatus(ownerId, { id: job.id, name: job.name, status: 'active', progress, note });
      },
    };
    try {
      const result = (await def.handler(context)) ?? null;
      await status.finish(job.id, 'completed', result, null);
      await publishStatus(ownerId, { id: job.id, name: job.name, status: 'completed', progress: 1 });
      return result;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const final: JobStatus = attempt > retryLimit ? 'failed' : 'retrying';
      await status.finish(job.id, final, null, message.slice(0, 2000));
      await publishStatus(ownerId, { id: job.id, name: job.name, status: final, progress: row.progress });
      log.warn({ jobId: job.id, job: job.name, attempt, final: final === 'failed', err: message }, 'job attempt failed');
      throw err;
    }
  }

  /** pg-boss keeps an object as a job's output. */
  const asOutput = (value: unknown): object => (value && typeof value === 'object' ? value : { value });

  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  }

  return {
    /**
     * Opens pg-boss and creates every registered queue, as the first enqueue would. The
     * composition root calls it in the background once serving starts.
     */
    async prepare() {
      await open();
    },
    get running() {
      return running;
    },
    register(defs) {
      for (const def of defs) {
        if (!NAME.test(def.name)) throw new Error(`invalid job name "${def.name}"`);
        if (definitions.has(def.name)) throw new Error(`duplicate job name "${def.name}"`);
        definitions.set(def.name, def);
        results.push(def.result);
      }
    },
    results: () => results,
    async enqueue(name, data, options: EnqueueOptions = {}) {
      const def = definition(name);
      const b = await open();
      const send = {
        ...(options.db ? { db: pgBossTransaction(options.db) } : {}),
        ...(options.startAfter ? { startAfter: options.startAfter } : {}),
        ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
        ...(options.group ? { group: { id: options.group } } : {}),
      };
      const id = await b.send(def.name, (data ?? {}) as object, send);
      // Standard queues never refuse a job; a null id would mean pg-boss dropped it.
      if (!id) throw new Error(`job queue "${name}" refused the job`);
      await status.create(options.db ?? database.db, { id, queue: name, ownerId: options.ownerId ?? null });
      return id;
    },
    async enqueueMany(name, jobs, options = {}) {
      if (!jobs.length) return [];
      const def = definition(name);
      const b = await open();
      // Ids chosen here (pg-boss takes them as given), so the status rows and the answer follow
      // the order of `jobs` whatever order the insert returns its rows in.
      const ids = jobs.map(() => randomUUID());
      await b.insert(
        def.name,
        jobs.map((job, i) => ({
          id: ids[i],
          data: (job.data ?? {}) as object,
          ...(options.startAfter ? { startAfter: options.startAfter } : {}),
          ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
          ...(job.group ? { group: { id: job.group } } : {}),
        })),
        options.db ? { db: pgBossTransaction(options.db) } : {},
      );
      await status.createMany(
        options.db ?? database.db,
        ids.map((id) => ({ id, queue: name, ownerId: options.ownerId ?? null })),
      );
      return ids;
    },
    async get(id) {
      const row = await status.find(id);
      return row ? status.toView(row) : null;
    },
    async list(q) {
      return (await status.list(q)).map((row) => status.toView(row));
    },
    async retry(id) {
      const row = await status.find(id);
      if (row?.status !== 'failed') return null;
      const b = await open();
      // pg-boss keeps failed jobs for its retention period; past it there is nothing to run again.
      const job = await b.getJobById(row.queue, id);
      if (job?.state !== 'failed') return null;
      await b.retry(row.queue, id);
      const requeued = await status.markRequeued(id);
      return requeued ? status.toView(requeued) : null;
    },
    async start() {
      if (running) return;
      running = true;
      const b = await open();
      for (const def of definitions.values()) {
        const batchSize = def.batchSize ?? 1;
        const options = {
          pollingIntervalSeconds: Math.max(0.5, def.pollIntervalSeconds ?? opts.pollIntervalSeconds ?? 2),
          batchSize,
          localConcurrency: def.concurrency ?? opts.concurrency ?? 2,
          includeMetadata: true,
          ...(def.groupConcurrency ? { localGroupConcurrency: def.groupConcurrency } : {}),
        } as const;
        if (batchSize === 1) {
          await b.work<any>(def.name, options, async (jobs) => {
            for (const job of jobs) await track(run(job));
          });
        } else {
          // The jobs of a batch run side by side, each completed or failed on its own; while
          // batches come back full the worker fetches again at once (no poll interval).
          await b.work<any>(def.name, { ...options, burstWhenBatchFull: true, perJobResults: true } as never, (async (jobs: JobWithMetadata<any>[]) => {
            const settled = await Promise.allSettled(jobs.map((job) => track(run(job))));
            return settled.map((outcome, i) =>
              outcome.status === 'fulfilled'
                ? { id: jobs[i].id, status: 'completed' as const, output: asOutput(outcome.value) }
                : { id: jobs[i].id, status: 'failed' as const, output: { message: (outcome.reason as Error)?.message ?? String(outcome.reason) } },
            );
          }) as never);
        }
        if (def.cron) await b.schedule(def.name, def.cron, {}, { tz: 'UTC' });
      }
    },
    async drain() {
      const b = await open();
      let handled = 0;
      for (let progressed = true; progressed; ) {
        progressed = false;
        for (const def of definitions.values()) {
          const [job] = await b.fetch<any>(def.name, { includeMetadata: true } as never);
          if (!job) continue;
          progressed = true;
          handled++;
          try {
            const result = await run(job);
            await b.complete(def.name, job.id, asOutput(result));
          } catch (err) {
            await b.fail(def.name, job.id, { message: (err as Error).message });
          }
        }
      }
      return handled;
    },
    async stop() {
      running = false;
      stopping.abort();
      const b = boss ?? (booting ? await booting.catch(() => undefined) : undefined);
      await Promise.allSettled([...inFlight]);
      await b?.stop({ graceful: true, timeout: 10_000 }).catch(() => {});
      boss = undefined;
      booting = undefined;
      ensured.clear();
    },
  };
}
