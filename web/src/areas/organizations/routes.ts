// Organizations. For now the page the invitation mail links to (`/invitations/accept?token=`,
// src/modules/organizations/invitations.ts): keep the path. The rest of the area (switching,
// members, audit, webhooks) is a later journey of issue #16.
import type { RouteObject } from 'react-router';
import { lazyPage } from '../../app/lazyPage';

const pages = () => import('./pages');

export const invitationRoutes: RouteObject[] = [{ path: 'invitations/accept', lazy: lazyPage(pages, 'AcceptInvitation', { signedIn: true }) }];
