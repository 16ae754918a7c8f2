// Background jobs: work that must survive a crash and run once, off the request path
// (webhook deliveries, report files, scheduled maintenance). Backed by pg-boss on the
// same database, so enqueuing can share the transaction of the state change that asked
// for it.
import type { Static, TSchema } from 'typebox';
import type { Executor } from '../db/database.ts';

export type JobStatus = 'queued' | 'active' | 'completed' | 'failed' | 'retrying' | 'cancelled';

export interface JobContext<T> {
  id: string;
  name: string;
  data: T;
  /** 1 on the first run, 2 on the first retry, ... */
  attempt: number;
  /** Records progress (0..1) and pushes it to the job owner's realtime stream. */
  progress(fraction: number, note?: string): Promise<void>;
  /** Aborted when the job's time is up or the process is shutting down. */
  signal: AbortSignal;
}

export interface JobDefinition<T = any, R extends TSchema = TSchema> {
  /** Queue name, `<module>.<what>`: letters, digits, `.`, `_`, `-`. */
  name: string;
  /**
   * The schema of what `handler` returns: a `named()` object whose description names the job.
   * GET /jobs/{id} shows a job's `result` as one of these (decision 0028); give the definition
   * its type (`JobDefinition<Data, typeof Result>`) and the handler is checked against it.
   */
  result: R;
  /** Its return value is kept as the job's result (JSON); throwing fails the attempt. */
  handler(job: JobContext<T>): Promise<Static<R>>;
  /** Retries after the first attempt (default 3). */
  retryLimit?: number;
  /** First retry delay in seconds (default 5); doubles each retry when `retryBackoff`. */
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** Upper bound of one attempt (default 15 min). */
  timeoutSeconds?: number;
  /**
   * At most one job of this queue runs at a time across every instance (pg-boss
   * `singleton` policy); others wait their turn.
   */
  exclusive?: boolean;
  /** Cron expression (UTC): the queue also gets one job per tick, once across instances. */
  cron?: string;
  /**
   * Throughput of a queue that must keep up with a backlog (webhook deliveries): up to
   * `batchSize` jobs are fetched at once and run side by side, and while fetches come back full
   * the next one follows at once instead of after the poll interval (decision 0029).
   */
  batchSize?: number;
  /** Workers of this queue in each process (default JOBS_CONCURRENCY). */
  concurrency?: number;
  /**
   * Jobs of one group (`EnqueueOptions.group`, e.g. a webhook endpoint) running at once in a
   * process, at most: a slow group holds that many workers, never all of them.
   */
  groupConcurrency?: number;
  /**
   * Seconds between this queue's polls when it is idle (default: the queue's, 2 s; at least
   * 0.5): shorter for a job someone is waiting on (an upload becoming searchable), at the cost of
   * a poll query that often in each process.
   */
  pollIntervalSeconds?: number;
}

export interface EnqueueOptions {
  /** Enqueue inside this transaction: the job exists only if the transaction commits. */
  db?: Executor;
  /** The user who may read the job's status and receives its progress events. */
  ownerId?: string;
  /** Run no earlier than this. */
  startAfter?: Date;
  retryLimit?: number;
  /** The group the job counts against for the queue's `groupConcurrency`. */
  group?: string;
}

export interface JobView {
  id: string;
  name: string;
  status: JobStatus;
  progress: number;
  note: string | null;
  result: unknown;
  error: string | null;
  attempt: number;
  ownerId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

export interface JobQueue {
  /** Registers handlers; call before start(). Modules return `jobs` from setup instead. */
  register(definitions: JobDefinition[]): void;
  /**
   * The result schemas of the registered jobs, one per job: a live list, which grows as jobs
   * register, so the document built after start-up shows every job's result.
   */
  results(): readonly TSchema[];
  /** Returns the job id. */
  enqueue<T>(name: string, data: T, options?: EnqueueOptions): Promise<string>;
  /**
   * Many jobs of one queue in one statement (and one for their status rows), as `enqueue` would
   * make them one by one: a fan-out of a batch of events. Returns the ids in the order given.
   */
  enqueueMany<T>(name: string, jobs: { data: T; group?: string }[], options?: Omit<EnqueueOptions, 'group'>): Promise<string[]>;
  get(id: string): Promise<JobView | null>;
  /** Jobs in one state, newest first (operators: failed jobs). `after` is the last row's [createdAt ISO, id]. */
  list(q: { status: JobStatus; name?: string; after?: [string, string] | null; limit: number }): Promise<JobView[]>;
  /** Sends a failed job back to the queue for one more run; null when it is not (or no longer) failed. */
  retry(id: string): Promise<JobView | null>;
  /** Opens the queue and creates the registered queues; idempotent (the app does it in the background at start). */
  prepare(): Promise<void>;
  /** Starts workers and cron schedules (not needed to enqueue or read). */
  start(): Promise<void>;
  /** Runs every job that is due now, in this process, until none is left (tests, CLI). */
  drain(): Promise<number>;
  stop(): Promise<void>;
  readonly running: boolean;
}
