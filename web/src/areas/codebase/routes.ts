// The codebase area: a project's code workspace (upload in resumable parts, files with syntax
// highlighting, search, a chat about the code citing path:line) and its generated documentation.
// Org-scoped: /orgs/:orgId/codebase lists the projects, /orgs/:orgId/codebase/:projectId/… is one.
import type { RouteObject } from 'react-router';
import type { OrgNavItem } from '../../app/areas';
import { lazyPage } from '../../app/lazyPage';

const pages = () => import('./pages');
const base = 'orgs/:orgId/codebase';

export const codebaseRoutes: RouteObject[] = [
  { path: base, lazy: lazyPage(pages, 'CodebaseProjects', { signedIn: true }) },
  { path: `${base}/:projectId`, lazy: lazyPage(pages, 'Files', { signedIn: true }) },
  { path: `${base}/:projectId/upload`, lazy: lazyPage(pages, 'Upload', { signedIn: true }) },
  { path: `${base}/:projectId/search`, lazy: lazyPage(pages, 'Search', { signedIn: true }) },
  { path: `${base}/:projectId/chat`, lazy: lazyPage(pages, 'CodeChat', { signedIn: true }) },
  { path: `${base}/:projectId/docs`, lazy: lazyPage(pages, 'Docs', { signedIn: true }) },
];

export const codebaseNav: OrgNavItem[] = [{ to: 'codebase', label: 'Code' }];
