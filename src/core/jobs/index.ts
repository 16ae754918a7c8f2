export { createJobQueue, installJobSchema, JOB_SCHEMA } from './queue.ts';
export type { EnqueueOptions, JobContext, JobDefinition, JobQueue, JobStatus, JobView } from './types.ts';
