// The account area: signing up and in, the mailed links (verify, reset), sessions, password,
// two-step sign-in, API keys. Paths the mails link to (/verify-email, /reset-password) must
// stay as they are: the server builds them from PUBLIC_URL (docs/console.md).
import type { RouteObject } from 'react-router';
import { lazyPage } from '../../app/lazyPage';
import type { NavItem } from '../../app/areas';

const pages = () => import('./pages');

export const accountRoutes: RouteObject[] = [
  { path: 'sign-in', lazy: lazyPage(pages, 'SignIn') },
  { path: 'sign-up', lazy: lazyPage(pages, 'SignUp') },
  { path: 'verify-email', lazy: lazyPage(pages, 'VerifyEmail') },
  { path: 'forgot-password', lazy: lazyPage(pages, 'ForgotPassword') },
  { path: 'reset-password', lazy: lazyPage(pages, 'ResetPassword') },
  { path: 'account/sessions', lazy: lazyPage(pages, 'Sessions', { signedIn: true }) },
  { path: 'account/password', lazy: lazyPage(pages, 'ChangePassword', { signedIn: true }) },
  { path: 'account/security', lazy: lazyPage(pages, 'Security', { signedIn: true }) },
  { path: 'account/api-keys', lazy: lazyPage(pages, 'ApiKeys', { signedIn: true }) },
];

export const accountNav: NavItem[] = [
  { to: '/account/sessions', label: 'Sessions' },
  { to: '/account/password', label: 'Password' },
  { to: '/account/security', label: 'Two-step sign-in' },
  { to: '/account/api-keys', label: 'API keys' },
];
