// A job's progress as a labelled progress bar, with its note, and what went wrong if it failed.
import type { Job } from '../app/useJob';

export function JobProgress({ job, label }: { job: Job | undefined; label: string }) {
  if (!job) return <p role="status">{label}: starting…</p>;
  // The API reports progress as a fraction, 0 to 1.
  const percent = Math.round(Math.max(0, Math.min(1, job.progress)) * 100);
  return (
    <div className="job-progress">
      <label>
        <span>
          {label}: {job.status === 'completed' ? 'done' : job.status === 'failed' ? 'failed' : `${percent}%`}
        </span>
        <progress max={100} value={job.status === 'completed' ? 100 : percent} />
      </label>
      {job.note && job.status !== 'completed' && <span className="meta">{job.note}</span>}
      {job.status === 'failed' && <p role="alert">{job.error ?? 'The job failed.'}</p>}
    </div>
  );
}
