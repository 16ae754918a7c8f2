// Organizations: creating one (or one under another), its overview, members and invitations,
// the audit log and webhooks. `/invitations/accept?token=` is the invitation mail's link
// (src/modules/organizations/invitations.ts): keep the path. `/orgs/:orgId` is the overview the
// header's switcher opens when the page has no area of its own.
import type { RouteObject } from 'react-router';
import type { OrgNavItem } from '../../app/areas';
import { lazyPage } from '../../app/lazyPage';

const pages = () => import('./pages');

export const organizationRoutes: RouteObject[] = [
  { path: 'invitations/accept', lazy: lazyPage(pages, 'AcceptInvitation', { signedIn: true }) },
  { path: 'orgs/new', lazy: lazyPage(pages, 'CreateOrganization', { signedIn: true }) },
  { path: 'orgs/:orgId', lazy: lazyPage(pages, 'OrgOverview', { signedIn: true }) },
  { path: 'orgs/:orgId/members', lazy: lazyPage(pages, 'Members', { signedIn: true }) },
  { path: 'orgs/:orgId/audit', lazy: lazyPage(pages, 'AuditLog', { signedIn: true }) },
  { path: 'orgs/:orgId/webhooks', lazy: lazyPage(pages, 'Webhooks', { signedIn: true }) },
  { path: 'orgs/:orgId/webhooks/:webhookId', lazy: lazyPage(pages, 'WebhookDeliveries', { signedIn: true }) },
];

export const organizationNav: OrgNavItem[] = [
  { to: 'members', label: 'Members' },
  { to: 'audit', label: 'Audit log' },
  { to: 'webhooks', label: 'Webhooks' },
];
