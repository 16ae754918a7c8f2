// The job queue end to end on the test database: enqueue (alone and inside a transaction),
// run, retry with backoff, fail for good, progress, and GET /jobs/{id} for its owner only.
import { sql } from 'kysely';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { named } from '../src/core/http/schema-types.ts';
import { createJobQueue } from '../src/core/jobs/index.ts';
import { bearer, createTestApp, makeAdmin, scrapeMetrics, signUp, type TestApp } from './harness.ts';

let t: TestApp;
const seen: { name: string; data: unknown; attempt: number }[] = [];
let failUntilAttempt = 0;

beforeAll(async () => {
  t = await createTestApp();
  t.app.jobs.register([
    {
      name: 'test.echo',
      retryLimit: 2,
      retryDelaySeconds: 0,
      retryBackoff: false,
      // Registered before the document is first read: GET /jobs/{id} shows this result too.
      result: named('TestEchoResult', Type.Object({ link: Type.String(), echoed: Type.Object({ n: Type.Union([Type.Integer(), Type.String()]) }) }, { description: 'The result of a `test.echo` job' })),
      async handler(job) {
        seen.push({ name: job.name, data: job.data, attempt: job.attempt });
        await job.progress(0.5, 'half way');
        if (job.attempt <= failUntilAttempt) throw new Error(`attempt ${job.attempt} failed on purpose`);
        return { link: `/files/${job.id}`, echoed: job.data };
      },
    },
  ]);
});
afterAll(async () => {
  await t?.close();
});

describe('job queue', () => {
  it('runs an enqueued job once and records its result for the owner', async () => {
    const owner = await signUp(t);
    failUntilAttempt = 0;
    seen.length = 0;
    const id = await t.app.jobs.enqueue('test.echo', { n: 1 }, { ownerId: owner.userId });
    expect(id).toBeTruthy();
    const queued = await t.request({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: bearer(owner.accessToken) });
    expect(queued.statusCode, queued.body).toBe(200);
    expect(queued.json()).toMatchObject({ id, name: 'test.echo', status: 'queued', progress: 0 });

    expect(await t.runJobs()).toBe(1);
    expect(await t.runJobs()).toBe(0); // nothing runs twice
    expect(seen).toEqual([{ name: 'test.echo', data: { n: 1 }, attempt: 1 }]);

    const done = await t.request({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: bearer(owner.accessToken) });
    expect(done.json()).toMatchObject({ status: 'completed', progress: 1, note: 'half way', result: { link: `/files/${id}`, echoed: { n: 1 } }, error: null, attempt: 1 });
    expect(done.json().completedAt).toBeTruthy();
  });

  it('hides a job from everyone but its owner (404) and refuses anonymous callers (401)', async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const id = await t.app.jobs.enqueue('test.echo', { n: 2 }, { ownerId: owner.userId });
    const foreign = await t.request({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: bearer(other.accessToken) });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('NOT_FOUND');
    const anonymous = await t.request({ method: 'GET', url: `/api/v1/jobs/${id}` });
    expect(anonymous.statusCode).toBe(401);
    const bad = await t.request({ method: 'GET', url: '/api/v1/jobs/not-a-uuid', headers: bearer(owner.accessToken) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');
    await t.runJobs();
  });

  it('retries a failing job and marks it failed after its last retry', async () => {
    const owner = await signUp(t);
    failUntilAttempt = 10;
    seen.length = 0;
    const id = await t.app.jobs.enqueue('test.echo', { n: 3 }, { ownerId: owner.userId });
    for (let i = 0; i < 5; i++) await t.runJobs();
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]); // first run + retryLimit 2
    const res = await t.request({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: bearer(owner.accessToken) });
    expect(res.json()).toMatchObject({ status: 'failed', attempt: 3, error: 'attempt 3 failed on purpose' });
  });

  it('lets an admin list failed jobs and run one again', async () => {
    const owner = await signUp(t);
    const admin = await signUp(t);
    await makeAdmin(t, admin.userId);
    failUntilAttempt = 10;
    const id = await t.app.jobs.enqueue('test.echo', { n: 'dead' }, { ownerId: owner.userId });
    for (let i = 0; i < 5; i++) await t.runJobs();
    const list = await t.request({ method: 'GET', url: '/api/v1/admin/jobs?status=failed&name=test.echo&limit=50', headers: bearer(admin.accessToken) });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().data.map((j: { id: string }) => j.id)).toContain(id);
    const forbidden = await t.request({ method: 'GET', url: '/api/v1/admin/jobs', headers: bearer(owner.accessToken) });
    expect(forbidden.statusCode).toBe(403);

    failUntilAttempt = 0;
    const retried = await t.request({ method: 'POST', url: `/api/v1/admin/jobs/${id}/retry`, headers: bearer(admin.accessToken) });
    expect(retried.statusCode, retried.body).toBe(202);
    expect(retried.json()).toMatchObject({ id, status: 'queued', error: null });
    await t.runJobs();
    const done = await t.request({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: bearer(owner.accessToken) });
    expect(done.json()).toMatchObject({ status: 'completed', result: { echoed: { n: 'dead' } } });
    // Only failed jobs go back to the queue.
    const again = await t.request({ method: 'POST', url: `/api/v1/admin/jobs/${id}/retry`, headers: bearer(admin.accessToken) });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('JOBS.NOT_FAILED');
    const unknown = await t.request({ method: 'POST', url: '/api/v1/admin/jobs/00000000-0000-4000-8000-000000000000/retry', headers: bearer(admin.accessToken) });
    expect(unknown.statusCode).toBe(404);
  });

  it('recovers when a retry succeeds', async () => {
    const owner = await signUp(t);
    failUntilAttempt = 1;
    seen.length = 0;
    const id = await t.app.jobs.enqueue('test.echo', { n: 4 }, { ownerId: owner.userId });
    for (let i = 0; i < 3; i++) await t.runJobs();
    expect(seen.map((s) => s.attempt)).toEqual([1, 2]);
    const res = await t.request({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: bearer(owner.accessToken) });
    expect(res.json()).toMatchObject({ status: 'completed', attempt: 2, error: null });
  });

  it('enqueues inside a transaction: a rolled-back transaction leaves no job', async () => {
    failUntilAttempt = 0;
    seen.length = 0;
    let kept = '';
    await t.database.db.transaction().execute(async (tx) => {
      kept = await t.app.jobs.enqueue('test.echo', { n: 'committed' }, { db: tx });
    });
    await expect(
      t.database.db.transaction().execute(async (tx) => {
        await t.app.jobs.enqueue('test.echo', { n: 'rolled back' }, { db: tx });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await t.runJobs();
    expect(seen.map((s) => s.data)).toEqual([{ n: 'committed' }]);
    const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM core.jobs WHERE id = ${kept}`.execute(t.database.db);
    expect(rows.rows[0].n).toBe(1);
  });

  it('enqueues many jobs in one go, inside a transaction, with the queue\'s settings and a status row each', async () => {
    failUntilAttempt = 0;
    seen.length = 0;
    let ids: string[] = [];
    await t.database.db.transaction().execute(async (tx) => {
      ids = await t.app.jobs.enqueueMany('test.echo', [{ data: { n: 'a' } }, { data: { n: 'b' }, group: 'g1' }, { data: { n: 'c' }, group: 'g1' }], { db: tx });
    });
    expect(ids).toHaveLength(3);
    const jobs = await sql<{ id: string; data: unknown; retry_limit: number; group_id: string | null }>`
      SELECT id, data, retry_limit, group_id FROM pgboss.job WHERE id = ANY(${ids}::uuid[])`.execute(t.database.db);
    const byId = new Map(jobs.rows.map((r) => [r.id, r]));
    // In the order given, with the queue's retry limit and the groups asked for.
    expect(ids.map((id) => byId.get(id)?.data)).toEqual([{ n: 'a' }, { n: 'b' }, { n: 'c' }]);
    expect(ids.map((id) => byId.get(id)?.retry_limit)).toEqual([2, 2, 2]);
    expect(ids.map((id) => byId.get(id)?.group_id)).toEqual([null, 'g1', 'g1']);
    const status = await sql<{ n: number }>`SELECT count(*)::int AS n FROM core.jobs WHERE id = ANY(${ids}::uuid[]) AND status = 'queued'`.execute(t.database.db);
    expect(status.rows[0].n).toBe(3);
    expect(await t.runJobs()).toBe(3);
    expect(seen.map((x) => x.data)).toEqual(expect.arrayContaining([{ n: 'a' }, { n: 'b' }, { n: 'c' }]));
    expect(await t.app.jobs.enqueueMany('test.echo', [])).toEqual([]);
  });

  it('purges finished jobs after 30 days and counts open and failed ones in /metrics', async () => {
    failUntilAttempt = 0;
    const old = await t.app.jobs.enqueue('test.echo', { n: 'old' });
    const recent = await t.app.jobs.enqueue('test.echo', { n: 'recent' });
    await t.runJobs();
    await sql`UPDATE core.jobs SET completed_at = now() - interval '31 days' WHERE id = ${old}`.execute(t.database.db);
    const metrics = await scrapeMetrics(t);
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/^jobs_failed \d+$/m);
    expect(metrics.body).toMatch(/^jobs_waiting \d+$/m);

    await t.app.jobs.enqueue('core.purge_jobs', {});
    await t.runJobs();
    const left = await sql<{ id: string }>`SELECT id FROM core.jobs WHERE id IN (${old}, ${recent})`.execute(t.database.db);
    expect(left.rows.map((r) => r.id)).toEqual([recent]);
  });

  it('creates a new queue and applies a changed definition to an existing one when the queue opens', async () => {
    const queue = (retryLimit: number) => {
      const q = createJobQueue({ database: t.app.database, log: t.app.log, background: false });
      q.register([{ name: 'test.redefined', retryLimit, result: Type.Null(), async handler() {} }]);
      return q;
    };
    const first = queue(1);
    await first.prepare();
    const stored = async () =>
      (await sql<{ retry_limit: number }>`SELECT retry_limit FROM pgboss.queue WHERE name = 'test.redefined'`.execute(t.app.database.db)).rows[0]?.retry_limit;
    expect(await stored()).toBe(1);
    await first.stop();
    const second = queue(4);
    await second.prepare();
    expect(await stored()).toBe(4);
    await second.stop();
  });

  it('refuses unknown job names', async () => {
    await expect(t.app.jobs.enqueue('test.unknown', {})).rejects.toThrow(/no job handler/);
  });
});
