// The projects area: an organization's projects (search, create, from a template) and one
// project's settings, budget, tasks, members, archive and save-as-template.
import type { RouteObject } from 'react-router';
import type { OrgNavItem } from '../../app/areas';
import { lazyPage } from '../../app/lazyPage';

const pages = () => import('./pages');

export const projectRoutes: RouteObject[] = [
  { path: 'orgs/:orgId/projects', lazy: lazyPage(pages, 'ProjectList', { signedIn: true }) },
  { path: 'orgs/:orgId/projects/:projectId', lazy: lazyPage(pages, 'ProjectDetail', { signedIn: true }) },
];

export const projectNav: OrgNavItem[] = [{ to: 'projects', label: 'Projects' }];
