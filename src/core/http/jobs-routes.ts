// GET /jobs/{id}: the status of a background job, for the user who started it (or an admin).
import { type TSchema, Type } from 'typebox';
import { CoreProblems, defineProblem } from '../errors.ts';

const JobProblems = {
  notFound: CoreProblems.notFound,
  notFailed: defineProblem('conflict', 'JOBS.NOT_FAILED', 'Only a failed job that the queue still keeps can be retried.'),
};
import { decodeCursor, encodeCursor, PageQuery, pageOf } from './pagination.ts';
import type { JobQueue } from '../jobs/types.ts';
import { principalOf } from './principal.ts';
import type { ApiScope } from './scopes.ts';
import { Line, named, Nullable, OneOfKinds, Timestamp, Uuid } from './schema-types.ts';
import type { HttpServer } from './server.ts';

const Status = Type.Union([
  Type.Literal('queued'),
  Type.Literal('active'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('retrying'),
  Type.Literal('cancelled'),
]);

/**
 * A job as its owner sees it. `results` are the registered jobs' result schemas (each names its
 * job): the document shows `result` as one of them; the serializer writes it as stored.
 */
function jobSchemas(results: readonly TSchema[]) {
  const JobResult = named(
    'JobResult',
    OneOfKinds(results as TSchema[], 'What a completed job returned: one shape per job `name`, each naming its job. A `link`, when present, is where its file is downloaded.'),
  );
  const fields = {
    id: Uuid(),
    name: Type.String({ description: 'The job\'s queue, `<module>.<what>`: what it does, and the shape of its result' }),
    status: Status,
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    note: Nullable(Type.String()),
    result: Type.Union([JobResult, Type.Null()], { description: 'null until the job completes' }),
    error: Nullable(Type.String()),
    attempt: Type.Integer(),
    createdAt: Timestamp(),
    startedAt: Nullable(Timestamp()),
    completedAt: Nullable(Timestamp()),
  };
  const Job = named('Job', Type.Object(fields));
  // Operators see whose job it is too.
  const AdminJob = named('AdminJob', Type.Object({ ...fields, ownerId: Nullable(Uuid('The user who started it; null for scheduled jobs')) }));
  return { Job, AdminJob };
}
const ISO_AND_UUID = (key: unknown[]) =>
  key.length === 2 && typeof key[0] === 'string' && !Number.isNaN(Date.parse(key[0])) && typeof key[1] === 'string' && /^[0-9a-f-]{36}$/i.test(key[1]);

const toBody = (job: Awaited<ReturnType<JobQueue['get']>> & {}) => ({
  ...job,
  createdAt: job.createdAt.toISOString(),
  startedAt: job.startedAt?.toISOString() ?? null,
  completedAt: job.completedAt?.toISOString() ?? null,
});

/** The API key scopes these routes check (decision 0034). */
export const JOB_SCOPES: readonly ApiScope[] = [
  { name: 'jobs:read', description: 'Read the status, progress and result of a background job the key owner started.' },
  { name: 'jobs:admin', description: 'List background jobs and retry failed ones (the key owner must be an administrator).' },
];

export function jobRoutes(deps: { jobs: JobQueue }) {
  const { Job, AdminJob } = jobSchemas(deps.jobs.results());
  return async (app: HttpServer) => {
    app.get('/admin/jobs', {
      config: { auth: { role: 'admin', scope: 'jobs:admin' } },
      schema: {
        tags: ['admin'],
        operationId: 'listJobs',
        summary: 'List background jobs by state (default: failed), newest first',
        querystring: Type.Object({ status: { ...Status, default: 'failed' }, name: Type.Optional(Line(100, { description: 'Only jobs of this queue' })), ...PageQuery }),
        response: { 200: pageOf(AdminJob) },
      },
      handler: async (req) => {
        const { status, name, limit } = req.query;
        const after = decodeCursor(req.query.cursor, ISO_AND_UUID) as [string, string] | null;
        const rows = await deps.jobs.list({ status, name, after, limit: limit + 1 });
        const data = rows.slice(0, limit);
        const last = data[data.length - 1];
        return { data: data.map(toBody), page: { nextCursor: rows.length > limit ? encodeCursor([last.createdAt.toISOString(), last.id]) : null, limit } };
      },
    });

    app.post('/admin/jobs/:id/retry', {
      config: { auth: { role: 'admin', scope: 'jobs:admin' }, problems: [JobProblems.notFound, JobProblems.notFailed] },
      schema: {
        tags: ['admin'],
        operationId: 'retryJob',
        summary: 'Run a failed job once more',
        params: Type.Object({ id: Uuid() }),
        response: { 202: Job },
      },
      handler: async (req, reply) => {
        const job = await deps.jobs.retry(req.params.id);
        if (!job) {
          if (await deps.jobs.get(req.params.id)) throw JobProblems.notFailed.error('Only a failed job (still kept by the queue) can be retried');
          throw JobProblems.notFound.error('No such job');
        }
        return reply.status(202).send(toBody(job));
      },
    });

    app.get('/jobs/:id', {
      config: { auth: { scope: 'jobs:read' }, problems: [JobProblems.notFound] },
      schema: {
        tags: ['jobs'],
        operationId: 'getJob',
        summary: 'Status, progress and result of a background job you started',
        params: Type.Object({ id: Uuid() }),
        response: { 200: Job },
      },
      handler: async (req) => {
        const principal = principalOf(req);
        const job = await deps.jobs.get(req.params.id);
        // Someone else's job is as unknown as a missing one.
        if (!job || (job.ownerId !== principal.userId && principal.role !== 'admin')) {
          throw JobProblems.notFound.error('No such job');
        }
        return toBody(job);
      },
    });
  };
}
