// The data area: sources (connect, test, read the schema, browse tables, profile), queries (SQL
// with parameters, questions in plain language) and saved questions. Mails link to
// /orgs/:orgId/questions/:id (subscriptions, alerts: docs/console.md): keep that path.
import type { RouteObject } from 'react-router';
import type { OrgNavItem } from '../../app/areas';
import { lazyPage } from '../../app/lazyPage';

const pages = () => import('./pages');

export const dataRoutes: RouteObject[] = [
  { path: 'orgs/:orgId/data', lazy: lazyPage(pages, 'DataSources', { signedIn: true }) },
  { path: 'orgs/:orgId/data/sources/:sourceId', lazy: lazyPage(pages, 'DataSourcePage', { signedIn: true }) },
  { path: 'orgs/:orgId/data/query', lazy: lazyPage(pages, 'QueryPage', { signedIn: true }) },
  { path: 'orgs/:orgId/questions', lazy: lazyPage(pages, 'Questions', { signedIn: true }) },
  { path: 'orgs/:orgId/questions/:questionId', lazy: lazyPage(pages, 'QuestionPage', { signedIn: true }) },
];

export const dataNav: OrgNavItem[] = [
  { to: 'data', label: 'Data' },
  { to: 'questions', label: 'Questions' },
];
