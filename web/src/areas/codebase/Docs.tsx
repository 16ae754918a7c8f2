// Documentation generated from the current version (docs/gendoc.md): formats and template
// chosen, the run followed live as a job, then each format downloaded; earlier runs below.
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { call, fieldMessages } from '../../api/problem';
import type { components } from '../../api/schema';
import { jobEnded, useJob } from '../../app/useJob';
import { useLoad } from '../../app/useLoad';
import { JobProgress } from '../../ui/JobProgress';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { formatBytes } from './Upload';
import { useProjectParams, Workspace } from './Workspace';

type Run = components['schemas']['DocRun'];
type Format = Run['formats'][number];
const FORMATS: { value: Format; label: string }[] = [
  { value: 'md', label: 'Markdown (a ZIP of pages)' },
  { value: 'html', label: 'HTML site (a ZIP)' },
  { value: 'pdf', label: 'PDF' },
];

export function Docs() {
  const { orgId, projectId } = useProjectParams();
  const path = { orgId, projectId };
  const runs = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/projects/{projectId}/docs', { params: { path: { orgId, projectId }, query: { limit: 20 } } })), [orgId, projectId]));
  const templates = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/doc-templates', { params: { path: { orgId } } })), [orgId]));
  const [formats, setFormats] = useState<Format[]>(['md']);
  const [template, setTemplate] = useState('default');
  const [runId, setRunId] = useState<string | undefined>(undefined);

  const generate = useAction(async () => {
    const run = await call(api.POST('/orgs/{orgId}/projects/{projectId}/docs', { params: { path }, body: { formats, template } }));
    setRunId(run.id);
    await runs.reload();
  });
  const latest = runs.data?.data.find((r) => r.id === runId);
  const job = useJob(latest?.jobId ?? undefined, 2000);
  const ended = jobEnded(job);
  // The run's outputs are written when its job ends: read the run again then.
  const reload = runs.reload;
  useEffect(() => {
    if (ended) void reload();
  }, [ended, reload]);
  const errors = fieldMessages(generate.problem);
  const toggle = (format: Format) => setFormats((now) => (now.includes(format) ? now.filter((f) => f !== format) : [...now, format]));

  return (
    <Workspace title="Documentation">
      <p>Documentation is generated from the current version's code: its modules, exports and APIs, in the formats you choose.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void generate.start();
        }}
        noValidate
        aria-label="Generate documentation"
      >
        <fieldset aria-describedby={errors.formats ? 'formats-error' : undefined}>
          <legend>Formats</legend>
          {FORMATS.map((f) => (
            <label key={f.value} className="checkbox">
              <input type="checkbox" checked={formats.includes(f.value)} onChange={() => toggle(f.value)} />
              <span>{f.label}</span>
            </label>
          ))}
          {errors.formats && (
            <p id="formats-error" className="field-error">
              {errors.formats}
            </p>
          )}
        </fieldset>
        <div className="field">
          <label htmlFor="doc-template">Template</label>
          <select id="doc-template" value={template} onChange={(e) => setTemplate(e.currentTarget.value)}>
            {(templates.data?.data ?? [{ id: 'default', name: 'default' }]).map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <ProblemAlert problem={generate.problem ?? runs.problem} />
        <button type="submit" className="primary" disabled={generate.pending || (!!latest && !ended)}>
          Generate the documentation
        </button>
      </form>
      {latest?.jobId && (
        <section aria-labelledby="run-title">
          <h2 id="run-title">This run</h2>
          <JobProgress job={job} label="Generating" />
          {ended && latest.status === 'failed' && <p role="alert">{latest.error ?? 'The run failed.'}</p>}
        </section>
      )}
      <h2>Runs</h2>
      {runs.data?.data.length === 0 && <p>No documentation generated yet.</p>}
      <ul className="list" aria-label="Documentation runs">
        {runs.data?.data.map((run) => (
          <RunItem key={run.id} run={run} orgId={orgId} projectId={projectId} />
        ))}
      </ul>
    </Workspace>
  );
}

function RunItem({ run, orgId, projectId }: { run: Run; orgId: string; projectId: string }) {
  const download = useAction(async (format: Format) => {
    // The file comes with the bearer token, so a plain link cannot fetch it: read it, then hand
    // it to the browser as a download.
    const answer = await api.GET('/orgs/{orgId}/projects/{projectId}/docs/{runId}/download', {
      params: { path: { orgId, projectId, runId: run.id }, query: { format } },
      parseAs: 'blob',
    });
    const blob = await call(Promise.resolve(answer));
    const output = run.outputs.find((o) => o.format === format);
    const url = URL.createObjectURL(blob as Blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = output?.fileName ?? `docs.${format}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
  return (
    <li>
      <div>
        <strong>Version {run.snapshot}</strong> <span className="meta">{new Date(run.createdAt).toLocaleString()}</span>
        <div className="meta">
          {run.status === 'done' ? `${run.stats?.symbols ?? 0} symbols from ${run.stats?.filesParsed ?? 0} files` : run.status}
          {run.error && ` — ${run.error}`}
        </div>
        <ProblemAlert problem={download.problem} />
      </div>
      <div>
        {run.outputs.map((o) => (
          <button key={o.format} type="button" onClick={() => void download.start(o.format)} disabled={download.pending}>
            Download {o.format.toUpperCase()}
            <span className="visually-hidden"> of version {run.snapshot}</span> <span className="meta">({formatBytes(o.size)})</span>
          </button>
        ))}
      </div>
    </li>
  );
}
