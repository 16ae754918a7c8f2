// The snapshot's folders, one level loaded at a time (GET …/codebase/tree): a folder is a button
// that opens and closes it (aria-expanded), a file a link to the file view.
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { call, type Problem, ProblemError, toProblem } from '../../api/problem';
import type { components } from '../../api/schema';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { fileHref } from './Workspace';

type Entry = components['schemas']['CodebaseTree']['entries'][number];

interface Props {
  orgId: string;
  projectId: string;
  snapshot: number;
  selected: string | undefined;
}

export function FileTree(props: Props) {
  return (
    <nav aria-label="Files">
      <Folder {...props} path="" root />
    </nav>
  );
}

function Folder({ orgId, projectId, snapshot, selected, path, root }: Props & { path: string; root?: boolean }) {
  const [entries, setEntries] = useState<Entry[] | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    let stopped = false;
    call(api.GET('/orgs/{orgId}/projects/{projectId}/codebase/tree', { params: { path: { orgId, projectId }, query: { snapshot, ...(path ? { path } : {}) } } }))
      .then((tree) => !stopped && setEntries(tree.entries))
      .catch((err) => !stopped && setProblem(err instanceof ProblemError ? err.problem : toProblem(err)));
    return () => {
      stopped = true;
    };
  }, [orgId, projectId, snapshot, path]);
  if (problem) return <ProblemAlert problem={problem} />;
  if (!entries) return <p role="status">Loading…</p>;
  return (
    <ul className={root ? 'tree' : undefined}>
      {entries.map((entry) =>
        entry.type === 'folder' ? (
          <FolderEntry key={entry.path} entry={entry} orgId={orgId} projectId={projectId} snapshot={snapshot} selected={selected} />
        ) : entry.kind === 'binary' ? (
          // Binaries are never shown, only downloaded (docs/codebase.md).
          <li key={entry.path}>
            <span>{entry.name}</span> <span className="hint">(binary)</span>
          </li>
        ) : (
          <li key={entry.path}>
            <Link to={fileHref(orgId, projectId, entry.path)} aria-current={entry.path === selected ? 'page' : undefined}>
              {entry.name}
            </Link>
          </li>
        ),
      )}
    </ul>
  );
}

function FolderEntry({ entry, ...props }: Props & { entry: Entry }) {
  // A folder on the way to the file shown starts open.
  const [open, setOpen] = useState(() => !!props.selected?.startsWith(`${entry.path}/`));
  return (
    <li>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span aria-hidden="true">{open ? '▾' : '▸'} </span>
        {entry.name}/
      </button>
      {open && <Folder {...props} path={entry.path} />}
    </li>
  );
}
