// Assistants and conversations of an organization (docs/chat.md, docs/assistants.md), and the
// public page of a shared conversation: its link is /shared-conversations/<token>, the API's
// path without /api/v1 (decision 0058).
import type { RouteObject } from 'react-router';
import type { OrgNavItem } from '../../app/areas';
import { lazyPage } from '../../app/lazyPage';

const pages = () => import('./pages');

export const chatRoutes: RouteObject[] = [
  { path: 'orgs/:orgId/chat', lazy: lazyPage(pages, 'Conversations', { signedIn: true }) },
  { path: 'orgs/:orgId/chat/:conversationId', lazy: lazyPage(pages, 'Conversation', { signedIn: true }) },
  { path: 'orgs/:orgId/assistants', lazy: lazyPage(pages, 'Assistants', { signedIn: true }) },
  { path: 'orgs/:orgId/assistants/:assistantId', lazy: lazyPage(pages, 'AssistantEdit', { signedIn: true }) },
  { path: 'shared-conversations/:token', lazy: lazyPage(pages, 'SharedConversation') },
];

export const chatNav: OrgNavItem[] = [
  { to: 'chat', label: 'Chat' },
  { to: 'assistants', label: 'Assistants' },
];
