// The organization's projects, each opening its code workspace.
import { useCallback } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useParams } from 'react-router';
import { workspacePath } from './Workspace';

export function CodebaseProjects() {
  const { orgId = '' } = useParams();
  const projects = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/projects', { params: { path: { orgId }, query: { sort: 'name', limit: 100 } } })), [orgId]));
  return (
    <Page title="Code">
      <p>Choose a project to upload, browse, search and document its code.</p>
      <ProblemAlert problem={projects.problem} />
      {!projects.data && !projects.problem && <p role="status">Loading…</p>}
      <ul className="list" aria-label="Projects">
        {projects.data?.data.map((p) => (
          <li key={p.id}>
            <Link to={workspacePath(orgId, p.id)}>{p.name}</Link>
            <span className="meta">{p.key}</span>
          </li>
        ))}
      </ul>
      {projects.data?.data.length === 0 && <p>No projects yet: a project holds the code.</p>}
    </Page>
  );
}
