// A background job the person started (an export, an indexing run), followed live: the job's
// state from GET /jobs/{id}, then each `job.progress` event of the realtime stream, and the job
// once more when it ends (the events carry no result). A slow poll covers a stream that is down.
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { live } from '../api/live';
import { call } from '../api/problem';
import type { components } from '../api/schema';

export type Job = components['schemas']['Job'];
const ENDED: Job['status'][] = ['completed', 'failed', 'cancelled'];
export const jobEnded = (job: Job | undefined) => !!job && ENDED.includes(job.status);

export function useJob(jobId: string | undefined, pollMs = 5000): Job | undefined {
  const [job, setJob] = useState<Job | undefined>(undefined);
  useEffect(() => {
    setJob(undefined);
    if (!jobId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchJob = async () => {
      try {
        const now = await call(api.GET('/jobs/{id}', { params: { path: { id: jobId } } }));
        if (stopped) return;
        setJob(now);
        if (!ENDED.includes(now.status)) timer = setTimeout(fetchJob, pollMs);
      } catch {
        if (!stopped) timer = setTimeout(fetchJob, pollMs);
      }
    };
    const off = live.on('job.progress', (event) => {
      if (event.jobId !== jobId || stopped) return;
      if (ENDED.includes(event.status)) {
        clearTimeout(timer);
        void fetchJob();
      } else setJob((now) => (now ? { ...now, status: event.status, progress: event.progress, note: event.note } : now));
    });
    void fetchJob();
    return () => {
      stopped = true;
      clearTimeout(timer);
      off();
    };
  }, [jobId, pollMs]);
  return job;
}
