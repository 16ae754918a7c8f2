// A report file made in the background: its progress while the job runs, then a button that
// downloads it. The file's link needs the access token, so it is fetched by the client and
// handed to the browser as a file (a plain link would go without credentials).
import { useState } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useJob } from '../../app/useJob';
import { JobProgress } from '../../ui/JobProgress';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';

export const FORMAT_LABEL = { csv: 'CSV', xlsx: 'Excel (XLSX)', pdf: 'PDF' } as const;

export function ReportFile({ orgId, jobId, format }: { orgId: string; jobId: string; format: keyof typeof FORMAT_LABEL }) {
  const job = useJob(jobId);
  const [saved, setSaved] = useState(false);
  const result = job?.status === 'completed' && job.result && 'link' in job.result && 'fileName' in job.result ? (job.result as { link: string; fileName: string; bytes: number }) : undefined;
  const download = useAction(async () => {
    if (!result) return;
    const blob = await call(api.GET('/orgs/{orgId}/reports/files/{jobId}', { params: { path: { orgId, jobId } }, parseAs: 'blob' }));
    const url = URL.createObjectURL(blob as Blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = result.fileName;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setSaved(true);
  });
  return (
    <div className="report-file">
      <JobProgress job={job} label={`${FORMAT_LABEL[format]} report`} />
      {result && (
        <p>
          <button type="button" onClick={() => void download.start()} disabled={download.pending}>
            Download {result.fileName}
          </button>{' '}
          <span className="meta">{Math.max(1, Math.round(result.bytes / 1024))} KB</span>
          {saved && <span role="status"> Saved to your downloads.</span>}
        </p>
      )}
      <ProblemAlert problem={download.problem} />
    </div>
  );
}
