// The workspace's start: the current version's files as a tree beside the file chosen
// (?path=…&line=…), highlighted; or, before any upload, the way to the upload.
import { useCallback } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { CodeView } from './CodeView';
import { FileTree } from './FileTree';
import { formatBytes } from './Upload';
import { useProjectParams, Workspace, workspacePath } from './Workspace';

export function Files() {
  const { orgId, projectId } = useProjectParams();
  const [query] = useSearchParams();
  const path = query.get('path') ?? undefined;
  const line = Number(query.get('line')) || undefined;
  const snapshots = useLoad(
    useCallback(() => call(api.GET('/orgs/{orgId}/projects/{projectId}/codebase/snapshots', { params: { path: { orgId, projectId }, query: { limit: 1 } } })), [orgId, projectId]),
  );
  const current = snapshots.data?.data[0];
  return (
    <Workspace title="Files">
      <ProblemAlert problem={snapshots.problem} />
      {snapshots.data && !current && (
        <p>
          No code yet. <Link to={workspacePath(orgId, projectId, 'upload')}>Upload the codebase</Link>.
        </p>
      )}
      {current && (
        <>
          <p className="hint">
            Version {current.version}, {current.name}: {current.files} files, {formatBytes(current.bytes)}.
          </p>
          <div className="files">
            <FileTree orgId={orgId} projectId={projectId} snapshot={current.version} selected={path} />
            <div className="code-view">{path ? <OpenFile orgId={orgId} projectId={projectId} snapshot={current.version} path={path} line={line} /> : <p>Choose a file.</p>}</div>
          </div>
        </>
      )}
    </Workspace>
  );
}

function OpenFile({ orgId, projectId, snapshot, path, line }: { orgId: string; projectId: string; snapshot: number; path: string; line: number | undefined }) {
  const file = useLoad(
    useCallback(
      () => call(api.GET('/orgs/{orgId}/projects/{projectId}/codebase/file', { params: { path: { orgId, projectId }, query: { path, snapshot } } })),
      [orgId, projectId, path, snapshot],
    ),
  );
  // A binary file answers bytes, never shown (the tree offers no link to one).
  const text = typeof file.data === 'object' ? file.data : undefined;
  return (
    <>
      <h2>{path}</h2>
      <ProblemAlert problem={file.problem} />
      {!file.data && !file.problem && <p role="status">Loading…</p>}
      {text && text.path === path && (
        <>
          <p className="hint">
            {text.language ?? 'plain text'}, {formatBytes(text.size)}
            {line ? `, line ${line}` : ''}
          </p>
          <CodeView file={text} line={line} />
        </>
      )}
    </>
  );
}
