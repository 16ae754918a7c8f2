// Uploading a codebase (a ZIP, a tar or a tar.gz) in resumable parts with a progress bar; an
// interrupted upload resumes from the parts the server already holds. Then the snapshot's
// indexing for search, followed live as a job.
import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { live } from '../../api/live';
import { call, type Problem, ProblemError, toProblem } from '../../api/problem';
import type { components } from '../../api/schema';
import { useJob } from '../../app/useJob';
import { JobProgress } from '../../ui/JobProgress';
import { Notice } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { partCount, putPartXhr, sendMissingParts } from './upload';
import { useProjectParams, Workspace, workspacePath } from './Workspace';

type Result = components['schemas']['CodebaseUpload'];
type Session = components['schemas']['CodebaseUploadSession'];
/** Parts of 8 MiB (or the server's cap, if lower): few requests, little lost when one fails. */
const PART_BYTES = 8 * 1024 * 1024;

type Phase = { step: 'idle' } | { step: 'sending' } | { step: 'interrupted'; problem: Problem } | { step: 'completing' } | { step: 'done'; result: Result; kept: number };

export function Upload() {
  const { orgId, projectId } = useProjectParams();
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const [progress, setProgress] = useState(0);
  const [pickProblem, setPickProblem] = useState<Problem | null>(null);
  // The session of the file being sent, kept across a failure so "Resume" continues it.
  const upload = useRef<{ id: string; file: File; partBytes: number } | null>(null);
  const indexJobId = useIndexJobId(phase.step === 'completing' || phase.step === 'done');
  const path = { orgId, projectId };
  // The open session is in the address (?session=), never in storage (docs/console.md): after a
  // reload or a crash the page finds it there, and the same file picked again resumes it.
  const [params, setParams] = useSearchParams();
  const sessionInAddress = params.get('session');
  const [interrupted, setInterrupted] = useState<Session | null>(null);
  useEffect(() => {
    if (!sessionInAddress || upload.current?.id === sessionInAddress) return;
    let stopped = false;
    call(api.GET('/orgs/{orgId}/projects/{projectId}/codebase/upload-sessions/{sessionId}', { params: { path: { orgId, projectId, sessionId: sessionInAddress } } }))
      .then((found) => {
        if (stopped) return;
        if (found.status === 'open') setInterrupted(found);
        else setParams({}, { replace: true });
      })
      .catch(() => !stopped && setParams({}, { replace: true }));
    return () => {
      stopped = true;
    };
  }, [orgId, projectId, sessionInAddress, setParams]);

  const start = async () => {
    if (!file) {
      setPickProblem({ status: 0, code: 'NO_FILE', title: 'No file', detail: 'Choose a ZIP, tar or tar.gz file first.' });
      return;
    }
    setPickProblem(null);
    // The same file as the interrupted session's (name and size): resume it rather than start over.
    if (interrupted && upload.current?.file !== file && file.name === interrupted.name && file.size === interrupted.totalBytes) {
      upload.current = { id: interrupted.id, file, partBytes: Math.min(PART_BYTES, interrupted.limits.maxPartBytes) };
    }
    setInterrupted(null);
    if (upload.current?.file !== file) {
      try {
        const created = await call(api.POST('/orgs/{orgId}/projects/{projectId}/codebase/upload-sessions', { params: { path }, body: { name: file.name, totalBytes: file.size } }));
        upload.current = { id: created.id, file, partBytes: Math.min(PART_BYTES, created.limits.maxPartBytes) };
        setParams({ session: created.id }, { replace: true });
      } catch (err) {
        setPickProblem(err instanceof ProblemError ? err.problem : toProblem(err));
        return;
      }
    }
    await send();
  };

  const send = async () => {
    const current = upload.current;
    if (!current) return;
    setPhase({ step: 'sending' });
    const sessionPath = { ...path, sessionId: current.id };
    try {
      const sent = await sendMissingParts(
        current.file,
        current.partBytes,
        {
          received: async () => (await call(api.GET('/orgs/{orgId}/projects/{projectId}/codebase/upload-sessions/{sessionId}', { params: { path: sessionPath } }))).parts,
          put: (n, bytes, sha256, onLoaded) =>
            putPartXhr(`/api/v1/orgs/${orgId}/projects/${projectId}/codebase/upload-sessions/${current.id}/parts/${n}`, bytes, sha256, onLoaded),
        },
        setProgress,
      );
      setPhase({ step: 'completing' });
      const result = await call(api.POST('/orgs/{orgId}/projects/{projectId}/codebase/upload-sessions/{sessionId}/complete', { params: { path: sessionPath }, body: { parts: sent.parts } }));
      upload.current = null;
      setParams({}, { replace: true });
      // Without `Prefer: respond-async` the completion answers the snapshot (201), never the session.
      setPhase({ step: 'done', result: result as Result, kept: sent.kept });
    } catch (err) {
      const problem = err instanceof ProblemError ? err.problem : toProblem(err);
      // A refused archive closes the session: a new upload starts a new one.
      if (problem.code === 'CODEBASE.ARCHIVE_REFUSED' || problem.code === 'CODEBASE.UPLOAD_SESSION_CLOSED' || problem.code === 'CODEBASE.UPLOAD_SESSION_NOT_FOUND') {
        upload.current = null;
        setParams({}, { replace: true });
      }
      setPhase({ step: 'interrupted', problem });
    }
  };

  const total = upload.current?.file.size ?? file?.size ?? 0;
  const parts = upload.current ? partCount(upload.current.file.size, upload.current.partBytes) : 0;
  const percent = total ? Math.round((Math.min(progress, total) / total) * 100) : 0;
  const busy = phase.step === 'sending' || phase.step === 'completing';

  return (
    <Workspace title="Upload code">
      <p>Upload the whole codebase as a ZIP, a tar or a tar.gz: it becomes a new version. It is sent in parts, so a dropped connection loses only the part under way.</p>
      {interrupted && (
        <p className="notice" role="status">
          The upload of {interrupted.name} was interrupted with {interrupted.parts.length} {interrupted.parts.length === 1 ? 'part' : 'parts'} ({formatBytes(interrupted.receivedBytes)}) stored. Choose
          the same file again and upload: only the rest is sent.
        </p>
      )}
      <div className="field">
        <label htmlFor="codebase-file">Archive</label>
        <input
          id="codebase-file"
          type="file"
          accept=".zip,.tar,.tgz,.tar.gz,application/zip,application/x-tar,application/gzip"
          aria-invalid={pickProblem ? true : undefined}
          aria-describedby={pickProblem ? 'codebase-file-error' : undefined}
          disabled={busy}
          onChange={(e) => {
            setFile(e.currentTarget.files?.[0] ?? null);
            setProgress(0);
            setPhase({ step: 'idle' });
          }}
        />
        {pickProblem && (
          <p id="codebase-file-error" className="field-error">
            {pickProblem.detail}
          </p>
        )}
      </div>
      <p>
        <button type="button" className="primary" onClick={() => void start()} disabled={busy}>
          Upload
        </button>
      </p>
      {(busy || phase.step === 'interrupted' || (phase.step === 'done' && progress > 0)) && (
        <div className="upload-progress">
          <label>
            <span>
              Sent: {percent}% of {formatBytes(total)}
              {parts > 1 && ` in ${parts} parts`}
            </span>
            <progress max={100} value={percent} />
          </label>
        </div>
      )}
      <div role="status">
        {phase.step === 'completing' && <p>Reading the archive…</p>}
        {phase.step === 'done' && (
          <p className="notice">
            Version {phase.result.snapshot.version} is stored: {phase.result.snapshot.files} files
            {phase.result.skippedCount > 0 && `, ${phase.result.skippedCount} left out`}.
            {phase.kept > 0 && ` Resumed: ${phase.kept} ${phase.kept === 1 ? 'part' : 'parts'} already stored ${phase.kept === 1 ? 'was' : 'were'} not sent again.`}
          </p>
        )}
      </div>
      {phase.step === 'interrupted' && (
        <>
          <ProblemAlert problem={phase.problem} />
          {upload.current && (
            <p>
              <button type="button" onClick={() => void send()}>
                Resume the upload
              </button>{' '}
              <span className="hint">The parts already stored are not sent again.</span>
            </p>
          )}
        </>
      )}
      {phase.step === 'done' && <Indexing version={phase.result.snapshot.version} jobId={indexJobId} />}
    </Workspace>
  );
}

/**
 * The id of the indexing job the upload started. The snapshot does not name its job, but the
 * job's progress events on the realtime stream do, with its name; listening from the page's
 * start keeps the stream open before the upload completes, so the first event is not missed.
 */
function useIndexJobId(watching: boolean): string | undefined {
  const [jobId, setJobId] = useState<string | undefined>(undefined);
  const watchingRef = useRef(watching);
  watchingRef.current = watching;
  useEffect(
    () =>
      live.on('job.progress', (event) => {
        if (event.name === 'codebase.index_snapshot' && watchingRef.current) setJobId((now) => now ?? event.jobId);
      }),
    [],
  );
  return jobId;
}

/** The new version's indexing: its job's progress, and the snapshot's `searchable` once done. */
function Indexing({ version, jobId }: { version: number; jobId: string | undefined }) {
  const { orgId, projectId } = useProjectParams();
  const job = useJob(jobId);
  const [searchable, setSearchable] = useState(false);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The snapshot says when it is searchable; a slow poll covers a job event missed.
    const check = async () => {
      try {
        const snapshot = await call(api.GET('/orgs/{orgId}/projects/{projectId}/codebase/snapshots/{version}', { params: { path: { orgId, projectId, version } } }));
        if (stopped) return;
        if (snapshot.searchable) return setSearchable(true);
      } catch {
        // Tried again below.
      }
      if (!stopped) timer = setTimeout(check, 1000);
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [orgId, projectId, version]);
  const done = searchable || job?.status === 'completed';
  return (
    <section aria-labelledby="indexing-title">
      <h2 id="indexing-title">Indexing for search</h2>
      {jobId && <JobProgress job={job} label="Indexing" />}
      {done ? (
        <Notice>
          Version {version} is indexed: <Link to={workspacePath(orgId, projectId, 'search')}>search it</Link> or{' '}
          <Link to={workspacePath(orgId, projectId)}>browse its files</Link>.
        </Notice>
      ) : (
        !jobId && <p role="status">Indexing version {version}…</p>
      )}
    </section>
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
