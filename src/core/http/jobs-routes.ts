// GET /jobs/{id}: the status of a background job, for the user who started it (or an admin).
import { Type } from 'typebox';
import { AppError } from '../errors.ts';
import type { JobQueue } from '../jobs/types.ts';
import { principalOf } from './principal.ts';
import type { HttpServer } from './server.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const JobView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: Type.Union([
    Type.Literal('queued'),
    Type.Literal('active'),
    Type.Literal('completed'),
    Type.Literal('failed'),
    Type.Literal('retrying'),
    Type.Literal('cancelled'),
  ]),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  note: Nullable(Type.String()),
  /** What the job returned; a `link` field, when present, is where its file can be downloaded. */
  result: Type.Unknown(),
  error: Nullable(Type.String()),
  attempt: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  completedAt: Nullable(Type.String({ format: 'date-time' })),
});

export function jobRoutes(deps: { jobs: JobQueue }) {
  return async (app: HttpServer) => {
    app.get('/jobs/:id', {
      config: { auth: { scope: 'jobs:read' } },
      schema: {
        tags: ['jobs'],
        summary: 'Status, progress and result of a background job you started',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: JobView },
      },
      handler: async (req) => {
        const principal = principalOf(req);
        const job = await deps.jobs.get(req.params.id);
        // Someone else's job is as unknown as a missing one.
        if (!job || (job.ownerId !== principal.userId && principal.role !== 'admin')) {
          throw new AppError('not_found', 'NOT_FOUND', 'No such job');
        }
        return {
          ...job,
          createdAt: job.createdAt.toISOString(),
          startedAt: job.startedAt?.toISOString() ?? null,
          completedAt: job.completedAt?.toISOString() ?? null,
        };
      },
    });
  };
}
