// The dashboard as a PDF: a background job followed live (useJob), its file offered when done.
import { useState } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { JobProgress } from '../../ui/JobProgress';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { useJob } from '../../app/useJob';
import type { FilterValue } from './types';

export function ExportPanel({ orgId, dashboardId, filters }: { orgId: string; dashboardId: string; filters: Record<string, FilterValue> }) {
  const [jobId, setJobId] = useState<string | undefined>(undefined);
  const job = useJob(jobId);
  const start = useAction(async () => {
    const accepted = await call(api.POST('/orgs/{orgId}/dashboards/{dashboardId}/exports', { params: { path: { orgId, dashboardId } }, body: { format: 'pdf', filters: filters as never } }));
    setJobId(accepted.jobId);
  });
  const file = job?.status === 'completed' ? (job.result as { link?: string; fileName?: string } | null | undefined) : undefined;
  return (
    <section aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <p className="hint">A PDF of the dashboard with the filters as applied now.</p>
      <button type="button" onClick={() => start.start()} disabled={start.pending || (!!jobId && !file && job?.status !== 'failed')}>
        Export as PDF
      </button>
      <ProblemAlert problem={start.problem} />
      {jobId && <JobProgress job={job} label="PDF export" />}
      {file?.link && (
        <p role="status">
          <a href={file.link} download={file.fileName}>
            Download {file.fileName ?? 'the PDF'}
          </a>
        </p>
      )}
    </section>
  );
}
