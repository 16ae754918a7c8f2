// core.jobs: the status of each job as the API reports it.
import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { JobStatus, JobView } from './types.ts';

export interface JobRow {
  id: string;
  queue: string;
  owner_id: string | null;
  status: JobStatus;
  progress: number;
  note: string | null;
  result: unknown;
  error: string | null;
  attempt: number;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

export class JobStatusRepository {
  private readonly db: Executor;
  constructor(db: Executor) {
    this.db = db;
  }

  async create(db: Executor, job: { id: string; queue: string; ownerId: string | null }): Promise<void> {
    await this.createMany(db, [job]);
  }

  async createMany(db: Executor, jobs: { id: string; queue: string; ownerId: string | null }[]): Promise<void> {
    if (!jobs.length) return;
    await db
      .insertInto('core.jobs')
      .values(jobs.map((job) => ({ id: job.id, queue: job.queue, owner_id: job.ownerId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /** Marks an attempt started; creates the row for jobs not enqueued through the API (cron). */
  async markActive(id: string, queue: string, attempt: number): Promise<JobRow> {
    const row = await this.db
      .insertInto('core.jobs')
      .values({ id, queue, status: 'active', attempt, started_at: sql`now()` })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ status: 'active', attempt, error: null, started_at: sql`coalesce(core.jobs.started_at, now())` }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return row as JobRow;
  }

  async setProgress(id: string, progress: number, note: string | null): Promise<void> {
    await this.db.updateTable('core.jobs').set({ progress, note }).where('id', '=', id).execute();
  }

  async finish(id: string, status: JobStatus, result: unknown, error: string | null): Promise<void> {
    const done = status === 'completed' || status === 'failed';
    await this.db
      .updateTable('core.jobs')
      .set({
        status,
        error,
        ...(status === 'completed' ? { progress: 1, result: JSON.stringify(result) } : {}),
        ...(done ? { completed_at: sql`now()` } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Newest first, keyset on (created_at, id). */
  async list(q: { status: JobStatus; name?: string; after?: [string, string] | null; limit: number }): Promise<JobRow[]> {
    let query = this.db.selectFrom('core.jobs').selectAll().where('status', '=', q.status).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit);
    if (q.name) query = query.where('queue', '=', q.name);
    if (q.after) {
      const [at, id] = q.after;
      query = query.where((eb) => eb.or([eb('created_at', '<', new Date(at)), eb.and([eb('created_at', '=', new Date(at)), eb('id', '<', id)])]));
    }
    return (await query.execute()) as JobRow[];
  }

  /** A failed job sent back to the queue by an operator. */
  async markRequeued(id: string): Promise<JobRow | undefined> {
    return (await this.db
      .updateTable('core.jobs')
      .set({ status: 'queued', error: null, completed_at: null })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .returningAll()
      .executeTakeFirst()) as JobRow | undefined;
  }

  /** Deletes finished jobs older than the cutoff; returns how many went. */
  async purgeFinishedBefore(cutoff: Date): Promise<number> {
    const result = await this.db.deleteFrom('core.jobs').where('completed_at', '<', cutoff).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async find(id: string): Promise<JobRow | undefined> {
    return (await this.db.selectFrom('core.jobs').selectAll().where('id', '=', id).executeTakeFirst()) as JobRow | undefined;
  }

  toView(row: JobRow): JobView {
    return {
      id: row.id,
      name: row.queue,
      status: row.status,
      progress: Number(row.progress),
      note: row.note,
      result: typeof row.result === 'string' ? JSON.parse(row.result) : row.result,
      error: row.error,
      attempt: row.attempt,
      ownerId: row.owner_id,
      createdAt: new Date(row.created_at),
      startedAt: row.started_at ? new Date(row.started_at) : null,
      completedAt: row.completed_at ? new Date(row.completed_at) : null,
    };
  }
}
