// The frame of a project's code pages: the page's title with the project's name, and the
// workspace's own tabs (files, upload, search, chat, documentation).
import { type ReactNode, useCallback } from 'react';
import { NavLink, useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';

/** The org and project of the address: every workspace page is under /orgs/:orgId/codebase/:projectId. */
export function useProjectParams(): { orgId: string; projectId: string } {
  const { orgId = '', projectId = '' } = useParams();
  return { orgId, projectId };
}

/** The workspace's address for a page: `workspacePath(org, project, 'search')`. */
export const workspacePath = (orgId: string, projectId: string, page = '') => `/orgs/${orgId}/codebase/${projectId}${page ? `/${page}` : ''}`;

/** The file view's address, at a line when given. */
export function fileHref(orgId: string, projectId: string, path: string, line?: number | null): string {
  const query = new URLSearchParams({ path });
  if (line) query.set('line', String(line));
  return `${workspacePath(orgId, projectId)}?${query}#L${line ?? 1}`;
}

const TABS = [
  { page: '', label: 'Files' },
  { page: 'upload', label: 'Upload' },
  { page: 'search', label: 'Search' },
  { page: 'chat', label: 'Ask about the code' },
  { page: 'docs', label: 'Documentation' },
];

export function Workspace({ title, children }: { title: string; children: ReactNode }) {
  const { orgId, projectId } = useProjectParams();
  const project = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/projects/{projectId}', { params: { path: { orgId, projectId } } })), [orgId, projectId]));
  return (
    <Page title={project.data ? `${title} · ${project.data.name}` : title}>
      <nav className="workspace-nav" aria-label="Code workspace">
        <ul>
          {TABS.map((tab) => (
            <li key={tab.page}>
              <NavLink to={workspacePath(orgId, projectId, tab.page)} end>
                {tab.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <ProblemAlert problem={project.problem} />
      {children}
    </Page>
  );
}
