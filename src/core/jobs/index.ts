export { createJobQueue, installJobSchema, JOB_SCHEMA, preloadJobQueue } from './queue.ts';
export type { EnqueueOptions, JobContext, JobDefinition, JobQueue, JobStatus, JobView } from './types.ts';
